import FERCore
import FERMedia

/// How ingest (and crosseval, which reads through it) finds the face in a picture: `--faces`.
public enum FaceMode: String, StageChoice {
    /// Per source: a layout's boxes where its list gives them; otherwise faces are searched when the
    /// source's first image is larger than twice the dataset's face side, and the image is taken as a
    /// face crop when it is not. The summary says what was decided and why.
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
    /// Added around the detector's box on each side, as a share of its side, so that a crop is framed
    /// like FER-2013's faces: on the pasted FER-2013 faces of `scripts/bench-faces` the box's side is a
    /// median 0.92 of the face crop's (quartiles 0.87 and 0.98), centred on it.
    public static let margin = 0.04

    public init(detector: FaceDetector) {
        self.detector = detector
    }

    public static func == (a: FaceSearch, b: FaceSearch) -> Bool { a.detector === b.detector }

    /// The largest face of an image given as planes (gray, or red, green and blue): its box and the
    /// planes cropped to it with the margin, square where the image allows. nil when there is none.
    public func largestFace(in planes: [GrayImage]) throws -> (box: FaceBox, planes: [GrayImage])? {
        let gray = planes.count == 1 ? planes[0] : GrayImage.luma(red: planes[0], green: planes[1], blue: planes[2])
        guard let box = try detector.detect(gray).first else { return nil }
        let region = Self.framed(box, width: gray.width, height: gray.height)
        let cropped = planes.compactMap { $0.cropped(x: region.x, y: region.y, width: region.width, height: region.height) }
        guard cropped.count == planes.count else { return nil }
        return (box, cropped)
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
