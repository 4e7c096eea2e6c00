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
    /// Search every image for faces (`--detector`).
    case detect
    /// Crop by the boxes a layout's list gives (AffectNet, ExpW, a manifest with x,y,w,h).
    case box
    /// The image is a face crop already: centre-cropped and resized.
    case none
}

/// Which detector a face search runs: `--detector`.
public enum DetectorChoice: String, StageChoice {
    /// MTCNN where its weights are installed (`scripts/fetch-mtcnn`), else the Haar cascades.
    case auto
    /// MTCNN (`MTCNN`): a CNN, with five landmarks that frame each face.
    case mtcnn
    /// OpenCV's Haar cascades (`FaceDetector`): boxes only; `--align` fits dlib's landmarks.
    case haar
}

/// A face search as ingest runs it: the detector, and how a found face becomes a crop.
public struct FaceSearch: Sendable, Equatable {
    public enum Detector: Sendable {
        case mtcnn(MTCNN)
        case haar(FaceDetector)

        /// How the records it finds name it.
        public var recorded: FaceFrame.Detector {
            switch self {
            case .mtcnn: return .mtcnn
            case .haar: return .haar
            }
        }

        public var name: String { recorded.name }
    }

    public let detector: Detector
    /// dlib's landmarks, for the Haar search's faces when it aligns (MTCNN brings its own).
    public let landmarker: FaceLandmarker?
    /// Found faces are turned so that they sit level (`--align`).
    public let align: Bool
    /// Every face of a picture, one record each (`--all-faces`), not only the largest.
    public let allFaces: Bool
    /// The smallest face searched, in pixels.
    public let minFace: Int

    /// The Haar search's box is grown by this share of its side on each side, so that a crop is framed
    /// like FER-2013's faces where no landmarks frame it: on the pasted FER-2013 faces of
    /// `scripts/bench-faces` the box's side is a median 0.92 of the face crop's, centred on it.
    public static let margin = 0.04

    /// MTCNN's stage thresholds before the last (`--min-score` is the last): lower than the reference's
    /// 0.6 and 0.7, with a pyramid step of 0.8 for its 0.709, chosen on `scripts/bench-faces` (docs/faces.md).
    public static let mtcnnEarlyThresholds: (Float, Float) = (0.4, 0.5)
    public static let mtcnnScaleStep = 0.8
    /// The crop's side as a share of the detector's box's longer side that landmarks may frame: on the
    /// benchmark's FER-2013 faces a median 1.22 (1st and 99th percentiles 0.58 and 1.42). Landmarks that
    /// frame a crop outside it have not found the face's parts (cartoons, say); the box frames it then.
    static let plausibleCrop = 0.6...2.0

    /// MTCNN's landmarks are found again this many times, by O-Net on the crop the last ones frame (turned
    /// level), shrunk to `landmarkBox` of its side: the median of MTCNN's own boxes on FER-2013's faces.
    static let landmarkPasses = 4
    static let landmarkBox = 0.8

    /// The search `options` ask for.
    /// - Throws: the detector's or the landmarks' files are missing or unreadable (naming the package
    ///   or command that installs them).
    public init(options: FaceOptions) throws {
        let detector: Detector
        if options.detector == .mtcnn || (options.detector == .auto && FileManager.default.fileExists(atPath: MTCNN.weightsPath)) {
            detector = .mtcnn(try MTCNN(minFace: options.minFace,
                                        thresholds: (Self.mtcnnEarlyThresholds.0, Self.mtcnnEarlyThresholds.1, Float(options.minScore)),
                                        scaleStep: Self.mtcnnScaleStep))
        } else {
            detector = .haar(try FaceDetector(settings: FaceDetector.Settings(minFace: options.minFace)))
        }
        try self.init(detector: detector, minFace: options.minFace, align: options.align, allFaces: options.allFaces)
    }

    public init(detector: Detector, minFace: Int, align: Bool = false, allFaces: Bool = false) throws {
        self.detector = detector
        if case .haar = detector, align { landmarker = try FaceLandmarker.shared() } else { landmarker = nil }
        self.align = align
        self.allFaces = allFaces
        self.minFace = minFace
    }

