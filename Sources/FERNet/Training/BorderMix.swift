import FERCore
import FERMedia

/// A training face's border replaced by the same band of another face of its batch. What lies around a
/// face in its crop (hair, shoulders, background) says nothing of its expression, and a face cut from a
/// larger picture by its landmarks has other surroundings in that band than FER-2013's own crops
/// (docs/faces.md, the cross-dataset scenes): mixing the band teaches the model not to read it.
/// Drawn for each face as its batch is made; applied after the face's own augmentation.
public struct BorderMix: Sendable, Equatable {
    /// The face of the batch whose pixels fill the band.
    public var donor: Int
    /// The band's width on each side, in pixels of a 48x48 face; at least one is positive.
    public var top: Int
    public var left: Int
    public var bottom: Int
    public var right: Int

    /// The widest band drawn on a side: a sixth of the crop, what lies beyond the face's own picture
    /// when the landmarks' crop is 1.5 times its side (a face framed that much tighter than
    /// FER-2013's median).
    public static let maxWidth = 8

    public init(donor: Int, top: Int, left: Int, bottom: Int, right: Int) {
        precondition([top, left, bottom, right].allSatisfy { (0...FaceSize.side / 2).contains($0) })
        self.donor = donor
        (self.top, self.left, self.bottom, self.right) = (top, left, bottom, right)
    }

    /// One draw for face `face` of a batch of `count`: with `probability` a band of 0...`maxWidth`
    /// pixels on each side (drawn again while all four are 0) from another face of the batch; nil
    /// otherwise, and always for a batch of one.
    public static func sample(probability: Float, face: Int, count: Int, using random: inout SeededGenerator) -> BorderMix? {
        guard probability > 0, count > 1, Float.random(in: 0..<1, using: &random) < probability else { return nil }
        var widths = [0, 0, 0, 0]
        while widths.allSatisfy({ $0 == 0 }) {
            widths = (0..<4).map { _ in Int.random(in: 0...maxWidth, using: &random) }
        }
        let other = Int.random(in: 0..<(count - 1), using: &random)
        return BorderMix(donor: other < face ? other : other + 1, top: widths[0], left: widths[1], bottom: widths[2], right: widths[3])
    }

    /// Copies the band from `donor` (a 48x48 face) into `pixels` (another), in place.
    /// - Complexity: O(pixels).
    public func apply(to pixels: inout [UInt8], from donor: ArraySlice<UInt8>) {
        let side = FaceSize.side
        precondition(pixels.count == side * side && donor.count == side * side)
        let base = donor.startIndex
        for y in 0..<side {
            let rowInBand = y < top || y >= side - bottom
            for x in 0..<side where rowInBand || x < left || x >= side - right {
                pixels[y * side + x] = donor[base + y * side + x]
            }
        }
    }
}
