import FERCore
import FERMedia

/// Test-time augmentation: a face is scored by the mean of the class probabilities of several views of
/// it. Always named in a report's `metrics.json` and `report.html`.
public enum TestTimeAugmentation: String, StageChoice {
    /// The face as it is.
    case none
    /// The face and its mirror image.
    case flip
    /// The ten-crop protocol: the four corner crops and the centre crop of `cropSide` pixels, each
    /// brought back to 48x48, and their mirror images.
    case crops

    public static let cropSide = 44

    /// How many views of a face are scored.
    public var viewCount: Int {
        switch self {
        case .none: 1
        case .flip: 2
        case .crops: 10
        }
    }

    /// View `index` (0 ..< `viewCount`) of a 48x48 face.
    public func view(_ index: Int, of pixels: [UInt8]) -> [UInt8] {
        let side = FaceSize.side
        var face = GrayImage(width: side, height: side, pixels: pixels)
        if self == .crops {
            let margin = side - Self.cropSide
            let (x, y) = [(0, 0), (margin, 0), (0, margin), (margin, margin), (margin / 2, margin / 2)][index % 5]
            face = face.square(x: x, y: y, side: Self.cropSide).resizedSquare(to: side)
        }
        let mirrored = self == .flip ? index == 1 : index >= 5
        return mirrored ? ExifOrientation.mirrored.apply(to: face).pixels : face.pixels
    }
}

extension CNNRNN {
    /// Class probabilities of each face: with test-time augmentation, the mean over its views.
    public func probabilities(_ faces: [[UInt8]], tta: TestTimeAugmentation) -> [[Float]] {
        var probabilities = self.probabilities(faces)
        guard tta.viewCount > 1 else { return probabilities }
        for view in 1..<tta.viewCount {
            let more = self.probabilities(faces.map { tta.view(view, of: $0) })
            for (index, row) in more.enumerated() { for k in row.indices { probabilities[index][k] += row[k] } }
        }
        let scale = 1 / Float(tta.viewCount)
        return probabilities.map { $0.map { $0 * scale } }
    }
}
