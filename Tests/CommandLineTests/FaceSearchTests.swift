import FERCore
import FERCuration
import FERData
import FERIngest
import FERMedia
import FERTestSupport
import Foundation
import Testing

/// `--faces`: faces searched in pictures that are not face crops, built here from the sample faces
/// (samples/faces.csv) pasted onto larger canvases: one face, two faces (the largest is kept), none,
/// a face at the border, tiny, large and corrupt pictures; `auto` deciding per source; partitioned runs
/// merging to the single run.
@Suite struct FaceSearchTests {
    let cli = CommandLineTests()

    /// The first sample faces (48x48 gray) and their labels.
    static let faces: [(label: String, pixels: [UInt8])] = {
        let text = try! String(contentsOf: CommandLineTests.repositoryRoot.appendingPathComponent("samples/faces.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().prefix(14).map { line in
            let fields = line.split(separator: ",")
            return (Emotion.names[Int(fields[0])!], fields[1].split(separator: " ").map { UInt8($0)! })
        }
    }()

    /// A PNG of a gray gradient with sample faces pasted, each grown to its side (bilinear).
    static func picture(width: Int, height: Int, faces: [(index: Int, x: Int, y: Int, side: Int)]) -> [UInt8] {
        var canvas = (0..<(width * height)).map { UInt8(90 + ($0 % width) * 40 / max(1, width)) }
        for face in faces {
            let scaled = GrayImage(width: 48, height: 48, pixels: Self.faces[face.index].pixels).resizedSquare(to: face.side)
            for y in 0..<face.side where face.y + y < height {
                for x in 0..<face.side where face.x + x < width {
                    canvas[(face.y + y) * width + face.x + x] = scaled.pixels[y * face.side + x]
                }
            }
        }
        return Fixtures.png(canvas, width: width, height: height)
    }

    /// Writes each file (a path under `root`, folders made as needed).
    static func write(_ files: [(name: String, bytes: [UInt8])], under root: URL) throws {
        for (name, bytes) in files {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(name).deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: root.appendingPathComponent(name))
        }
    }

