import FERCore
import FERMedia
import FERTestSupport
import Foundation
import Testing

@testable import FERCuration
@testable import FERData
@testable import FERIngest

/// The public FER datasets as they ship, each a miniature built here in its exact layout and file
/// formats (TIFF for JAFFE, PNG for CK+, JPEG for the others) with its real quirks: counts, labels,
/// splits, subjects, excluded labels and crop boxes, detected without `--layout` and forced with it.
@Suite struct LayoutTests {
    /// A `width` x `height` gray picture of value 30 with each box filled with its own value: a face
    /// cropped by its box is uniformly that value.
    static func picture(width: Int, height: Int, boxes: [(FaceBox, UInt8)] = []) -> [UInt8] {
        var pixels = [UInt8](repeating: 30, count: width * height)
        for (box, value) in boxes {
            for y in box.y..<(box.y + box.height) { for x in box.x..<(box.x + box.width) { pixels[y * width + x] = value } }
        }
        return pixels
    }

    /// Whether a cropped face is its box's value (JPEG rings a little at the box's edges).
    static func uniform(_ pixels: [UInt8], _ value: Int) -> Bool {
        let mean = Double(pixels.reduce(0) { $0 + Int($1) }) / Double(pixels.count)
        return abs(mean - Double(value)) < 3 && pixels.allSatisfy { abs(Int($0) - value) <= 16 }
    }

    static func write(_ files: [(String, [UInt8])], under root: URL) throws {
        for (path, bytes) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
    }

    func ingest(_ source: URL, layout: Layout? = nil, configure: (inout IngestOptions) -> Void = { _ in }) throws
        -> (IngestSummary, [FaceRecord]) {
        var options = IngestOptions()
        options.layout.layout = layout
        configure(&options)
        let workspace = Workspace(root: source.deletingLastPathComponent().appendingPathComponent("work-\(UUID().uuidString)"))
        let (dataset, summary) = try Ingestor(workspace: workspace, options: options).run([source.path])
        return (summary, try dataset.allRecords())
    }

    @Test func jaffeDottedNamesInTIFF() throws {
        let root = Fixtures.temporaryDirectory().appendingPathComponent("jaffe")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        let tiff = { (seed: Int) in ImageFiles.tiff(Fixtures.face(seed: seed), width: 48, height: 48, compression: .lzw) }
        try Self.write([("KA.AN1.39.tiff", tiff(1)), ("KA.HA2.41.tiff", tiff(2)), ("YM.NE1.50.tiff", tiff(3)),
                        ("YM.SU3.61.tiff", tiff(4)), ("README_FIRST.txt", Array("JAFFE".utf8))], under: root)
        #expect(Layout.detect(members: Ingestor.members(under: root)) == .jaffe)
        let (summary, records) = try ingest(root)
        #expect(summary.sources[0].layout == "jaffe")
        #expect(records.map(\.label) == [.angry, .happy, .neutral, .surprise])
        #expect(records.allSatisfy { $0.split == .train } && records[0].pixels == Fixtures.face(seed: 1))
        #expect(records.map(\.subject) == ["KA", "KA", "YM", "YM"])
        #expect(summary.sources[0].rejected == ["not-an-image": 1])
        #expect(JaffeKdefNames.jaffe("KA.AN1.39.tiff") == .init(label: .emotion(.angry), subject: "KA", angle: nil))
        #expect(JaffeKdefNames.jaffe("YM.NE1.50.tiff")?.subject == "YM" && JaffeKdefNames.jaffe("KA.XX1.39.tiff") == nil)
        // Forced to class folders, nothing has a class: a clear error, not zeros.
        #expect(throws: FerError.self) { try ingest(root, layout: .folders) }
    }

