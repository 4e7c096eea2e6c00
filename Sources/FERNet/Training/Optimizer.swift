import Dispatch
import FERCore
import FERData
#if canImport(Glibc)
import Glibc
#endif

/// Parameter updates with PyTorch's semantics (weight decay is L2 added to the gradient).
public enum OptimizerKind: String, StageChoice {
    case adam, sgd
}

/// Adam (beta 0.9/0.999, eps 1e-8) or SGD with momentum, over a model's parameters. Its state
/// (moments, step count) is saved in checkpoints so that a resumed run continues exactly. The step
/// runs on every core, the parameters' elements split between them.
public final class Optimizer {
    public let kind: OptimizerKind
    public var learningRate: Float
    public let momentum: Float
    public let weightDecay: Float
    /// Each parameter's rate as a multiple of `learningRate` (1: the rate; 0: frozen, neither moved nor
    /// its moments updated): pretrained layers at their own rate when fine-tuning.
    public var rateScales: [Float]
    let parameters: [Parameter]
    private(set) var step = 0
    /// The moments of all parameters end to end; parameter i's start at `offsets[i]`.
    private var first: [Float]
    private var second: [Float]
    private let offsets: [Int]
    private let runs: ElementwiseRuns

    public init(kind: OptimizerKind, parameters: [Parameter], learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 0) {
        self.kind = kind
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        rateScales = [Float](repeating: 1, count: parameters.count)
        let counts = parameters.map(\.count)
        offsets = counts.reduce(into: [0]) { $0.append($0.last! + $1) }.dropLast()
        first = [Float](repeating: 0, count: counts.reduce(0, +))
        second = kind == .adam ? first : []
        runs = ElementwiseRuns(counts: counts)
    }

    public func update() {
        step += 1
        let (beta1, beta2, epsilon): (Float, Float, Float) = (0.9, 0.999, 1e-8)
        let correction1 = 1 - powf(beta1, Float(step)), correction2 = 1 - powf(beta2, Float(step))
        let (kind, base, decay, momentum, offsets, scales) = (kind, learningRate, weightDecay, momentum, offsets, rateScales)
        parameters.withPointers(\.values) { values in
        parameters.withPointers(\.gradient) { gradients in
        first.withUnsafeMutableBufferPointer { first in
        second.withUnsafeMutableBufferPointer { second in
            let (first, second) = (first, second)
            runs.forEachPiece { tensor, range in
                let rate = base * scales[tensor]
                guard rate != 0 else { return }
                let (values, gradient, m) = (values[tensor], gradients[tensor], first.baseAddress! + offsets[tensor])
                switch kind {
                case .sgd:
                    for i in range {
                        let g = gradient[i] + decay * values[i]
                        m[i] = momentum * m[i] + g
                        values[i] -= rate * m[i]
                    }
                case .adam:
                    // Eight at a time (the divisions and square root dominate), then the rest; lane by
                    // lane the same operations, so the same results.
                    let v = second.baseAddress! + offsets[tensor]
                    var i = range.lowerBound
                    while i + 8 <= range.upperBound {
                        let g = Lanes(gradient + i, count: 8) + decay * Lanes(values + i, count: 8)
                        let mi = beta1 * Lanes(m + i, count: 8) + (1 - beta1) * g
                        let vi = beta2 * Lanes(v + i, count: 8) + (1 - beta2) * g * g
                        mi.store(m + i, count: 8)
                        vi.store(v + i, count: 8)
                        let step = rate * (mi / correction1) / ((vi / correction2).squareRoot() + epsilon)
                        (Lanes(values + i, count: 8) - step).store(values + i, count: 8)
                        i += 8
                    }
                    for i in i..<range.upperBound {
                        let g = gradient[i] + decay * values[i]
                        m[i] = beta1 * m[i] + (1 - beta1) * g
                        v[i] = beta2 * v[i] + (1 - beta2) * g * g
                        values[i] -= rate * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
                    }
                }
            }
        }}}}
    }

    /// The moments as named tensors, for a checkpoint.
    func state() -> [String: SafeTensors.Tensor] {
        var tensors: [String: SafeTensors.Tensor] = [:]
        for (parameter, offset) in zip(parameters, offsets) {
            let range = offset..<(offset + parameter.count)
            tensors["optimizer.m." + parameter.name] = .init(shape: parameter.shape, values: Array(first[range]))
            if kind == .adam { tensors["optimizer.v." + parameter.name] = .init(shape: parameter.shape, values: Array(second[range])) }
        }
        return tensors
    }

    func restore(_ tensors: [String: SafeTensors.Tensor], step: Int) throws {
        self.step = step
        for (parameter, offset) in zip(parameters, offsets) {
            try Self.load(tensors, "optimizer.m." + parameter.name, into: &first, at: offset, count: parameter.count)
            if kind == .adam { try Self.load(tensors, "optimizer.v." + parameter.name, into: &second, at: offset, count: parameter.count) }
        }
    }

    private static func load(_ tensors: [String: SafeTensors.Tensor], _ name: String, into moments: inout [Float],
                             at offset: Int, count: Int) throws {
        guard let tensor = tensors[name] else { throw FerError(.badCheckpoint, "checkpoint lacks '\(name)'") }
        guard tensor.values.count == count else {
            throw FerError(.badCheckpoint, "'\(name)' has \(tensor.values.count) values, the model \(count)")
        }
        moments.replaceSubrange(offset..<(offset + count), with: tensor.values)
    }
}

/// The learning rate over epochs.
public enum LearningRateSchedule: String, StageChoice {
    case constant
    /// Cosine decay from the base rate to zero over the run.
    case cosine
    /// Divided by 10 at half and at three quarters of the run.
    case step

    public func rate(base: Float, epoch: Int, epochs: Int) -> Float {
        switch self {
        case .constant: return base
        case .cosine: return base * 0.5 * (1 + cosf(Float.pi * Float(epoch) / Float(max(1, epochs))))
        case .step:
            let drops = (epoch >= epochs / 2 ? 1 : 0) + (epoch >= epochs * 3 / 4 ? 1 : 0)
            return base * powf(0.1, Float(drops))
        }
    }
}
