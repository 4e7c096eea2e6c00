import FERCore
import FERMedia
import FERTestSupport
import Foundation
import Testing

@testable import FERCuration
@testable import FERData
@testable import FERIngest

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
        let format = RecordFormat.current
        #expect(format.recordSize == 2504)
        var buffer = [UInt8](repeating: 0, count: format.recordSize)
        var original = Self.record(5)
        original.subject = "S005"
        original.valence = -0.25
        original.arousal = 0.5
        original.face = Self.frame
        buffer.withUnsafeMutableBytes { format.encode(original, into: $0) }
        let decoded = try buffer.withUnsafeBytes { try format.decode($0) }
        #expect(decoded == original)
        #expect(decoded.face?.detector == .mtcnn && decoded.face?.score == 0.9375)
        var haar = original
        haar.face?.detector = .haar
        haar.face?.score = nil
        buffer.withUnsafeMutableBytes { format.encode(haar, into: $0) }
        #expect(try buffer.withUnsafeBytes { try format.decode($0) } == haar, "a detector without a score")
        buffer[format.detectorOffset] = 9
        buffer.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: RecordLayout.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<format.crcOffset])).littleEndian,
                           toByteOffset: format.crcOffset, as: UInt32.self)
        }
        #expect(throws: FerError.self, "a detector this ferdata does not know") { try buffer.withUnsafeBytes { try format.decode($0) } }
        #expect(buffer.withUnsafeBytes { format.crcMatches($0) })
        var plain = Self.record(6)
        plain.subject = String(repeating: "é", count: 20)  // 40 bytes: cut to 32 at a character boundary
        buffer.withUnsafeMutableBytes { format.encode(plain, into: $0) }
        let cut = try buffer.withUnsafeBytes { try format.decode($0) }
        #expect(cut.subject == String(repeating: "é", count: 16) && cut.valence == nil && cut.arousal == nil)
        plain.subject = "a" + String(repeating: "é", count: 20)  // 41 bytes: byte 32 is inside an é, which is dropped
        plain.sourceName = String(repeating: "é", count: 30) + "b"  // 61 bytes: the tail's first é is cut, so dropped
        buffer.withUnsafeMutableBytes { format.encode(plain, into: $0) }
        let odd = try buffer.withUnsafeBytes { try format.decode($0) }
        #expect(odd.subject == "a" + String(repeating: "é", count: 15))
        #expect(odd.sourceName == String(repeating: "é", count: 25) + "b")
    }

    /// A face found by MTCNN in a larger picture, framed from its landmarks.
    static let frame = FaceFrame(method: .framed, box: FaceBox(x: 100, y: 80, width: 120, height: 130), centreX: 161.5, centreY: 150.25,
                                 side: 150, angle: 0.125, rank: 1, detector: .mtcnn, score: 0.9375)

    /// A version-2 dataset (written before the detector and score): the same records, their frames
    /// without a detector or score.
    @Test func versionTwoDatasetsStayReadable() throws {
        var records = (0..<3).map { Self.record($0) }
        records[1].face = Self.frame
        records[1].subject = "S1"
        let (dataset, root) = try Self.olderDataset(records, version: 2, kept: 2304 + 188)
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(dataset.manifest.recordFormat == RecordFormat(version: 2, shape: .face48))
        var expected = records
        expected[1].face?.detector = nil
        expected[1].face?.score = nil
        #expect(try dataset.allRecords() == expected)
        #expect(DatasetVerifier.verify(dataset).problems.isEmpty)
    }

    /// A version-1 dataset: the same records, with no subject.
    @Test func versionOneDatasetsStayReadable() throws {
        let records = (0..<3).map { Self.record($0) }
        let (dataset, root) = try Self.olderDataset(records, version: 1, kept: 2428)
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(dataset.manifest.recordFormat == .version1)
        #expect(try dataset.allRecords() == records)
        #expect(DatasetVerifier.verify(dataset).problems.isEmpty)
    }

    /// A dataset of an older format version, written here byte by byte as docs/format.md says: each record
    /// the current encoding's first `kept` bytes (the fields that version has, at the same offsets) and
    /// their CRC; the shard header (version 1: no shape, its CRC over bytes 0-27) and manifest of that
    /// version. The caller removes `root`.
    static func olderDataset(_ records: [FaceRecord], version: UInt32, kept: Int) throws -> (dataset: Dataset, root: URL) {
        func put32(_ value: UInt32, _ at: Int, in bytes: inout [UInt8]) { for i in 0..<4 { bytes[at + i] = UInt8(value >> (8 * UInt32(i)) & 0xFF) } }
        let recordSize = kept + 4
        var shard = [UInt8](repeating: 0, count: 64)
        shard.replaceSubrange(0..<8, with: Array("FERSHARD".utf8))
        put32(version, 8, in: &shard)
        put32(UInt32(recordSize), 12, in: &shard)
        put32(UInt32(records.count), 16, in: &shard)
        if version > 1 {  // the image shape: 48x48, one channel
            shard[32] = 48
            shard[34] = 48
            shard[36] = 1
        }
        let covered = version == 1 ? Array(shard[0..<28]) : Array(shard[0..<28] + shard[32..<64])
        put32(covered.withUnsafeBytes { RecordLayout.checksum($0) }, 28, in: &shard)
        for record in records {
            var current = [UInt8](repeating: 0, count: RecordFormat.current.recordSize)
            current.withUnsafeMutableBytes { RecordFormat.current.encode(record, into: $0) }
            var old = Array(current[0..<kept]) + [0, 0, 0, 0]
            put32(Array(old[0..<kept]).withUnsafeBytes { RecordLayout.checksum($0) }, kept, in: &old)
            shard += old
        }
        let root = Fixtures.temporaryDirectory()
        let folder = root.appendingPathComponent("datasets/0001-ingest")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(shard).write(to: folder.appendingPathComponent("shard-00000.frs"))
        let shape = version == 1 ? "" : #""shape":{"channels":1,"height":48,"width":48},"#
        let manifest = """
            {"classes":["angry","disgust","fear","happy","sad","surprise","neutral"],\
            "counts":{"train":{"angry":1,"disgust":1,"fear":1}},"format":"ferdata-dataset",\
            "formatVersion":\(version),"inputs":[],"parameters":{},"recordCount":\(records.count),"recordSize":\(recordSize),"rejected":{},\
            \(shape)"shards":[{"bytes":\(shard.count),"file":"shard-00000.frs","records":\(records.count),"sha256":"\(SHA256Digest.hex(shard))"}],\
            "sources":[],"stage":"ingest"}
            """
        try Data(manifest.utf8).write(to: folder.appendingPathComponent("manifest.json"))
        return (try Dataset(directory: folder), root)
    }

    @Test func longSourceNamesKeepTheirTail() throws {
        var record = Self.record(1)
        record.sourceName = String(repeating: "x", count: 80) + "/Training_123.jpg"
        var buffer = [UInt8](repeating: 0, count: RecordFormat.current.recordSize)
        buffer.withUnsafeMutableBytes { RecordFormat.current.encode(record, into: $0) }
        let decoded = try buffer.withUnsafeBytes { try RecordFormat.current.decode($0) }
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
        bytes[RecordLayout.shardHeaderSize + 3 * RecordFormat.current.recordSize + 100] ^= 0x01
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
