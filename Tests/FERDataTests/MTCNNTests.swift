import FERCore
import FERData
import FERMedia
import Foundation
import Testing

@testable import FERIngest

/// ferdata's MTCNN against the reference implementation (facenet-pytorch 2.6.0) on the pictures of
/// `scripts/make-mtcnn-fixture.py`: the same faces, boxes and landmarks within a pixel, probabilities
/// within 1e-4. Needs the weights `scripts/ensure-deps` makes (`scripts/fetch-mtcnn`).
@Suite struct MTCNNTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/mtcnn")

    struct Expected: Decodable {
        struct Picture: Decodable {
            var file: String
            var drawn: Int
            var faces: [Face]
        }
        struct Face: Decodable {
            var box: [Double]
            var score: Double
            var landmarks: [[Double]]
        }
        var minFace: Int
        var pictures: [Picture]

        enum CodingKeys: String, CodingKey {
            case minFace = "min_face"
            case pictures
        }
    }

    static func planes(_ file: String) throws -> [GrayImage] {
        let data = try Data(contentsOf: folder.appendingPathComponent(file))
        return try data.withUnsafeBytes { try ImageDecoder.decode($0, channels: 3) }
    }

    @Test func findsWhatTheReferenceFindsWithinAPixel() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: Self.folder.appendingPathComponent("expected.json")))
        let detector = try MTCNN(minFace: expected.minFace)
        var compared = 0
        for picture in expected.pictures {
            let found = detector.detect(try Self.planes(picture.file))
            try #require(found.count == picture.faces.count, "\(picture.file): \(found.count) faces, the reference \(picture.faces.count)")
            for (face, reference) in zip(found, picture.faces) {
                let box = [face.box.x1, face.box.y1, face.box.x2, face.box.y2].map(Double.init)
                #expect(zip(box, reference.box).allSatisfy { abs($0 - $1) <= 1 }, "\(picture.file): box \(box), the reference \(reference.box)")
                #expect(abs(Double(face.score) - reference.score) <= 1e-4, "\(picture.file): \(face.score), the reference \(reference.score)")
                for (point, expectedPoint) in zip(face.landmarks, reference.landmarks) {
                    #expect(abs(Double(point.x) - expectedPoint[0]) <= 1 && abs(Double(point.y) - expectedPoint[1]) <= 1,
                            "\(picture.file): landmark \(point), the reference \(expectedPoint)")
                }
                compared += 1
            }
        }
        #expect(compared == 14)
    }

    @Test func anyPixelsOfAnySizeGiveFacesInsideThePictureOrNone() throws {
        let detector = try MTCNN(minFace: 20)
        let seed: UInt64 = 31
        var generator = SeededGenerator(seed: seed)
        let sizes = [(1, 1), (11, 40), (12, 12), (13, 300), (300, 13), (47, 61), (200, 150)]
        for (width, height) in sizes {
            for channels in [1, 3] {
                let planes = (0..<channels).map { _ in
                    GrayImage(width: width, height: height, pixels: (0..<(width * height)).map { _ in UInt8.random(in: 0...255, using: &generator) })
                }
                for face in detector.detect(planes) {
                    #expect(face.score > 0.7 && face.score <= 1 && face.landmarks.count == 5, "seed \(seed), \(width)x\(height)")
                    let box = face.pixelBox(width: width, height: height)
                    #expect(box.x >= 0 && box.y >= 0 && box.x + box.width <= width && box.y + box.height <= height, "seed \(seed)")
                }
            }
        }
    }

    @Test func aWeightsFileThatIsNotMTCNNsIsAClearError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mtcnn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = try Data(contentsOf: URL(fileURLWithPath: MTCNN.weightsPath))
        let truncated = folder.appendingPathComponent("truncated.safetensors").path
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: truncated))
        var wrong = try SafeTensors.read(MTCNN.weightsPath)
        wrong.tensors["onet.dense5.weight"] = SafeTensors.Tensor(shape: [256, 100], values: [Float](repeating: 0, count: 25_600))
        let misshapen = folder.appendingPathComponent("misshapen.safetensors").path
        try wrong.write(misshapen)
        wrong.tensors["pnet.conv1.bias"] = nil
        let missing = folder.appendingPathComponent("missing.safetensors").path
        try wrong.write(missing)
        for (path, words) in [(truncated, "not readable safetensors"), (misshapen, "onet.dense5.weight has shape [256, 100]"),
                              (missing, "no tensor pnet.conv1.bias"), (folder.appendingPathComponent("none").path, "scripts/fetch-mtcnn")] {
            do {
                _ = try MTCNN(path: path)
                Issue.record("\(path) loaded")
            } catch let error as FerError {
                #expect(error.message.contains(words), "\(error.message)")
            }
        }
    }

    static func search(align: Bool = false) throws -> FaceSearch {
        var options = FaceOptions.defaults
        options.detector = .mtcnn
        options.minFace = 20
        options.align = align
        return try FaceSearch(options: options)
    }

    /// Each fixture picture pasted into a wider scene of stripes: each face is framed from its
    /// landmarks, so the crop taken in the scene, moved back by where the picture was pasted, is the
    /// crop taken in the picture alone: IoU at least 0.9 for every face, 0.95 on average (the
    /// landmarks move by a pixel or so with the pyramid's sampling of the larger picture).
    @Test func aFaceIsFramedTheSameInItsPictureAndInAWiderScene() throws {
        var search = try Self.search()
        search = try FaceSearch(detector: search.detector, minFace: search.minFace, allFaces: true)
        var overlaps: [Double] = []
        for number in [0, 1, 2, 3, 4, 5, 6, 7, 11] {
            let picture = try Self.planes(String(format: "picture%02d.png", number))
            let (width, height) = (picture[0].width, picture[0].height)
            let scene = (width: width + 400, height: height + 300), offset = (x: 173.0, y: 121.0)
            let planes = (0..<3).map { channel in
                var pixels = (0..<(scene.width * scene.height)).map { UInt8(60 + 40 * channel + (($0 % scene.width) / 9 % 2) * 90) }
                for y in 0..<height {
                    for x in 0..<width { pixels[(y + Int(offset.y)) * scene.width + x + Int(offset.x)] = picture[channel].pixels[y * width + x] }
                }
                return GrayImage(width: scene.width, height: scene.height, pixels: pixels)
            }
            let wide = try search.faces(in: planes).compactMap(\.frame)
            for alone in try search.faces(in: picture).compactMap(\.frame) {
                #expect(alone.method == .framed && alone.angle == 0)
                #expect(alone.detector == .mtcnn && alone.score.map { (0.8...1).contains($0) } == true, "\(alone)")
                // The scene's face nearest this one, moved back.
                let matched = try #require(wide.min { a, b in
                    hypot(Double(a.centreX) - offset.x - Double(alone.centreX), Double(a.centreY) - offset.y - Double(alone.centreY))
                        < hypot(Double(b.centreX) - offset.x - Double(alone.centreX), Double(b.centreY) - offset.y - Double(alone.centreY))
                })
                func span(_ centre: Float, _ side: Int, _ shift: Double) -> (Double, Double) {
                    (Double(centre) - shift - Double(side) / 2, Double(centre) - shift + Double(side) / 2)
                }
                let (ax, bx) = (span(alone.centreX, alone.side, 0), span(matched.centreX, matched.side, offset.x))
                let (ay, by) = (span(alone.centreY, alone.side, 0), span(matched.centreY, matched.side, offset.y))
                let inter = max(0, min(ax.1, bx.1) - max(ax.0, bx.0)) * max(0, min(ay.1, by.1) - max(ay.0, by.0))
                let overlap = inter / (Double(alone.side * alone.side + matched.side * matched.side) - inter)
                #expect(overlap >= 0.9, "picture \(number): \(alone) alone, \(matched) in the scene")
                overlaps.append(overlap)
            }
        }
        #expect(overlaps.count == 12 && overlaps.reduce(0, +) / Double(overlaps.count) >= 0.95, "\(overlaps)")
    }

    /// With --align the crop is turned level: the face the fixture turns by 25 degrees (counter-
    /// clockwise) and the one turned by -20 get turns of the opposite sign, within 5 degrees.
    @Test func alignTurnsTheCropByTheFacesTurn() throws {
        let search = try Self.search(align: true)
        for (number, turn) in [(2, 25.0), (3, -20.0), (0, 0.0)] {
            let frame = try #require(try search.faces(in: try Self.planes(String(format: "picture%02d.png", number))).first?.frame)
            #expect(frame.method == .aligned && abs(Double(frame.angle) * 180 / .pi + turn) < 5, "picture \(number): \(frame)")
        }
    }
}

