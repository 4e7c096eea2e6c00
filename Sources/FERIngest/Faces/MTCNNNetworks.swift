import CBLAS
import FERCore
import FERData
import FERMedia
import Foundation

/// Feature maps of one picture or crop: channels x height x width, row-major.
struct FeatureMaps {
    var channels: Int
    var height: Int
    var width: Int
    var values: [Float]

    /// Pixel planes (0-255: red, green and blue, or one gray plane, resampled once and shown as all
    /// three) resampled to `height` x `width` by area averaging and scaled to MTCNN's input range,
    /// (v - 127.5) / 128. Only the region `rows` x `columns` of the planes is read; where it reaches past
    /// the planes, the pixels there are mid-gray (127.5, the input's zero).
    init(planes: [GrayImage], rows: Range<Int>, columns: Range<Int>, height: Int, width: Int) {
        channels = 3
        self.height = height
        self.width = width
        values = [Float](repeating: 0, count: 3 * height * width)
        let ys = Self.areaWindows(from: rows.count, to: height), xs = Self.areaWindows(from: columns.count, to: width)
        var rowSums = [Float](repeating: 0, count: width)
        for (c, plane) in planes.enumerated() {
            plane.pixels.withUnsafeBufferPointer { pixels in
                for (y, window) in ys.enumerated() {
                    for x in 0..<width { rowSums[x] = 0 }
                    for sourceY in window {
                        // Outside the plane (a region may reach past it) the pixels are mid-gray, MTCNN's zero.
                        let y = rows.lowerBound + sourceY
                        let inside = y >= 0 && y < plane.height
                        let row = y * plane.width
                        for (x, columnWindow) in xs.enumerated() {
                            var sum: Float = 0
                            for sourceX in columnWindow {
                                let x = columns.lowerBound + sourceX
                                sum += inside && x >= 0 && x < plane.width ? Float(pixels[row + x]) : 127.5
                            }
                            rowSums[x] += sum / Float(columnWindow.count)
                        }
                    }
                    let base = (c * height + y) * width
                    for x in 0..<width {
                        values[base + x] = (rowSums[x] / Float(window.count) - 127.5) * 0.0078125
                    }
                }
            }
        }
        if planes.count == 1 {
            let plane = height * width
            values.replaceSubrange(plane..<(2 * plane), with: values[0..<plane])
            values.replaceSubrange((2 * plane)..<(3 * plane), with: values[0..<plane])
        }
    }

    /// A square of `side` picture pixels centred at `centre` and turned by `angle` radians (y down),
    /// sampled bilinearly at one point per pixel, at most twice `size` a side (mid-gray outside the
    /// picture), then averaged down to `size` x `size` and scaled to MTCNN's input range.
    init(planes: [GrayImage], centre: (x: Double, y: Double), side: Double, angle: Double, size: Int) {
        let samples = min(2 * size, max(size, Int(side.rounded())))
        let step = side / Double(samples), c = cos(angle), s = sin(angle)
        let turned = planes.map { plane in
            var pixels = [UInt8](repeating: 0, count: samples * samples)
            plane.pixels.withUnsafeBufferPointer { source in
                func at(_ x: Int, _ y: Int) -> Double {
                    x >= 0 && x < plane.width && y >= 0 && y < plane.height ? Double(source[y * plane.width + x]) : 127.5
                }
                for v in 0..<samples {
                    let b = (Double(v) + 0.5) * step - side / 2
                    for u in 0..<samples {
                        let a = (Double(u) + 0.5) * step - side / 2
                        let x = centre.x + a * c - b * s - 0.5, y = centre.y + a * s + b * c - 0.5
                        let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down)), fx = x - Double(x0), fy = y - Double(y0)
                        let top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx, bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx
                        pixels[v * samples + u] = UInt8((top * (1 - fy) + bottom * fy).rounded())
                    }
                }
            }
            return GrayImage(width: samples, height: samples, pixels: pixels)
        }
        self.init(planes: turned, rows: 0..<samples, columns: 0..<samples, height: size, width: size)
    }

    init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
        values = [Float](repeating: 0, count: channels * height * width)
    }

    /// The source indices each output index averages when `from` values are resampled to `to` by
    /// area (PyTorch's `interpolate(mode: "area")`, an adaptive average pool): floor(i * from / to)
    /// up to ceil((i + 1) * from / to).
    static func areaWindows(from: Int, to: Int) -> [Range<Int>] {
        (0..<to).map { i in (i * from / to)..<(((i + 1) * from + to - 1) / to) }
    }
}

