import FERCore
import FERMedia

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
        case face(label: LabelVocabulary.Resolution, labelText: String, usage: Usage, pixels: [UInt8])
        case bad(RejectReason, String)
    }

    /// Reads the header row.
    /// - Throws: `.badCSVHeader` naming the missing columns and the ones found.
    init(header: UnsafeRawBufferPointer, location: InputLocation) throws {
        var names = Self.fields(of: header).map {
            String(decoding: $0, as: UTF8.self).trimmingWhitespace().lowercased()
        }
        if let first = names.first, first.hasPrefix("\u{FEFF}") { names[0] = String(first.dropFirst()) }
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
        let labelText = String(decoding: fields[emotionColumn], as: UTF8.self).trimmingWhitespace()
        guard !labelText.isEmpty else { return .bad(.missingLabel, "empty emotion field") }
        var usage = Usage.unspecified
        if let usageColumn {
            let text = String(decoding: fields[usageColumn], as: UTF8.self).trimmingWhitespace()
            if !text.isEmpty {
                guard let parsed = Usage(columnValue: text) else {
                    return .bad(.unknownUsage, "Usage '\(text.prefix(40))' is not Training, PublicTest or PrivateTest")
                }
                usage = parsed
            }
        }
        switch Self.pixels(fields[pixelsColumn]) {
        case .success(let pixels):
            return .face(label: vocabulary.resolve(labelText), labelText: labelText, usage: usage, pixels: pixels)
        case .failure(let bad):
            return .bad(bad.reason, bad.detail)
        }
    }

    struct PixelError: Error {
        var reason: RejectReason
        var detail: String
    }

    /// Parses space-separated 0-255 values; exactly 2,304 of them.
    static func pixels(_ field: ArraySlice<UInt8>) -> Result<[UInt8], PixelError> {
        var pixels = [UInt8](repeating: 0, count: FaceSize.pixelCount)
        var count = 0
        let failure: PixelError? = field.withUnsafeBufferPointer { bytes in
            pixels.withUnsafeMutableBufferPointer { out in
                var index = 0
                let end = bytes.count
                while index < end {
                    let byte = bytes[index]
                    if byte == 0x20 || byte == 0x09 { index += 1; continue }
                    var value = 0
                    let start = index
                    while index < end, bytes[index] &- 0x30 < 10 {
                        value = value &* 10 &+ Int(bytes[index] &- 0x30)
                        if index - start > 6 { break }
                        index += 1
                    }
                    if index < end, bytes[index] != 0x20, bytes[index] != 0x09 || index == start {
                        var stop = index
                        while stop < end, bytes[stop] != 0x20 { stop += 1 }
                        let token = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<min(stop, start + 16)]), as: UTF8.self)
                        return PixelError(reason: .badPixelValue, detail: "pixel \(count + 1) is '\(token)', not a number")
                    }
                    if value > 255 {
                        return PixelError(reason: .pixelOutOfRange, detail: "pixel \(count + 1) is \(value), over 255")
                    }
                    if count < FaceSize.pixelCount { out[count] = UInt8(value) }
                    count += 1
                }
                return nil
            }
        }
        if let failure { return .failure(failure) }
        guard count == FaceSize.pixelCount else {
            return .failure(PixelError(reason: .wrongPixelCount, detail: "\(count) pixel values, expected 2304"))
        }
        return .success(pixels)
    }

    /// Splits a row into fields, removing quotes. Fields are byte slices.
    static func fields(of row: UnsafeRawBufferPointer) -> [ArraySlice<UInt8>] {
        let bytes = row.last == 0x0D ? UnsafeRawBufferPointer(rebasing: row.dropLast()) : row
        var fields: [ArraySlice<UInt8>] = []
        var index = 0
        let end = bytes.count
        while true {
            if index < end, bytes[index] == 0x22 {
                var field: [UInt8] = []
                index += 1
                while index < end {
                    if bytes[index] == 0x22 {
                        if index + 1 < end, bytes[index + 1] == 0x22 {
                            field.append(0x22)
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    field.append(bytes[index])
                    index += 1
                }
                while index < end, bytes[index] != 0x2C {
                    field.append(bytes[index])
                    index += 1
                }
                fields.append(field[...])
            } else {
                let start = index
                while index < end, bytes[index] != 0x2C { index += 1 }
                fields.append(Array(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))[...])
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
