import FERCore
import Foundation

/// What every curation stage shares: read the input dataset, write the output dataset with the
/// input's sources (so record source indexes stay valid) and the stage's attachments.
public enum StageIO {
    /// Writes `records` as a new dataset of `stage` derived from `input`; with a partition, as that
    /// part, `ordinals` giving each record's place in the input.
    public static func write(
        _ records: [FaceRecord], stage: String, from input: Dataset, workspace: Workspace,
        parameters: [String: String], attachments: [(name: String, contents: Data)] = [],
        shardSize: Int = DatasetWriter.defaultShardSize, partition: Partition = .whole, ordinals: [UInt64] = []
    ) throws -> Dataset {
        precondition(partition.isWhole || ordinals.count == records.count, "a part's records need their ordinals")
        let writer = try DatasetWriter(workspace: workspace, stage: stage, shardSize: shardSize, partition: partition)
        do {
            for (index, record) in records.enumerated() {
                try writer.append(record, ordinal: partition.isWhole ? nil : ordinals[index])
            }
            for attachment in attachments { try writer.attach(attachment.name, contents: attachment.contents) }
            return try writer.commit(parameters: parameters, inputs: [input.asInput], sources: input.manifest.sources)
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// A record id for the `variant`-th record derived from `parent` by `stage`: stable for the same
    /// inputs and seed, and with the top bit set so it never collides with an ingest id.
    public static func derivedID(parent: UInt64, stage: String, variant: Int) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in stage.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        var mixer = SeededGenerator(seed: parent ^ hash, stream: UInt64(variant))
        return mixer.next() | (1 << 63)
    }

    /// The JSON every ferdata file and summary uses: pretty, sorted keys (stable bytes), slashes as is.
    public static func json<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
