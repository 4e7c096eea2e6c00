/// The batch and image size of a `ConvReLUPool` pass and its 2x2 output tiles, which are also its
/// pooling windows.
struct WinogradShape {
    var batch: Int
    var height: Int
    var width: Int
    var tilesY: Int { height / 2 }
    var tilesX: Int { width / 2 }
    var tilesPerImage: Int { tilesY * tilesX }
    /// Floats per row of the zero-padded scratch rows: the 2 x tilesX + 2 columns a row of tiles
    /// reads, and room for a 16-float load past the last group of eight tiles.
    var paddedRow: Int { 2 * tilesX + 18 }

    /// The stride of the `[e][channel]` rows of a chunk of `images` transformed images: its tiles
    /// and room for eight more, so that a row's last group of eight tiles is written whole (the
    /// lanes past the image's tiles hold values nothing reads).
    func slab(images: Int) -> Int { images * tilesPerImage + 8 }
}

/// The transforms of F(2x2, 3x3), eight tiles of one tile row at a time (one lane each). With
/// Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1] and
/// Aᵀ = [1 1 1 0; 0 1 -1 -1]. Element e = 4i + j of a transformed 4x4 block is stored at
/// `[e][channel][tile]`, tiles numbered image by image, row by row, within a chunk.
enum Winograd {
    /// V = Bᵀ d B, d the 4x4 input block at rows 2ty-1...2ty+2 and columns 2tx-1...2tx+2 (zero
    /// outside the image), for every channel and tile of `images` of `input` `[C, B, H, W]`.
    static func transformInput(_ input: UnsafePointer<Float>, channels: Int, shape: WinogradShape, images: Range<Int>,
                               into v: UnsafeMutablePointer<Float>) {
        let (height, width, tilesX) = (shape.height, shape.width, shape.tilesX)
        let (slab, rowStride) = (shape.slab(images: images.count), shape.paddedRow)
        // One zero-padded plane: row y + 1 holds input row y from column 1; the border stays zero.
        var padded = [Float](repeating: 0, count: (2 * shape.tilesY + 2) * rowStride)
        padded.withUnsafeMutableBufferPointer { padded in
            let padded = padded.baseAddress!
            for c in 0..<channels {
                for image in images {
                    let plane = input + (c * shape.batch + image) * height * width
                    for y in 0..<height { copy(plane + y * width, to: padded + (y + 1) * rowStride + 1, count: width) }
                    for ty in 0..<shape.tilesY {
                        let rows = padded + 2 * ty * rowStride
                        let first = (image - images.lowerBound) * shape.tilesPerImage + ty * tilesX
                        for tx in stride(from: 0, to: tilesX, by: 8) {
                            // d B for each of the four rows, then Bᵀ across them.
                            let t0 = rowTimesB(rows + 2 * tx), t1 = rowTimesB(rows + rowStride + 2 * tx)
                            let t2 = rowTimesB(rows + 2 * rowStride + 2 * tx), t3 = rowTimesB(rows + 3 * rowStride + 2 * tx)
                            let to = v + c * slab + first + tx, step = channels * slab
                            (t0 - t2).store(to, step: step)
                            (t1 + t2).store(to + 4 * step, step: step)
                            (t2 - t1).store(to + 8 * step, step: step)
                            (t1 - t3).store(to + 12 * step, step: step)
                        }
                    }
                }
            }
        }
    }

    /// The four columns of d B for eight tiles from one zero-padded input row (tile k's columns start at 2k).
    @inline(__always)
    private static func rowTimesB(_ p: UnsafePointer<Float>) -> Quad {
        let near = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
        let far = UnsafeRawPointer(p + 2).loadUnaligned(as: SIMD16<Float>.self)
        let (c0, c1, c2, c3) = (near.evenHalf, near.oddHalf, far.evenHalf, far.oddHalf)
        return Quad(c0 - c2, c1 + c2, c2 - c1, c1 - c3)
    }

