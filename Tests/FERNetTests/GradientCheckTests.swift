import FERCore
import Testing

@testable import FERNet

/// Finite-difference checks of every layer's backward pass: the loss is sum(output x R) for a fixed
/// random R, so dLoss/dOutput = R; each analytic gradient entry is compared with the central
/// difference (f(x + h) - f(x - h)) / 2h.
@Suite struct GradientCheckTests {
    /// Single-threaded BLAS, as ferdata's main sets it (`ProcessSettings`).
    init() { ProcessSettings.apply() }

    static func random(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float.random(in: -scale...scale, using: &generator) }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// Compares `analytic` with central differences of `loss` over `values` at up to `samples` indexes.
    static func check(
        _ name: String, values: inout [Float], analytic: [Float], samples: Int = 40, step: Float = 1e-2,
        tolerance: Double = 2e-2, loss: ([Float]) -> Double
    ) {
        var generator = SeededGenerator(seed: 99)
        let indexes = values.count <= samples ? Array(values.indices) : (0..<samples).map { _ in Int.random(in: 0..<values.count, using: &generator) }
        var worst = 0.0
        for index in indexes {
            let original = values[index]
            values[index] = original + step
            let plus = loss(values)
            values[index] = original - step
            let minus = loss(values)
            values[index] = original
            let numeric = (plus - minus) / Double(2 * step)
            let error = abs(numeric - Double(analytic[index])) / max(1e-2, abs(numeric) + abs(Double(analytic[index])))
            worst = max(worst, error)
        }
        #expect(worst < tolerance, "\(name): worst relative error \(worst)")
    }

    /// Checks every parameter's accumulated gradient against differences of `loss`, which reads the
    /// parameters' current values.
    static func checkParameters(
        _ parameters: [Parameter], samples: Int = 40, step: Float = 1e-2, tolerance: Double = 2e-2, loss: () -> Double
    ) {
        for parameter in parameters {
            let original = parameter.values
            var values = original
            check(parameter.name, values: &values, analytic: parameter.gradient, samples: samples, step: step,
                  tolerance: tolerance) { v in
                parameter.values = v
                defer { parameter.values = original }
                return loss()
            }
        }
    }

    @Test func convReLUPool() {
        var random = SeededGenerator(seed: 1)
        let layer = ConvReLUPool(name: "c", inputChannels: 2, outputChannels: 3, random: &random)
        // Five images: chunks of two, two and one; a tile row of five tiles (one partial group of eight).
        var input = Self.random(2 * 5 * 6 * 10, seed: 2)
        let r = Self.random(3 * 5 * 3 * 5, seed: 3)
        let forward = { (x: [Float]) in Self.dot(layer.forward(x, batch: 5, height: 6, width: 10), r) }
        _ = layer.forward(input, batch: 5, height: 6, width: 10)
        let dInput = layer.backward(r, wantInputGradient: true)!
        Self.check("conv input", values: &input, analytic: dInput, samples: 300, step: 1e-3, loss: forward)
        Self.checkParameters(layer.parameters, step: 1e-3) { forward(input) }
    }

