import FERCore
import FERData
import FERIngest
import FERMedia

#if canImport(Glibc)
import Glibc
#endif

/// A 64-bit DCT perceptual hash (pHash) of a face: the image is averaged down to 32x32, the 8x8
/// lowest frequencies of its 2-D DCT are compared with their median, one bit each. Small changes
/// (JPEG noise, slight blur, brightness) flip few bits; different faces differ in about half.
public enum PerceptualHash {
    static let size = 32
    static let kept = 8

    /// cos((2x + 1) u pi / 64) for u < 8, x < 32.
    private static let basis: [Float] = {
        var table = [Float](repeating: 0, count: kept * size)
        for u in 0..<kept {
            for x in 0..<size {
                table[u * size + x] = cosf(Float((2 * x + 1) * u) * .pi / Float(2 * size))
            }
        }
        return table
    }()

    /// - Complexity: O(32 x 32 x 8) multiply-adds.
    public static func hash(_ image: GrayImage) -> UInt64 {
        let small = image.centreSquare().resizedSquare(to: size).pixels.map(Float.init)
        // Rows first: for each row y, the 8 lowest horizontal frequencies.
        var rows = [Float](repeating: 0, count: size * kept)
        for y in 0..<size {
            for u in 0..<kept {
                var sum: Float = 0
                for x in 0..<size { sum += small[y * size + x] * basis[u * size + x] }
                rows[y * kept + u] = sum
            }
        }
        var coefficients = [Float](repeating: 0, count: kept * kept)
        for v in 0..<kept {
            for u in 0..<kept {
                var sum: Float = 0
                for y in 0..<size { sum += rows[y * kept + u] * basis[v * size + y] }
                coefficients[v * kept + u] = sum
            }
        }
        // The median of the 63 AC coefficients (the DC term only says how bright the image is).
        let median = coefficients.dropFirst().sorted()[31]
        var bits: UInt64 = 0
        for (index, value) in coefficients.enumerated() where value > median {
            bits |= 1 << UInt64(index)
        }
        return bits
    }

    /// The hash of the horizontally mirrored face.
    public static func mirroredHash(_ image: GrayImage) -> UInt64 {
        var mirrored = image
        for y in 0..<image.height {
            for x in 0..<image.width { mirrored[x, y] = image[image.width - 1 - x, y] }
        }
        return hash(mirrored)
    }

    public static func distance(_ a: UInt64, _ b: UInt64) -> Int {
        (a ^ b).nonzeroBitCount
    }
}
