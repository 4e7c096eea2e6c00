import FERCore
import FERData
import FERMedia
import Foundation

extension Ingestor {
    /// Streams a CSV (plain or compressed): a reader thread decompresses and cuts rows while this
    /// thread parses them on all cores and writes the records. Memory stays bounded by a few chunks.
    func ingestCSV(path: String, sourceIndex: UInt32) throws {
        let reader = try CSVChunkReader(path: path, maxRowBytes: options.maxRowBytes)
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        let sourceName = URL(fileURLWithPath: path).lastPathComponent
        let queue = BoundedQueue<CSVChunk?>(capacity: 2)
        let producer = Thread {
            while true {
                let chunk = reader.next()
                guard queue.put(chunk), chunk != nil else { return }
            }
        }
        producer.stackSize = 1 << 20
        producer.start()
        defer { queue.close() }

        var format: FERCSVFormat?
        var damaged = false
        while var chunk = queue.take() {
            var rows = chunk.rows[...]
            if format == nil {
                while let first = rows.first, first.end == first.start { rows = rows.dropFirst() }
                if let header = rows.first {
                    format = try chunk.withBytes { raw in
                        try FERCSVFormat(header: UnsafeRawBufferPointer(rebasing: raw[header.start..<header.end]),
                                         location: InputLocation(source: path, line: header.line))
                    }
                    rows = rows.dropFirst()
                }
            }
            if let format {
                try ingestRows(rows, of: chunk, format: format, path: path, sourceName: sourceName, sourceIndex: sourceIndex)
            }
            for line in chunk.overlongRows {
                let ordinal = Partition.ordinal(source: sourceIndex, position: line)
                guard owns(ordinal) else { continue }
                try reject(Reject(
                    location: InputLocation(source: path, line: line), reason: .lineTooLong,
                    detail: "row longer than \(options.maxRowBytes) bytes (an unbalanced quote?); skipped", ordinal: ordinal))
            }
            if let damage = chunk.damage {
                damaged = true
                markDamaged(damage.detail)
                let ordinal = Partition.ordinal(source: sourceIndex, position: damage.line)
                if owns(ordinal) {
                    try reject(Reject(
                        location: InputLocation(source: path, line: damage.line), reason: .truncatedArchive,
                        detail: "\(damage.detail); rows from here on are lost", ordinal: ordinal))
                }
            }
            report(source: path, fraction: fileSize.map { Double(chunk.bytesConsumed) / Double(max(1, $0)) })
            if case .owned(let bytes) = chunk.storage {
                chunk.storage = .owned([])
                reader.recycle(consume bytes)
            }
        }
        if format == nil {
            let problem = damaged ? "damaged before the end of its header row" : "empty file: no header row"
            throw FerError(damaged ? .corruptStream : .badCSVHeader, problem, at: InputLocation(source: path))
        }
    }

    private func ingestRows(
        _ rows: ArraySlice<CSVRowSpan>, of chunk: CSVChunk, format: FERCSVFormat, path: String, sourceName: String,
        sourceIndex: UInt32
    ) throws {
        let vocabulary = options.layout.vocabulary
        let layout = options.layout
        let mapping = options.layout.usageMapping
        let base = rows.startIndex
        let maxRowBytes = options.maxRowBytes
        let partition = options.partition
        let outcomes: [ItemOutcome?] = chunk.withBytes { raw in
            Parallel.map(count: rows.count, parts: 4 * Parallel.coreCount) { range in
                rows[(base + range.lowerBound)..<(base + range.upperBound)].map { span -> ItemOutcome? in
                    let bytes = UnsafeRawBufferPointer(rebasing: raw[span.start..<span.end])
                    let ordinal = Partition.ordinal(source: sourceIndex, position: span.line)
                    guard partition.owns(ordinal) else { return nil }
                    if bytes.isEmpty || (bytes.count == 1 && bytes[0] == 0x0D) { return nil }
                    let location = InputLocation(source: path, line: span.line)
                    if bytes.count > maxRowBytes {
                        let bad = Reject(
                            location: location, reason: .lineTooLong, detail: "row longer than \(maxRowBytes) bytes; skipped",
                            ordinal: ordinal)
                        return .rejected(bad, unknownLabel: nil)
                    }
                    if span.unbalancedQuote {
                        let bad = Reject(
                            location: location, reason: .unbalancedQuote, detail: "a quoted field is not closed", ordinal: ordinal)
                        return .rejected(bad, unknownLabel: nil)
                    }
                    switch format.parse(row: bytes, vocabulary: vocabulary) {
                    case .bad(let reason, let detail):
                        var location = location
                        location.field = reason.csvField
                        return .rejected(Reject(location: location, reason: reason, detail: detail, ordinal: ordinal), unknownLabel: nil)
                    case .face(let resolution, let labelText, let usage, let pixels):
                        return Self.outcome(resolution, name: labelText, location: location, ordinal: ordinal) { label in
                            var face: (pixels: [UInt8], shape: ImageShape) = (pixels, ImageShape.face48)
                            if layout.shape != ImageShape.face48 {
                                face = layout.facePixels([GrayImage(width: FaceSize.side, height: FaceSize.side, pixels: pixels)])
                            }
                            return FaceRecord(
                                pixels: face.pixels, label: label, split: mapping.split(for: usage) ?? .train, usage: usage,
                                sourceIndex: sourceIndex, locator: UInt64(span.line),
                                recordID: FaceRecord.ingestID(sourceIndex: sourceIndex, locator: UInt64(span.line)),
                                sourceName: sourceName, shape: face.shape)
                        }
                    }
                }
            }
        }
        for case let outcome? in outcomes { try settle(outcome) }
    }
}