    /// For every filter and tile of `images`: Y = Aᵀ M A + bias, then ReLU and the max of the 2x2
    /// block into `pooled` `[Cout, B, H/2, W/2]`, and into `winners` the block's position of the
    /// first largest value above zero (0 top left, 1 top right, 2 bottom left, 3 bottom right) or -1
    /// when none is; floats, so that backward turns them into dM with arithmetic alone.
    static func poolOutput(_ m: UnsafePointer<Float>, bias: [Float], shape: WinogradShape, images: Range<Int>,
                           into pooled: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<Float>) {
        let (tilesX, filters, slab) = (shape.tilesX, bias.count, shape.slab(images: images.count))
        for o in 0..<filters {
            let b = Lanes(repeating: bias[o])
            for image in images {
                let plane = (o * shape.batch + image) * shape.tilesPerImage
                for ty in 0..<shape.tilesY {
                    let first = (image - images.lowerBound) * shape.tilesPerImage + ty * tilesX
                    for tx in stride(from: 0, to: tilesX, by: 8) {
                        let from = m + o * slab + first + tx, step = filters * slab
                        let m0 = Quad(from, step: step), m1 = Quad(from + 4 * step, step: step)
                        let m2 = Quad(from + 8 * step, step: step), m3 = Quad(from + 12 * step, step: step)
                        let (s, u) = (m0 + m1 + m2, m1 - m2 - m3)
                        var best = Lanes()
                        var winner = Lanes(repeating: -1)
                        @inline(__always) func consider(_ value: Lanes, _ position: Float) {
                            let better = value .> best
                            best.replace(with: value, where: better)
                            winner.replace(with: position, where: better)
                        }
                        consider(s.a + s.b + s.c + b, 0)
                        consider(s.b - s.c - s.d + b, 1)
                        consider(u.a + u.b + u.c + b, 2)
                        consider(u.b - u.c - u.d + b, 3)
                        let at = plane + ty * tilesX + tx, count = min(8, tilesX - tx)
                        best.store(pooled + at, count: count)
                        winner.store(winners + at, count: count)
                    }
                }
            }
        }
    }

    /// dM = A dY Aᵀ for every filter and tile of `images`, dY the block holding the pooled gradient
    /// `[Cout, B, H/2, W/2]` at its winner (row r, column c) and zero elsewhere: dM_ij = g A_ir A_jc,
    /// with A's columns (1, 1, 1, 0) and (0, 1, -1, -1). Adds each filter's routed gradients to
    /// `biasGradient`.
    static func unpoolGradient(_ gradient: UnsafePointer<Float>, winners: UnsafePointer<Float>, shape: WinogradShape,
                               channels: Int, images: Range<Int>, into dM: UnsafeMutablePointer<Float>,
                               biasGradient: inout [Float]) {
        let (tilesX, slab) = (shape.tilesX, shape.slab(images: images.count))
        let (zero, one, two) = (Lanes(), Lanes(repeating: 1), Lanes(repeating: 2))
        for o in 0..<channels {
            var sums = Lanes()
            for image in images {
                let plane = (o * shape.batch + image) * shape.tilesPerImage
                for ty in 0..<shape.tilesY {
                    let first = (image - images.lowerBound) * shape.tilesPerImage + ty * tilesX
                    for tx in stride(from: 0, to: tilesX, by: 8) {
                        let at = plane + ty * tilesX + tx, count = min(8, tilesX - tx)
                        let winner = Lanes(winners + at, count: count)
                        var g = Lanes(gradient + at, count: count)
                        g.replace(with: zero, where: winner .< zero)
                        sums += g
                        var row = zero
                        row.replace(with: one, where: winner .>= two)
                        let column = winner - 2 * row
                        // A's column for the winner's row (times g) and for its column.
                        let (a0, a1, a2, a3) = (g - g * row, g, g - 2 * g * row, -g * row)
                        let (b0, b2, b3) = (one - column, one - 2 * column, -column)
                        let to = dM + o * slab + first + tx, step = channels * slab
                        Quad(a0 * b0, a0, a0 * b2, a0 * b3).store(to, step: step)
                        Quad(a1 * b0, a1, a1 * b2, a1 * b3).store(to + 4 * step, step: step)
                        Quad(a2 * b0, a2, a2 * b2, a2 * b3).store(to + 8 * step, step: step)
                        Quad(a3 * b0, a3, a3 * b2, a3 * b3).store(to + 12 * step, step: step)
                    }
                }
            }
            biasGradient[o] += sums.sum()
        }
    }

