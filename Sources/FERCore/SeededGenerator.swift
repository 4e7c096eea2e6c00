/// A small, fast, seedable random number generator (SplitMix64), so that every stage is
/// reproducible for a given `--seed`.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for one named purpose, derived from a seed, so that streams do not overlap.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SeededGenerator(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A standard normal sample (Box-Muller).
    public mutating func nextGaussian() -> Float {
        let u1 = Float.random(in: Float.ulpOfOne..<1, using: &self)
        let u2 = Float.random(in: 0..<1, using: &self)
        return (-2 * logf(u1)).squareRoot() * cosf(2 * .pi * u2)
    }
}

#if canImport(Glibc)
import Glibc
#endif
