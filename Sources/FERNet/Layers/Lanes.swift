/// Eight floats at a time, for the element-wise parts of the layers (the LSTM's gates), with an
/// exp that stays in vector registers: libm's expf is one call per value and was the largest
/// scalar cost of a training step.
typealias Lanes = SIMD8<Float>

extension SIMD8 where Scalar == Float {
    /// Up to eight values from `pointer`; lanes past `count` are zero.
    @inline(__always)
    init(_ pointer: UnsafePointer<Float>, count: Int) {
        if count == 8 {
            self = UnsafeRawPointer(pointer).loadUnaligned(as: Lanes.self)
        } else {
            self = Lanes()
            for lane in 0..<count { self[lane] = pointer[lane] }
        }
    }

    /// Writes the first `count` lanes to `pointer`.
    @inline(__always)
    func store(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        if count == 8 {
            UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Lanes.self)
        } else {
            for lane in 0..<count { pointer[lane] = self[lane] }
        }
    }

    /// e^x, relative error below 2e-7: x = n ln2 + r with |r| <= ln2/2, e^r by Cephes' degree-6
    /// polynomial, 2^n put straight into the exponent bits. x is clamped to [-87, 88].
    @inline(__always)
    static func exp(_ x: Lanes) -> Lanes {
        var x = x  // (pointwiseMin and pointwiseMax are not inlined; replace is)
        x.replace(with: 88, where: x .> 88)
        x.replace(with: -87, where: x .< -87)
        let shifter = Lanes(repeating: 12_582_912)  // 1.5 x 2^23: adding it rounds to an integer
        let shifted = x * 1.442_695_04 + shifter
        let n = shifted - shifter
        let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
        // Horner's rule in fused multiply-adds.
        var p = Lanes(repeating: 1.987_569_15e-4)
        p = Lanes(repeating: 1.398_199_95e-3).addingProduct(p, r)
        p = Lanes(repeating: 8.333_451_9e-3).addingProduct(p, r)
        p = Lanes(repeating: 4.166_579_59e-2).addingProduct(p, r)
        p = Lanes(repeating: 1.666_666_55e-1).addingProduct(p, r)
        p = Lanes(repeating: 5.000_000_12e-1).addingProduct(p, r)
        p = (r + 1).addingProduct(p * r, r)
        let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(exponent, to: Lanes.self)
    }

    @inline(__always)
    static func sigmoid(_ x: Lanes) -> Lanes { 1 / (1 + exp(-x)) }

    @inline(__always)
    static func tanh(_ x: Lanes) -> Lanes { 2 / (1 + exp(-2 * x)) - 1 }
}