    func ingest(_ arguments: [String], in folder: URL) throws -> (CommandLineTests.Run, [String: Any]?) {
        let run = try cli.ferdata(["ingest"] + arguments + ["--workspace", folder.appendingPathComponent("work").path, "--json"])
        let summary = run.status == 0 ? try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] : nil
        return (run, summary)
    }

    @Test func detectKeepsTheLargestFaceAndRejectsPicturesWithoutOne() throws {
        let folder = Fixtures.temporaryDirectory()
        let pictures = folder.appendingPathComponent("pictures")
        let files: [(String, [UInt8])] = [
            ("happy/one.png", Self.picture(width: 400, height: 300, faces: [(3, 120, 60, 160)])),
            ("sad/two.png", Self.picture(width: 480, height: 320, faces: [(4, 20, 40, 90), (11, 220, 60, 200)])),
            ("angry/none.png", Self.picture(width: 400, height: 300, faces: [])),
            ("fear/border.png", Self.picture(width: 400, height: 300, faces: [(2, 0, 0, 150)])),
            ("neutral/tiny.png", Self.picture(width: 30, height: 30, faces: [])),
            ("surprise/large.png", Self.picture(width: 1600, height: 1200, faces: [(5, 700, 500, 300)])),
            ("disgust/corrupt.png", Array(Self.picture(width: 400, height: 300, faces: [(1, 100, 50, 150)]).prefix(300))),
        ]
        try Self.write(files, under: pictures)
        let (run, summary) = try ingest([pictures.path, "--faces", "detect", "--detector", "haar"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let source = (summary?["sources"] as? [[String: Any]])?.first
        #expect(source?["faces"] as? String == "detect: --faces detect")
        #expect(source?["rejected"] as? [String: Int] == ["no-face": 2, "undecodable-image": 1])
        let dataset = try Workspace(root: folder.appendingPathComponent("work")).latest()
        let records = try dataset.allRecords()
        #expect(records.map { $0.sourceName } == ["fear/border.png", "happy/one.png", "sad/two.png", "surprise/large.png"])
        // The kept face of two.png is the larger one (sample face 11), not the smaller (4).
        func distance(_ a: [UInt8], _ b: [UInt8]) -> Int { zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) } }
        let two = records[2].pixels
        #expect(distance(two, Self.faces[11].pixels) < distance(two, Self.faces[4].pixels))
        // Each record keeps where its face was cut from its picture; recutting the picture reproduces it.
        let one = try #require(records[1].face)
        #expect(one.method == .detected && one.rank == 0 && one.angle == 0)
        #expect(one.detector == .haar && one.score == nil, "the Haar search names itself and gives no score")
        #expect(abs(one.box.x + one.box.width / 2 - 200) < 20 && abs(one.box.y + one.box.height / 2 - 140) < 20 && one.box.width > 100 && one.box.width < 170, "\(one)")
        #expect(one.side >= one.box.width && abs(Int(one.centreX) - (one.box.x + one.box.width / 2)) <= 2, "\(one)")
        let picture = try Data(contentsOf: pictures.appendingPathComponent("happy/one.png")).withUnsafeBytes { try ImageDecoder.decodeGray($0) }
        #expect(one.cut([picture])[0].resizedSquare(to: 48).pixels == records[1].pixels, "the frame recuts the record's face")
        let rejects = try String(contentsOf: dataset.directory.appendingPathComponent("rejects.csv"), encoding: .utf8)
        #expect(rejects.contains("no face of at least 48 px in the 400x300 picture"), "\(rejects)")
        #expect(rejects.contains("no face of at least 48 px in the 30x30 picture"), "\(rejects)")
    }

    @Test func allFacesKeepsEveryFaceOfAPictureAsItsOwnRecord() throws {
        let folder = Fixtures.temporaryDirectory()
        let pictures = folder.appendingPathComponent("pictures")
        try Self.write([("sad/two.png", Self.picture(width: 480, height: 320, faces: [(4, 20, 40, 90), (11, 220, 60, 200)])),
                        ("sad/one.png", Self.picture(width: 400, height: 300, faces: [(3, 120, 60, 160)]))], under: pictures)
        let (run, summary) = try ingest([pictures.path, "--faces", "detect", "--detector", "haar", "--all-faces"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let records = try Workspace(root: folder.appendingPathComponent("work")).latest().allRecords()
        #expect(summary?["records"] as? Int == 3 && records.map(\.sourceName) == ["sad/one.png", "sad/two.png", "sad/two.png"])
        #expect(records.map { $0.face?.rank } == [0, 0, 1] && Set(records.map(\.recordID)).count == 3)
        #expect(records[1].locator == records[2].locator && records.allSatisfy { $0.label == .sad })
        // Largest first: the 200 px face (sample 11), then the 90 px one (sample 4).
        #expect(records[1].face!.box.width > records[2].face!.box.width)
        func distance(_ a: [UInt8], _ b: [UInt8]) -> Int { zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) } }
        #expect(distance(records[2].pixels, Self.faces[4].pixels) < distance(records[2].pixels, Self.faces[11].pixels))
        let (largest, _) = try ingest([pictures.path, "--faces", "detect", "--detector", "haar"], in: folder.appendingPathComponent("b"))
        let kept = try Workspace(root: folder.appendingPathComponent("b/work")).latest().manifest.recordCount
        #expect(largest.status == 0 && kept == 2, "without --all-faces one record per picture")
    }

    @Test func autoSearchesLargePicturesOnlyAndBoxOrDetectOnWhatHasNoneAreErrors() throws {
        let folder = Fixtures.temporaryDirectory()
        let crops = folder.appendingPathComponent("crops"), scenes = folder.appendingPathComponent("scenes")
        for index in 0..<7 {
            let name = "\(Self.faces[index].label)/\(index).png"
            try Self.write([(name, Fixtures.png(Self.faces[index].pixels))], under: crops)
            try Self.write([(name, Self.picture(width: 320, height: 240, faces: [(index, 60, 40, 150)]))], under: scenes)
        }
        let (run, summary) = try ingest([crops.path, scenes.path, "--detector", "haar"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let decisions = (summary?["sources"] as? [[String: Any]])?.map { $0["faces"] as? String }
        #expect(decisions == ["none: the first picture is 48x48, a face crop already",
                              "detect: the first picture is 320x240, larger than a face crop (over 128 px)"])
        let box = try cli.ferdata(["ingest", scenes.path, "--faces", "box", "--workspace", folder.appendingPathComponent("w2").path])
        #expect(box.status == 1 && box.stderr.contains("faces box crops by a layout's boxes"), "\(box.stderr)")
        let csv = try cli.ferdata(["ingest", "samples/faces.csv", "--faces", "detect", "--detector", "haar", "--workspace", folder.appendingPathComponent("w3").path])
        #expect(csv.status == 1 && csv.stderr.contains("a FER2013 CSV holds 48x48 face crops"), "\(csv.stderr)")
        let small = try cli.ferdata(["ingest", scenes.path, "--min-face", "10", "--workspace", folder.appendingPathComponent("w4").path])
        #expect(small.status == 64 && small.stderr.contains("min-face must be 20 to 4096"), "\(small.stderr)")
    }

    @Test func partsWithFaceSearchMergeToTheSingleRun() throws {
        let folder = Fixtures.temporaryDirectory()
        let scenes = folder.appendingPathComponent("scenes")
        for index in 0..<14 {
            let faces = index % 5 == 4 ? [] : [(index, 30 + index * 7, 20 + index * 3, 100 + index * 6)]
            try Self.write([("\(Self.faces[index].label)/\(index).png", Self.picture(width: 360, height: 280, faces: faces))], under: scenes)
        }
        let single = folder.appendingPathComponent("single").path, parts = folder.appendingPathComponent("parts").path
        #expect(try cli.ferdata(["ingest", scenes.path, "--faces", "detect", "--detector", "haar", "--shard-size", "4", "-q", "--workspace", single]).status == 0)
        for part in 1...3 {
            let run = try cli.ferdata(["ingest", scenes.path, "--faces", "detect", "--detector", "haar", "--shard-size", "4", "-q", "--partition", "\(part)/3", "--workspace", parts])
            #expect(run.status == 0, "\(run.stderr)")
        }
        #expect(try cli.ferdata(["merge", "ingest", "--workspace", parts, "-q"]).status == 0)
        let datasets = try [single, parts].map { try Workspace(root: URL(fileURLWithPath: $0)).dataset("0001-ingest") }
        let records = try datasets.map { try $0.allRecords() }
        #expect(records[0] == records[1], "the merged parts' records, face frames included, are the single run's")
        #expect(records[0].allSatisfy { $0.face?.method == .detected })
        #expect(datasets[0].manifest.rejected == datasets[1].manifest.rejected && (datasets[0].manifest.rejected["no-face"] ?? 0) >= 2 && datasets[0].manifest.recordCount >= 7,
                "\(datasets[0].manifest.rejected)")
    }
}