    @Test func kdefFrontFacingByDefaultAndAnglesOnRequest() throws {
        let root = Fixtures.temporaryDirectory().appendingPathComponent("KDEF")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        let jpeg = { (seed: Int) in
            Fixtures.jpeg((0..<(56 * 76)).map { UInt8(truncatingIfNeeded: $0 * seed / 7) }, width: 56, height: 76)
        }
        try Self.write([("AF01/AF01ANS.JPG", jpeg(1)), ("AF01/AF01ANHL.JPG", jpeg(2)), ("AF01/AF01AFFR.JPG", jpeg(3)),
                        ("BM12/BM12SUS.JPG", jpeg(4)), ("BM12/BM12DIS.JPG", jpeg(5))], under: root)
        #expect(Layout.detect(members: Ingestor.members(under: root)) == .kdef)
        let (summary, records) = try ingest(root)
        #expect(Set(records.map(\.label)) == [.angry, .surprise, .disgust] && records.count == 3)
        #expect(summary.sources[0].rejected == ["excluded-view": 2] && summary.sources[0].layout == "kdef")
        let (_, more) = try ingest(root, layout: .kdef) { $0.layout.kdefAngles = ["S", "HL", "FR"] }
        #expect(more.count == 5 && more.contains { $0.label == .fear })
        #expect(Set(more.compactMap(\.subject)) == ["F01", "M12"] && more.allSatisfy { $0.subject != nil })
        #expect(JaffeKdefNames.kdef("AF01AFFR.JPG") == .init(label: .emotion(.fear), subject: "F01", angle: "FR"))
        #expect(JaffeKdefNames.kdef("BM12SUS.JPG")?.subject == "M12" && JaffeKdefNames.kdef("CF01ANS.JPG") == nil)
    }

