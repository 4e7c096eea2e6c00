import FERCore
import FERMedia
import FERTestSupport
import Foundation
import Testing

@testable import FERData

@Suite struct RecordShardTests {
    static func record(_ seed: Int, split: Split = .train) -> FaceRecord {
        var augmentation = AugmentationParameters.identity
        augmentation.rotation = Float(seed) * 0.5
        augmentation.flipped = seed % 2 == 0
        augmentation.noiseSeed = UInt32(seed)
        return FaceRecord(
            pixels: Fixtures.face(seed: seed), label: Emotion(rawValue: UInt8(seed % 7)), split: split,
            usage: .training, flags: seed % 3 == 0 ? .augmented : [], sourceIndex: 1, locator: UInt64(seed),
            recordID: UInt64(1000 + seed), parentID: UInt64(seed), augmentation: augmentation,
            sourceName: "train/angry/Training_\(seed).jpg")
    }

    @Test func recordRoundTrip() throws {
        var buffer = [UInt8](repeating: 0, count: RecordLayout.recordSize)
        let original = Self.record(5)
        buffer.withUnsafeMutableBytes { RecordLayout.encode(original, into: $0) }
        let decoded = try buffer.withUnsafeBytes { try RecordLayout.decode($0) }
        #expect(decoded == original)
        #expect(buffer.withUnsafeBytes { RecordLayout.crcMatches($0) })
    }

    @Test func longSourceNamesKeepTheirTail() throws {
        var record = Self.record(1)
        record.sourceName = String(repeating: "x", count: 80) + "/Training_123.jpg"
        var buffer = [UInt8](repeating: 0, count: RecordLayout.recordSize)
        buffer.withUnsafeMutableBytes { RecordLayout.encode(record, into: $0) }
        let decoded = try buffer.withUnsafeBytes { try RecordLayout.decode($0) }
        #expect(decoded.sourceName.count == RecordLayout.sourceNameBytes)
        #expect(decoded.sourceName.hasSuffix("/Training_123.jpg"))
    }

    @Test func datasetRoundTripAcrossShards() throws {
        let workspace = Workspace(root: Fixtures.temporaryDirectory())
        let writer = try DatasetWriter(workspace: workspace, stage: "test", shardSize: 4)
        let records = (0..<10).map { Self.record($0, split: $0 < 7 ? .train : .test) }
        try writer.append(contentsOf: records)
        let dataset = try writer.commit(parameters: ["a": "1"], inputs: [], sources: [])
        #expect(dataset.name == "0001-test")
        #expect(dataset.manifest.shards.map(\.records) == [4, 4, 2])
        #expect(dataset.manifest.count(split: .train) == 7)
        #expect(try dataset.allRecords() == records)
        for shard in dataset.manifest.shards {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dataset.shardPath(shard)))
            #expect(SHA256Digest.hex([UInt8](bytes)) == shard.sha256)
            #expect(bytes.count == shard.bytes)
        }
    }

    @Test func aFlippedByteIsDetected() throws {
        let workspace = Workspace(root: Fixtures.temporaryDirectory())
        let writer = try DatasetWriter(workspace: workspace, stage: "test", shardSize: 8)
        try writer.append(contentsOf: (0..<5).map { Self.record($0) })
        let dataset = try writer.commit(parameters: [:], inputs: [], sources: [])
        let path = dataset.shardPath(dataset.manifest.shards[0])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // A pixel of record 3.
        bytes[RecordLayout.shardHeaderSize + 3 * RecordLayout.recordSize + 100] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            try dataset.forEachRecord { _ in }
            Issue.record("a flipped byte went unnoticed")
        } catch let error as FerError {
            #expect(error.code == .corruptShard)
            #expect(error.location == InputLocation(source: path, record: 3))
        }
    }

    @Test func aDamagedHeaderSaysWhatWasExpected() throws {
        let workspace = Workspace(root: Fixtures.temporaryDirectory())
        let writer = try DatasetWriter(workspace: workspace, stage: "test")
        try writer.append(Self.record(0))
        let dataset = try writer.commit(parameters: [:], inputs: [], sources: [])
        let path = dataset.shardPath(dataset.manifest.shards[0])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[0] = UInt8(ascii: "X")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: FerError.self) { try ShardRecords(path: path) }
        try Data(bytes.prefix(100)).write(to: URL(fileURLWithPath: path))
        #expect(throws: FerError.self) { try ShardRecords(path: path) }
    }
}