    public static func == (a: FaceSearch, b: FaceSearch) -> Bool {
        a.detector.name == b.detector.name && a.align == b.align && a.allFaces == b.allFaces && a.minFace == b.minFace
    }

    /// A face the detector found: its box, MTCNN's probability, and its five landmarks where the
    /// detector gives them (MTCNN; the Haar search's when it aligns and dlib's fit settles).
    public struct Found: Sendable {
        public var box: FaceBox
        public var score: Float?
        public var landmarks: FiveLandmarks?
        /// dlib's 68 points, when it fitted them (drawn by `show --faces`).
        public var dlibPoints: [(x: Double, y: Double)]?
    }

    /// The faces of a picture's planes, largest first.
    public func find(_ planes: [GrayImage]) throws -> [Found] {
        switch detector {
        case .mtcnn(let mtcnn):
            let width = planes[0].width, height = planes[0].height
            return mtcnn.detect(planes).map { face in
                var landmarks = FiveLandmarks(face.landmarks.map { FiveLandmarks.Point(x: Double($0.x), y: Double($0.y)) })
                // O-Net again on a square drawn from the landmarks themselves (turned upright), not from the
                // pyramid's boxes, whose sampling moves with the picture's size around the face: the same face
                // then gets the same landmarks in a tight picture and in a wide scene (MTCNNTests).
                for _ in 0..<Self.landmarkPasses {
                    let cut = LandmarkFraming.frame(landmarks, turned: true)
                    let again = mtcnn.landmarks(planes, centre: (cut.centreX, cut.centreY), side: cut.side * Self.landmarkBox, angle: cut.angle)
                    landmarks = FiveLandmarks(again.map { FiveLandmarks.Point(x: $0.x, y: $0.y) })
                }
                return Found(box: face.pixelBox(width: width, height: height), score: face.score, landmarks: landmarks)
            }
        case .haar(let haar):
            let gray = planes.count == 1 ? planes[0] : GrayImage.luma(red: planes[0], green: planes[1], blue: planes[2])
            return try haar.detect(gray).map { box in
                guard let landmarker else { return Found(box: box) }
                let fit = try landmarker.fit(gray, face: box)
                return Found(box: box, landmarks: fit.settled ? FiveLandmarks(dlib: fit.points) : nil, dlibPoints: fit.points)
            }
        }
    }

    /// A face of a picture: how it was cut (nil: the picture is the face crop) and the cut planes.
    public struct Face {
        public var frame: FaceFrame?
        public var planes: [GrayImage]
    }

    /// The faces of a picture, largest first: only the largest unless `allFaces`. Empty when there is none.
    public func faces(in planes: [GrayImage]) throws -> [Face] {
        let found = try find(planes)
        return found.prefix(allFaces ? found.count : 1).enumerated().map { rank, face in
            let frame = self.frame(of: face, width: planes[0].width, height: planes[0].height, rank: rank)
            return Face(frame: frame, planes: frame.cut(planes))
        }
    }

    /// How a found face is cut: from its landmarks where it has them (`LandmarkFraming`: upright, or
    /// turned level with `--align`) and the crop they frame is of a plausible size for the detector's box;
    /// else the box grown by the margin, square, inside the picture.
    public func frame(of face: Found, width: Int, height: Int, rank: Int = 0) -> FaceFrame {
        if let landmarks = face.landmarks, case let cut = LandmarkFraming.frame(landmarks, turned: align),
           Self.plausibleCrop.contains(cut.side / Double(max(face.box.width, face.box.height))) {
            return FaceFrame(method: align ? .aligned : .framed, box: face.box, centreX: Float(cut.centreX), centreY: Float(cut.centreY),
                             side: max(8, Int(cut.side.rounded())), angle: Float(cut.angle), rank: rank,
                             detector: detector.recorded, score: face.score)
        }
        let region = Self.framed(face.box, width: width, height: height)
        return FaceFrame(method: .detected, box: face.box, centreX: Float(region.x) + Float(region.width) / 2,
                         centreY: Float(region.y) + Float(region.height) / 2, side: region.width, rank: rank,
                         detector: detector.recorded, score: face.score)
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
