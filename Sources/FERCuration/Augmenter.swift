import FERCore
import FERData
import FERIngest
import FERMedia
import Foundation

/// `ferdata augment` and `ferdata balance` make new train records from existing ones with the
/// augmentation library; this type makes one variant and keeps its provenance.
public enum Variants {
    /// The `variant`-th augmented copy of `parent`: parameters drawn from `policy` with a generator
    /// seeded by (seed, parent id, variant), so the result does not depend on processing order.
    /// Never byte-identical to the parent: an identity draw is redrawn.
    public static func make(
        from parent: FaceRecord, variant: Int, policy: AugmentationPolicy, seed: UInt64, stage: String
    ) -> FaceRecord {
        var random = SeededGenerator(seed: seed ^ parent.recordID, stream: UInt64(variant) &+ 1)
        let side = parent.shape.height
        // A colour face: the same transform on each channel.
        func transform(_ parameters: AugmentationParameters) -> [UInt8] {
            guard parent.shape.channels == 3 else { return parameters.apply(to: parent.pixels, side: side) }
            let planes = parent.planes.map { GrayImage(width: side, height: side, pixels: parameters.apply(to: $0.pixels, side: side)) }
            return FaceRecord.pixels(of: planes).pixels
        }
        var parameters = policy.sample(using: &random, side: side)
        var pixels = transform(parameters)
        var attempts = 0
        while pixels == parent.pixels {
            attempts += 1
            parameters = policy.sample(using: &random, side: side)
            if attempts > 8 {
                // A policy that cannot change the image (all ranges zero): a little noise always does.
                parameters.noiseSigma = 2
                parameters.noiseSeed = UInt32(truncatingIfNeeded: random.next() | 1)
            }
            pixels = transform(parameters)
        }
        var record = parent
        record.pixels = pixels
        record.flags.insert(.augmented)
        record.parentID = parent.recordID
        record.recordID = StageIO.derivedID(parent: parent.recordID, stage: stage, variant: variant)
        record.augmentation = parameters
        return record
    }
}

/// `ferdata augment --copies K`: K augmented variants of every train record, beside the originals.
public struct Augmenter: Sendable {
    public var copies: Int
    public var policy: AugmentationPolicy
    public var seed: UInt64

    public init(copies: Int, policy: AugmentationPolicy = .standard, seed: UInt64 = 0) {
        self.copies = copies
        self.policy = policy
        self.seed = seed
    }

    public var parameters: [String: String] {
        policy.parameters.merging(["copies": String(copies), "seed": String(seed)]) { $1 }
    }

    /// Originals in their order, each train record followed by its variants. With a partition, only
    /// the records it owns by their place in `records`; `ordinals` gives that place for every output.
    public func run(_ records: [FaceRecord], partition: Partition = .whole) throws -> (records: [FaceRecord], ordinals: [UInt64]) {
        guard copies >= 0 else { throw FerError(.invalidArgument, "copies must be 0 or more, got \(copies)") }
        let (copies, policy, seed) = (self.copies, self.policy, self.seed)
        let owned = (0..<records.count).filter { partition.owns(UInt64($0)) }
        let groups = Parallel.map(count: owned.count, parts: 8 * Parallel.coreCount) { range in
            var out: [(record: FaceRecord, ordinal: UInt64)] = []
            for index in owned[range] {
                out.append((records[index], UInt64(index)))
                guard records[index].split == .train else { continue }
                for variant in 0..<copies {
                    let child = Variants.make(from: records[index], variant: variant, policy: policy, seed: seed, stage: "augment")
                    out.append((child, UInt64(index)))
                }
            }
            return out
        }
        return (groups.map(\.record), groups.map(\.ordinal))
    }
}