@Suite struct WorkspaceTests {
    @Test func anInterruptedWriteLeavesNoDataset() throws {
        let workspace = Workspace(root: Fixtures.temporaryDirectory())
        do {
            let writer = try DatasetWriter(workspace: workspace, stage: "ingest", shardSize: 2)
            try writer.append(contentsOf: (0..<5).map { RecordShardTests.record($0) })
            // No commit: the writer goes away as a crashed stage would.
        }
        #expect(workspace.datasetNames().isEmpty)
        #expect(throws: FerError.self) { try workspace.latest() }
    }

    @Test func aKilledWritersPartialFolderIsIgnoredAndCleared() throws {
        let workspace = Workspace(root: Fixtures.temporaryDirectory())
        // What a SIGKILLed writer leaves: a partial folder named after a process that no longer runs.
        let stale = workspace.datasetsDirectory.appendingPathComponent(".partial-999999999-ingest-1")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
        try Data("half".utf8).write(to: stale.appendingPathComponent("shard-00000.frs"))
        #expect(workspace.datasetNames().isEmpty)
        let writer = try DatasetWriter(workspace: workspace, stage: "ingest")
        try writer.append(RecordShardTests.record(1))
        try writer.commit(parameters: [:], inputs: [], sources: [])
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        #expect(workspace.datasetNames() == ["0001-ingest"])
    }

    /// On a workspace shared between machines, a dead-looking process id from another host proves
    /// nothing: that partial folder may be a live writer's, and stays.
    @Test func anotherHostsPartialFolderIsLeftAlone() throws {
        let workspace = Workspace(root: Fixtures.temporaryDirectory())
        let ours = workspace.datasetsDirectory.appendingPathComponent(".partial-999999999-ingest-1@\(Workspace.hostName)")
        let theirs = workspace.datasetsDirectory.appendingPathComponent(".partial-999999999-ingest-2@other-node-07")
        for folder in [ours, theirs] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        let writer = try DatasetWriter(workspace: workspace, stage: "ingest")
        try writer.append(RecordShardTests.record(1))
        try writer.commit(parameters: [:], inputs: [], sources: [])
        #expect(!FileManager.default.fileExists(atPath: ours.path))
        #expect(FileManager.default.fileExists(atPath: theirs.path))
        #expect(workspace.datasetNames() == ["0001-ingest"])
    }

    @Test func datasetsAreFoundByNameNumberStageOrLatest() throws {
        let workspace = Workspace(root: Fixtures.temporaryDirectory())
        for stage in ["ingest", "dedup", "ingest"] {
            let writer = try DatasetWriter(workspace: workspace, stage: stage)
            try writer.append(RecordShardTests.record(1))
            try writer.commit(parameters: [:], inputs: [], sources: [])
        }
        #expect(try workspace.latest().name == "0003-ingest")
        #expect(try workspace.dataset("dedup").name == "0002-dedup")
        #expect(try workspace.dataset("1").name == "0001-ingest")
        #expect(try workspace.dataset("ingest").name == "0003-ingest")
        #expect(try workspace.dataset(nil).name == "0003-ingest")
        #expect(throws: FerError.self) { try workspace.dataset("balance") }
    }

    @Test func theWorkspaceComesFromTheFlagThenTheEnvironment() {
        #expect(Workspace(path: "/a", environment: ["FERDATA_WORKSPACE": "/b"]).root.path == "/a")
        #expect(Workspace(path: nil, environment: ["FERDATA_WORKSPACE": "/b"]).root.path == "/b")
        #expect(Workspace(path: nil, environment: [:]).root.lastPathComponent == "ferdata-work")
    }
}