/// One layer of MTCNN's networks, as the reference implementation runs it.
enum MTCNNLayer {
    /// A convolution without padding, stride 1; weights out x in x k x k.
    case convolution(weights: [Float], bias: [Float], out: Int, kernel: Int)
    /// PReLU: a slope per channel for negative values.
    case prelu([Float])
    /// Max pooling, `kernel` wide, `stride` apart, windows at the edge kept (ceil mode).
    case maxPool(kernel: Int, stride: Int)

    func apply(_ input: FeatureMaps) -> FeatureMaps {
        switch self {
        case let .convolution(weights, bias, out, kernel):
            return Self.convolve(input, weights: weights, bias: bias, out: out, kernel: kernel)
        case let .prelu(slopes):
            var output = input
            let plane = input.height * input.width
            output.values.withUnsafeMutableBufferPointer { values in
                for c in 0..<input.channels {
                    let slope = slopes[c]
                    for i in (c * plane)..<((c + 1) * plane) where values[i] < 0 { values[i] *= slope }
                }
            }
            return output
        case let .maxPool(kernel, stride):
            return Self.pool(input, kernel: kernel, stride: stride)
        }
    }

    private static func convolve(_ input: FeatureMaps, weights: [Float], bias: [Float], out: Int, kernel: Int) -> FeatureMaps {
        let height = input.height - kernel + 1, width = input.width - kernel + 1
        var output = FeatureMaps(channels: out, height: height, width: width)
        let depth = input.channels * kernel * kernel, positions = height * width
        // The input unrolled: one row per (channel, ky, kx), one column per output position.
        var columns = [Float](repeating: 0, count: depth * positions)
        if kernel == 1 {
            columns = input.values
        } else {
            input.values.withUnsafeBufferPointer { source in
                columns.withUnsafeMutableBufferPointer { target in
                    for c in 0..<input.channels {
                        for ky in 0..<kernel {
                            for kx in 0..<kernel {
                                let row = ((c * kernel + ky) * kernel + kx) * positions
                                for y in 0..<height {
                                    let from = (c * input.height + y + ky) * input.width + kx
                                    let to = row + y * width
                                    for x in 0..<width { target[to + x] = source[from + x] }
                                }
                            }
                        }
                    }
                }
            }
        }
        output.values.withUnsafeMutableBufferPointer { result in
            for o in 0..<out {
                for i in (o * positions)..<((o + 1) * positions) { result[i] = bias[o] }
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(out), Int32(positions), Int32(depth), 1,
                        weights, Int32(depth), columns, Int32(positions), 1, result.baseAddress, Int32(positions))
        }
        return output
    }

    private static func pool(_ input: FeatureMaps, kernel: Int, stride: Int) -> FeatureMaps {
        func size(_ n: Int) -> Int {
            var out = (n - kernel + stride - 1) / stride + 1
            if (out - 1) * stride >= n { out -= 1 }
            return out
        }
        let height = size(input.height), width = size(input.width)
        var output = FeatureMaps(channels: input.channels, height: height, width: width)
        for c in 0..<input.channels {
            for y in 0..<height {
                let rows = (y * stride)..<min(y * stride + kernel, input.height)
                for x in 0..<width {
                    var best = -Float.infinity
                    for sourceY in rows {
                        let base = (c * input.height + sourceY) * input.width
                        for sourceX in (x * stride)..<min(x * stride + kernel, input.width) { best = max(best, input.values[base + sourceX]) }
                    }
                    output.values[(c * height + y) * width + x] = best
                }
            }
        }
        return output
    }
}

