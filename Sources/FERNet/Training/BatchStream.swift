import FERCore
import FERData
import FERMedia
import Foundation

/// A batch of faces as stored ([count, 48, 48] bytes), the augmentation and border mix drawn for
/// each, and their class ids. The stream draws them in order (one random sequence per epoch);
/// applying them is left to `images(_:)`, which each model replica calls on its own slice, so that
/// the augmentation work is split across the cores with the rest of the step instead of a third
/// thread contending with them.
public struct Batch: Sendable {
    public var faces: [UInt8]
    /// One per face; empty: the faces as stored.
    public var augmentations: [AugmentationParameters]
    /// One per face (nil: its own border); empty: none mixed.
    public var borderMixes: [BorderMix?]
    public var labels: [Int]
    public var count: Int { labels.count }

    public init(faces: [UInt8], augmentations: [AugmentationParameters] = [], borderMixes: [BorderMix?] = [], labels: [Int]) {
        precondition(faces.count == labels.count * FaceSize.pixelCount)
        precondition(augmentations.isEmpty || augmentations.count == labels.count)
        precondition(borderMixes.isEmpty || borderMixes.count == labels.count)
        precondition(borderMixes.allSatisfy { $0.map { labels.indices.contains($0.donor) } ?? true })
        self.faces = faces
        self.augmentations = augmentations
        self.borderMixes = borderMixes
        self.labels = labels
    }

    /// Faces `range`, augmented, their border mixed (from the donor as stored) and scaled to [0, 1]:
    /// `[range.count, 48, 48]`.
    public func images(_ range: Range<Int>) -> [Float] {
        let size = FaceSize.pixelCount
        var images = [Float](repeating: 0, count: range.count * size)
        for (slot, face) in range.enumerated() {
            let stored = Array(faces[(face * size)..<((face + 1) * size)])
            var pixels = augmentations.isEmpty ? stored : augmentations[face].apply(to: stored)
            if !borderMixes.isEmpty, let mix = borderMixes[face] {
                mix.apply(to: &pixels, from: faces[(mix.donor * size)..<((mix.donor + 1) * size)])
            }
            for (offset, value) in pixels.enumerated() { images[slot * size + offset] = Float(value) / 255 }
        }
        return images
    }
}

/// The stored faces and class ids of one split of a dataset, read once for a whole training run:
/// every shard's record count is checked against the manifest and every record's CRC as it is read;
/// a damaged one is an error naming the shard and record, never skipped. FER-2013's train split is
/// 54 MB.
public struct SplitFaces: Sendable {
    public let pixels: [UInt8]
    public let labels: [Int]
    public var count: Int { labels.count }

    public init(dataset: Dataset, split: Split) throws {
        var pixels: [UInt8] = []
        var labels: [Int] = []
        do {
            try dataset.forEachRecord { record in
                guard record.split == split, let label = record.label else { return }
                pixels.append(contentsOf: record.pixels)
                labels.append(Int(label.rawValue))
            }
        } catch let error as FerError {
            throw error
        } catch {
            throw FerError(.corruptShard, "cannot read \(dataset.name)", cause: error)
        }
        (self.pixels, self.labels) = (pixels, labels)
    }
}

/// Streams one epoch of a split's faces in one random order per epoch, each face's augmentation drawn
/// as its batch is made, on a background thread that stays a batch or two ahead of compute. The order
/// is over the whole split, not shard by shard through a bounded buffer: records are often stored
/// grouped by class (ingest reads a class-folder layout class by class), and a local shuffle would
/// then feed the model batches of one or two classes.
public final class BatchStream {
    private let queue = BoundedQueue<Batch?>(capacity: 2)
    private var thread: Thread?

    /// `borderMix`: the chance that a face's border is mixed from another face of its batch (0: never).
    public init(faces: SplitFaces, batchSize: Int, policy: AugmentationPolicy?, borderMix: Float = 0, seed: UInt64, epoch: Int) {
        let queue = self.queue
        let thread = Thread {
            var random = SeededGenerator(seed: seed, stream: 0xE90C + UInt64(epoch))
            let size = FaceSize.pixelCount
            var order = Array(faces.labels.indices)
            order.shuffle(using: &random)
            for start in stride(from: 0, to: order.count, by: batchSize) {
                let chosen = order[start..<min(start + batchSize, order.count)]
                var pixels: [UInt8] = []
                pixels.reserveCapacity(chosen.count * size)
                for face in chosen { pixels += faces.pixels[(face * size)..<((face + 1) * size)] }
                let augmentations = policy.map { policy in chosen.map { _ in policy.sample(using: &random) } } ?? []
                let borderMixes = borderMix > 0
                    ? (0..<chosen.count).map { BorderMix.sample(probability: borderMix, face: $0, count: chosen.count, using: &random) } : []
                let batch = Batch(faces: pixels, augmentations: augmentations, borderMixes: borderMixes,
                                  labels: chosen.map { faces.labels[$0] })
                guard queue.put(batch) else { return }
            }
            _ = queue.put(nil)
        }
        thread.stackSize = 1 << 22
        self.thread = thread
        thread.start()
    }

    deinit {
        queue.close()
    }

    /// The next batch, or nil at the end of the epoch.
    public func next() -> Batch? {
        queue.take()
    }
}