    /// Winograd's F(2x2, 3x3) with ReLU and pooling against the three written out (in Double), at
    /// sizes with full and partial groups of eight tiles, and across chunks: equal up to float rounding.
    @Test(arguments: [(5, 3, 4, 8, 10), (6, 8, 5, 24, 24), (1, 2, 3, 2, 2), (3, 4, 2, 4, 34)])
    func convReLUPoolEqualsConvolutionReLUAndPoolingWrittenOut(batch: Int, inputs: Int, outputs: Int, height: Int, width: Int) {
        var random = SeededGenerator(seed: 21)
        let layer = ConvReLUPool(name: "c", inputChannels: inputs, outputChannels: outputs, random: &random)
        let input = Self.random(inputs * batch * height * width, seed: 22)
        let pooled = layer.forward(input, batch: batch, height: height, width: width)
        func convolution(_ o: Int, _ b: Int, _ y: Int, _ x: Int) -> Double {
            var sum = Double(layer.bias.values[o])
            for c in 0..<inputs {
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        let (sy, sx) = (y + ky - 1, x + kx - 1)
                        guard sy >= 0 && sy < height && sx >= 0 && sx < width else { continue }
                        sum += Double(layer.weight.values[((o * inputs + c) * 3 + ky) * 3 + kx])
                            * Double(input[((c * batch + b) * height + sy) * width + sx])
                    }
                }
            }
            return sum
        }
        var worst = 0.0
        for o in 0..<outputs {
            for b in 0..<batch {
                for y in 0..<(height / 2) {
                    for x in 0..<(width / 2) {
                        let window = [convolution(o, b, 2 * y, 2 * x), convolution(o, b, 2 * y, 2 * x + 1),
                                      convolution(o, b, 2 * y + 1, 2 * x), convolution(o, b, 2 * y + 1, 2 * x + 1)]
                        let expected = max(0, window.max()!)
                        worst = max(worst, abs(expected - Double(pooled[((o * batch + b) * (height / 2) + y) * (width / 2) + x])))
                    }
                }
            }
        }
        #expect(worst < 1e-5, "largest difference from convolution, ReLU and pooling: \(worst)")
    }

    @Test func grayscaleConvPool() {
        var random = SeededGenerator(seed: 11)
        let layer = GrayscaleConvPool(name: "c", filters: 3, random: &random)
        let input = Self.random(2 * 8 * 6, seed: 12)
        let r = Self.random(3 * 2 * 4 * 3, seed: 13)
        _ = layer.forward(input, batch: 2, height: 8, width: 6)
        layer.backward(r)
        Self.checkParameters(layer.parameters, step: 1e-3) { Self.dot(layer.forward(input, batch: 2, height: 8, width: 6), r) }
    }

    /// Two ways to the same convolution, ReLU and pooling agree: conv1's direct one and conv2's Winograd one.
    @Test func grayscaleConvPoolMatchesWinogradConvReLUPool() {
        var random = SeededGenerator(seed: 14)
        let fused = GrayscaleConvPool(name: "c", filters: 4, random: &random)
        let winograd = ConvReLUPool(name: "c", inputChannels: 1, outputChannels: 4, random: &random)
        winograd.weight.values = fused.weight.values
        winograd.bias.values = fused.bias.values
        let input = Self.random(3 * 10 * 8, seed: 15)
        let expected = winograd.forward(input, batch: 3, height: 10, width: 8)
        let actual = fused.forward(input, batch: 3, height: 10, width: 8)
        #expect(expected.count == actual.count && zip(expected, actual).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func lstmLayer() {
        var random = SeededGenerator(seed: 6)
        let layer = LSTMLayer(layer: 0, inputSize: 5, hidden: 4, random: &random)
        var input = Self.random(2 * 3 * 5, seed: 7)
        let r = Self.random(2 * 3 * 4, seed: 8)
        let forward = { (x: [Float]) in Self.dot(layer.forward(x, batch: 2, steps: 3), r) }
        _ = layer.forward(input, batch: 2, steps: 3)
        let dInput = layer.backward(r, wantInputGradient: true)!
        Self.check("lstm input", values: &input, analytic: dInput, loss: forward)
        Self.checkParameters(layer.parameters) { forward(input) }
    }

    @Test func linearAndLoss() {
        var random = SeededGenerator(seed: 9)
        let layer = Linear(name: "fc", inputSize: 6, outputSize: 4, random: &random)
        var input = Self.random(3 * 6, seed: 10)
        let labels = [0, 3, 1]
        let weights: [Float] = [1, 2, 0.5, 1]
        let loss = { (x: [Float]) -> Double in
            Double(SoftmaxCrossEntropy.lossAndGradient(logits: layer.forward(x, batch: 3), labels: labels, classes: 4,
                                                       smoothing: 0.1, weights: weights).loss)
        }
        let logits = layer.forward(input, batch: 3)
        let dLogits = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels, classes: 4, smoothing: 0.1, weights: weights).gradient
        let dInput = layer.backward(dLogits)
        Self.check("linear input", values: &input, analytic: dInput, loss: loss)
        Self.checkParameters(layer.parameters) { loss(input) }
    }

    /// Batch normalisation in training: gradients of its input, scale and shift by finite differences
    /// (the batch statistics depend on every input, which the check includes); the running statistics
    /// move 0.1 of the way to the batch's mean and unbiased variance, and eval normalises by them.
    @Test func batchNormalisation() {
        let layer = BatchNorm(name: "bn", channels: 3)
        layer.weight.values = [1.5, 0.5, -1]
        layer.bias.values = [0.1, -0.2, 0.3]
        var input = Self.random(3 * 2 * 4 * 4, seed: 21).enumerated().map { $1 + Float($0 / 32) }
        let r = Self.random(input.count, seed: 22)
        let loss = { (x: [Float]) -> Double in Self.dot(layer.forward(x, training: true), r) }
        _ = layer.forward(input, training: true)
        let dInput = layer.backward(r)
        Self.check("batch norm input", values: &input, analytic: dInput, loss: loss)
        Self.checkParameters(layer.parameters) { loss(input) }

        let fresh = BatchNorm(name: "bn", channels: 3)
        let output = fresh.forward(input, training: true)
        for c in 0..<3 {
            let values = input[(c * 32)..<((c + 1) * 32)].map(Double.init)
            let mean = values.reduce(0, +) / 32
            let unbiased = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 31
            #expect(abs(Double(fresh.runningMean.values[c]) - 0.1 * mean) < 1e-5)
            #expect(abs(Double(fresh.runningVariance.values[c]) - (0.9 + 0.1 * unbiased)) < 1e-5)
            let normalised = output[(c * 32)..<((c + 1) * 32)].map(Double.init)
            #expect(abs(normalised.reduce(0, +) / 32) < 1e-5)
        }
        let evaluated = fresh.forward(input, training: false)
        for (i, x) in input.enumerated() {
            let c = i / 32
            let expected = (x - fresh.runningMean.values[c]) / (fresh.runningVariance.values[c] + 1e-5).squareRoot()
            #expect(abs(evaluated[i] - expected) < 1e-5)
        }
    }

    /// The seed network's shape and wider ones of three and four blocks, and with batch normalisation.
    @Test(arguments: [([2, 3], false), ([2, 3, 4], false), ([2, 2, 3, 3], false), ([2, 3, 4], true)])
    func wholeModelWithDropout(filters: [Int], batchNorm: Bool) {
        let architecture = CNNRNN.Architecture(filters: filters, batchNorm: batchNorm, hidden: 4)
        let model = CNNRNN(architecture: architecture, seed: 11)
        let images = Self.random(2 * 48 * 48, seed: 12, scale: 0.5).map { $0 + 0.5 }
        let r = Self.random(2 * 7, seed: 13)
        // The same seed each pass gives the same dropout masks.
        let forward = { () -> Double in
            var random = SeededGenerator(seed: 14)
            return Self.dot(model.forward(images, batch: 2, training: true, random: &random), r)
        }
        _ = forward()
        model.zeroGradients()
        model.backward(r)
        // A small step: ReLU and max-pool kinks make a large one cross decision boundaries.
        Self.checkParameters(model.parameters, samples: 12, step: 5e-4, tolerance: 5e-2, loss: forward)
    }
}
