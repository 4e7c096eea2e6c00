import FERCore
import FERData
import FERMedia
import Foundation

/// A batch of faces as stored ([count, 48, 48] bytes), the augmentation drawn for each, and their
/// class ids. The stream draws augmentations in order (one random sequence per epoch); applying
/// them is left to `images(_:)`, which each model replica calls on its own slice, so that the
/// augmentation work is split across the cores with the rest of the step instead of a third thread
/// contending with them.
public struct Batch: Sendable {
    public var faces: [UInt8]
    /// One per face; empty: the faces as stored.
    public var augmentations: [AugmentationParameters]
    public var labels: [Int]
    public var count: Int { labels.count }

    public init(faces: [UInt8], augmentations: [AugmentationParameters] = [], labels: [Int]) {
        precondition(faces.count == labels.count * FaceSize.pixelCount)
        precondition(augmentations.isEmpty || augmentations.count == labels.count)
        self.faces = faces
        self.augmentations = augmentations
        self.labels = labels
    }

    /// Faces `range`, augmented and scaled to [0, 1]: `[range.count, 48, 48]`.
    public func images(_ range: Range<Int>) -> [Float] {
        let size = FaceSize.pixelCount
        var images = [Float](repeating: 0, count: range.count * size)
        for (slot, face) in range.enumerated() {
            let stored = Array(faces[(face * size)..<((face + 1) * size)])
            let pixels = augmentations.isEmpty ? stored : augmentations[face].apply(to: stored)
            for (offset, value) in pixels.enumerated() { images[slot * size + offset] = Float(value) / 255 }
        }
        return images
    }
}

/// Streams one epoch of a split from a dataset's shards: the split's faces in one random order per
/// epoch, each face's augmentation drawn as its batch is made, on a background thread so that reading
/// overlaps with compute. The order is over the whole split, not shard by shard through a bounded buffer:
/// records are often stored grouped by class (ingest reads a class-folder layout class by class), and
/// a local shuffle would then feed the model batches of one or two classes. Memory: the split's pixels
/// (FER-2013's train split: 54 MB) and two batches.
///
/// Every shard and record is checked as it is read (the shard's record count against the manifest,
/// each record's CRC); a damaged one ends the epoch with its error, naming the shard and record,
/// rather than being skipped.
public final class BatchStream {
    private enum Item {
        case batch(Batch)
        case failed(FerError)
        case end
    }

    private let queue = BoundedQueue<Item>(capacity: 2)
    private var thread: Thread?

    public init(dataset: Dataset, split: Split, batchSize: Int, policy: AugmentationPolicy?, seed: UInt64, epoch: Int) {
        let queue = self.queue
        let thread = Thread {
            var random = SeededGenerator(seed: seed, stream: 0xE90C + UInt64(epoch))
            var pixels: [UInt8] = []
            var labels: [Int] = []
            do {
                for shard in dataset.manifest.shards {
                    let records = try dataset.load(shard)
                    for index in 0..<records.count {
                        let record = try records.record(index)
                        guard record.split == split, let label = record.label else { continue }
                        pixels.append(contentsOf: record.pixels)
                        labels.append(Int(label.rawValue))
                    }
                }
            } catch let error as FerError {
                _ = queue.put(.failed(error))
                return
            } catch {
                _ = queue.put(.failed(FerError(.corruptShard, "cannot read \(dataset.name)", cause: error)))
                return
            }
            let size = FaceSize.pixelCount
            var order = Array(labels.indices)
            order.shuffle(using: &random)
            for start in stride(from: 0, to: order.count, by: batchSize) {
                let chosen = order[start..<min(start + batchSize, order.count)]
                var faces: [UInt8] = []
                faces.reserveCapacity(chosen.count * size)
                for face in chosen { faces += pixels[(face * size)..<((face + 1) * size)] }
                let augmentations = policy.map { policy in chosen.map { _ in policy.sample(using: &random) } } ?? []
                let batch = Batch(faces: faces, augmentations: augmentations, labels: chosen.map { labels[$0] })
                guard queue.put(.batch(batch)) else { return }
            }
            _ = queue.put(.end)
        }
        thread.stackSize = 1 << 22
        self.thread = thread
        thread.start()
    }

    deinit {
        queue.close()
    }

    /// The next batch, or nil at the end of the epoch.
    /// - Throws: the `FerError` of a damaged shard or record.
    public func next() throws -> Batch? {
        switch queue.take() {
        case .batch(let batch): return batch
        case .failed(let error): throw error
        case .end: return nil
        }
    }
}
