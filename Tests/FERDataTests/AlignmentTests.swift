@testable import FERCuration
@testable import FERData
@testable import FERIngest
import FERCore
import FERMedia
import FERTestSupport
import Foundation
import Testing

/// `--align` on real faces: FER-2013 test faces (from ../shared/data; skipped where absent), grown to
/// 192 px on a plain canvas and turned by known angles, must have the turn recovered by the eye line
/// of dlib's landmarks: the angle found on the turned face less the angle found on the same face
/// unturned (FER-2013's faces are not level to begin with) against the turn.
@Suite(.enabled(if: Fixtures.sharedData != nil, "../shared/data is absent: alignment on real faces skipped"))
struct AlignmentTests {
    @Test func landmarksRecoverAKnownTurn() throws {
        let seed: UInt64 = 21
        var random = SeededGenerator(seed: seed)
        let reader = try ArchiveReader(path: Fixtures.sharedData!.appendingPathComponent("fer2013-images.zip").path)
        var faces: [GrayImage] = []
        var member = 0
        while faces.count < 40, let entry = reader.next() {
            guard case .file(let name, let bytes) = entry, name.hasPrefix("test/") else { continue }
            member += 1
            if member % 150 == 0 { faces.append(try bytes.withUnsafeBytes { try ImageDecoder.decodeGray($0) }) }
        }
        #expect(faces.count == 40)
        let landmarker = try FaceLandmarker.shared()
        let box = FaceBox(x: 56, y: 56, width: 176, height: 176)  // about the detector's box on a 192 px face at 48
        var errors: [Double] = [], unsettled = 0
        for face in faces {
            let background = UInt8(face.pixels.reduce(0) { $0 + Int($1) } / face.pixels.count)
            var canvas = GrayImage(width: 288, height: 288, pixels: [UInt8](repeating: background, count: 288 * 288))
            let grown = face.resizedSquare(to: 192)
            for y in 0..<192 { for x in 0..<192 { canvas.pixels[(48 + y) * 288 + 48 + x] = grown.pixels[y * 192 + x] } }
            let turn = Double.random(in: -20...20, using: &random) * .pi / 180
            // Sampling along a frame turned by `turn` shows the picture turned by -turn (y down).
            let turned = canvas.rotatedCrop(side: 288, origin: (144, 144), anchor: (144, 144), angle: turn)
            let upright = try landmarker.fit(canvas, face: box), fitted = try landmarker.fit(turned, face: box)
            guard upright.settled, fitted.settled else {
                unsettled += 1
                continue
            }
            var error = (fitted.eyeAngle - upright.eyeAngle + turn) * 180 / .pi
            error = abs(error.remainder(dividingBy: 360))
            errors.append(error)
        }
        let within = errors.filter { $0 <= 3 }.count
        #expect(errors.count >= 30, "landmarks settled on only \(errors.count) of 40 face pairs (seed \(seed))")
        #expect(Double(within) >= 0.95 * Double(errors.count),
                "turn recovered within 3 degrees on \(within) of \(errors.count) faces (seed \(seed)); errors \(errors.sorted().suffix(5))")
    }
}
