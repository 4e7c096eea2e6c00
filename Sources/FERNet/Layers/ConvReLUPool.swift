/// A 3x3 convolution (stride 1, padding 1), ReLU and 2x2 max-pooling, the convolution by Winograd's
/// minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural
/// Networks", 2016): each 2x2 block of outputs comes from a 4x4 block of inputs in 16 multiplications
/// per channel pair instead of 36. The products are 16 SGEMMs per chunk of images, so the layer does
/// 2.25 times fewer multiply-adds than im2col + SGEMM, forward and in both backward products. A 2x2
/// output block is exactly a pooling window, so the full-resolution map is never stored: forward
/// keeps the pooled map and each window's winner, backward makes dM straight from the pooled
/// gradient. The results equal direct convolution, ReLU and pooling up to float rounding (tests:
/// against those written out, and finite differences). H and W even.
///
/// Activations are channel-major over the batch, `[C, B, H, W]`; a chunk of `chunkImages` images
/// has T output tiles, each transformed row `[e][channel]` stored T + 8 floats apart (`slab`). Forward: V = Bᵀ d B for every input channel and tile (`[16][Cin][T]`), U =
/// G g Gᵀ for every filter and input channel (`[16][Cout][Cin]`), M_e = U_e V_e for each of the
/// 16 positions e, Y = Aᵀ M A + bias, pooled. Backward: dM = A dY Aᵀ, dY the pooled gradient at
/// the window's winner; dU_e += dM_e V_eᵀ; dV_e = U_eᵀ dM_e
/// and dX = B dV Bᵀ added back over the overlapping input blocks; dWeight = Gᵀ dU G. Backward
/// rebuilds a chunk's V rather than keeping a whole batch's.
final class ConvReLUPool {
    let inputChannels: Int
    let outputChannels: Int
    let weight: Parameter  // [Cout, Cin, 3, 3]
    let bias: Parameter  // [Cout]
    static let chunkImages = 2
    private var input: [Float] = []
    private var shape = WinogradShape(batch: 0, height: 0, width: 0)
    /// U, `[16][Cout][Cin]`, made from the weights at each forward.
    private var transformedWeights: [Float] = []
    /// V of a chunk, `[16][Cin][T]`; in backward also dV.
    private var transformedInput: [Float] = []
    /// M of a chunk, `[16][Cout][T]`; in backward dM.
    private var products: [Float] = []
    /// Each pooling window's winner, `[Cout, B, H/2, W/2]` (see `Winograd.poolOutput`).
    private var winners: [Float] = []

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
    private var chunks: [Range<Int>] {
        stride(from: 0, to: shape.batch, by: Self.chunkImages).map { $0..<min($0 + Self.chunkImages, shape.batch) }
    }

    /// Sizes the scratch buffers for chunks of up to `chunkImages` images.
    private func prepareBuffers() {
        let slab = shape.slab(images: min(Self.chunkImages, shape.batch))
        if transformedInput.count < 16 * inputChannels * slab + 8 {
            transformedInput = [Float](repeating: 0, count: 16 * inputChannels * slab + 8)
        }
        if products.count < 16 * outputChannels * slab + 8 { products = [Float](repeating: 0, count: 16 * outputChannels * slab + 8) }
    }

    /// Builds V for the chunk's images.
    private func transformInput(_ images: Range<Int>) {
        input.withUnsafeBufferPointer { input in
            transformedInput.withUnsafeMutableBufferPointer { v in
                Winograd.transformInput(input.baseAddress!, channels: inputChannels, shape: shape, images: images, into: v.baseAddress!)
            }
        }
    }

