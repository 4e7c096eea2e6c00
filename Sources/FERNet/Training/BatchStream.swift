import FERCore
import FERData
import FERMedia
import Foundation

/// A batch of images scaled to [0, 1] ([count, 48, 48]) and their class ids.
public struct Batch: Sendable {
    public var images: [Float]
    public var labels: [Int]
    public var count: Int { labels.count }

    public init(images: [Float], labels: [Int]) {
        self.images = images
        self.labels = labels
    }
}

/// Streams one epoch of a split from a dataset's shards: the split's faces in one random order per
/// epoch, augmentation on the fly, all on a background thread so that reading and augmenting overlap
/// with compute. The order is over the whole split, not shard by shard through a bounded buffer:
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
                var images = [Float](repeating: 0, count: chosen.count * size)
                for (slot, face) in chosen.enumerated() {
                    let stored = Array(pixels[(face * size)..<((face + 1) * size)])
                    let augmented = policy.map { $0.sample(using: &random).apply(to: stored) } ?? stored
                    for (offset, value) in augmented.enumerated() { images[slot * size + offset] = Float(value) / 255 }
                }
                guard queue.put(.batch(Batch(images: images, labels: chosen.map { labels[$0] }))) else { return }
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
