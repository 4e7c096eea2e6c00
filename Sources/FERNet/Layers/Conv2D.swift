/// A 3x3 convolution, stride 1, padding 1, as im2col + SGEMM, a few images at a time.
///
/// Activations are channel-major over the batch, `[C, B, H, W]`, so that one product covers a run
/// of images: out[Cout, n] = weight[Cout, Cin*9] x cols[Cin*9, n] + bias, n = images x H x W.
/// Backward: dWeight = dOut x cols^T, dBias = row sums of dOut, dCols = weight^T x dOut, then col2im.
/// The columns of a whole batch would be tens of MB per replica and two replicas would stream them
/// through the shared cache; a chunk of `chunkImages` stays in it, and backward rebuilds a chunk's
/// columns (a copy) rather than keeping them all.
final class Conv2D {
    let inputChannels: Int
    let outputChannels: Int
    let weight: Parameter  // [Cout, Cin, 3, 3]
    let bias: Parameter  // [Cout]
    static let chunkImages = 4
    private var input: [Float] = []
    private var cols: [Float] = []
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

    /// The image ranges processed together.
    private var chunks: StrideTo<Int> { stride(from: 0, to: shape.batch, by: Self.chunkImages) }

    /// Builds the columns of images `first..<first + count` in `cols`.
    private func fillColumns(first: Int, count: Int) {
        let k = inputChannels * 9, area = shape.height * shape.width
        if cols.count < k * Self.chunkImages * area { cols = [Float](repeating: 0, count: k * Self.chunkImages * area) }
        input.withUnsafeBufferPointer { source in
            cols.withUnsafeMutableBufferPointer { cols in
                Self.im2col(source, into: cols, channels: inputChannels, batch: shape.batch, images: first..<(first + count),
                            height: shape.height, width: shape.width)
            }
        }
    }

    /// - Parameters: input `[Cin, B, H, W]`. Returns `[Cout, B, H, W]`.
    func forward(_ input: [Float], batch: Int, height: Int, width: Int) -> [Float] {
        self.input = input
        shape = (batch, height, width)
        let (area, plane, k) = (height * width, batch * height * width, inputChannels * 9)
        var output = [Float](unsafeUninitializedCapacity: outputChannels * plane) { _, count in count = outputChannels * plane }
        output.withUnsafeMutableBufferPointer { out in
            for c in 0..<outputChannels {
                (out.baseAddress! + c * plane).update(repeating: bias.values[c], count: plane)
            }
            for first in chunks {
                let n = min(Self.chunkImages, batch - first) * area
                fillColumns(first: first, count: n / area)
                BLAS.gemm(m: outputChannels, n: n, k: k, weight.values, lda: k, cols, ldb: n, beta: 1,
                          out.baseAddress! + first * area, ldc: plane)
            }
        }
        return output
    }

    /// Accumulates parameter gradients; returns dInput `[Cin, B, H, W]` when asked.
    func backward(_ gradient: [Float], wantInputGradient: Bool) -> [Float]? {
        let (area, plane, k) = (shape.height * shape.width, shape.batch * shape.height * shape.width, inputChannels * 9)
        var dInput = wantInputGradient ? [Float](repeating: 0, count: inputChannels * plane) : []
        if wantInputGradient && columnGradient.count < k * Self.chunkImages * area {
            columnGradient = [Float](repeating: 0, count: k * Self.chunkImages * area)
        }
        gradient.withUnsafeBufferPointer { dOut in
            for first in chunks {
                let count = min(Self.chunkImages, shape.batch - first)
                let n = count * area
                fillColumns(first: first, count: count)
                weight.gradient.withUnsafeMutableBufferPointer { dW in
                    BLAS.gemm(transposeB: true, m: outputChannels, n: k, k: n, dOut.baseAddress! + first * area, lda: plane,
                              cols, ldb: n, beta: 1, dW.baseAddress!, ldc: k)
                }
                guard wantInputGradient else { continue }
                columnGradient.withUnsafeMutableBufferPointer { dCols in
                    BLAS.gemm(transposeA: true, m: k, n: n, k: outputChannels, weight.values, lda: k,
                              dOut.baseAddress! + first * area, ldb: plane, dCols.baseAddress!, ldc: n)
                    dInput.withUnsafeMutableBufferPointer { dInput in
                        Self.col2im(dCols, into: dInput, channels: inputChannels, batch: shape.batch,
                                    images: first..<(first + count), height: shape.height, width: shape.width)
                    }
                }
            }
            for c in 0..<outputChannels {
                let row = dOut.baseAddress! + c * plane
                var sums = Lanes()
                var x = 0
                while x + 8 <= plane { sums += Lanes(row + x, count: 8); x += 8 }
                bias.gradient[c] += sums.sum() + (x < plane ? Lanes(row + x, count: plane - x).sum() : 0)
            }
        }
        return wantInputGradient ? dInput : nil
    }

