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

    public init(master: CNNRNN, replicas count: Int = Parallel.coreCount) {
        self.master = master
        replicas = [master] + (1..<max(1, count)).map { _ in CNNRNN(architecture: master.architecture) }
    }

    /// The `count` slices of `0..<total`, as even as possible.
    private func slices(_ total: Int) -> [Range<Int>] {
        let parts = min(replicas.count, total)
        return (0..<parts).map { part in (total * part / parts)..<(total * (part + 1) / parts) }
    }

    private func synchroniseWeights() {
        let source = master.parameters
        for replica in replicas.dropFirst() {
            for (target, parameter) in zip(replica.parameters, source) { target.values = parameter.values }
        }
    }

    /// Forward and backward of one batch; gradients end in the master's parameters.
    /// - Parameter loss: the loss and dLoss/dLogits for the whole batch's logits.
    public func step(_ batch: Batch, seed: UInt64, loss: ([Float]) -> (Float, [Float])) -> (loss: Float, logits: [Float]) {
        synchroniseWeights()
        let parts = slices(batch.count)
        let classes = master.architecture.classes
        let pixels = CNNRNN.Architecture.side * CNNRNN.Architecture.side
        var logits = [[Float]](repeating: [], count: parts.count)
        let replicas = self.replicas
        logits.withUnsafeMutableBufferPointer { slots in
            let slots = slots
            DispatchQueue.concurrentPerform(iterations: parts.count) { part in
                let range = parts[part]
                var random = SeededGenerator(seed: seed, stream: UInt64(part))
                let images = Array(batch.images[(range.lowerBound * pixels)..<(range.upperBound * pixels)])
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
        for replica in replicas.dropFirst().prefix(parts.count - 1) {
            for (target, parameter) in zip(master.parameters, replica.parameters) {
                target.gradient.withUnsafeMutableBufferPointer { sum in
                    parameter.gradient.withUnsafeBufferPointer { part in
                        for i in 0..<sum.count { sum[i] += part[i] }
                    }
                }
            }
        }
        return (value, all)
    }
}
