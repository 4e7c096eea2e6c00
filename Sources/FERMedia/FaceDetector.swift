import CFerFaces
import CFerShims
import FERCore
import Foundation

/// A face's box in its picture, in pixels: left, top, width and height (a layout's list or the face detector).
public struct FaceBox: Sendable, Hashable, Codable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var area: Int { width * height }
    public var description: String { "\(x),\(y) \(width)x\(height)" }
}

/// Finds faces in gray pictures with OpenCV's Haar cascades (Debian's opencv-data): a detecting
/// cascade run permissively, each candidate confirmed by a second cascade, boxes that report one face
/// twice merged. Chosen on `scripts/bench-faces` (docs/faces.md). One detector per thread: `detect`
/// borrows one from a pool, so it may be called from every core at once.
public final class FaceDetector: @unchecked Sendable {
    /// How the search runs.
    public struct Settings: Sendable, Equatable, Codable {
        /// The step between the scales searched.
        public var scaleFactor = 1.1
        /// Overlapping detections the detecting cascade needs.
        public var minNeighbours = 1
        /// Detections the verifying cascade needs around a candidate.
        public var verifyNeighbours = 2
        /// The smallest face side searched, in pixels: smaller faces hold less than the model's 48x48.
        public var minFace = 48

        public init(minFace: Int = 48) {
            self.minFace = minFace
        }
    }

    /// Where the cascades are: `$FERDATA_CASCADES`, else Debian's opencv-data folder.
    public static var cascadeFolder: String {
        ProcessInfo.processInfo.environment["FERDATA_CASCADES"] ?? "/usr/share/opencv4/haarcascades"
    }

    public static let detectingCascade = "haarcascade_frontalface_alt2.xml"
    public static let verifyingCascade = "haarcascade_frontalface_default.xml"

    public let settings: Settings
    private let detectorPath: String
    private let verifierPath: String
    private let lock = NSLock()
    private var idle: [OpaquePointer] = []

    /// - Throws: the cascades cannot be found or loaded (a clear message naming the package).
    public init(settings: Settings = Settings(), folder: String = FaceDetector.cascadeFolder) throws {
        self.settings = settings
        detectorPath = folder + "/" + Self.detectingCascade
        verifierPath = folder + "/" + Self.verifyingCascade
        idle.append(try open())
    }

    deinit {
        for detector in idle { fer_faces_close(detector) }
    }

    private func open() throws -> OpaquePointer {
        for path in [detectorPath, verifierPath] where !FileManager.default.fileExists(atPath: path) {
            throw FerError(.sourceMissing, "face detection needs OpenCV's Haar cascades: no \(path) (Debian package opencv-data, or set FERDATA_CASCADES)")
        }
        var message = [CChar](repeating: 0, count: 256)
        guard let detector = fer_faces_open(detectorPath, verifierPath, &message, message.count) else {
            throw FerError(.sourceUnreadable, "cannot load the face cascades from \(detectorPath): \(String(cString: message))")
        }
        return detector
    }

    /// The faces in `image`, largest first.
    public func detect(_ image: GrayImage) throws -> [FaceBox] {
        let detector = try borrow()
        defer { giveBack(detector) }
        var parameters = fer_detect_params(scale_factor: settings.scaleFactor, min_neighbours: Int32(settings.minNeighbours),
                                           verify_neighbours: Int32(settings.verifyNeighbours), min_face: UInt32(settings.minFace), max_face: 0)
        var boxes = [fer_box](repeating: fer_box(), count: 64)
        var count: UInt32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            fer_faces_detect(detector, pixels.baseAddress, UInt32(image.width), UInt32(image.height), &parameters,
                             &boxes, UInt32(boxes.count), &count, &message, message.count)
        }
        guard status == FER_OK.rawValue else {
            throw FerError(.corruptImage, "face detection failed: \(String(cString: message))")
        }
        return boxes.prefix(Int(min(count, UInt32(boxes.count)))).map {
            FaceBox(x: Int($0.x), y: Int($0.y), width: Int($0.width), height: Int($0.height))
        }
    }

    private func borrow() throws -> OpaquePointer {
        lock.lock()
        if let detector = idle.popLast() {
            lock.unlock()
            return detector
        }
        lock.unlock()
        return try open()
    }

    private func giveBack(_ detector: OpaquePointer) {
        lock.lock()
        idle.append(detector)
        lock.unlock()
    }
}
