import Foundation

extension GrayImage {
    /// The centred square crop of the image.
    public func centreSquare() -> GrayImage {
        if width == height { return self }
        let side = min(width, height)
        return square(x: (width - side) / 2, y: (height - side) / 2, side: side)
    }

    /// The `side` x `side` crop whose top-left pixel is (`x`, `y`); it must lie inside the image.
    public func square(x x0: Int, y y0: Int, side: Int) -> GrayImage {
        precondition(x0 >= 0 && y0 >= 0 && x0 + side <= width && y0 + side <= height, "crop outside the image")
        var out = [UInt8](repeating: 0, count: side * side)
        pixels.withUnsafeBufferPointer { source in
            for y in 0..<side {
                let from = (y + y0) * width + x0
                for x in 0..<side { out[y * side + x] = source[from + x] }
            }
        }
        return GrayImage(width: side, height: side, pixels: out)
    }

    /// Resamples a square image to `side` x `side`: exact area averaging when shrinking (`shrunk`),
    /// bilinear when growing.
    public func resizedSquare(to side: Int) -> GrayImage {
        precondition(width == height, "resizedSquare needs a square image")
        if width == side { return self }
        if width < side { return bilinear(to: side) }
        return shrunk(width: side, height: side)
    }

    /// Shrinks to `newWidth` x `newHeight` (each at most the image's) by exact area averaging: each
    /// output pixel is the mean of the source area it covers, fractional edges weighted.
    /// - Complexity: O(width * height + newWidth * newHeight).
    public func shrunk(width newWidth: Int, height newHeight: Int) -> GrayImage {
        precondition(newWidth <= width && newHeight <= height && newWidth > 0 && newHeight > 0, "shrunk only shrinks")
        let across = Self.areaWeights(from: width, to: newWidth), down = Self.areaWeights(from: height, to: newHeight)
        // Separable: rows first into a float buffer (newWidth columns), then columns.
        var horizontal = [Float](repeating: 0, count: height * newWidth)
        pixels.withUnsafeBufferPointer { source in
            for y in 0..<height {
                let row = y * width
                for (x, taps) in across.enumerated() {
                    var sum: Float = 0
                    for tap in taps { sum += Float(source[row + tap.index]) * tap.weight }
                    horizontal[y * newWidth + x] = sum
                }
            }
        }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        for (y, taps) in down.enumerated() {
            for x in 0..<newWidth {
                var sum: Float = 0
                for tap in taps { sum += horizontal[tap.index * newWidth + x] * tap.weight }
                out[y * newWidth + x] = UInt8(min(255, max(0, (sum).rounded())))
            }
        }
        return GrayImage(width: newWidth, height: newHeight, pixels: out)
    }

    /// Centre crop to square, then resize to `side` x `side` (48 by default): how every input becomes
    /// a record.
    public func faceSized(_ side: Int = FaceSize.side) -> GrayImage {
        centreSquare().resizedSquare(to: side)
    }

    private struct Tap {
        var index: Int
        var weight: Float
    }

    /// For each output cell, the source cells it overlaps and the overlap fraction (summing to 1).
    private static func areaWeights(from source: Int, to target: Int) -> [[Tap]] {
        let scale = Double(source) / Double(target)
        return (0..<target).map { i in
            let start = Double(i) * scale, end = Double(i + 1) * scale
            var taps: [Tap] = []
            var j = Int(start)
            while Double(j) < end && j < source {
                let overlap = min(end, Double(j + 1)) - max(start, Double(j))
                if overlap > 1e-9 { taps.append(Tap(index: j, weight: Float(overlap / scale))) }
                j += 1
            }
            return taps
        }
    }

