import FERCore
import FERTestSupport
import Foundation
import Testing

@testable import FERCuration
@testable import FERData
@testable import FERIngest

/// `DatasetVerifier` names the shard and record of every kind of damage and passes an intact dataset.
@Suite struct VerifyTests {
    static func dataset() throws -> Dataset {
        let workspace = Workspace(root: Fixtures.temporaryDirectory())
        let writer = try DatasetWriter(workspace: workspace, stage: "test", shardSize: 4)
        try writer.append(contentsOf: (0..<10).map { RecordShardTests.record($0, split: $0 < 7 ? .train : .test) })
        return try writer.commit(parameters: [:], inputs: [], sources: [])
    }

    static func damage(_ dataset: Dataset, shard: Int, _ change: (inout [UInt8]) -> Void) throws {
        let url = URL(fileURLWithPath: dataset.shardPath(dataset.manifest.shards[shard]))
        var bytes = [UInt8](try Data(contentsOf: url))
        change(&bytes)
        try Data(bytes).write(to: url)
    }

    @Test func anIntactDatasetVerifies() throws {
        let report = DatasetVerifier.verify(try Self.dataset())
        #expect(report.intact && report.records == 10 && report.shards == 3)
    }

    @Test func aFlippedPixelNamesItsShardAndRecord() throws {
        let dataset = try Self.dataset()
        try Self.damage(dataset, shard: 1) { $0[RecordLayout.shardHeaderSize + 2 * RecordFormat.current.recordSize + 500] ^= 0x10 }
        let report = DatasetVerifier.verify(dataset)
        #expect(!report.intact)
        #expect(report.problems.contains { $0.file == "shard-00001.frs" && $0.record == 2 && $0.message.contains("CRC") })
        #expect(report.problems.contains { $0.file == "shard-00001.frs" && $0.message.contains("SHA-256") })
        #expect(report.records == 9)
    }

    @Test func aMissingTruncatedOrForeignShardIsReported() throws {
        let dataset = try Self.dataset()
        try FileManager.default.removeItem(atPath: dataset.shardPath(dataset.manifest.shards[0]))
        try Self.damage(dataset, shard: 1) { $0.removeLast(100) }
        try Self.damage(dataset, shard: 2) { $0[0] = UInt8(ascii: "X") }
        let problems = DatasetVerifier.verify(dataset).problems
        #expect(problems.contains { $0.file == "shard-00000.frs" && $0.message.contains("missing") })
        #expect(problems.contains { $0.file == "shard-00001.frs" && $0.message.contains("bytes") })
        #expect(problems.contains { $0.file == "shard-00002.frs" && $0.message.contains("magic") })
    }

    /// Fuzzer finding (shard target): an empty shard file. Reading it must be a clear error (and,
    /// under the address sanitizer, leak nothing: Foundation's file reading leaked on empty files).
    @Test func anEmptyShardFileIsAClearError() throws {
        let url = Fixtures.temporaryDirectory().appendingPathComponent("empty.frs")
        try Data().write(to: url)
        #expect(try FileIO.readAll(url.path).isEmpty)
        #expect { _ = try ShardRecords(path: url.path) } throws: { error in
            (error as? FerError).map { $0.code == .corruptShard && $0.location == InputLocation(source: url.path) } == true
        }
    }
}
