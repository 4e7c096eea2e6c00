import FERCore
import FERData
import Foundation
import FERMedia

/// How ingest (and crosseval, which reads through it) finds the face in a picture: `--faces`.
public enum FaceMode: String, StageChoice {
    /// Per source: a layout's boxes where its list gives them; otherwise faces are searched when the
    /// source's first picture's shorter side is over 128 px and over twice the dataset's face side, and
    /// the pictures are taken as face crops when it is not. The summary says what was decided and why.
    case auto
    /// Search every image for faces (OpenCV's Haar cascades, `FaceDetector`).
    case detect
    /// Crop by the boxes a layout's list gives (AffectNet, ExpW, a manifest with x,y,w,h).
    case box
    /// The image is a face crop already: centre-cropped and resized.
    case none
}

/// A face search as ingest runs it: the detector, and how a found face becomes a crop.
public struct FaceSearch: Sendable, Equatable {
    public let detector: FaceDetector
    /// dlib's landmarks, when found faces are turned so that the eyes are level and scaled to FER-2013's
    /// eye distance (`--align`).
    public let landmarker: FaceLandmarker?
    public var align: Bool { landmarker != nil }
    /// Every face of a picture, one record each (`--all-faces`), not only the largest.
    public let allFaces: Bool
    /// Added around the detector's box on each side, as a share of its side, so that a crop is framed
    /// like FER-2013's faces: on the pasted FER-2013 faces of `scripts/bench-faces` the box's side is a
    /// median 0.92 of the face crop's (quartiles 0.87 and 0.98), centred on it.
    public static let margin = 0.04

    /// Where aligned eyes go: their distance is this share of the crop's side and their midpoint sits
    /// at this height (and mid-width) of it, as in FER-2013's faces: the medians of the landmarks' eyes
    /// on the unturned pasted faces of `scripts/bench-faces --rotate` (docs/faces.md).
    public static let eyeDistance = 0.370
    public static let eyeHeight = 0.395

    /// - Throws: with `align`, dlib's landmark model is missing or unreadable.
    public init(detector: FaceDetector, align: Bool = false, allFaces: Bool = false) throws {
        self.detector = detector
        landmarker = align ? try FaceLandmarker.shared() : nil
        self.allFaces = allFaces
    }

    public static func == (a: FaceSearch, b: FaceSearch) -> Bool {
        a.detector === b.detector && a.landmarker === b.landmarker && a.allFaces == b.allFaces
    }

    /// A face of a picture: how it was cut (nil: the picture is the face crop) and the cut planes.
    public struct Face {
        public var frame: FaceFrame?
        public var planes: [GrayImage]
    }

    /// The faces of a picture, largest first: only the largest unless `allFaces`. Empty when there is none.
    public func faces(in planes: [GrayImage]) throws -> [Face] {
        let gray = planes.count == 1 ? planes[0] : GrayImage.luma(red: planes[0], green: planes[1], blue: planes[2])
        let boxes = try detector.detect(gray)
        return try boxes.prefix(allFaces ? boxes.count : 1).enumerated().map { rank, box in
            let frame = try self.frame(of: box, in: gray, rank: rank)
            return Face(frame: frame, planes: frame.cut(planes))
        }
    }

    /// How a found face is cut. Aligned, when the search aligns and the landmarks settle: turned about
    /// the eyes' midpoint so that they are level, `eyeDistance` of the side apart and `eyeHeight` of it
    /// down. Else the box grown by the margin, square, inside the picture.
    public func frame(of box: FaceBox, in gray: GrayImage, rank: Int = 0) throws -> FaceFrame {
        if let landmarker, case let eyes = try landmarker.fit(gray, face: box), eyes.settled {
            let dx = eyes.right.x - eyes.left.x, dy = eyes.right.y - eyes.left.y
            let side = max(8, Int((dx * dx + dy * dy).squareRoot() / Self.eyeDistance + 0.5))
            let angle = eyes.eyeAngle
            // The cut's centre lies below the eyes' midpoint along the face's own vertical.
            let down = Double(side) * (0.5 - Self.eyeHeight)
            let middle = (x: (eyes.left.x + eyes.right.x) / 2, y: (eyes.left.y + eyes.right.y) / 2)
            return FaceFrame(method: .aligned, box: box, centreX: Float(middle.x - down * sin(angle)), centreY: Float(middle.y + down * cos(angle)),
                             side: side, angle: Float(angle), rank: rank)
        }
        let region = Self.framed(box, width: gray.width, height: gray.height)
        return FaceFrame(method: .detected, box: box, centreX: Float(region.x) + Float(region.width) / 2,
                         centreY: Float(region.y) + Float(region.height) / 2, side: region.width, rank: rank)
    }

    /// The detector's box grown by the margin, kept square and moved inside the image (a face at the
    /// border keeps its side where the image is large enough).
    static func framed(_ box: FaceBox, width: Int, height: Int) -> FaceBox {
        let side = min(Int((Double(max(box.width, box.height)) * (1 + 2 * margin)).rounded()), width, height)
        let centreX = box.x + box.width / 2, centreY = box.y + box.height / 2
        let x = min(max(0, centreX - side / 2), width - side)
        let y = min(max(0, centreY - side / 2), height - side)
        return FaceBox(x: x, y: y, width: side, height: side)
    }
}
