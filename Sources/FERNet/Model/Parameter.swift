import Dispatch
import FERCore

/// A named, shaped learnable tensor and its gradient, named as in the PyTorch module's state_dict.
public final class Parameter {
    public let name: String
    public let shape: [Int]
    public var values: [Float]
    public var gradient: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values for shape \(shape)")
        self.name = name
        self.shape = shape
        self.values = values
        self.gradient = [Float](repeating: 0, count: values.count)
    }

    public var count: Int { values.count }

    public func zeroGradient() {
        gradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}

/// Element-wise passes over every tensor of a model on all cores (the optimiser step, the sum of the
/// replicas' gradients): the tensors' elements laid end to end and cut into one run per core; each
/// element is computed exactly as a serial loop computes it, so the split changes no result.
struct ElementwiseRuns {
    /// For each run, its pieces: a tensor's index and a range of its elements.
    let runs: [[(tensor: Int, range: Range<Int>)]]

    init(counts: [Int], parts: Int = Parallel.coreCount) {
        let total = counts.reduce(0, +)
        let parts = max(1, min(parts, total))
        var runs: [[(tensor: Int, range: Range<Int>)]] = []
        var (tensor, offset) = (0, 0)  // the next element not yet given to a run
        for part in 0..<parts {
            var left = total * (part + 1) / parts - total * part / parts
            var pieces: [(tensor: Int, range: Range<Int>)] = []
            while left > 0 {
                let take = min(left, counts[tensor] - offset)
                if take > 0 { pieces.append((tensor, offset..<(offset + take))) }
                (left, offset) = (left - take, offset + take)
                if offset == counts[tensor] { (tensor, offset) = (tensor + 1, 0) }
            }
            runs.append(pieces)
        }
        self.runs = runs
    }

    /// Calls `body` for every piece, the runs on separate threads.
    func forEachPiece(_ body: (_ tensor: Int, _ range: Range<Int>) -> Void) {
        DispatchQueue.concurrentPerform(iterations: runs.count) { run in
            for piece in runs[run] { body(piece.tensor, piece.range) }
        }
    }
}

extension Array where Element == Parameter {
    /// Runs `body` with the base address of `field` (values or gradient) of every parameter, all held
    /// open at once, so that several threads can work on disjoint elements.
    func withPointers(_ field: ReferenceWritableKeyPath<Parameter, [Float]>,
                      _ body: ([UnsafeMutablePointer<Float>]) -> Void) {
        func open(_ index: Int, _ opened: [UnsafeMutablePointer<Float>]) {
            guard index < count else { return body(opened) }
            self[index][keyPath: field].withUnsafeMutableBufferPointer { open(index + 1, opened + [$0.baseAddress!]) }
        }
        open(0, [])
    }
}
