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

/// Streams one epoch of a split from a dataset's shards: shard order reshuffled each epoch, a
/// bounded shuffle buffer, augmentation on the fly, all on a background thread so that reading and
/// augmenting overlap with compute. Memory: one shard, the buffer and two batches.
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

    public init(dataset: Dataset, split: Split, batchSize: Int, shuffleBuffer: Int, policy: AugmentationPolicy?,
                seed: UInt64, epoch: Int) {
        let queue = self.queue
        let thread = Thread {
            var random = SeededGenerator(seed: seed, stream: 0xE90C + UInt64(epoch))
            var buffer: [FaceRecord] = []
            var pending: [FaceRecord] = []
            func emit(_ records: [FaceRecord]) -> Bool {
                var images = [Float](repeating: 0, count: records.count * FaceSize.pixelCount)
                for (index, record) in records.enumerated() {
                    let pixels = policy.map { $0.sample(using: &random).apply(to: record.pixels) } ?? record.pixels
                    for (offset, value) in pixels.enumerated() { images[index * FaceSize.pixelCount + offset] = Float(value) / 255 }
                }
                return queue.put(.batch(Batch(images: images, labels: records.map { Int($0.label!.rawValue) })))
            }
            func take() -> Bool {
                pending.append(buffer.swapRemove(at: Int.random(in: 0..<buffer.count, using: &random)))
                if pending.count == batchSize {
                    defer { pending.removeAll(keepingCapacity: true) }
                    return emit(pending)
                }
                return true
            }
            let shards = dataset.manifest.shards.shuffled(using: &random)
            do {
                for shard in shards {
                    let records = try dataset.load(shard)
                    for index in 0..<records.count {
                        let record = try records.record(index)
                        guard record.split == split, record.label != nil else { continue }
                        buffer.append(record)
                        if buffer.count >= shuffleBuffer, !take() { return }
                    }
                }
            } catch let error as FerError {
                _ = queue.put(.failed(error))
                return
            } catch {
                _ = queue.put(.failed(FerError(.corruptShard, "cannot read \(dataset.name)", cause: error)))
                return
            }
            while !buffer.isEmpty { if !take() { return } }
            if !pending.isEmpty, !emit(pending) { return }
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

extension Array {
    /// Removes the element at `index` in O(1) by moving the last element there.
    mutating func swapRemove(at index: Int) -> Element {
        swapAt(index, count - 1)
        return removeLast()
    }
}
