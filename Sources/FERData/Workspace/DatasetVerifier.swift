import FERCore
import Foundation

/// `ferdata verify`: checks a dataset against its manifest without trusting either: every shard's
/// presence, size and SHA-256, its header (magic, format version, record size, count), every record's
/// CRC, and the record and per-split/class counts the manifest claims. Reports each problem with the
/// shard and record it is in, and keeps going after the first.
public enum DatasetVerifier {
    public struct Problem: Sendable, Codable, Equatable {
        /// The shard file, or "manifest.json".
        public var file: String
        /// The record index within the shard, when the problem is one record.
        public var record: Int?
        public var message: String
    }

    public struct Report: Sendable, Codable {
        public var dataset: String
        public var shards: Int
        public var records: Int
        public var problems: [Problem]
        public var intact: Bool { problems.isEmpty }
    }

    public static func verify(_ dataset: Dataset) -> Report {
        var problems: [Problem] = []
        var records = 0
        var counts: [String: [String: Int]] = [:]
        let labelNames = Emotion.names + ["unlabeled"]
        for shard in dataset.manifest.shards {
            let path = dataset.shardPath(shard)
            func problem(_ message: String, record: Int? = nil) { problems.append(Problem(file: shard.file, record: record, message: message)) }
            guard let data = try? FileIO.readAll(path) else {
                problem("missing or unreadable")
                continue
            }
            if data.count != shard.bytes { problem("\(data.count) bytes; the manifest says \(shard.bytes)") }
            let digest = SHA256Digest.hex([UInt8](data))
            if digest != shard.sha256 { problem("SHA-256 \(digest) does not match the manifest's \(shard.sha256)") }
            let bytes = [UInt8](data)
            bytes.withUnsafeBytes { buffer in
                let count: Int, format: RecordFormat
                do {
                    (count, format) = try RecordShard.validateHeader(buffer, path: path)
                } catch let error as FerError {
                    problem(error.message)
                    return
                } catch {
                    problem("\(error)")
                    return
                }
                if count != shard.records { problem("holds \(count) records; the manifest says \(shard.records)") }
                if format != dataset.manifest.recordFormat { problem("holds \(format.shape) records of version \(format.version); the manifest says otherwise") }
                for index in 0..<count {
                    let start = RecordLayout.shardHeaderSize + index * format.recordSize
                    let slice = UnsafeRawBufferPointer(rebasing: buffer[start..<(start + format.recordSize)])
                    guard format.crcMatches(slice) else {
                        problem("CRC mismatch (byte offset \(start))", record: index)
                        continue
                    }
                    guard let record = try? format.decode(slice) else {
                        problem("does not decode (byte offset \(start))", record: index)
                        continue
                    }
                    records += 1
                    let label = record.label.map { Int($0.rawValue) } ?? 7
                    counts[record.split.name, default: [:]][labelNames[label], default: 0] += 1
                }
            }
        }
        if problems.isEmpty {
            if records != dataset.manifest.recordCount {
                problems.append(Problem(file: "manifest.json", message: "\(records) records in the shards; the manifest says \(dataset.manifest.recordCount)"))
            }
            if counts != dataset.manifest.counts {
                problems.append(Problem(file: "manifest.json", message: "per-split and class counts differ from the shards'"))
            }
        }
        return Report(dataset: dataset.name, shards: dataset.manifest.shards.count, records: records, problems: problems)
    }
}
