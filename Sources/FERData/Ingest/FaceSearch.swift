import FERCore
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
    public init(detector: FaceDetector, align: Bool = false) throws {
        self.detector = detector
        landmarker = align ? try FaceLandmarker.shared() : nil
    }

    public static func == (a: FaceSearch, b: FaceSearch) -> Bool { a.detector === b.detector && a.landmarker === b.landmarker }

    /// A found face: its box, its planes cropped, and, when aligned, the eye line's angle it was
    /// turned by (radians, positive: the right eye lower); nil when the box crop was used.
    public struct Face {
        /// nil: the picture was taken as a face crop.
        public var box: FaceBox?
        public var planes: [GrayImage]
        public var eyeAngle: Double?
        /// Found by the search (else given by a layout's list).
        public var searched = true
    }

    /// The largest face, aligned from its eyes when `align` asks and both eyes are found, else cropped
    /// by its framed box. nil when there is no face.
    public func face(in planes: [GrayImage]) throws -> Face? {
        let gray = planes.count == 1 ? planes[0] : GrayImage.luma(red: planes[0], green: planes[1], blue: planes[2])
        guard let box = try detector.detect(gray).first else { return nil }
        if align, let frame = try aligned(gray, face: box) {
            return Face(box: box, planes: planes.map {
                $0.rotatedCrop(side: frame.side, origin: frame.middle, anchor: frame.anchor, angle: frame.angle)
            }, eyeAngle: frame.angle)
        }
        let region = Self.framed(box, width: gray.width, height: gray.height)
        let cropped = planes.compactMap { $0.cropped(x: region.x, y: region.y, width: region.width, height: region.height) }
        guard cropped.count == planes.count else { return nil }
        return Face(box: box, planes: cropped, eyeAngle: nil)
    }

    /// How a face is turned and framed when aligned: the eye line's angle (radians; positive, the right
    /// eye lower), the eyes' midpoint, and the crop's side and the midpoint's place in it. nil when the
    /// eyes are not found (the landmarks did not settle) or the search does not align.
    public func aligned(_ gray: GrayImage, face box: FaceBox) throws
        -> (angle: Double, middle: (x: Double, y: Double), side: Int, anchor: (x: Double, y: Double))? {
        guard let landmarker, case let eyes = try landmarker.fit(gray, face: box), eyes.settled else { return nil }
        let dx = eyes.right.x - eyes.left.x, dy = eyes.right.y - eyes.left.y
        let side = max(8, Int((dx * dx + dy * dy).squareRoot() / Self.eyeDistance + 0.5))
        let anchor = (x: Double(side) / 2, y: Self.eyeHeight * Double(side))
        return (eyes.eyeAngle, (x: (eyes.left.x + eyes.right.x) / 2, y: (eyes.left.y + eyes.right.y) / 2), side, anchor)
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
