import FERCore
import FERMedia
import Foundation

extension Ingestor {
    /// Streams a CSV (plain or compressed) in chunks, cutting complete rows and parsing them on all cores.
    /// Memory stays bounded by the chunk size plus one row (`maxRowBytes`).
    func ingestCSV(path: String, sourceIndex: UInt32) throws {
        let stream = try DecompressedStream(path: path)
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        let sourceName = URL(fileURLWithPath: path).lastPathComponent
        let chunkSize = max(4 << 20, options.maxRowBytes * 2)
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var filled = 0
        var line = 1
        var format: FERCSVFormat?
        var skippingLongRow = false
        var atEnd = false

        while !atEnd {
            do {
                while filled < buffer.count {
                    let read = try buffer.withUnsafeMutableBytes { raw throws in
                        try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]))
                    }
                    if read == 0 { atEnd = true; break }
                    filled += read
                }
            } catch let error as FerError {
                markDamaged(error.message)
                try reject(Reject(
                    location: InputLocation(source: path, line: line), reason: .truncatedArchive,
                    detail: "\(error.message); rows from here on are lost"))
                atEnd = true
                filled = 0
            }
            if skippingLongRow {
                // Drop bytes up to the end of the over-long row.
                let newline = buffer[0..<filled].firstIndex(of: 0x0A)
                if let newline {
                    buffer.replaceSubrange(0...newline, with: [])
                    buffer.append(contentsOf: repeatElement(0, count: newline + 1))
                    filled -= newline + 1
                    line += 1
                    skippingLongRow = false
                } else {
                    filled = 0
                    continue
                }
            }
            let cut = buffer.withUnsafeBytes { raw in
                CSVRowCutter.cut(UnsafeRawBufferPointer(rebasing: raw[0..<filled]), firstLine: line, atEnd: atEnd)
            }
            var rows = cut.rows[...]
            if format == nil {
                while let first = rows.first, first.end - first.start == 0 { rows = rows.dropFirst() }
                if let header = rows.first {
                    format = try buffer.withUnsafeBytes { raw throws in
                        try FERCSVFormat(header: UnsafeRawBufferPointer(rebasing: raw[header.start..<header.end]),
                                         location: InputLocation(source: path, line: header.line))
                    }
                    rows = rows.dropFirst()
                } else if atEnd {
                    throw FerError(.badCSVHeader, "empty file: no header row", at: InputLocation(source: path))
                }
            }
            if let format {
                try ingestRows(Array(rows), of: buffer, format: format, path: path, sourceName: sourceName, sourceIndex: sourceIndex)
            }
            line = cut.nextLine
            let carry = filled - cut.consumed
            if carry > 0 { buffer.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[cut.consumed..<filled])) } }
            filled = carry
            if filled > options.maxRowBytes {
                try reject(Reject(
                    location: InputLocation(source: path, line: line), reason: .lineTooLong,
                    detail: "row longer than \(options.maxRowBytes) bytes (an unbalanced quote?); skipped"))
                filled = 0
                skippingLongRow = true
            }
            report(source: path, fraction: fileSize.map { Double(stream.bytesConsumed) / Double(max(1, $0)) })
        }
    }

    private func ingestRows(
        _ rows: [CSVRowSpan], of buffer: [UInt8], format: FERCSVFormat, path: String, sourceName: String,
        sourceIndex: UInt32
    ) throws {
        let vocabulary = options.layout.vocabulary
        let mapping = options.layout.usageMapping
        let outcomes: [ItemOutcome?] = buffer.withUnsafeBytes { raw in
            Parallel.map(count: rows.count) { range in
                rows[range].map { span -> ItemOutcome? in
                    let bytes = UnsafeRawBufferPointer(rebasing: raw[span.start..<span.end])
                    if bytes.isEmpty || (bytes.count == 1 && bytes[0] == 0x0D) { return nil }
                    let location = InputLocation(source: path, line: span.line)
                    if bytes.reduce(0, { $0 + ($1 == 0x22 ? 1 : 0) }) % 2 == 1 {
                        let bad = Reject(location: location, reason: .unbalancedQuote, detail: "a quoted field is not closed")
                        return .rejected(bad, unknownLabel: nil)
                    }
                    switch format.parse(row: bytes, vocabulary: vocabulary) {
                    case .bad(let reason, let detail):
                        return .rejected(Reject(location: location, reason: reason, detail: detail), unknownLabel: nil)
                    case .face(let resolution, let labelText, let usage, let pixels):
                        return Self.outcome(resolution, name: labelText, location: location) { label in
                            FaceRecord(
                                pixels: pixels, label: label, split: mapping.split(for: usage) ?? .train, usage: usage,
                                sourceIndex: sourceIndex, locator: UInt64(span.line),
                                recordID: FaceRecord.ingestID(sourceIndex: sourceIndex, locator: UInt64(span.line)),
                                sourceName: sourceName)
                        }
                    }
                }
            }
        }
        for case let outcome? in outcomes { try settle(outcome) }
    }
}