/// A fully connected layer over feature maps flattened as the reference does (width, then height,
/// then channel: its weights come from a column-major original).
struct MTCNNDense {
    var weights: [Float]
    var bias: [Float]
    var out: Int

    func apply(_ input: [Float]) -> [Float] {
        var output = bias
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(out), Int32(input.count), 1, weights, Int32(input.count), input, 1, 1, &output, 1)
        return output
    }

    static func flattened(_ maps: FeatureMaps) -> [Float] {
        var values = [Float](repeating: 0, count: maps.values.count)
        var index = 0
        for x in 0..<maps.width {
            for y in 0..<maps.height {
                for c in 0..<maps.channels {
                    values[index] = maps.values[(c * maps.height + y) * maps.width + x]
                    index += 1
                }
            }
        }
        return values
    }
}

/// MTCNN's three networks with their weights (`scripts/fetch-mtcnn`'s file): P-Net, fully
/// convolutional over an image pyramid; R-Net on 24x24 candidates; O-Net on 48x48 ones, with the
/// five landmarks.
struct MTCNNNetworks: Sendable {
    let pnet: [MTCNNLayer]
    let pnetScore: MTCNNLayer
    let pnetBox: MTCNNLayer
    let rnet: [MTCNNLayer]
    let rnetDense: (MTCNNDense, [Float])
    let rnetScore: MTCNNDense
    let rnetBox: MTCNNDense
    let onet: [MTCNNLayer]
    let onetDense: (MTCNNDense, [Float])
    let onetScore: MTCNNDense
    let onetBox: MTCNNDense
    let onetLandmarks: MTCNNDense

