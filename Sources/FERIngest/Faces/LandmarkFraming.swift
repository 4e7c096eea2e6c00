import Foundation

/// Five facial landmarks, as seen: the left and right eye centres, the nose tip, the left and right
/// mouth corners (MTCNN's five, or dlib's 68 reduced to them).
public struct FiveLandmarks: Sendable, Equatable {
    public var points: [Point]

    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double

        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    public init(_ points: [Point]) {
        precondition(points.count == 5)
        self.points = points
    }

    /// dlib's 68 points reduced to the five: each eye's six points' mean, the nose tip (30), the
    /// mouth's corners (48, 54).
    public init(dlib points: [(x: Double, y: Double)]) {
        func mean(_ range: Range<Int>) -> Point {
            Point(x: points[range].map(\.x).reduce(0, +) / Double(range.count), y: points[range].map(\.y).reduce(0, +) / Double(range.count))
        }
        self.init([mean(36..<42), mean(42..<48), Point(x: points[30].x, y: points[30].y), Point(x: points[48].x, y: points[48].y),
                   Point(x: points[54].x, y: points[54].y)])
    }
}

/// How a found face is framed: from its landmarks, never from the detector's box, so that the same face
/// gives the same crop in a tight picture and in a wide scene, whichever detector found it.
///
/// The rule: the square crop is the one in which the five landmarks sit where FER-2013's faces have
/// them (`template`, shares of the crop's side), fitted by least squares over the five points as a
/// similarity (a scale and a shift; with `--align` a turn as well, which levels the face). A face is
/// then framed as FER-2013 frames its faces, at its own scale (the landmarks' spread, not the box's).
public enum LandmarkFraming {
    /// Where FER-2013's crops put the five landmarks, as shares of the side from the top left: the
    /// medians of MTCNN's landmarks (as ingest finds them) on the 506 FER-2013 test faces found in the
    /// scenes of `scripts/bench-faces --seed 7` (not the benchmark's seed 14), each averaged with its
    /// mirror image so that a mirrored face is framed as the mirror of its crop.
    public static let template: [FiveLandmarks.Point] = [
        .init(x: 0.3196, y: 0.3899), .init(x: 0.6804, y: 0.3899), .init(x: 0.5000, y: 0.6015),
        .init(x: 0.3510, y: 0.7785), .init(x: 0.6490, y: 0.7785),
    ]

    /// The crop's centre in the picture, its side in pixels, and its turn in radians (y down:
    /// positive when the face's right side, as seen, is lower; zero unless `turned`).
    public static func frame(_ landmarks: FiveLandmarks, turned: Bool) -> (centreX: Double, centreY: Double, side: Double, angle: Double) {
        let points = landmarks.points
        // Template points about the crop's centre, picture points about their mean.
        let q = template.map { (x: $0.x - 0.5, y: $0.y - 0.5) }
        let qMean = (x: q.map(\.x).reduce(0, +) / 5, y: q.map(\.y).reduce(0, +) / 5)
        let pMean = (x: points.map(\.x).reduce(0, +) / 5, y: points.map(\.y).reduce(0, +) / 5)
        var dot = 0.0, cross = 0.0, norm = 0.0
        for (a, b) in zip(q, points) {
            let qx = a.x - qMean.x, qy = a.y - qMean.y, px = b.x - pMean.x, py = b.y - pMean.y
            dot += qx * px + qy * py
            cross += qx * py - qy * px
            norm += qx * qx + qy * qy
        }
        // p = s R(angle) q + c, least squares: s cos = dot / norm, s sin = cross / norm.
        let angle = turned ? atan2(cross, dot) : 0
        let scale = turned ? (dot * dot + cross * cross).squareRoot() / norm : max(dot / norm, 0)
        let c = cos(angle), s = sin(angle)
        let centreX = pMean.x - scale * (c * qMean.x - s * qMean.y)
        let centreY = pMean.y - scale * (s * qMean.x + c * qMean.y)
        return (centreX, centreY, scale, angle)
    }
}