extension FaceSearchTests {
    /// The turned crop alignment uses: no turn is a plain crop; a quarter turn maps rows onto columns.
    @Test func aRotatedCropSamplesAlongTheTurnedFrame() {
        let image = GrayImage(width: 8, height: 8, pixels: (0..<64).map { UInt8($0) })
        let plain = image.rotatedCrop(side: 4, origin: (x: 4, y: 4), anchor: (x: 2, y: 2), angle: 0)
        #expect(plain.pixels == image.cropped(x: 2, y: 2, width: 4, height: 4)!.pixels)
        let turned = image.rotatedCrop(side: 4, origin: (x: 4, y: 4), anchor: (x: 2, y: 2), angle: .pi / 2)
        // Output column u runs down the picture's rows, output row v runs leftwards along its columns.
        for v in 0..<4 {
            for u in 0..<4 { #expect(turned.pixels[v * 4 + u] == image.pixels[(2 + u) * 8 + (5 - v)], "u \(u) v \(v)") }
        }
    }

    @Test func alignKeepsEveryFoundFace() throws {
        let folder = Fixtures.temporaryDirectory()
        let scenes = folder.appendingPathComponent("scenes")
        for index in 0..<7 {
            try Self.write([("\(Self.faces[index].label)/\(index).png", Self.picture(width: 320, height: 240, faces: [(index, 80, 40, 160)]))], under: scenes)
        }
        let (plain, _) = try ingest([scenes.path, "--faces", "detect", "--detector", "haar"], in: folder.appendingPathComponent("a"))
        let (aligned, summary) = try ingest([scenes.path, "--faces", "detect", "--detector", "haar", "--align"], in: folder.appendingPathComponent("b"))
        #expect(plain.status == 0 && aligned.status == 0, "\(aligned.stderr)")
        let records = try Workspace(root: folder.appendingPathComponent("b/work")).latest().allRecords()
        #expect(summary?["records"] as? Int == records.count && records.count >= 5)
        #expect(try Workspace(root: folder.appendingPathComponent("a/work")).latest().manifest.recordCount == records.count)
    }
}

extension FaceSearchTests {
    @Test func showFacesDrawsTheFacesFoundInAFolder() throws {
        let folder = Fixtures.temporaryDirectory()
        let pictures = folder.appendingPathComponent("pictures")
        try Self.write([("a.png", Self.picture(width: 400, height: 300, faces: [(3, 120, 60, 160)])),
                        ("b.png", Self.picture(width: 400, height: 300, faces: [])), ("c.txt", Array("not a picture".utf8))], under: pictures)
        let sheet = folder.appendingPathComponent("faces.png")
        let run = try cli.ferdata(["show", "--faces", pictures.path, "--detector", "haar", "--align", "--out", sheet.path])
        #expect(run.status == 0 && run.stdout.contains("faces in 2 pictures"), "\(run.stdout)\(run.stderr)")
        let png = try Data(contentsOf: sheet)
        #expect(png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
        let csv = try cli.ferdata(["show", "--faces", "samples/faces.csv", "--out", sheet.path])
        #expect(csv.status == 1 && csv.stderr.contains("give a folder or an archive of pictures"), "\(csv.stderr)")
    }
}