    /// For each of the 16 positions e: C_e = op(A_e) op(B_e), A, B and C at their strides per e.
    private static func products16(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                                   _ a: UnsafePointer<Float>, lda: Int, strideA: Int, _ b: UnsafePointer<Float>, ldb: Int,
                                   strideB: Int, beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int) {
        for e in 0..<16 {
            BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a + e * strideA, lda: lda,
                      b + e * strideB, ldb: ldb, beta: beta, c + e * strideC, ldc: ldc)
        }
    }

    /// - Parameters: input `[Cin, B, H, W]`. Returns the pooled map `[Cout, B, H/2, W/2]`.
    func forward(_ input: [Float], batch: Int, height: Int, width: Int) -> [Float] {
        precondition(height % 2 == 0 && width % 2 == 0, "pooling needs an even height and width")
        self.input = input
        shape = WinogradShape(batch: batch, height: height, width: width)
        prepareBuffers()
        transformedWeights = Winograd.transformWeights(weight.values, outputs: outputChannels, inputs: inputChannels)
        let count = outputChannels * batch * shape.tilesPerImage
        var output = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        if winners.count != count { winners = [Float](repeating: 0, count: count) }
        let (cin, cout) = (inputChannels, outputChannels)
        for images in chunks {
            transformInput(images)
            let (tiles, slab) = (images.count * shape.tilesPerImage, shape.slab(images: images.count))
            transformedWeights.withUnsafeBufferPointer { u in
                transformedInput.withUnsafeBufferPointer { v in
                    products.withUnsafeMutableBufferPointer { m in
                        Self.products16(m: cout, n: tiles, k: cin, u.baseAddress!, lda: cin, strideA: cout * cin,
                                        v.baseAddress!, ldb: slab, strideB: cin * slab, m.baseAddress!, ldc: slab, strideC: cout * slab)
                    }
                }
            }
            products.withUnsafeBufferPointer { m in
                output.withUnsafeMutableBufferPointer { out in
                    winners.withUnsafeMutableBufferPointer { winners in
                        Winograd.poolOutput(m.baseAddress!, bias: bias.values, shape: shape, images: images, into: out.baseAddress!,
                                            winners: winners.baseAddress!)
                    }
                }
            }
        }
        return output
    }

    /// Accumulates parameter gradients from dL/d(pooled map) `[Cout, B, H/2, W/2]`; returns dInput
    /// `[Cin, B, H, W]` when asked.
    func backward(_ gradient: [Float], wantInputGradient: Bool) -> [Float]? {
        let (cin, cout, plane) = (inputChannels, outputChannels, shape.batch * shape.height * shape.width)
        // Every plane of dInput is written whole, chunk by chunk.
        var dInput = wantInputGradient ? [Float](unsafeUninitializedCapacity: cin * plane) { _, count in count = cin * plane } : []
        var dU = [Float](repeating: 0, count: 16 * cout * cin)
        var dBias = [Float](repeating: 0, count: cout)
        gradient.withUnsafeBufferPointer { dPooled in
            for images in chunks {
                transformInput(images)
                let (tiles, slab) = (images.count * shape.tilesPerImage, shape.slab(images: images.count))
                products.withUnsafeMutableBufferPointer { dM in
                    winners.withUnsafeBufferPointer { winners in
                        Winograd.unpoolGradient(dPooled.baseAddress!, winners: winners.baseAddress!, shape: shape, channels: cout,
                                                images: images, into: dM.baseAddress!, biasGradient: &dBias)
                    }
                }
                products.withUnsafeBufferPointer { dM in
                    transformedInput.withUnsafeBufferPointer { v in
                        dU.withUnsafeMutableBufferPointer { dU in
                            Self.products16(transposeB: true, m: cout, n: cin, k: tiles, dM.baseAddress!, lda: slab, strideA: cout * slab,
                                            v.baseAddress!, ldb: slab, strideB: cin * slab, beta: 1, dU.baseAddress!, ldc: cin,
                                            strideC: cout * cin)
                        }
                    }
                }
                guard wantInputGradient else { continue }
                transformedWeights.withUnsafeBufferPointer { u in
                    products.withUnsafeBufferPointer { dM in
                        transformedInput.withUnsafeMutableBufferPointer { dV in
                            Self.products16(transposeA: true, m: cin, n: tiles, k: cout, u.baseAddress!, lda: cin, strideA: cout * cin,
                                            dM.baseAddress!, ldb: slab, strideB: cout * slab, dV.baseAddress!, ldc: slab,
                                            strideC: cin * slab)
                        }
                    }
                }
                transformedInput.withUnsafeBufferPointer { dV in
                    dInput.withUnsafeMutableBufferPointer { dX in
                        Winograd.transformInputGradient(dV.baseAddress!, channels: cin, shape: shape, images: images, into: dX.baseAddress!)
                    }
                }
            }
        }
        for o in 0..<cout { bias.gradient[o] += dBias[o] }
        Winograd.addWeightGradient(dU, outputs: cout, inputs: cin, into: &weight.gradient)
        return wantInputGradient ? dInput : nil
    }
}
