/// A 3x3 convolution, stride 1, padding 1, as im2col + one SGEMM for the whole batch.
///
/// Activations are channel-major over the batch, `[C, B, H, W]`, so that one product covers every
/// image: out[Cout, B*H*W] = weight[Cout, Cin*9] x cols[Cin*9, B*H*W] + bias.
/// Backward: dWeight = dOut x cols^T, dBias = row sums of dOut, dCols = weight^T x dOut, then col2im.
final class Conv2D {
    let inputChannels: Int
    let outputChannels: Int
    let weight: Parameter  // [Cout, Cin, 3, 3]
    let bias: Parameter  // [Cout]
    private var cols: [Float] = []
    /// Reused between steps: the column gradient is as large as `cols` (about 21 MB for conv2 at
    /// batch 32), and a fresh one each step costs a memset and page faults.
    private var columnGradient: [Float] = []
    private var shape = (batch: 0, height: 0, width: 0)

    init(name: String, inputChannels: Int, outputChannels: Int, random: inout some RandomNumberGenerator) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        // PyTorch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases.
        let bound = 1 / Float(inputChannels * 9).squareRoot()
        weight = Parameter(name: name + ".weight", shape: [outputChannels, inputChannels, 3, 3],
                           values: (0..<(outputChannels * inputChannels * 9)).map { _ in Float.random(in: -bound...bound, using: &random) })
        bias = Parameter(name: name + ".bias", shape: [outputChannels],
                         values: (0..<outputChannels).map { _ in Float.random(in: -bound...bound, using: &random) })
    }

    var parameters: [Parameter] { [weight, bias] }

    /// - Parameters: input `[Cin, B, H, W]`. Returns `[Cout, B, H, W]`.
    func forward(_ input: [Float], batch: Int, height: Int, width: Int) -> [Float] {
        shape = (batch, height, width)
        let plane = batch * height * width
        let k = inputChannels * 9
        if cols.count != k * plane { cols = [Float](repeating: 0, count: k * plane) }
        input.withUnsafeBufferPointer { source in
            cols.withUnsafeMutableBufferPointer { cols in
                Self.im2col(source, into: cols, channels: inputChannels, batch: batch, height: height, width: width)
            }
        }
        var output = [Float](unsafeUninitializedCapacity: outputChannels * plane) { _, count in count = outputChannels * plane }
        output.withUnsafeMutableBufferPointer { out in
            for c in 0..<outputChannels {
                (out.baseAddress! + c * plane).update(repeating: bias.values[c], count: plane)
            }
            BLAS.gemm(m: outputChannels, n: plane, k: k, weight.values, lda: k, cols, ldb: plane, beta: 1,
                      out.baseAddress!, ldc: plane)
        }
        return output
    }

    /// Accumulates parameter gradients; returns dInput `[Cin, B, H, W]` when asked.
    func backward(_ gradient: [Float], wantInputGradient: Bool) -> [Float]? {
        let plane = shape.batch * shape.height * shape.width
        let k = inputChannels * 9
        gradient.withUnsafeBufferPointer { dOut in
            weight.gradient.withUnsafeMutableBufferPointer { dW in
                BLAS.gemm(transposeB: true, m: outputChannels, n: k, k: plane, dOut.baseAddress!, lda: plane,
                          cols, ldb: plane, beta: 1, dW.baseAddress!, ldc: k)
            }
            for c in 0..<outputChannels {
                var sum: Float = 0
                for i in 0..<plane { sum += dOut[c * plane + i] }
                bias.gradient[c] += sum
            }
        }
        guard wantInputGradient else { return nil }
        if columnGradient.count != k * plane { columnGradient = [Float](repeating: 0, count: k * plane) }
        gradient.withUnsafeBufferPointer { dOut in
            columnGradient.withUnsafeMutableBufferPointer { dCols in
                BLAS.gemm(transposeA: true, m: k, n: plane, k: outputChannels, weight.values, lda: k,
                          dOut.baseAddress!, ldb: plane, dCols.baseAddress!, ldc: plane)
            }
        }
        var dInput = [Float](repeating: 0, count: inputChannels * plane)
        columnGradient.withUnsafeBufferPointer { dCols in
            dInput.withUnsafeMutableBufferPointer { dInput in
                Self.col2im(dCols, into: dInput, channels: inputChannels, batch: shape.batch, height: shape.height, width: shape.width)
            }
        }
        return dInput
    }

    /// cols[(c*9 + ky*3 + kx), (b*H + y)*W + x] = input[c, b, y+ky-1, x+kx-1], zero outside.
    /// Each (row, tap) is one contiguous copy of the valid span plus zeroed edges.
    static func im2col(_ input: UnsafeBufferPointer<Float>, into cols: UnsafeMutableBufferPointer<Float>,
                       channels: Int, batch: Int, height: Int, width: Int) {
        let plane = batch * height * width
        let source = input.baseAddress!, target = cols.baseAddress!
        for c in 0..<channels {
            for ky in 0..<3 {
                for kx in 0..<3 {
                    let row = target + (c * 9 + ky * 3 + kx) * plane
                    let (first, last) = (max(0, 1 - kx), min(width, width + 1 - kx))
                    for b in 0..<batch {
                        let image = source + (c * batch + b) * height * width
                        for y in 0..<height {
                            let out = row + (b * height + y) * width
                            let sy = y + ky - 1
                            guard sy >= 0 && sy < height else {
                                out.update(repeating: 0, count: width)
                                continue
                            }
                            if first > 0 { out.update(repeating: 0, count: first) }
                            (out + first).update(from: image + sy * width + first + kx - 1, count: last - first)
                            if last < width { (out + last).update(repeating: 0, count: width - last) }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of im2col: adds each column entry back to the input position it was read from.
    static func col2im(_ cols: UnsafeBufferPointer<Float>, into input: UnsafeMutableBufferPointer<Float>,
                       channels: Int, batch: Int, height: Int, width: Int) {
        let plane = batch * height * width
        let source = cols.baseAddress!, target = input.baseAddress!
        for c in 0..<channels {
            for ky in 0..<3 {
                for kx in 0..<3 {
                    let row = source + (c * 9 + ky * 3 + kx) * plane
                    let (first, last) = (max(0, 1 - kx), min(width, width + 1 - kx))
                    for b in 0..<batch {
                        let image = target + (c * batch + b) * height * width
                        for y in 0..<height {
                            let sy = y + ky - 1
                            guard sy >= 0 && sy < height else { continue }
                            let from = row + (b * height + y) * width
                            let to = image + sy * width + kx - 1
                            for x in first..<last { to[x] += from[x] }
                        }
                    }
                }
            }
        }
    }
}
