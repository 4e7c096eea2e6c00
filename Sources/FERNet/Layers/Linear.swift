/// A fully connected layer, y[B, out] = x[B, in] W^T + b, with PyTorch's `weight` [out, in].
final class Linear {
    let inputSize: Int
    let outputSize: Int
    let weight: Parameter
    let bias: Parameter
    private var input: [Float] = []
    private var batch = 0

    init(name: String, inputSize: Int, outputSize: Int, random: inout some RandomNumberGenerator) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        let bound = 1 / Float(inputSize).squareRoot()
        weight = Parameter(name: name + ".weight", shape: [outputSize, inputSize],
                           values: (0..<(outputSize * inputSize)).map { _ in Float.random(in: -bound...bound, using: &random) })
        bias = Parameter(name: name + ".bias", shape: [outputSize],
                         values: (0..<outputSize).map { _ in Float.random(in: -bound...bound, using: &random) })
    }

    var parameters: [Parameter] { [weight, bias] }

    func forward(_ input: [Float], batch: Int) -> [Float] {
        self.input = input
        self.batch = batch
        var output = [Float](repeating: 0, count: batch * outputSize)
        output.withUnsafeMutableBufferPointer { out in
            for b in 0..<batch { for j in 0..<outputSize { out[b * outputSize + j] = bias.values[j] } }
            BLAS.gemm(transposeB: true, m: batch, n: outputSize, k: inputSize, input, lda: inputSize, weight.values,
                      ldb: inputSize, beta: 1, out.baseAddress!, ldc: outputSize)
        }
        return output
    }

    func backward(_ gradient: [Float]) -> [Float] {
        weight.gradient.withUnsafeMutableBufferPointer { dW in
            BLAS.gemm(transposeA: true, m: outputSize, n: inputSize, k: batch, gradient, lda: outputSize, input,
                      ldb: inputSize, beta: 1, dW.baseAddress!, ldc: inputSize)
        }
        for b in 0..<batch { for j in 0..<outputSize { bias.gradient[j] += gradient[b * outputSize + j] } }
        var dInput = [Float](repeating: 0, count: batch * inputSize)
        dInput.withUnsafeMutableBufferPointer { dX in
            BLAS.gemm(m: batch, n: inputSize, k: outputSize, gradient, lda: outputSize, weight.values, ldb: inputSize,
                      dX.baseAddress!, ldc: inputSize)
        }
        return dInput
    }
}

/// Inverted dropout: in training, zeroes each value with probability p and scales the rest by
/// 1/(1-p); at evaluation it is the identity.
final class Dropout {
    let probability: Float
    private var mask: [Float] = []

    init(probability: Float) {
        self.probability = probability
    }

    func forward(_ input: [Float], training: Bool, random: inout some RandomNumberGenerator) -> [Float] {
        guard training && probability > 0 else {
            mask = []
            return input
        }
        let keep = 1 / (1 - probability)
        mask = input.indices.map { _ in Float.random(in: 0..<1, using: &random) < probability ? 0 : keep }
        return zip(input, mask).map { $0 * $1 }
    }

    func backward(_ gradient: [Float]) -> [Float] {
        mask.isEmpty ? gradient : zip(gradient, mask).map { $0 * $1 }
    }
}

/// Softmax cross-entropy over logits [B, K], with optional label smoothing and class weights
/// (PyTorch's `cross_entropy(weight=, label_smoothing=)`: a weighted mean over the batch).
public enum SoftmaxCrossEntropy {
    /// exp(logit - max) normalised: the class probabilities of one row of logits.
    public static func softmax(_ logits: [Float]) -> [Float] {
        let largest = logits.max() ?? 0
        let exps = logits.map { expf($0 - largest) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }

    /// Returns the loss and dLoss/dLogits.
    public static func lossAndGradient(
        logits: [Float], labels: [Int], classes: Int, smoothing: Float = 0, weights: [Float]? = nil
    ) -> (loss: Float, gradient: [Float]) {
        let batch = labels.count
        var gradient = [Float](repeating: 0, count: logits.count)
        var loss: Float = 0
        var totalWeight: Float = 0
        for b in 0..<batch {
            let row = Array(logits[(b * classes)..<((b + 1) * classes)])
            let largest = row.max()!
            let exps = row.map { expf($0 - largest) }
            let sum = exps.reduce(0, +)
            let logSum = logf(sum) + largest
            let weight = weights?[labels[b]] ?? 1
            totalWeight += weight
            for k in 0..<classes {
                let target = (k == labels[b] ? 1 - smoothing : 0) + smoothing / Float(classes)
                loss -= weight * target * (row[k] - logSum)
                gradient[b * classes + k] = weight * (exps[k] / sum - target)
            }
        }
        return (loss / totalWeight, gradient.map { $0 / totalWeight })
    }
}

#if canImport(Glibc)
import Glibc
#endif
