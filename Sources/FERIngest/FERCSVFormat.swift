import FERCore
import FERData
import FERMedia

#if canImport(Glibc)
import Glibc
#endif

/// The FER2013 CSV format: a header naming `emotion`, `pixels` and optionally `Usage` (any order, any
/// case, other columns ignored), then one row per face with 2,304 space-separated 0-255 values.
/// Fields may be quoted (`""` escapes a quote); rows end in LF or CRLF.
struct FERCSVFormat: Sendable {
    let emotionColumn: Int
    let pixelsColumn: Int
    let usageColumn: Int?
    let columnCount: Int

    /// What one data row became.
    enum Row {
        /// `labelText` is only spelled out when the label does not resolve to a class (for the reject).
        case face(label: LabelVocabulary.Resolution, labelText: String?, usage: Usage, pixels: [UInt8])
        case bad(RejectReason, String)
    }

    /// Reads the header row.
    /// - Throws: `.badCSVHeader` naming the missing columns and the ones found.
    init(header: UnsafeRawBufferPointer, location: InputLocation) throws {
        let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
        let header = header.starts(with: byteOrderMark) ? UnsafeRawBufferPointer(rebasing: header.dropFirst(3)) : header
        let names = Self.fields(of: header).map { $0.text(in: header).trimmingWhitespace().lowercased() }
        let emotion = names.firstIndex { $0 == "emotion" || $0 == "label" }
        let pixels = names.firstIndex(of: "pixels")
        guard let emotion, let pixels else {
            let missing = [emotion == nil ? "emotion" : nil, pixels == nil ? "pixels" : nil].compactMap { $0 }
            throw FerError(
                .badCSVHeader,
                "header lacks \(missing.joined(separator: " and ")) (found: \(names.joined(separator: ", ")); expected emotion,pixels[,Usage])",
                at: location)
        }
        emotionColumn = emotion
        pixelsColumn = pixels
        usageColumn = names.firstIndex(of: "usage")
        columnCount = names.count
    }

    func parse(row: UnsafeRawBufferPointer, vocabulary: LabelVocabulary) -> Row {
        let fields = Self.fields(of: row)
        guard fields.count == columnCount else {
            return .bad(.wrongFieldCount, "expected \(columnCount) fields, found \(fields.count)")
        }
        // Byte-level fast paths for the usual one-digit label and the three usual Usage values.
        let label: LabelVocabulary.Resolution
        var labelText: String?
        if let resolved = fields[emotionColumn].withBytes(in: row, { $0.count == 1 ? vocabulary.resolve(idByte: $0[0]) : nil }) {
            label = resolved
        } else {
            let text = fields[emotionColumn].text(in: row).trimmingWhitespace()
            guard !text.isEmpty else { return .bad(.missingLabel, "empty emotion field") }
            label = vocabulary.resolve(text)
            labelText = text
        }
        if case .emotion = label {} else if labelText == nil { labelText = fields[emotionColumn].text(in: row) }
        var usage = Usage.unspecified
        if let usageColumn {
            if let known = fields[usageColumn].withBytes(in: row, Self.commonUsage) {
                usage = known
            } else {
                let text = fields[usageColumn].text(in: row).trimmingWhitespace()
                if !text.isEmpty {
                    guard let parsed = Usage(columnValue: text) else {
                        return .bad(.unknownUsage, "Usage '\(text.prefix(40))' is not Training, PublicTest or PrivateTest")
                    }
                    usage = parsed
                }
            }
        }
        switch fields[pixelsColumn].withBytes(in: row, Self.pixels) {
        case .success(let pixels):
            return .face(label: label, labelText: labelText, usage: usage, pixels: pixels)
        case .failure(let bad):
            return .bad(bad.reason, bad.detail)
        }
    }

    private static let usageSpellings: [(bytes: [UInt8], usage: Usage)] = [
        (Array("Training".utf8), .training), (Array("PublicTest".utf8), .publicTest), (Array("PrivateTest".utf8), .privateTest),
    ]