    @Test func rafdbAlignedNamesSplitsAndAMissingImage() throws {
        let root = Fixtures.temporaryDirectory().appendingPathComponent("basic")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        let list = "train_00001.jpg 5\ntrain_00002.jpg 1\ntest_0001.jpg 7\r\ntest_0002.jpg 4\n"
        let jpeg = { (seed: Int) in Fixtures.jpeg(Fixtures.face(seed: seed)) }
        try Self.write([("EmoLabel/list_patition_label.txt", Array(list.utf8)),
                        ("Image/aligned/train_00001_aligned.jpg", jpeg(1)), ("Image/aligned/train_00002_aligned.jpg", jpeg(2)),
                        ("Image/aligned/test_0001_aligned.jpg", jpeg(3)),
                        ("Image/original/train_00001.jpg", jpeg(9))], under: root)
        let (summary, records) = try ingest(root)
        #expect(summary.sources[0].layout == "raf-db")
        #expect(records.map(\.label) == [.sad, .surprise, .neutral] && records.map(\.split) == [.train, .train, .test])
        #expect(records.map(\.sourceName) == ["Image/aligned/train_00001_aligned.jpg", "Image/aligned/train_00002_aligned.jpg",
                                              "Image/aligned/test_0001_aligned.jpg"])
        #expect(records.map(\.locator) == [1, 2, 3])
        #expect(summary.sources[0].rejected == ["missing-image": 1])

        // The list without its images: every face rejected, and so an error naming why.
        try FileManager.default.removeItem(at: root.appendingPathComponent("Image"))
        #expect { try ingest(root) } throws: { ($0 as? FerError)?.message.contains("0 of 4 records read: 4 missing-image") == true }
        // The images without their list, forced: a one-line error.
        try FileManager.default.removeItem(at: root.appendingPathComponent("EmoLabel"))
        try Self.write([("Image/aligned/train_00001_aligned.jpg", jpeg(1))], under: root)
        #expect { try ingest(root, layout: .rafdb) } throws: { ($0 as? FerError)?.code == .sourceMissing }
    }

    @Test func affectnetBoxesLandmarksAndCodesSevenToTen() throws {
        let root = Fixtures.temporaryDirectory().appendingPathComponent("AffectNet")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        let happy = FaceBox(x: 20, y: 10, width: 96, height: 96), angry = FaceBox(x: 40, y: 30, width: 60, height: 60)
        let header = "subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal\n"
        let landmarks = "\"21.5;40.2;22.8;52.9;25.1;65.3\""
        let training = header + "101/a.jpg,20,10,96,96,\(landmarks),1,0.78,0.21\n"
            + "101/b.jpg,0,0,50,50,\(landmarks),7,-0.2,0.3\n" + "101/b.jpg,0,0,50,50,1.0;2.0,10,-2,-2\n"
        let validation = header + "102/c.jpg,40,30,60,60,\(landmarks),6,-0.5,0.7\n" + "102/c.jpg,40,30,60,60,\(landmarks),8,0,0\n"
        try Self.write([
            ("training.csv", Array(training.utf8)), ("validation.csv", Array(validation.utf8)),
            ("Manually_Annotated_Images/101/a.jpg", Fixtures.jpeg(Self.picture(width: 160, height: 120, boxes: [(happy, 220)]), width: 160, height: 120)),
            ("Manually_Annotated_Images/101/b.jpg", Fixtures.jpeg(Fixtures.face(seed: 1))),
            ("Manually_Annotated_Images/102/c.jpg", Fixtures.jpeg(Self.picture(width: 120, height: 100, boxes: [(angry, 120)]), width: 120, height: 100)),
        ], under: root)
        let (summary, records) = try ingest(root)
        #expect(summary.sources[0].layout == "affectnet")
        #expect(records.map(\.label) == [.happy, .angry] && records.map(\.split) == [.train, .test])
        #expect(Self.uniform(records[0].pixels, 220), "the happy face is its box, cropped")
        #expect(Self.uniform(records[1].pixels, 120), "the angry face is its box, cropped")
        #expect(summary.sources[0].excludedLabels == ["contempt": 1, "non-face": 1, "none": 1])
        #expect(records.map(\.valence) == [0.78, -0.5] && records.map(\.arousal) == [0.21, 0.7] && records[0].subject == nil)
        #expect(summary.sources[0].rejected == ["excluded-label": 3])
        #expect(records.map(\.face) == [FaceFrame(method: .listed, box: happy), FaceFrame(method: .listed, box: angry)], "each record keeps its list's box")
    }

    @Test func expwSeveralFacesPerImage() throws {
        let root = Fixtures.temporaryDirectory().appendingPathComponent("ExpW")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        let left = FaceBox(x: 10, y: 20, width: 70, height: 70), right = FaceBox(x: 120, y: 40, width: 50, height: 50)
        // image face top left right bottom confidence label
        let list = "party_1.jpg 0 20 10 80 90 71.2 3\nparty_1.jpg 1 40 120 170 90 52.0 0\nalone_2.jpg 0 0 0 48 48 80.1 6\n"
            + "party_1.jpg 2 500 500 560 560 12.0 4\n"
        try Self.write([
            ("label/label.lst", Array(list.utf8)),
            ("image/origin/party_1.jpg", Fixtures.jpeg(Self.picture(width: 200, height: 120, boxes: [(left, 200), (right, 90)]), width: 200, height: 120)),
            ("image/origin/alone_2.jpg", Fixtures.jpeg(Fixtures.face(seed: 2))),
        ], under: root)
        let (summary, records) = try ingest(root)
        #expect(summary.sources[0].layout == "expw")
        #expect(records.map(\.label) == [.happy, .angry, .neutral] && records.map(\.locator) == [1, 2, 3])
        #expect(Self.uniform(records[0].pixels, 200) && Self.uniform(records[1].pixels, 90))
        #expect(summary.sources[0].rejected == ["bad-box": 1])
    }

    @Test func ckplusPeakFramesNeutralFirstFramesAndContempt() throws {
        let root = Fixtures.temporaryDirectory().appendingPathComponent("CK+")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        var files: [(String, [UInt8])] = []
        for (sequence, frames) in [("S005/001", 6), ("S010/002", 5), ("S011/001", 4)] {
            let stem = sequence.replacingOccurrences(of: "/", with: "_")
            for frame in 1...frames {
                let name = String(format: "cohn-kanade-images/%@/%@_%08d.png", sequence, stem, frame)
                files.append((name, Fixtures.png(Fixtures.face(seed: frame + 10 * frames))))
            }
        }
        files.append(("Emotion/S005/001/S005_001_00000006_emotion.txt", Array("   3.0000000e+00\n".utf8)))
        files.append(("Emotion/S010/002/S010_002_00000005_emotion.txt", Array("   2.0000000e+00\n".utf8)))
        try Self.write(files, under: root)
        let (summary, records) = try ingest(root)
        #expect(summary.sources[0].layout == "ck+")
        #expect(records.map(\.label) == [.neutral, .disgust, .disgust, .disgust, .neutral])
        #expect(records.map(\.sourceName) == [
            "cohn-kanade-images/S005/001/S005_001_00000001.png", "cohn-kanade-images/S005/001/S005_001_00000004.png",
            "cohn-kanade-images/S005/001/S005_001_00000005.png", "cohn-kanade-images/S005/001/S005_001_00000006.png",
            "cohn-kanade-images/S010/002/S010_002_00000001.png",
        ])
        #expect(summary.sources[0].excludedLabels == ["contempt": 3])
        #expect(records.map(\.subject) == ["S005", "S005", "S005", "S005", "S010"])
        let faces = try CKPlusList.faces(root: root, members: Ingestor.members(under: root), peakFrames: 1)
        #expect(faces.map { if case .face(let face) = $0 { face.subject } else { nil } } == ["S005", "S005", "S010", "S010"] as [String?])
        let (_, one) = try ingest(root) { $0.layout.peakFrames = 1 }
        #expect(one.count == 3)
    }

    /// Ingests and returns the rejects as (file name, line, reason) besides the summary and records.
    func ingestWithRejects(_ source: URL, configure: (inout IngestOptions) -> Void = { _ in }) throws
        -> (IngestSummary, [FaceRecord], [(file: String, line: Int?, reason: String, detail: String)]) {
        var options = IngestOptions()
        configure(&options)
        let workspace = Workspace(root: source.deletingLastPathComponent().appendingPathComponent("work-\(UUID().uuidString)"))
        let (dataset, summary) = try Ingestor(workspace: workspace, options: options).run([source.path])
        let table = try CSVTable(path: dataset.directory.appendingPathComponent("rejects.csv").path)
        let rejects = table.rows.map { row in
            (file: URL(fileURLWithPath: row[0]).lastPathComponent + (row[1].isEmpty ? "" : ":" + row[1]), line: Int(row[2]), reason: row[3], detail: row[4])
        }
        return (summary, try dataset.allRecords(), rejects)
    }

    /// A CK+ emotion file holding a value that parses as a number but is no label (too large for an
    /// integer, infinite, not a number, fractional) is that sequence's bad-list-line reject naming the
    /// file, not a crash; the other sequences are read; `--strict` stops at it.
    @Test func ckplusLabelsThatAreNoIntegerAreRejectsNotCrashes() throws {
        for text in ["1e400", "inf", "-inf", "nan", "1e19", "-9.3e18", "2.5"] {
            let root = Fixtures.temporaryDirectory().appendingPathComponent("CK+")
            defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
            try Self.write([("cohn-kanade-images/S005/001/S005_001_00000001.png", Fixtures.png(Fixtures.face(seed: 1))),
                            ("cohn-kanade-images/S005/001/S005_001_00000002.png", Fixtures.png(Fixtures.face(seed: 2))),
                            ("cohn-kanade-images/S006/001/S006_001_00000001.png", Fixtures.png(Fixtures.face(seed: 3))),
                            ("cohn-kanade-images/S006/001/S006_001_00000002.png", Fixtures.png(Fixtures.face(seed: 4))),
                            ("Emotion/S005/001/S005_001_00000002_emotion.txt", Array("   \(text)\n".utf8)),
                            ("Emotion/S006/001/S006_001_00000002_emotion.txt", Array("   5.0000000e+00\n".utf8))], under: root)
            let (summary, records, rejects) = try ingestWithRejects(root)
            #expect(records.map(\.label) == [.neutral, .happy], "\(text)")
            #expect(rejects.count == 1 && rejects[0].file == "S005_001_00000002_emotion.txt" && rejects[0].line == 1
                    && rejects[0].reason == "bad-list-line" && rejects[0].detail.contains("expected one label 0-7"), "\(text): \(rejects)")
            #expect(summary.records == 2 && summary.rejected == 1)
            let error = #expect(throws: FerError.self, "\(text)") { try self.ingest(root) { $0.strict = true } }
            #expect(error?.code == .strictReject && error?.location?.source.hasSuffix("_emotion.txt") == true, "\(text)")
        }
    }

    /// A list's box value no picture could hold (Int.max, Int.min) is that line's bad-list-line reject,
    /// not an integer overflow in the crop: a manifest, an AffectNet list and an ExpW list.
    @Test func boxValuesPastAnyPictureAreRejectsNotCrashes() throws {
        let huge = String(Int.max), tiny = String(Int.min)
        let header = "subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal\n"
        let cases: [(name: String, files: [(String, [UInt8])], line: Int)] = [
            ("mine", [("manifest.csv", Array("path,label,x,y,w,h\na.png,happy,\(huge),0,10,10\na.png,sad,0,0,40,40\n".utf8)),
                      ("a.png", Fixtures.png(Fixtures.face(seed: 1)))], 2),
            ("AffectNet", [("training.csv", Array((header + "101/a.jpg,0,0,\(huge),\(huge),1;2,1,0,0\n101/a.jpg,0,0,40,40,1;2,2,0,0\n").utf8)),
                           ("validation.csv", Array(header.utf8)),
                           ("Manually_Annotated_Images/101/a.jpg", Fixtures.jpeg(Fixtures.face(seed: 1)))], 2),
            ("ExpW", [("label/label.lst", Array("a.jpg 0 0 \(tiny) \(huge) 10 50.0 3\na.jpg 1 0 0 40 40 50.0 4\n".utf8)),
                      ("image/origin/a.jpg", Fixtures.jpeg(Fixtures.face(seed: 1)))], 1),
        ]
        for (name, files, line) in cases {
            let root = Fixtures.temporaryDirectory().appendingPathComponent(name)
            defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
            try Self.write(files, under: root)
            let (_, records, rejects) = try ingestWithRejects(root)
            #expect(records.count == 1, "\(name)")
            #expect(rejects.count == 1 && rejects[0].line == line && rejects[0].reason == "bad-list-line"
                    && rejects[0].detail.contains("pixels"), "\(name): \(rejects)")
        }
    }

    /// A box mostly outside its image (under half its area inside) is a bad-box reject, not a strip
    /// stretched to a face; a box a little past the edge is cropped to the part inside, as before.
    @Test func aBoxMostlyOutsideItsImageIsABadBox() throws {
        let root = Fixtures.temporaryDirectory().appendingPathComponent("AffectNet")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        let header = "subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal\n"
        let rows = ["101/a.png,-38,0,40,40,,1,0,0", "101/a.png,-8,0,40,40,,2,0,0", "101/a.png,30,30,40,40,,3,0,0", "101/a.png,60,2,40,40,,4,0,0"]
        try Self.write([("training.csv", Array((header + rows.joined(separator: "\n") + "\n").utf8)),
                        ("Manually_Annotated_Images/101/a.png", Fixtures.png(Self.picture(width: 64, height: 64), width: 64, height: 64))], under: root)
        let (_, records, rejects) = try ingestWithRejects(root)
        #expect(records.map(\.label) == [.sad, .surprise], "80% and 72% inside are cropped to the part inside")
        #expect(rejects.map(\.reason) == ["bad-box", "bad-box"] && rejects.map(\.line) == [2, 5], "\(rejects)")
        #expect(rejects[0].detail.contains("5% of its area inside the 64x64 image"), "\(rejects[0].detail)")
    }

    /// In every list layout a line that is not a face is a bad-list-line reject with its file and
    /// line, and the lines after it are read; --strict stops at it with the same location.
    @Test func aBadLineInEachListLayoutIsARejectAndTheRestIsRead() throws {
        let face = Fixtures.png(Fixtures.face(seed: 5)), jpeg = Fixtures.jpeg(Fixtures.face(seed: 6))
        let affectHeader = "subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal\n"
        let cases: [(name: String, files: [(String, [UInt8])], list: String, line: Int)] = [
            ("mine", [("manifest.csv", Array("path,label\na.png,happy,extra\na.png,sad\n".utf8)), ("a.png", face)], "manifest.csv", 2),
            ("AffectNet", [("training.csv", Array((affectHeader + "101/a.jpg,0,0,x,40,1;2,1,0,0\n101/a.jpg,0,0,40,40,1;2,2,0,0\n").utf8)),
                           ("Manually_Annotated_Images/101/a.jpg", jpeg)], "training.csv", 2),
            ("ExpW", [("label/label.lst", Array("a.jpg 0 0 0 40\na.jpg 1 0 0 40 40 50.0 4\n".utf8)), ("image/origin/a.jpg", jpeg)],
             "label.lst", 1),
            ("RAF-DB", [("EmoLabel/list_patition_label.txt", Array("train_00001.jpg 9\ntrain_00002.jpg 4\n".utf8)),
                        ("Image/original/train_00002.jpg", jpeg)], "list_patition_label.txt", 1),
            ("CK+", [("Emotion/S005/001/S005_001_00000002_emotion.txt", Array("happy\n".utf8)),
                     ("Emotion/S006/001/S006_001_00000002_emotion.txt", Array("5\n".utf8)),
                     ("cohn-kanade-images/S006/001/S006_001_00000001.png", face),
                     ("cohn-kanade-images/S006/001/S006_001_00000002.png", face)], "S005_001_00000002_emotion.txt", 1),
        ]
        for (name, files, list, line) in cases {
            let root = Fixtures.temporaryDirectory().appendingPathComponent(name)
            defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
            try Self.write(files, under: root)
            let (summary, records, rejects) = try ingestWithRejects(root)
            #expect(records.count >= 1, "\(name)")
            #expect(rejects.map(\.reason) == ["bad-list-line"] && rejects[0].file == list && rejects[0].line == line, "\(name): \(rejects)")
            #expect(summary.rejected == 1, "\(name)")
            let error = #expect(throws: FerError.self, "\(name)") { try self.ingest(root) { $0.strict = true } }
            #expect(error?.code == .strictReject && error?.location?.line == line
                    && error?.location?.source.hasSuffix(list) == true, "\(name): \(String(describing: error))")
        }
    }

    /// Every entry of a source folder is accounted for: a link to a picture inside the folder is
    /// ingested, a link leading out is outside-source, a link to nothing unreadable-entry, a link to a
    /// folder, a FIFO and a socket special-file; the FIFO is never opened (the ingest would block).
    @Test(.timeLimit(.minutes(1))) func linksAndSpecialFilesInAFolderAreCountedNeverOpened() throws {
        let top = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: top) }
        let root = top.appendingPathComponent("faces")
        try Self.write([("happy/a.png", Fixtures.png(Fixtures.face(seed: 1))), ("sad/b.png", Fixtures.png(Fixtures.face(seed: 2)))], under: root)
        try Self.write([("outside.png", Fixtures.png(Fixtures.face(seed: 3)))], under: top)
        let files = FileManager.default
        try files.createSymbolicLink(atPath: root.appendingPathComponent("happy/inside.png").path, withDestinationPath: "../sad/b.png")
        try files.createSymbolicLink(atPath: root.appendingPathComponent("happy/out.png").path, withDestinationPath: top.appendingPathComponent("outside.png").path)
        try files.createSymbolicLink(atPath: root.appendingPathComponent("happy/dangling.png").path, withDestinationPath: "nothing.png")
        try files.createSymbolicLink(atPath: root.appendingPathComponent("sad/folder").path, withDestinationPath: "../happy")
        #expect(mkfifo(root.appendingPathComponent("sad/fifo.png").path, 0o644) == 0)
        let socketPath = root.appendingPathComponent("sad/socket.png").path
        let socketDescriptor = Fixtures.unixSocket(at: socketPath)
        defer { close(socketDescriptor) }
        let (summary, records, rejects) = try ingestWithRejects(root)
        #expect(records.map(\.sourceName).sorted() == ["happy/a.png", "happy/inside.png", "sad/b.png"])
        let reasons = Dictionary(uniqueKeysWithValues: rejects.map { ($0.file.split(separator: ":").last.map(String.init) ?? "", $0.reason) })
        #expect(reasons == ["happy/out.png": "outside-source", "happy/dangling.png": "unreadable-entry", "sad/folder": "special-file",
                            "sad/fifo.png": "special-file", "sad/socket.png": "special-file"], "\(rejects)")
        #expect(summary.records + summary.rejected == 8)
        // --allow-outside follows the link leading out.
        let (_, allowed, _) = try ingestWithRejects(root) { $0.allowOutside = true }
        #expect(allowed.map(\.sourceName).contains("happy/out.png"))
    }

    /// Every entry of a tar or zip is accounted for: hard links (GNU tar's entry for a second name of a
    /// file), symbolic links, FIFOs and devices are refused with their reason, never followed; folders
    /// are no entries. The summary's counts add up to the entries. (Zip has no hard links, and
    /// libarchive's zip writer refuses FIFOs and devices: the zip case holds links.)
    @Test(.timeLimit(.minutes(1))) func linksAndSpecialEntriesInArchivesAreCounted() throws {
        for zip in [false, true] {
            let folder = Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: folder) }
            let archive = folder.appendingPathComponent(zip ? "faces.zip" : "faces.tar")
            var entries: [Fixtures.ArchiveEntry] = [
                .folder("happy/"), .file("happy/a.png", Fixtures.png(Fixtures.face(seed: 1))),
                .symbolicLink("happy/b.png", to: "a.png"), .symbolicLink("happy/c.png", to: "/etc/passwd"),
            ]
            if !zip {
                entries += [.hardLink("happy/d.png", to: "happy/a.png"), .special("happy/e.png", type: S_IFIFO),
                            .special("happy/f.png", type: S_IFCHR), .special("happy/g.png", type: S_IFBLK)]
            }
            Fixtures.writeArchive(zip: zip, to: archive, entries: entries)
            let (summary, records, rejects) = try ingestWithRejects(archive)
            #expect(records.map(\.sourceName) == ["happy/a.png"])
            let expected = zip ? ["archive-link", "archive-link"]
                : ["archive-link", "archive-link", "archive-link", "special-file", "special-file", "special-file"]
            #expect(rejects.map(\.reason) == expected, "zip \(zip): \(rejects)")
            #expect(summary.records + summary.rejected == entries.count - 1, "zip \(zip)")
        }
    }

    /// A manifest given as a file and the same manifest inside its folder agree: an absolute path, a
    /// ../ path and a path through a link leading out are outside-source rejects (nothing is opened),
    /// a FIFO is a special-file reject; --allow-outside reads the outside picture.
    @Test(.timeLimit(.minutes(1))) func aManifestCannotLeadOutOfItsFolder() throws {
        let top = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: top) }
        let root = top.appendingPathComponent("mine")
        let manifest = "path,label\na.png,happy\n../outside.png,sad\n/etc/passwd,sad\n/proc/self/environ,sad\nlinked/outside.png,sad\nfifo.png,sad\n"
        try Self.write([("manifest.csv", Array(manifest.utf8)), ("a.png", Fixtures.png(Fixtures.face(seed: 1)))], under: root)
        try Self.write([("outside.png", Fixtures.png(Fixtures.face(seed: 2)))], under: top)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("linked").path, withDestinationPath: top.path)
        #expect(mkfifo(root.appendingPathComponent("fifo.png").path, 0o644) == 0)
        for source in [root, root.appendingPathComponent("manifest.csv")] {
            let (_, records, rejects) = try ingestWithRejects(source)
            #expect(records.map(\.sourceName) == ["a.png"])
            #expect(rejects.map(\.reason) == ["outside-source", "outside-source", "outside-source", "outside-source", "special-file"],
                    "\(source.lastPathComponent): \(rejects)")
            #expect(rejects.map(\.line) == [3, 4, 5, 6, 7])
        }
        let (_, allowed, _) = try ingestWithRejects(root.appendingPathComponent("manifest.csv")) { $0.allowOutside = true }
        #expect(allowed.map(\.sourceName) == ["a.png", "../outside.png", "linked/outside.png"])
    }

    /// A list written with a UTF-8 byte-order mark (as spreadsheet programs save CSV) reads as the
    /// same list without it: a manifest's header, RAF-DB's first name.
    @Test func aByteOrderMarkIsReadAsOne() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let root = Fixtures.temporaryDirectory().appendingPathComponent("mine")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        try Self.write([("manifest.csv", bom + Array("path,label\na.png,happy\n".utf8)), ("a.png", Fixtures.png(Fixtures.face(seed: 1)))], under: root)
        #expect(try ingest(root.appendingPathComponent("manifest.csv")).1.map(\.label) == [.happy])
        #expect(try ingest(root).1.map(\.label) == [.happy])
        let raf = Fixtures.temporaryDirectory().appendingPathComponent("RAF-DB")
        defer { try? FileManager.default.removeItem(at: raf.deletingLastPathComponent()) }
        try Self.write([("EmoLabel/list_patition_label.txt", bom + Array("train_00001.jpg 4\n".utf8)),
                        ("Image/original/train_00001.jpg", Fixtures.jpeg(Fixtures.face(seed: 2)))], under: raf)
        #expect(try ingest(raf).1.map(\.label) == [.happy])
    }

    @Test func aManifestForEverythingElse() throws {
        let root = Fixtures.temporaryDirectory().appendingPathComponent("mine")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        let box = FaceBox(x: 8, y: 8, width: 40, height: 40)
        let manifest = "path,label,split,subject,x,y,w,h\nphotos/a.png,happy,test,p1,8,8,40,40\nphotos/b.jpg,4,,p2,,,,\n"
            + "\"photos/c, d.png\",contempt,train,p1,,,,\nphotos/missing.png,sad,train,p3,,,,\n"
        try Self.write([("manifest.csv", Array(manifest.utf8)),
                        ("photos/a.png", Fixtures.png(Self.picture(width: 64, height: 64, boxes: [(box, 180)]), width: 64, height: 64)),
                        ("photos/b.jpg", Fixtures.jpeg(Fixtures.face(seed: 4))),
                        ("photos/c, d.png", Fixtures.png(Fixtures.face(seed: 5)))], under: root)
        for source in [root, root.appendingPathComponent("manifest.csv")] {
            let (summary, records) = try ingest(source)
            #expect(summary.sources[0].layout == "manifest")
            #expect(records.map(\.label) == [.happy, .sad] && records.map(\.split) == [.test, .train])
            #expect(records.map(\.subject) == ["p1", "p2"])
            #expect(Self.uniform(records[0].pixels, 180))
            #expect(summary.sources[0].rejected == ["excluded-label": 1, "missing-image": 1])
            #expect(summary.sources[0].excludedLabels == ["contempt": 1])
        }
        #expect(Ingestor.SourceKind.manifest == (try Ingestor.kind(of: root.appendingPathComponent("manifest.csv").path)))
    }

    /// A listed layout inside an archive is not read from it: nothing is read, and the error says to unpack.
    @Test func aListedLayoutInAnArchiveSaysToUnpackIt() throws {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let zip = folder.appendingPathComponent("basic.zip")
        Fixtures.writeArchive(.zip, to: zip, entries: [("basic/EmoLabel/list_patition_label.txt", Array("train_00001.jpg 5\n".utf8)),
                                                       ("basic/Image/aligned/train_00001_aligned.jpg", Fixtures.jpeg(Fixtures.face(seed: 1)))])
        #expect { try ingest(zip) } throws: { ($0 as? FerError)?.message.contains("unpack it and ingest the folder") == true }
        #expect { try ingest(zip, layout: .rafdb) } throws: { ($0 as? FerError)?.message.contains("unpack the archive") == true }
    }

    /// Split keeps each person on one side, and cross-validation folds keep each person in one fold
    /// (subjects from JAFFE, KDEF and CK+ file names); dedup does not group by person.
    @Test func splitAndFoldsKeepAPersonTogether() throws {
        let codes = ["AN", "DI", "FE", "HA", "NE", "SA", "SU"]
        var records: [FaceRecord] = []
        for subject in 0..<10 {
            let name = String(UnicodeScalar(UInt8(65 + subject))) + "Z"
            for (c, code) in codes.enumerated() {
                records.append(FaceRecord(pixels: Fixtures.face(seed: 100 * subject + c), label: Emotion(rawValue: UInt8(c))!, split: .train,
                                          sourceName: "jaffe/\(name).\(code)1.\(subject * 10 + c).tiff"))
            }
        }
        #expect(SubjectKey.of("jaffe/KA.AN1.39.tiff") == "KA" && SubjectKey.of("x/S005_001_00000011.png") == "S005")
        #expect(SubjectKey.of("AF01/AF01ANS.JPG") == "F01" && SubjectKey.of("train/happy/Training_12.jpg") == nil)
        var options = StratifiedSplit.Options()
        options.valFraction = 0.2
        let (split, _) = try StratifiedSplit(options: options).run(records)
        var sides: [String: Set<Split>] = [:]
        for record in split { sides[SubjectKey.of(record.sourceName)!, default: []].insert(record.split) }
        #expect(sides.values.allSatisfy { $0.count == 1 } && sides.values.contains([.val]) && sides.values.contains([.train]))
        let folds = CrossValidationFolds.assign(records, folds: 3, seed: 1)
        var foldsOf: [String: Set<Int>] = [:]
        for (record, fold) in zip(records, folds) { foldsOf[SubjectKey.of(record.sourceName)!, default: []].insert(fold) }
        #expect(foldsOf.values.allSatisfy { $0.count == 1 } && Set(folds).count == 3)
    }
}