    /// dX = B dV Bᵀ for every channel and tile of `images`, each 4x4 block added back where its input
    /// block was read (neighbouring blocks overlap by two rows and columns), into `[C, B, H, W]`.
    /// Each (channel, image) plane of `dInput` is written once, whole.
    static func transformInputGradient(_ dV: UnsafePointer<Float>, channels: Int, shape: WinogradShape, images: Range<Int>,
                                       into dInput: UnsafeMutablePointer<Float>) {
        let (height, width, tilesX) = (shape.height, shape.width, shape.tilesX)
        let (slab, rowStride) = (shape.slab(images: images.count), shape.paddedRow)
        var sums = [Float](repeating: 0, count: (2 * shape.tilesY + 2) * rowStride)
        let tail = Quad.keeping(tilesX % 8)
        sums.withUnsafeMutableBufferPointer { sums in
            let sums = sums.baseAddress!
            for c in 0..<channels {
                for image in images {
                    sums.update(repeating: 0, count: (2 * shape.tilesY + 2) * rowStride)
                    for ty in 0..<shape.tilesY {
                        let first = (image - images.lowerBound) * shape.tilesPerImage + ty * tilesX
                        for tx in stride(from: 0, to: tilesX, by: 8) {
                            let count = min(8, tilesX - tx)
                            let from = dV + c * slab + first + tx, step = channels * slab
                            // B dV (lanes past `count` are zero and add nothing), then each row times Bᵀ.
                            var (q0, q1) = (Quad(from, step: step), Quad(from + 4 * step, step: step))
                            var (q2, q3) = (Quad(from + 8 * step, step: step), Quad(from + 12 * step, step: step))
                            if count < 8 { (q0, q1, q2, q3) = (q0.masked(tail), q1.masked(tail), q2.masked(tail), q3.masked(tail)) }
                            @inline(__always) func addRow(_ i: Int, _ x: Quad) {
                                let row = sums + (2 * ty + i) * rowStride + 2 * tx
                                add(even: x.a, odd: x.b - x.c + x.d, to: row)
                                add(even: x.b + x.c - x.a, odd: -x.d, to: row + 2)
                            }
                            addRow(0, q0)
                            addRow(1, q1 - q2 + q3)
                            addRow(2, q1 + q2 - q0)
                            addRow(3, -q3)
                        }
                    }
                    let plane = dInput + (c * shape.batch + image) * height * width
                    for y in 0..<height { copy(sums + (y + 1) * rowStride + 1, to: plane + y * width, count: width) }
                }
            }
        }
    }

    /// U = G g Gᵀ for every filter and input channel of weights `[Cout, Cin, 3, 3]`: `[16][Cout][Cin]`.
    static func transformWeights(_ weights: [Float], outputs: Int, inputs: Int) -> [Float] {
        let pairs = outputs * inputs
        var u = [Float](repeating: 0, count: 16 * pairs)
        for pair in 0..<pairs {
            let g = { (row: Int, column: Int) in weights[pair * 9 + 3 * row + column] }
            // Row i of G g for column j, then (G g) Gᵀ along the row.
            func gg(_ i: Int, _ j: Int) -> Float {
                switch i {
                case 0: return g(0, j)
                case 1: return 0.5 * (g(0, j) + g(1, j) + g(2, j))
                case 2: return 0.5 * (g(0, j) - g(1, j) + g(2, j))
                default: return g(2, j)
                }
            }
            for i in 0..<4 {
                let (x0, x1, x2) = (gg(i, 0), gg(i, 1), gg(i, 2))
                u[(4 * i) * pairs + pair] = x0
                u[(4 * i + 1) * pairs + pair] = 0.5 * (x0 + x1 + x2)
                u[(4 * i + 2) * pairs + pair] = 0.5 * (x0 - x1 + x2)
                u[(4 * i + 3) * pairs + pair] = x2
            }
        }
        return u
    }