    /// The usage when the field is spelled exactly as in FER2013, else nil.
    static func commonUsage(_ bytes: UnsafeRawBufferPointer) -> Usage? {
        usageSpellings.first { $0.bytes.count == bytes.count && $0.bytes.elementsEqual(bytes) }?.usage
    }

    struct PixelError: Error {
        var reason: RejectReason
        var detail: String
    }

    /// Parses space-separated 0-255 values; exactly 2,304 of them.
    /// Takes the word-at-a-time fast path for well-formed rows and the byte-by-byte `pixelsCarefully`
    /// for anything unusual, which also explains what is wrong.
    /// - Complexity: O(n), one pass, no allocation beyond the result.
    static func pixels(_ bytes: UnsafeRawBufferPointer) -> Result<[UInt8], PixelError> {
        var wellFormed = true
        let pixels = [UInt8](unsafeUninitializedCapacity: FaceSize.pixelCount) { out, initialized in
            wellFormed = parseWellFormed(bytes, into: out)
            initialized = FaceSize.pixelCount
        }
        return wellFormed ? .success(pixels) : pixelsCarefully(bytes)
    }

    /// Reads 1-3 digit tokens separated by single spaces, 64 bytes at a time: one pass classifies the
    /// block (every byte a digit or a space, and a bit mask of the spaces), then each space ends a
    /// token whose value is computed without branches. The loop-carried work is clearing one mask bit,
    /// so the per-token work of successive tokens overlaps. Returns false on anything else (other
    /// separators, double spaces, long tokens, wrong count, values over 255), for the careful parser.
    private static func parseWellFormed(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let lowSeven: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        var count = 0
        let end = bytes.count
        var index = 0
        while index < end, bytes[index] == 0x20 { index += 1 }
        var tokenStart = index
        var block = index
        while block &+ 64 <= end {
            var spaces: UInt64 = 0
            var invalid: UInt64 = 0
            for word in 0..<8 {
                let w = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: block &+ 8 &* word, as: UInt64.self))
                // High bit of each byte: set where the byte is not a digit.
                let highNibble = (w & (0xF0 &* ones)) ^ (0x30 &* ones)
                let lowTooBig = ((w & (0x0F &* ones)) &+ (0x06 &* ones)) & (0x10 &* ones)
                let flags = highNibble | lowTooBig
                let notDigit = (((flags & lowSeven) &+ lowSeven) | flags) & highBits
                // High bit of each byte: set where the byte is a space.
                let x = w ^ (0x20 &* ones)
                let space = ~(((x & lowSeven) &+ lowSeven) | x) & highBits
                invalid |= notDigit & ~space
                // Gather the eight high bits into one byte (bit j = byte j).
                spaces |= (((space >> 7) &* 0x0102_0408_1020_4080) >> 56) << UInt64(8 &* word)
            }
            guard invalid == 0 else { return false }
            while spaces != 0 {
                let separator = block &+ spaces.trailingZeroBitCount
                spaces &= spaces &- 1
                let length = separator &- tokenStart
                guard UInt(bitPattern: length &- 1) < 3, count < FaceSize.pixelCount else { return false }
                // Four bytes from the token start; the last token of a field may end too near the end.
                let raw = tokenStart &+ 4 <= end
                    ? UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: tokenStart, as: UInt32.self)))
                    : (0..<length).reduce(UInt64(0)) { $0 | UInt64(bytes[tokenStart &+ $1]) << UInt64(8 &* $1) }
                let digits = raw & (0x0F &* ones)
                let value = Self.tokenValue(digits, length: length)
                guard value <= 255 else { return false }
                out[count] = UInt8(truncatingIfNeeded: value)
                count &+= 1
                tokenStart = separator &+ 1
            }
            block &+= 64
        }
        index = tokenStart
        // The last few bytes, at most one token.
        var value: UInt32 = 0
        var digitCount = 0
        while index < end {
            let digit = UInt32(bytes[index]) &- 0x30
            if digit < 10 {
                value = value &* 10 &+ digit
                digitCount += 1
                if digitCount > 3 { return false }
            } else if bytes[index] != 0x20 {
                return false
            } else if digitCount > 0 {
                guard count < FaceSize.pixelCount, value <= 255 else { return false }
                out[count] = UInt8(truncatingIfNeeded: value)
                count += 1
                value = 0
                digitCount = 0
            }
            index += 1
        }
        if digitCount > 0 {
            guard count < FaceSize.pixelCount, value <= 255 else { return false }
            out[count] = UInt8(truncatingIfNeeded: value)
            count += 1
        }
        return count == FaceSize.pixelCount
    }

    /// The value of a 1-3 digit token whose digits (0-9 per byte) start at the low byte. Branch-free:
    /// the token is shifted so that its last digit lands in byte 2 (random token lengths would
    /// defeat the branch predictor).
    @inline(__always)
    private static func tokenValue(_ digits: UInt64, length: Int) -> UInt64 {
        let aligned = (digits &<< UInt64(8 &* (3 &- length))) & 0xFF_FFFF
        return (aligned & 0xFF) &* 100 &+ ((aligned >> 8) & 0xFF) &* 10 &+ (aligned >> 16)
    }

    /// The byte-by-byte parser: any run of spaces and tabs separates values; it names the first
    /// problem it finds.
    static func pixelsCarefully(_ bytes: UnsafeRawBufferPointer) -> Result<[UInt8], PixelError> {
        var pixels = [UInt8](repeating: 0, count: FaceSize.pixelCount)
        var count = 0
        var index = 0
        let end = bytes.count
        while index < end {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 { index += 1; continue }
            let start = index
            var value = 0
            while index < end, index - start < 4, bytes[index] &- 0x30 < 10 {
                value = value * 10 + Int(bytes[index] &- 0x30)
                index += 1
            }
            if index == start || (index < end && bytes[index] != 0x20 && bytes[index] != 0x09) {
                var stop = index
                while stop < end, bytes[stop] != 0x20, bytes[stop] != 0x09 { stop += 1 }
                let token = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<min(stop, start + 16)]), as: UTF8.self)
                return .failure(PixelError(reason: .badPixelValue, detail: "pixel \(count + 1) is '\(token)', not a number"))
            }
            if value > 255 {
                return .failure(PixelError(reason: .pixelOutOfRange, detail: "pixel \(count + 1) is \(value), over 255"))
            }
            if count < FaceSize.pixelCount { pixels[count] = UInt8(value) }
            count += 1
        }
        guard count == FaceSize.pixelCount else {
            return .failure(PixelError(reason: .wrongPixelCount, detail: "\(count) pixel values, expected 2304"))
        }
        return .success(pixels)
    }

    /// A field of a row: a byte range, or the unquoted bytes of a quoted field.
    enum Field {
        case span(Range<Int>)
        case unquoted([UInt8])

        func withBytes<R>(in row: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
            switch self {
            case .span(let range): body(UnsafeRawBufferPointer(rebasing: row[range]))
            case .unquoted(let bytes): bytes.withUnsafeBytes(body)
            }
        }

        func text(in row: UnsafeRawBufferPointer) -> String {
            withBytes(in: row) { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Splits a row into fields; quoted fields are unquoted (`""` is a quote).
    static func fields(of row: UnsafeRawBufferPointer) -> [Field] {
        let end = row.last == 0x0D ? row.count - 1 : row.count
        var fields: [Field] = []
        var index = 0
        while true {
            if index < end, row[index] == 0x22 {
                var field: [UInt8] = []
                index += 1
                while index < end {
                    if row[index] == 0x22 {
                        if index + 1 < end, row[index + 1] == 0x22 {
                            field.append(0x22)
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    field.append(row[index])
                    index += 1
                }
                while index < end, row[index] != 0x2C {
                    field.append(row[index])
                    index += 1
                }
                fields.append(.unquoted(field))
            } else {
                let start = index
                if index < end, let comma = memchr(row.baseAddress! + index, 0x2C, end - index) {
                    index = row.baseAddress!.distance(to: UnsafeRawPointer(comma))
                } else {
                    index = end
                }
                fields.append(.span(start..<index))
            }
            if index >= end { break }
            index += 1
        }
        return fields
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
