// Fuzz target: the face search and the landmark fit of the C++ shim on any pixels: the picture's width
// and height come from the first bytes (20-275 each), its pixels from the rest, repeated; the landmarks
// are fitted in a box from the next bytes (any place and size, inside the picture or not); the detector
// and the landmark model are loaded once.
import CFerFaces
import Foundation

let detector: OpaquePointer? = {
    let folder = ProcessInfo.processInfo.environment["FERDATA_CASCADES"] ?? "/usr/share/opencv4/haarcascades"
    var message = [CChar](repeating: 0, count: 256)
    return fer_faces_open(folder + "/haarcascade_frontalface_alt2.xml", folder + "/haarcascade_frontalface_default.xml",
                          &message, message.count)
}()

let landmarker: OpaquePointer? = {
    var message = [CChar](repeating: 0, count: 256)
    return fer_landmarks_open(ProcessInfo.processInfo.environment["FERDATA_LANDMARKS"] ?? "/usr/share/dlib/shape_predictor_68_face_landmarks.dat",
                              &message, message.count)
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let detector, let landmarker, size >= 7 else { return 0 }
    let width = 20 + Int(data[0]), height = 20 + Int(data[1])
    let pixels = (0..<(width * height)).map { data[2 + $0 % (size - 2)] }
    var parameters = fer_detect_params(scale_factor: 1.1 + Double(data[size - 1] % 4) / 10, min_neighbours: Int32(data[size - 1] % 3),
                                       verify_neighbours: 2, min_face: 20 + UInt32(data[size - 1] % 40), max_face: 0)
    var boxes = [fer_box](repeating: fer_box(), count: 8)
    var count: UInt32 = 0
    var message = [CChar](repeating: 0, count: 256)
    let status = fer_faces_detect(detector, pixels, UInt32(width), UInt32(height), &parameters, &boxes, UInt32(boxes.count), &count, &message, message.count)
    if status == 0 {
        for box in boxes.prefix(Int(min(count, 8))) {
            precondition(box.x >= 0 && box.y >= 0 && box.width > 0 && box.x + box.width <= width && box.y + box.height <= height)
        }
    }
    var face = fer_box(x: Int32(data[2]) - 20, y: Int32(data[3]) - 20, width: Int32(data[4]), height: Int32(data[5]))
    var eyes = [Float](repeating: 0, count: 4), points = [Float](repeating: 0, count: 136)
    var turn: Float = 0
    let fitted = fer_landmarks_eyes(landmarker, pixels, UInt32(width), UInt32(height), &face, Int32(data[6] % 3), &eyes, &points, &turn,
                                    &message, message.count)
    precondition(fitted == 0 || fitted == 3, "a landmark fit failed with \(fitted): \(String(cString: message))")
    if fitted == 0 { precondition(eyes.allSatisfy(\.isFinite) && turn.isFinite) }
    return 0
}
