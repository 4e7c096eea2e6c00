import CFerFaces
import CFerShims
import FERCore
import Foundation

/// Facial landmarks from dlib's 68-point shape predictor (Debian's libdlib-data): where a face's eyes
/// are, for alignment. The predictor starts from an upright mean face and fits turned faces poorly, so
/// the fit is made again on the face turned upright by the eye line found so far (`refits` times), and
/// the eyes count as found only when the last refit has settled: it turned the eye line by less than
/// `settledTurn` degrees more. Chosen on `scripts/bench-faces --rotate` (docs/faces.md).
///
/// The model (about 100 MB, 0.4 s to read) is loaded once per process, on first use, and shared: a
/// loaded predictor is read-only, so every core fits at once.
public final class FaceLandmarker: @unchecked Sendable {
    /// Where the model is: `$FERDATA_LANDMARKS`, else Debian's libdlib-data file.
    public static var modelPath: String {
        ProcessInfo.processInfo.environment["FERDATA_LANDMARKS"] ?? "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"
    }

    public static let refits = 2
    public static let settledTurn = 1.0

    /// A fit: the eye centres (the means of each eye's six points; left as seen), every point, and
    /// whether it settled.
    public struct Fit: Sendable {
        public var left: (x: Double, y: Double)
        public var right: (x: Double, y: Double)
        public var points: [(x: Double, y: Double)]
        /// The last refit turned the eye line by less than `settledTurn` degrees.
        public var settled: Bool
        /// The eye line's angle in radians, y down: positive when the right eye is lower.
        public var eyeAngle: Double { atan2(right.y - left.y, right.x - left.x) }
    }

    private let landmarker: OpaquePointer

    /// The process's landmarker, loaded on first use.
    /// - Throws: the model is missing (naming the package) or unreadable.
    public static func shared() throws -> FaceLandmarker { try loaded.get() }

    private static let loaded: Result<FaceLandmarker, any Error> = Result { try FaceLandmarker(path: modelPath) }

    private init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FerError(.sourceMissing, "face alignment needs dlib's landmark model: no \(path) (Debian package libdlib-data, or set FERDATA_LANDMARKS)")
        }
        var message = [CChar](repeating: 0, count: 256)
        guard let landmarker = fer_landmarks_open(path, &message, message.count) else {
            throw FerError(.sourceUnreadable, "cannot load the landmark model \(path): \(String(cString: message))")
        }
        self.landmarker = landmarker
    }

    deinit { fer_landmarks_close(landmarker) }

    /// The landmarks of the face in `face`, a box inside `image`.
    public func fit(_ image: GrayImage, face: FaceBox) throws -> Fit {
        var box = fer_box(x: Int32(face.x), y: Int32(face.y), width: Int32(face.width), height: Int32(face.height))
        var eyes = [Float](repeating: 0, count: 4)
        var points = [Float](repeating: 0, count: 136)
        var lastTurn: Float = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            fer_landmarks_eyes(landmarker, pixels.baseAddress, UInt32(image.width), UInt32(image.height), &box, Int32(Self.refits),
                               &eyes, &points, &lastTurn, &message, message.count)
        }
        guard status == FER_OK.rawValue else { throw FerError(.corruptImage, "landmark fitting failed: \(String(cString: message))") }
        return Fit(left: (Double(eyes[0]), Double(eyes[1])), right: (Double(eyes[2]), Double(eyes[3])),
                   points: (0..<68).map { (Double(points[2 * $0]), Double(points[2 * $0 + 1])) },
                   settled: abs(Double(lastTurn)) < Self.settledTurn)
    }
}