    /// - Throws: a tensor missing or of the wrong shape (the file is not `fetch-mtcnn`'s).
    init(_ file: SafeTensors, at location: InputLocation) throws {
        func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
            guard let found = file.tensors[name] else {
                throw FerError(.sourceUnreadable, "the MTCNN weights have no tensor \(name): not scripts/fetch-mtcnn's file", at: location)
            }
            guard found.shape == shape, found.values.count == shape.reduce(1, *) else {
                throw FerError(.sourceUnreadable, "MTCNN tensor \(name) has shape \(found.shape), not \(shape)", at: location)
            }
            guard found.values.allSatisfy(\.isFinite) else {
                throw FerError(.sourceUnreadable, "MTCNN tensor \(name) holds values that are not finite", at: location)
            }
            return found.values
        }
        func convolution(_ name: String, _ input: Int, _ out: Int, _ kernel: Int) throws -> MTCNNLayer {
            .convolution(weights: try tensor(name + ".weight", [out, input, kernel, kernel]), bias: try tensor(name + ".bias", [out]),
                         out: out, kernel: kernel)
        }
        func prelu(_ name: String, _ channels: Int) throws -> MTCNNLayer { .prelu(try tensor(name + ".weight", [channels])) }
        func dense(_ name: String, _ input: Int, _ out: Int) throws -> MTCNNDense {
            MTCNNDense(weights: try tensor(name + ".weight", [out, input]), bias: try tensor(name + ".bias", [out]), out: out)
        }
        pnet = [try convolution("pnet.conv1", 3, 10, 3), try prelu("pnet.prelu1", 10), .maxPool(kernel: 2, stride: 2),
                try convolution("pnet.conv2", 10, 16, 3), try prelu("pnet.prelu2", 16),
                try convolution("pnet.conv3", 16, 32, 3), try prelu("pnet.prelu3", 32)]
        pnetScore = try convolution("pnet.conv4_1", 32, 2, 1)
        pnetBox = try convolution("pnet.conv4_2", 32, 4, 1)
        rnet = [try convolution("rnet.conv1", 3, 28, 3), try prelu("rnet.prelu1", 28), .maxPool(kernel: 3, stride: 2),
                try convolution("rnet.conv2", 28, 48, 3), try prelu("rnet.prelu2", 48), .maxPool(kernel: 3, stride: 2),
                try convolution("rnet.conv3", 48, 64, 2), try prelu("rnet.prelu3", 64)]
        rnetDense = (try dense("rnet.dense4", 576, 128), try tensor("rnet.prelu4.weight", [128]))
        rnetScore = try dense("rnet.dense5_1", 128, 2)
        rnetBox = try dense("rnet.dense5_2", 128, 4)
        onet = [try convolution("onet.conv1", 3, 32, 3), try prelu("onet.prelu1", 32), .maxPool(kernel: 3, stride: 2),
                try convolution("onet.conv2", 32, 64, 3), try prelu("onet.prelu2", 64), .maxPool(kernel: 3, stride: 2),
                try convolution("onet.conv3", 64, 64, 3), try prelu("onet.prelu3", 64), .maxPool(kernel: 2, stride: 2),
                try convolution("onet.conv4", 64, 128, 2), try prelu("onet.prelu4", 128)]
        onetDense = (try dense("onet.dense5", 1152, 256), try tensor("onet.prelu5.weight", [256]))
        onetScore = try dense("onet.dense6_1", 256, 2)
        onetBox = try dense("onet.dense6_2", 256, 4)
        onetLandmarks = try dense("onet.dense6_3", 256, 10)
    }

    /// P-Net over one pyramid level: the face probability and the box offsets of every 12x12 cell
    /// (cells 2 pixels apart), maps of the level's output size.
    func proposals(_ level: FeatureMaps) -> (probability: FeatureMaps, offsets: FeatureMaps) {
        let features = pnet.reduce(level) { $1.apply($0) }
        var scores = pnetScore.apply(features)
        let plane = scores.height * scores.width
        var probability = FeatureMaps(channels: 1, height: scores.height, width: scores.width)
        for i in 0..<plane {
            probability.values[i] = Self.faceProbability(scores.values[i], scores.values[plane + i])
        }
        scores.values = []
        return (probability, pnetBox.apply(features))
    }

    /// R-Net on a 24x24 crop: the face probability and four box offsets.
    func refine(_ crop: FeatureMaps) -> (probability: Float, offsets: [Float]) {
        let hidden = Self.prelu(rnetDense.0.apply(MTCNNDense.flattened(rnet.reduce(crop) { $1.apply($0) })), rnetDense.1)
        let scores = rnetScore.apply(hidden)
        return (Self.faceProbability(scores[0], scores[1]), rnetBox.apply(hidden))
    }

    /// O-Net on a 48x48 crop: the face probability, four box offsets and ten landmark values (five
    /// x shares of the crop's width, then five y shares of its height).
    func output(_ crop: FeatureMaps) -> (probability: Float, offsets: [Float], landmarks: [Float]) {
        let hidden = Self.prelu(onetDense.0.apply(MTCNNDense.flattened(onet.reduce(crop) { $1.apply($0) })), onetDense.1)
        let scores = onetScore.apply(hidden)
        return (Self.faceProbability(scores[0], scores[1]), onetBox.apply(hidden), onetLandmarks.apply(hidden))
    }

    /// Softmax's second of two scores.
    static func faceProbability(_ background: Float, _ face: Float) -> Float {
        let top = max(background, face)
        let a = expf(background - top), b = expf(face - top)
        return b / (a + b)
    }

    static func prelu(_ values: [Float], _ slopes: [Float]) -> [Float] {
        zip(values, slopes).map { $0 < 0 ? $0 * $1 : $0 }
    }
}
