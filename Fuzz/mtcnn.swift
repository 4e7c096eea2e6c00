// Fuzz target: MTCNN's search as ingest runs it (the pyramid, the three networks, the landmarks found
// again on their crop, the framing and the cut) on any pixels of any size: width and height come from
// the first bytes (1-512 each, with a bit of the third), one or three planes from the third, the pixels
// from the rest, repeated.
// Every face found must lie inside the picture with finite landmarks, and its crop must be cut whole.
import FERIngest
import FERMedia
import Foundation

let search: FaceSearch? = {
    var options = FaceOptions.defaults
    options.detector = .mtcnn
    options.minFace = 20
    return try? FaceSearch(options: options)
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let search, size >= 6 else { return 0 }
    let width = 1 + Int(data[0]) + 256 * Int(data[2] & 1), height = 1 + Int(data[1]) + 256 * Int(data[2] >> 2 & 1)
    let channels = data[2] & 2 == 0 ? 1 : 3
    let planes = (0..<channels).map { channel in
        GrayImage(width: width, height: height, pixels: (0..<(width * height)).map { data[3 + (channel * 7 + $0) % (size - 3)] })
    }
    guard let faces = try? search.faces(in: planes) else { return 0 }
    for face in faces {
        let frame = face.frame!
        precondition(frame.box.x >= 0 && frame.box.y >= 0 && frame.box.x + frame.box.width <= width && frame.box.y + frame.box.height <= height)
        precondition(frame.centreX.isFinite && frame.centreY.isFinite && frame.angle.isFinite && frame.side >= 8)
        precondition(face.planes.count == channels && face.planes.allSatisfy { $0.width == frame.side && $0.height == frame.side })
    }
    return 0
}
