/// Batch normalisation of a channel-major map `[C, B, H, W]`, as PyTorch's `BatchNorm2d` (eps 1e-5,
/// momentum 0.1): in training each channel is normalised by the mean and (biased) variance of its
/// B x H x W values, scaled by `weight` and shifted by `bias`, and the running mean and (unbiased)
/// variance move towards the batch's; in eval the running statistics normalise. Each channel's values
/// are contiguous in this layout, so a channel is one pass over one run of memory.
final class BatchNorm {
    let channels: Int
    let weight: Parameter  // gamma [C]
    let bias: Parameter  // beta [C]
    /// Not learned: the statistics eval uses, saved with the model (`running_mean`, `running_var`).
    let runningMean: Parameter
    let runningVariance: Parameter
    static let epsilon: Float = 1e-5
    static let momentum: Float = 0.1
    /// The last training pass's normalised values and each channel's 1/sqrt(var + eps).
    private var normalised: [Float] = []
    private var inverseDeviation: [Float] = []
    private var perChannel = 0

    init(name: String, channels: Int) {
        self.channels = channels
        weight = Parameter(name: name + ".weight", shape: [channels], values: [Float](repeating: 1, count: channels))
        bias = Parameter(name: name + ".bias", shape: [channels], values: [Float](repeating: 0, count: channels))
        runningMean = Parameter(name: name + ".running_mean", shape: [channels], values: [Float](repeating: 0, count: channels))
        runningVariance = Parameter(name: name + ".running_var", shape: [channels], values: [Float](repeating: 1, count: channels))
    }

    var parameters: [Parameter] { [weight, bias] }
    var buffers: [Parameter] { [runningMean, runningVariance] }

    func forward(_ input: [Float], training: Bool) -> [Float] {
        let n = input.count / channels
        perChannel = n
        var output = [Float](unsafeUninitializedCapacity: input.count) { _, count in count = input.count }
        if training {
            if normalised.count != input.count { normalised = [Float](repeating: 0, count: input.count) }
            inverseDeviation = [Float](repeating: 0, count: channels)
        }
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                normalised.withUnsafeMutableBufferPointer { xHat in
                    for c in 0..<channels {
                        let base = c * n
                        let (gamma, beta) = (weight.values[c], bias.values[c])
                        if training {
                            var sum: Double = 0
                            for i in base..<(base + n) { sum += Double(x[i]) }
                            let mean = Float(sum / Double(n))
                            var squares: Double = 0
                            for i in base..<(base + n) { let d = Double(x[i] - mean); squares += d * d }
                            let variance = Float(squares / Double(n))
                            let inverse = 1 / (variance + Self.epsilon).squareRoot()
                            inverseDeviation[c] = inverse
                            for i in base..<(base + n) {
                                let value = (x[i] - mean) * inverse
                                xHat[i] = value
                                y[i] = gamma * value + beta
                            }
                            let unbiased = n > 1 ? Float(squares / Double(n - 1)) : variance
                            runningMean.values[c] = (1 - Self.momentum) * runningMean.values[c] + Self.momentum * mean
                            runningVariance.values[c] = (1 - Self.momentum) * runningVariance.values[c] + Self.momentum * unbiased
                        } else {
                            let scale = gamma / (runningVariance.values[c] + Self.epsilon).squareRoot()
                            let shift = beta - runningMean.values[c] * scale
                            for i in base..<(base + n) { y[i] = x[i] * scale + shift }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Accumulates dWeight and dBias from dL/dOutput of the last training pass; returns dL/dInput:
    /// gamma / sigma (dy - mean(dy) - x̂ mean(dy x̂)) per channel.
    func backward(_ gradient: [Float]) -> [Float] {
        let n = perChannel
        var dInput = [Float](unsafeUninitializedCapacity: gradient.count) { _, count in count = gradient.count }
        gradient.withUnsafeBufferPointer { dy in
            normalised.withUnsafeBufferPointer { xHat in
                dInput.withUnsafeMutableBufferPointer { dx in
                    for c in 0..<channels {
                        let base = c * n
                        var (sumDy, sumDyXHat): (Double, Double) = (0, 0)
                        for i in base..<(base + n) {
                            sumDy += Double(dy[i])
                            sumDyXHat += Double(dy[i] * xHat[i])
                        }
                        weight.gradient[c] += Float(sumDyXHat)
                        bias.gradient[c] += Float(sumDy)
                        let scale = weight.values[c] * inverseDeviation[c]
                        let (meanDy, meanDyXHat) = (Float(sumDy / Double(n)), Float(sumDyXHat / Double(n)))
                        for i in base..<(base + n) { dx[i] = scale * (dy[i] - meanDy - xHat[i] * meanDyXHat) }
                    }
                }
            }
        }
        return dInput
    }
}
