import FERCore
import Foundation

/// A complete dataset folder: `manifest.json`, its shards, and files the stage attached
/// (`rejects.csv`, reports). Datasets are immutable once written.
public struct Dataset: Sendable {
    /// The folder name, `NNNN-stage`.
    public let name: String
    public let directory: URL
    public let manifest: DatasetManifest
    /// SHA-256 of `manifest.json`: the dataset's identity for later stages and caching.
    public let manifestSHA256: String

    /// Opens a dataset folder and reads its manifest.
    public init(directory: URL) throws {
        let manifestPath = directory.appendingPathComponent("manifest.json").path
        guard FileManager.default.fileExists(atPath: manifestPath) else {
            throw FerError(.datasetMissing, "no manifest.json: not a ferdata dataset", at: InputLocation(source: directory.path))
        }
        let data = try FileIO.readAll(manifestPath)
        self.name = directory.lastPathComponent
        self.directory = directory
        self.manifest = try DatasetManifest.decode(data, source: manifestPath)
        self.manifestSHA256 = SHA256Digest.hex([UInt8](data))
    }

    public var asInput: DatasetManifest.Input {
        DatasetManifest.Input(name: name, manifestSHA256: manifestSHA256)
    }

    public func shardPath(_ shard: DatasetManifest.Shard) -> String {
        directory.appendingPathComponent(shard.file).path
    }

    /// Streams the dataset shard by shard: one shard in memory at a time, every record CRC-checked.
    public func forEachShard(_ body: (ShardRecords) throws -> Void) throws {
        for shard in manifest.shards { try body(try load(shard)) }
    }

    /// One shard in memory, every record CRC-checked and the count checked against the manifest.
    public func load(_ shard: DatasetManifest.Shard) throws -> ShardRecords {
        let records = try ShardRecords(path: shardPath(shard))
        guard records.count == shard.records else {
            throw FerError(
                .corruptShard, "manifest says \(shard.records) records, shard holds \(records.count)",
                at: InputLocation(source: shardPath(shard)))
        }
        return records
    }

    /// Streams decoded records in dataset order.
    public func forEachRecord(_ body: (FaceRecord) throws -> Void) throws {
        try forEachShard { shard in
            for index in 0..<shard.count { try body(try shard.record(index)) }
        }
    }

    /// All records in memory (2.4 KB each; FER2013 is about 87 MB).
    public func allRecords() throws -> [FaceRecord] {
        var records: [FaceRecord] = []
        records.reserveCapacity(manifest.recordCount)
        try forEachRecord { records.append($0) }
        return records
    }
}