    /// cols[(c*9 + ky*3 + kx), ((b - first)*H + y)*W + x] = input[c, b, y+ky-1, x+kx-1], zero
    /// outside, for b in `images`. Within a channel the chunk's images are contiguous, so each
    /// (channel, tap) row is the chunk shifted by (ky-1)*W + (kx-1): one copy, then the entries that
    /// fell across an image edge are zeroed.
    static func im2col(_ input: UnsafeBufferPointer<Float>, into cols: UnsafeMutableBufferPointer<Float>,
                       channels: Int, batch: Int, images: Range<Int>, height: Int, width: Int) {
        let plane = images.count * height * width
        for c in 0..<channels {
            let chunk = input.baseAddress! + (c * batch + images.lowerBound) * height * width
            for tap in 0..<9 {
                let row = cols.baseAddress! + (c * 9 + tap) * plane
                let shift = (tap / 3 - 1) * width + tap % 3 - 1
                let valid = max(0, -shift)..<min(plane, plane - shift)
                (row + valid.lowerBound).update(from: chunk + valid.lowerBound + shift, count: valid.count)
                zeroOutside(row, tap: tap, images: images.count, height: height, width: width)
            }
        }
    }

    /// The adjoint of im2col: adds each column entry back to the input position it was read from.
    /// Zeroes the entries of `cols` that lie outside the image first (they are scratch).
    static func col2im(_ cols: UnsafeMutableBufferPointer<Float>, into input: UnsafeMutableBufferPointer<Float>,
                       channels: Int, batch: Int, images: Range<Int>, height: Int, width: Int) {
        let plane = images.count * height * width
        for c in 0..<channels {
            let chunk = input.baseAddress! + (c * batch + images.lowerBound) * height * width
            for tap in 0..<9 {
                let row = cols.baseAddress! + (c * 9 + tap) * plane
                let shift = (tap / 3 - 1) * width + tap % 3 - 1
                zeroOutside(row, tap: tap, images: images.count, height: height, width: width)
                let from = row + max(0, -shift), to = chunk + max(0, -shift) + shift
                for i in 0..<(plane - abs(shift)) { to[i] += from[i] }
            }
        }
    }

    /// Zeroes the entries of one (channel, tap) column row whose source pixel is padding: the top
    /// row of each image for ky = 0, the bottom row for ky = 2, the left column for kx = 0, the
    /// right column for kx = 2.
    private static func zeroOutside(_ row: UnsafeMutablePointer<Float>, tap: Int, images: Int, height: Int, width: Int) {
        let (ky, kx) = (tap / 3, tap % 3)
        for image in 0..<images {
            let first = row + image * height * width
            if ky == 0 { first.update(repeating: 0, count: width) }
            if ky == 2 { (first + (height - 1) * width).update(repeating: 0, count: width) }
            if kx != 1 {
                let x = kx == 0 ? 0 : width - 1
                for y in 0..<height { first[y * width + x] = 0 }
            }
        }
    }
}