    /// Bilinear growth of a square image, pixel centres aligned, edges clamped. Separable: each source
    /// row is interpolated across once, then each output row blends two of those rows; every value is
    /// the same expression, in the same order, as interpolating each output pixel from its four
    /// neighbours, so the result is the same to the bit.
    private func bilinear(to side: Int) -> GrayImage {
        let scale = Float(width) / Float(side)
        func taps(_ index: Int, count: Int) -> (Int, Int, Float) {
            let position = max(0, (Float(index) + 0.5) * scale - 0.5)
            let first = min(Int(position), count - 1)
            return (first, min(first + 1, count - 1), position - Float(first))
        }
        let columns = (0..<side).map { taps($0, count: width) }
        var across = [Float](repeating: 0, count: height * side)
        pixels.withUnsafeBufferPointer { source in
            across.withUnsafeMutableBufferPointer { across in
                columns.withUnsafeBufferPointer { columns in
                    for row in 0..<height {
                        let line = source.baseAddress! + row * width, out = across.baseAddress! + row * side
                        for x in 0..<side {
                            let (x0, x1, fx) = columns[x]
                            out[x] = Float(line[x0]) * (1 - fx) + Float(line[x1]) * fx
                        }
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: side * side)
        across.withUnsafeBufferPointer { across in
            out.withUnsafeMutableBufferPointer { out in
                for y in 0..<side {
                    let (y0, y1, fy) = taps(y, count: height)
                    let top = across.baseAddress! + y0 * side, bottom = across.baseAddress! + y1 * side, line = out.baseAddress! + y * side
                    for x in 0..<side {
                        // Clamped then rounded (the same as rounded then clamped); 2^23 plus a whole number
                        // below 256 holds it in its low byte, so no checked conversion stops vectorising.
                        let value = min(255, max(0, top[x] * (1 - fy) + bottom[x] * fy)).rounded()
                        line[x] = UInt8(truncatingIfNeeded: (value + 8_388_608).bitPattern)
                    }
                }
            }
        }
        return GrayImage(width: side, height: side, pixels: out)
    }
}

extension GrayImage {
    /// The part of the rectangle (`x`, `y`, `width`, `height`) that lies inside the image; nil when
    /// none of it does.
    public func cropped(x: Int, y: Int, width boxWidth: Int, height boxHeight: Int) -> GrayImage? {
        let left = max(0, x), top = max(0, y)
        let right = min(width, x + boxWidth), bottom = min(height, y + boxHeight)
        guard right > left, bottom > top else { return nil }
        var out = [UInt8](repeating: 0, count: (right - left) * (bottom - top))
        pixels.withUnsafeBufferPointer { source in
            for row in top..<bottom {
                let from = row * width + left, to = (row - top) * (right - left)
                for column in 0..<(right - left) { out[to + column] = source[from + column] }
            }
        }
        return GrayImage(width: right - left, height: bottom - top, pixels: out)
    }
}

extension GrayImage {
    /// A `side` x `side` picture sampled (bilinear, edges clamped) along a rotated frame: output pixel
    /// (u, v) is the picture's point `origin + (u + 0.5 - anchorX) * axis + (v + 0.5 - anchorY) * normal`,
    /// where `axis` is (cos angle, sin angle) and `normal` is it turned a right angle.
    public func rotatedCrop(side: Int, origin: (x: Double, y: Double), anchor: (x: Double, y: Double), angle: Double) -> GrayImage {
        let cosine = cos(angle), sine = sin(angle)
        var out = [UInt8](repeating: 0, count: side * side)
        for v in 0..<side {
            let b = Double(v) + 0.5 - anchor.y
            for u in 0..<side {
                let a = Double(u) + 0.5 - anchor.x
                let x = origin.x + a * cosine - b * sine - 0.5, y = origin.y + a * sine + b * cosine - 0.5
                let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
                let fx = x - Double(x0), fy = y - Double(y0)
                func at(_ px: Int, _ py: Int) -> Double {
                    Double(pixels[min(max(py, 0), height - 1) * width + min(max(px, 0), width - 1)])
                }
                let top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx
                let bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx
                out[v * side + u] = UInt8(min(255, max(0, (top * (1 - fy) + bottom * fy).rounded())))
            }
        }
        return GrayImage(width: side, height: side, pixels: out)
    }
}
