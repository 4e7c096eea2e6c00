import FERCore
#if canImport(Glibc)
import Glibc
#endif

/// Parameter updates with PyTorch's semantics (weight decay is L2 added to the gradient).
public enum OptimizerKind: String, StageChoice {
    case adam, sgd
}

/// Adam (beta 0.9/0.999, eps 1e-8) or SGD with momentum, over a model's parameters. Its state
/// (moments, step count) is saved in checkpoints so that a resumed run continues exactly.
public final class Optimizer {
    public let kind: OptimizerKind
    public var learningRate: Float
    public let momentum: Float
    public let weightDecay: Float
    let parameters: [Parameter]
    private(set) var step = 0
    private(set) var first: [[Float]]
    private(set) var second: [[Float]]

    public init(kind: OptimizerKind, parameters: [Parameter], learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 0) {
        self.kind = kind
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        first = parameters.map { [Float](repeating: 0, count: $0.count) }
        second = kind == .adam ? parameters.map { [Float](repeating: 0, count: $0.count) } : []
    }

    public func update() {
        step += 1
        let (beta1, beta2, epsilon): (Float, Float, Float) = (0.9, 0.999, 1e-8)
        let correction1 = 1 - powf(beta1, Float(step)), correction2 = 1 - powf(beta2, Float(step))
        for (index, parameter) in parameters.enumerated() {
            let (rate, decay) = (learningRate, weightDecay)
            parameter.values.withUnsafeMutableBufferPointer { values in
                parameter.gradient.withUnsafeBufferPointer { gradient in
                    first[index].withUnsafeMutableBufferPointer { m in
                        switch kind {
                        case .sgd:
                            for i in 0..<values.count {
                                let g = gradient[i] + decay * values[i]
                                m[i] = momentum * m[i] + g
                                values[i] -= rate * m[i]
                            }
                        case .adam:
                            second[index].withUnsafeMutableBufferPointer { v in
                                for i in 0..<values.count {
                                    let g = gradient[i] + decay * values[i]
                                    m[i] = beta1 * m[i] + (1 - beta1) * g
                                    v[i] = beta2 * v[i] + (1 - beta2) * g * g
                                    values[i] -= rate * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The moments as named tensors, for a checkpoint.
    func state() -> [String: SafeTensors.Tensor] {
        var tensors: [String: SafeTensors.Tensor] = [:]
        for (index, parameter) in parameters.enumerated() {
            tensors["optimizer.m." + parameter.name] = .init(shape: parameter.shape, values: first[index])
            if kind == .adam { tensors["optimizer.v." + parameter.name] = .init(shape: parameter.shape, values: second[index]) }
        }
        return tensors
    }

    func restore(_ tensors: [String: SafeTensors.Tensor], step: Int) {
        self.step = step
        for (index, parameter) in parameters.enumerated() {
            if let m = tensors["optimizer.m." + parameter.name] { first[index] = m.values }
            if kind == .adam, let v = tensors["optimizer.v." + parameter.name] { second[index] = v.values }
        }
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
