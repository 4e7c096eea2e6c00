import Dispatch
import FERCore
import FERData

/// Data-parallel steps on this machine's cores: one model replica per core, each running forward
/// and backward on its slice of the batch with single-threaded BLAS (OpenBLAS's own threads spin
/// between the small products of this model and lose more than they gain). The loss is computed
/// on the whole batch, so the result equals a single-replica step up to float summation order.
public final class DataParallel {
    let master: CNNRNN
    private let replicas: [CNNRNN]
    private let gradientRuns: ElementwiseRuns

    public init(master: CNNRNN, replicas count: Int = Parallel.coreCount) {
        self.master = master
        replicas = [master] + (1..<max(1, count)).map { _ in CNNRNN(architecture: master.architecture) }
        gradientRuns = ElementwiseRuns(counts: master.parameters.map(\.count))
    }

    /// The `count` slices of `0..<total`, as even as possible.
    private func slices(_ total: Int) -> [Range<Int>] {
        let parts = min(replicas.count, total)
        return (0..<parts).map { part in (total * part / parts)..<(total * (part + 1) / parts) }
    }

    private func synchroniseWeights() {
        let source = master.tensors
        for replica in replicas.dropFirst() {
            for (target, tensor) in zip(replica.tensors, source) { target.values = tensor.values }
        }
    }

    /// The master's running statistics (batch normalisation's) become the mean of the replicas' after
    /// a step: each moved from the same values towards its own slice's statistics.
    private func averageBuffers(over count: Int) {
        guard count > 1, !master.buffers.isEmpty else { return }
        let others = replicas[1..<count].map(\.buffers)
        for (index, buffer) in master.buffers.enumerated() {
            for i in buffer.values.indices {
                var sum = buffer.values[i]
                for other in others { sum += other[index].values[i] }
                buffer.values[i] = sum / Float(count)
            }
        }
    }

    /// Forward and backward of one batch; gradients end in the master's parameters.
    /// - Parameter loss: the loss and dLoss/dLogits for the whole batch's logits.
    public func step(_ batch: Batch, seed: UInt64, loss: ([Float]) -> (Float, [Float])) -> (loss: Float, logits: [Float]) {
        synchroniseWeights()
        let parts = slices(batch.count)
        let classes = master.architecture.classes
        var logits = [[Float]](repeating: [], count: parts.count)
        let replicas = self.replicas
        logits.withUnsafeMutableBufferPointer { slots in
            let slots = slots
            DispatchQueue.concurrentPerform(iterations: parts.count) { part in
                let range = parts[part]
                var random = SeededGenerator(seed: seed, stream: UInt64(part))
                let images = batch.images(range)
                replicas[part].zeroGradients()
                slots[part] = replicas[part].forward(images, batch: range.count, training: true, random: &random)
            }
        }
        let all = logits.flatMap { $0 }
        let (value, gradient) = loss(all)
        DispatchQueue.concurrentPerform(iterations: parts.count) { part in
            let range = parts[part]
            replicas[part].backward(Array(gradient[(range.lowerBound * classes)..<(range.upperBound * classes)]))
        }
        sumGradients(into: master, from: Array(replicas[1..<parts.count]))
        averageBuffers(over: parts.count)
        return (value, all)
    }

    /// Adds the replicas' gradients to the master's, in replica order, split across the cores.
    private func sumGradients(into master: CNNRNN, from others: [CNNRNN]) {
        guard !others.isEmpty else { return }
        master.parameters.withPointers(\.gradient) { sums in
            let parts = others.map { $0.parameters.map { $0.gradient } }
            gradientRuns.forEachPiece { tensor, range in
                for part in parts {
                    part[tensor].withUnsafeBufferPointer { part in
                        for i in range { sums[tensor][i] += part[i] }
                    }
                }
            }
        }
    }
}