    /// dWeight += Gᵀ dU G for every filter and input channel, dU `[16][Cout][Cin]`.
    static func addWeightGradient(_ dU: [Float], outputs: Int, inputs: Int, into gradient: inout [Float]) {
        let pairs = outputs * inputs
        for pair in 0..<pairs {
            let u = { (i: Int, j: Int) in dU[(4 * i + j) * pairs + pair] }
            // Row r of Gᵀ dU for column j, then (Gᵀ dU) G along the row.
            func gu(_ r: Int, _ j: Int) -> Float {
                switch r {
                case 0: return u(0, j) + 0.5 * (u(1, j) + u(2, j))
                case 1: return 0.5 * (u(1, j) - u(2, j))
                default: return 0.5 * (u(1, j) + u(2, j)) + u(3, j)
                }
            }
            for r in 0..<3 {
                let (x0, x1, x2, x3) = (gu(r, 0), gu(r, 1), gu(r, 2), gu(r, 3))
                gradient[pair * 9 + 3 * r] += x0 + 0.5 * (x1 + x2)
                gradient[pair * 9 + 3 * r + 1] += 0.5 * (x1 - x2)
                gradient[pair * 9 + 3 * r + 2] += 0.5 * (x1 + x2) + x3
            }
        }
    }

    /// Copies one image row (a call to memmove costs more than the copy at these widths).
    @inline(__always)
    private static func copy(_ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
        var x = 0
        while x + 8 <= count {
            UnsafeMutableRawPointer(target + x).storeBytes(of: Lanes(source + x, count: 8), as: Lanes.self)
            x += 8
        }
        if x < count { Lanes(source + x, count: count - x).store(target + x, count: count - x) }
    }

    /// Adds `even` and `odd` interleaved to the 16 floats at `pointer`.
    @inline(__always)
    private static func add(even: Lanes, odd: Lanes, to pointer: UnsafeMutablePointer<Float>) {
        var pair = SIMD16<Float>()
        pair.evenHalf = even
        pair.oddHalf = odd
        let sum = UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self) + pair
        UnsafeMutableRawPointer(pointer).storeBytes(of: sum, as: SIMD16<Float>.self)
    }
}

/// Four lane vectors: one row (or column) of a 4x4 block for eight tiles.
struct Quad {
    var a, b, c, d: Lanes

    @inline(__always) init(_ a: Lanes, _ b: Lanes, _ c: Lanes, _ d: Lanes) { (self.a, self.b, self.c, self.d) = (a, b, c, d) }

    /// Reads four rows `step` floats apart, eight lanes each (past a row of tiles they read the next
    /// row's tiles, or a slab's room).
    @inline(__always) init(_ pointer: UnsafePointer<Float>, step: Int) {
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> Lanes { UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }
        self.init(load(pointer), load(pointer + step), load(pointer + 2 * step), load(pointer + 3 * step))
    }

    /// The lanes where `keep` is all ones, zero elsewhere.
    @inline(__always) func masked(_ keep: SIMD8<UInt32>) -> Quad {
        @inline(__always) func mask(_ x: Lanes) -> Lanes {
            unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & keep, to: Lanes.self)
        }
        return Quad(mask(a), mask(b), mask(c), mask(d))
    }

    /// All ones in the first `count` lanes, zero in the rest.
    static func keeping(_ count: Int) -> SIMD8<UInt32> {
        var keep = SIMD8<UInt32>()
        for lane in 0..<min(count, 8) { keep[lane] = .max }
        return keep
    }

    /// Writes four rows `step` floats apart, all eight lanes (see `WinogradShape.slab`).
    @inline(__always) func store(_ pointer: UnsafeMutablePointer<Float>, step: Int) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: a, as: Lanes.self)
        UnsafeMutableRawPointer(pointer + step).storeBytes(of: b, as: Lanes.self)
        UnsafeMutableRawPointer(pointer + 2 * step).storeBytes(of: c, as: Lanes.self)
        UnsafeMutableRawPointer(pointer + 3 * step).storeBytes(of: d, as: Lanes.self)
    }

    @inline(__always) static func + (x: Quad, y: Quad) -> Quad { Quad(x.a + y.a, x.b + y.b, x.c + y.c, x.d + y.d) }
    @inline(__always) static func - (x: Quad, y: Quad) -> Quad { Quad(x.a - y.a, x.b - y.b, x.c - y.c, x.d - y.d) }
    @inline(__always) static prefix func - (x: Quad) -> Quad { Quad(-x.a, -x.b, -x.c, -x.d) }
}
