/// ReLU followed by 2x2 max-pooling, stride 2, of a pair of rows, for `GrayscaleConvPool`, which
/// pools each pair of convolution rows as it makes them.
enum ReLUMaxPool {
    /// ReLU and max-pooling of one pair of rows, `top[0..<width]` and `top[width..<2 width]`, into
    /// width/2 outputs. A window's winner is `position` plus its column offset (plus `below` for
    /// the lower row), the first of equal maxima; -1 where no value is above zero. Eight windows
    /// at a time without branches: which of four values wins is a coin toss the branch predictor loses.
    static func poolRows(_ top: UnsafePointer<Float>, width: Int, into output: UnsafeMutablePointer<Float>,
                         winners: UnsafeMutablePointer<Int32>, position: Int, below: Int) {
        let bottom = top + width
        let columns = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
        var column = 0
        while 2 * column + 16 <= width {
            let upper = UnsafeRawPointer(top + 2 * column).loadUnaligned(as: SIMD16<Float>.self)
            let lower = UnsafeRawPointer(bottom + 2 * column).loadUnaligned(as: SIMD16<Float>.self)
            let first = columns &+ Int32(truncatingIfNeeded: position + 2 * column)
            var best = Lanes()
            var winner = SIMD8<Int32>(repeating: -1)
            @inline(__always) func consider(_ values: Lanes, at offset: Int) {
                let better = values .> best
                best.replace(with: values, where: better)
                winner.replace(with: first &+ Int32(truncatingIfNeeded: offset), where: better)
            }
            consider(upper.evenHalf, at: 0)
            consider(upper.oddHalf, at: 1)
            consider(lower.evenHalf, at: below)
            consider(lower.oddHalf, at: below + 1)
            best.store(output + column, count: 8)
            UnsafeMutableRawPointer(winners + column).storeBytes(of: winner, as: SIMD8<Int32>.self)
            column += 8
        }
        while 2 * column < width {
            let x = 2 * column
            var best: Float = 0
            var winner: Int32 = -1
            @inline(__always) func consider(_ value: Float, at offset: Int) {
                if value > best { (best, winner) = (value, Int32(truncatingIfNeeded: position + x + offset)) }
            }
            consider(top[x], at: 0)
            consider(top[x + 1], at: 1)
            consider(bottom[x], at: below)
            consider(bottom[x + 1], at: below + 1)
            output[column] = best
            winners[column] = winner
            column += 1
        }
    }
}
