import FERCore
import Foundation

/// `manifest.json` of a dataset folder: what it holds, how it was made, and checksums of every shard.
/// The file is written with sorted keys and no timestamps, so the same inputs and parameters give the
/// same bytes (and the same manifest hash).
public struct DatasetManifest: Codable, Sendable, Equatable {
    public var format = "ferdata-dataset"
    public var formatVersion: UInt32 = RecordFormat.current.version
    public var recordSize: Int = RecordFormat.current.recordSize
    /// The records' image shape (versions 2 and 3; version 1 is 48x48x1).
    public var shape: ImageShape? = RecordFormat.current.shape
    /// The stage that wrote it: ingest, dedup, split, balance, augment, ...
    public var stage: String
    /// The stage's parameters, as the user gave them or as defaulted.
    public var parameters: [String: String]
    /// The datasets this one was computed from.
    public var inputs: [Input]
    /// Where records came from; a record's `sourceIndex` points into this list.
    public var sources: [Source]
    public var classes: [String] = Emotion.names
    public var recordCount: Int
    /// split name → class name → count (`unlabeled` for records without a label).
    public var counts: [String: [String: Int]]
    public var shards: [Shard]
    /// Input records left out, by reason; the details are in `rejects.csv`.
    public var rejected: [String: Int]

    public struct Input: Codable, Sendable, Equatable {
        public var name: String
        public var manifestSHA256: String
    }

    public struct Source: Codable, Sendable, Equatable {
        /// The path as given on the command line.
        public var path: String
        /// csv, archive, folder, or derived.
        public var kind: String

        public init(path: String, kind: String) {
            self.path = path
            self.kind = kind
        }
    }

    public struct Shard: Codable, Sendable, Equatable {
        public var file: String
        public var records: Int
        public var bytes: Int
        public var sha256: String
    }

    public func count(split: Split, emotion: Emotion) -> Int {
        counts[split.name]?[emotion.name] ?? 0
    }

    public func count(split: Split) -> Int {
        counts[split.name]?.values.reduce(0, +) ?? 0
    }

    public static func tally(_ records: some Sequence<FaceRecord>) -> [String: [String: Int]] {
        var counts: [String: [String: Int]] = [:]
        for record in records {
            counts[record.split.name, default: [:]][record.label?.name ?? "unlabeled", default: 0] += 1
        }
        return counts
    }

    public func encoded() throws -> Data {
        do {
            return try StageIO.json(self)
        } catch {
            throw FerError(.writeFailed, "could not encode the manifest", cause: error)
        }
    }

    public static func decode(_ data: Data, source: String) throws -> DatasetManifest {
        let manifest: DatasetManifest
        do {
            manifest = try JSONDecoder().decode(DatasetManifest.self, from: data)
        } catch {
            throw FerError(.badManifest, "unreadable manifest", at: InputLocation(source: source), cause: error)
        }
        guard manifest.format == "ferdata-dataset" else {
            throw FerError(.badManifest, "not a ferdata manifest (format '\(manifest.format)')", at: InputLocation(source: source))
        }
        guard manifest.recordFormat != nil else {
            throw FerError(
                .badManifest,
                "format version \(manifest.formatVersion) with \(manifest.recordSize)-byte records; this ferdata reads versions 1 (2432-byte records), 2 and 3",
                at: InputLocation(source: source))
        }
        return manifest
    }

    /// The record format the manifest names (nil for one this ferdata does not read).
    public var recordFormat: RecordFormat? {
        RecordFormat(version: formatVersion, recordSize: recordSize, shape: shape)
    }
}
