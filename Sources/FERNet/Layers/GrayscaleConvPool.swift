/// The first block of the network: a 3x3 convolution (stride 1, padding 1) of the one-channel
/// input, ReLU and 2x2 max-pooling, computed together.
///
/// With one input channel an im2col product has k = 9 and is bound by memory, not arithmetic, and
/// the full-resolution activation (32 x 48 x 48 per image) would be written, read and pooled. Here
/// each filter runs directly over a zero-padded copy of the image, two output rows at a time, and
/// only the pooled map and the winning positions are kept. Backward needs no dense gradient map
/// either: each pooled gradient flows to its winner's nine input taps.
final class GrayscaleConvPool {
    let filters: Int
    let weight: Parameter  // [F, 1, 3, 3]
    let bias: Parameter  // [F]
    /// The last input, zero-padded to (H+2) x (W+2) per image.
    private var padded: [Float] = []
    /// For each pooled output, the padded-image offset of the winning convolution output's
    /// top-left tap, or -1 when all four were <= 0 (ReLU let nothing through).
    private var winners: [Int32] = []
    private var shape = (batch: 0, height: 0, width: 0)

    init(name: String, filters: Int, random: inout some RandomNumberGenerator) {
        self.filters = filters
        // PyTorch's default for a 3x3 kernel over one channel: U(-1/3, 1/3).
        let bound: Float = 1 / 3
        weight = Parameter(name: name + ".weight", shape: [filters, 1, 3, 3],
                           values: (0..<(filters * 9)).map { _ in Float.random(in: -bound...bound, using: &random) })
        bias = Parameter(name: name + ".bias", shape: [filters],
                         values: (0..<filters).map { _ in Float.random(in: -bound...bound, using: &random) })
    }

    var parameters: [Parameter] { [weight, bias] }

    /// - Parameters: images `[B, H, W]` (H and W even). Returns the pooled map `[F, B, H/2, W/2]`.
    func forward(_ images: [Float], batch: Int, height: Int, width: Int) -> [Float] {
        shape = (batch, height, width)
        let (paddedWidth, paddedPlane) = (width + 2, (height + 2) * (width + 2))
        let (outHeight, outWidth) = (height / 2, width / 2)
        let count = filters * batch * outHeight * outWidth
        if padded.count != batch * paddedPlane { padded = [Float](repeating: 0, count: batch * paddedPlane) }
        if winners.count != count { winners = [Int32](repeating: -1, count: count) }
        var output = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        var rows = [Float](repeating: 0, count: 2 * width)
        images.withUnsafeBufferPointer { images in
        padded.withUnsafeMutableBufferPointer { padded in
        winners.withUnsafeMutableBufferPointer { winners in
        output.withUnsafeMutableBufferPointer { output in
        rows.withUnsafeMutableBufferPointer { rows in
        weight.values.withUnsafeBufferPointer { weights in
            for image in 0..<batch {
                for y in 0..<height {
                    (padded.baseAddress! + image * paddedPlane + (y + 1) * paddedWidth + 1)
                        .update(from: images.baseAddress! + (image * height + y) * width, count: width)
                }
            }
            var out = 0
            for filter in 0..<filters {
                let t = weights.baseAddress! + filter * 9
                let w = (t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8])
                let (below, further) = (paddedWidth, 2 * paddedWidth)
                let filterBias = bias.values[filter]
                for image in 0..<batch {
                    let source = padded.baseAddress! + image * paddedPlane
                    for pooledRow in 0..<outHeight {
                        for half in 0..<2 {
                            let row = rows.baseAddress! + half * width
                            let top = source + (2 * pooledRow + half) * paddedWidth
                            var x = 0
                            while x + 8 <= width {
                                let p = top + x
                                // Nine fused multiply-adds.
                                var sum = Lanes(repeating: filterBias)
                                @inline(__always) func add(_ weight: Float, _ tap: UnsafePointer<Float>) {
                                    sum.addProduct(Lanes(repeating: weight), Lanes(tap, count: 8))
                                }
                                add(w.0, p); add(w.1, p + 1); add(w.2, p + 2)
                                add(w.3, p + below); add(w.4, p + below + 1); add(w.5, p + below + 2)
                                add(w.6, p + further); add(w.7, p + further + 1); add(w.8, p + further + 2)
                                sum.store(row + x, count: 8)
                                x += 8
                            }
                            for x in x..<width {
                                let p = top + x
                                row[x] = filterBias + w.0 * p[0] + w.1 * p[1] + w.2 * p[2]
                                    + w.3 * p[below] + w.4 * p[below + 1] + w.5 * p[below + 2]
                                    + w.6 * p[further] + w.7 * p[further + 1] + w.8 * p[further + 2]
                            }
                        }
                        ReLUMaxPool.poolRows(rows.baseAddress!, width: width, into: output.baseAddress! + out,
                                             winners: winners.baseAddress! + out, position: 2 * pooledRow * paddedWidth,
                                             below: paddedWidth)
                        out += outWidth
                    }
                }
            }
        }}}}}}
        return output
    }

    /// Accumulates the weight and bias gradients from dL/d(pooled map) `[F, B, H/2, W/2]`.
    /// (The input is the image: no input gradient is needed.)
    func backward(_ gradient: [Float]) {
        let (batch, height, width) = shape
        let (paddedWidth, paddedPlane) = (width + 2, (height + 2) * (width + 2))
        let pooled = (height / 2) * (width / 2)
        gradient.withUnsafeBufferPointer { gradient in
        padded.withUnsafeBufferPointer { padded in
        winners.withUnsafeBufferPointer { winners in
        weight.gradient.withUnsafeMutableBufferPointer { dWeight in
            for filter in 0..<filters {
                var dTaps = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
                var dBias: Float = 0
                for image in 0..<batch {
                    let source = padded.baseAddress! + image * paddedPlane
                    let base = (filter * batch + image) * pooled
                    for index in base..<(base + pooled) where winners[index] >= 0 {
                        let g = gradient[index]
                        let at = source + Int(winners[index])
                        let below = at + paddedWidth, further = below + paddedWidth
                        dBias += g
                        dTaps.0 += g * at[0]; dTaps.1 += g * at[1]; dTaps.2 += g * at[2]
                        dTaps.3 += g * below[0]; dTaps.4 += g * below[1]; dTaps.5 += g * below[2]
                        dTaps.6 += g * further[0]; dTaps.7 += g * further[1]; dTaps.8 += g * further[2]
                    }
                }
                let d = dWeight.baseAddress! + filter * 9
                d[0] += dTaps.0; d[1] += dTaps.1; d[2] += dTaps.2
                d[3] += dTaps.3; d[4] += dTaps.4; d[5] += dTaps.5
                d[6] += dTaps.6; d[7] += dTaps.7; d[8] += dTaps.8
                bias.gradient[filter] += dBias
            }
        }}}}
    }
}
