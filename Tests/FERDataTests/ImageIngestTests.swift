import FERCore
import FERTestSupport
import Foundation
import Testing

@testable import FERCuration
@testable import FERData
@testable import FERIngest

@Suite struct ImageIngestTests {
    /// The Kaggle layout with synonyms, colour and odd sizes, plus everything that must be rejected.
    static func entries() -> [(String, [UInt8])] {
        let big = (0..<(96 * 64 * 3)).map { UInt8(truncatingIfNeeded: $0 * 7) }
        var corrupt = Fixtures.jpeg(Fixtures.face(seed: 5))
        corrupt.removeLast(corrupt.count / 2)
        return [
            ("fer/train/angry/Training_1.jpg", Fixtures.jpeg(Fixtures.face(seed: 1))),
            ("fer/train/Happiness/Training_2.png", Fixtures.png(Fixtures.face(seed: 2))),
            ("fer/test/sadness/PublicTest_3.png", Fixtures.png(Fixtures.face(seed: 3))),
            ("fer/test/surprised/PrivateTest_4.jpg", Fixtures.jpeg(big, width: 96, height: 64, channels: 3)),
            ("fer/validation/fearful/x.png", Fixtures.png(Fixtures.face(seed: 6))),
            ("fer/train/contempt/Training_5.png", Fixtures.png(Fixtures.face(seed: 7))),
            ("fer/train/disgust/Training_6.jpg", corrupt),
            ("fer/README.txt", Array("not a face".utf8)),
            ("fer/train/neutral/fake.jpg", Array("GIF89a".utf8)),
        ]
    }

    func check(_ summary: IngestSummary, _ dataset: Dataset) throws {
        #expect(summary.records == 5)
        #expect(summary.rejected == 4)
        let rejected = summary.sources[0].rejected
        #expect(rejected == ["unknown-label": 1, "undecodable-image": 1, "not-an-image": 2])
        #expect(summary.sources[0].unknownLabels == ["contempt": 1])
        let records = try dataset.allRecords()
        #expect(records.map(\.label) == [.angry, .happy, .sad, .surprise, .fear])
        #expect(records.map(\.split) == [.train, .train, .test, .test, .val])
        #expect(records.map(\.usage) == [.training, .training, .publicTest, .privateTest, .unspecified])
        #expect(records[1].pixels == Fixtures.face(seed: 2))
        #expect(records[1].sourceName == "fer/train/Happiness/Training_2.png")
    }

    @Test(arguments: ArchiveWriter.Format.allCases)
    func everyArchiveFormatAndTheKaggleLayout(format: ArchiveWriter.Format) throws {
        let directory = Fixtures.temporaryDirectory()
        let file = directory.appendingPathComponent("faces." + format.fileExtension)
        Fixtures.writeArchive(format, to: file, entries: Self.entries())
        let (dataset, summary) = try Ingestor(workspace: Workspace(root: directory.appendingPathComponent("w"))).run([file.path])
        #expect(summary.sources[0].kind == "archive")
        try check(summary, dataset)
    }

    /// TIFF, WebP and BMP files are read by their bytes, whatever their names say.
    @Test func tiffWebPAndBMPAreIngestedByContentNotName() throws {
        let directory = Fixtures.temporaryDirectory()
        let face = Fixtures.face(seed: 12)
        let entries: [(String, [UInt8])] = [
            ("jaffe/angry/KA.AN1.39.tiff", ImageFiles.tiff(face, width: 48, height: 48, compression: .lzw)),
            ("jaffe/happy/KA.HA1.29.tif", ImageFiles.tiff(face, width: 48, height: 48, pixels: .gray(bits: 16), bigEndian: true)),
            ("web/sad/photo.webp", ImageFiles.webp(face, width: 48, height: 48)),
            ("web/neutral/scan.bmp", ImageFiles.bmp(face, width: 48, height: 48, bits: 8)),
            ("web/surprise/misnamed.jpg", ImageFiles.webp(face, width: 48, height: 48)),
        ]
        let file = directory.appendingPathComponent("formats.zip")
        Fixtures.writeArchive(.zip, to: file, entries: entries)
        let (dataset, summary) = try Ingestor(workspace: Workspace(root: directory.appendingPathComponent("w"))).run([file.path])
        #expect(summary.records == 5 && summary.rejected == 0, "\(summary.sources[0].rejected)")
        let records = try dataset.allRecords()
        #expect(records.map(\.label) == [.angry, .happy, .sad, .neutral, .surprise])
        #expect(records.allSatisfy { $0.pixels == face })
    }

    /// Reading nothing is an error: a source whose every file is rejected fails the run, naming why.
    @Test func aSourceOfWhichNothingIsReadIsAnError() throws {
        let directory = Fixtures.temporaryDirectory()
        let file = directory.appendingPathComponent("gifs.zip")
        Fixtures.writeArchive(.zip, to: file, entries: [("a/angry/1.gif", Array("GIF89a".utf8)), ("a/happy/2.gif", Array("GIF87a".utf8))])
        let workspace = Workspace(root: directory.appendingPathComponent("w"))
        #expect {
            try Ingestor(workspace: workspace).run([file.path])
        } throws: { error in
            guard let error = error as? FerError else { return false }
            return error.code == .nothingRead && error.location == InputLocation(source: file.path)
                && error.message.hasPrefix("0 of 2 records read: 2 not-an-image")
        }
        #expect(workspace.datasetNames().isEmpty)
    }

    @Test func aFolderReadsLikeAnArchive() throws {
        let directory = Fixtures.temporaryDirectory()
        for (name, bytes) in Self.entries() {
            let url = directory.appendingPathComponent("src/" + name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        let (dataset, summary) = try Ingestor(workspace: Workspace(root: directory.appendingPathComponent("w")))
            .run([directory.appendingPathComponent("src").path])
        #expect(summary.sources[0].kind == "folder")
        // A folder is listed in sorted order, so the records come in a different order than the archive's.
        #expect(summary.records == 5 && summary.rejected == 4)
        #expect(Set(try dataset.allRecords().compactMap(\.label)) == [.angry, .happy, .sad, .surprise, .fear])
    }

    @Test func classFolderLayoutWithoutSplits() throws {
        let directory = Fixtures.temporaryDirectory()
        let file = directory.appendingPathComponent("faces.zip")
        Fixtures.writeArchive(.zip, to: file, entries: [
            ("anger/a.png", Fixtures.png(Fixtures.face(seed: 1))),
            ("3_happy/b.png", Fixtures.png(Fixtures.face(seed: 2))),
            ("loose.png", Fixtures.png(Fixtures.face(seed: 3))),
        ])
        let (dataset, summary) = try Ingestor(workspace: Workspace(root: directory.appendingPathComponent("w"))).run([file.path])
        let records = try dataset.allRecords()
        #expect(records.map(\.label) == [.angry, .happy])
        #expect(records.map(\.split) == [.train, .train])
        #expect(summary.sources[0].rejected == ["missing-label": 1])
    }

    @Test func aLabelMapRenamesAndIgnores() throws {
        let directory = Fixtures.temporaryDirectory()
        let file = directory.appendingPathComponent("faces.tar")
        Fixtures.writeArchive(.tar, to: file, entries: [
            ("contempt/a.png", Fixtures.png(Fixtures.face(seed: 1))),
            ("joyous/b.png", Fixtures.png(Fixtures.face(seed: 2))),
        ])
        var options = IngestOptions()
        options.layout.vocabulary = try LabelVocabulary(labelMapText: "# mine\njoyous, happy\ncontempt,ignore\n", source: "map.txt")
        let (dataset, summary) = try Ingestor(workspace: Workspace(root: directory.appendingPathComponent("w")), options: options)
            .run([file.path])
        #expect(try dataset.allRecords().map(\.label) == [.happy])
        #expect(summary.sources[0].rejected == ["ignored-label": 1])
        #expect(throws: FerError.self) { try LabelVocabulary(labelMapText: "x,elated\n", source: "map.txt") }
    }

    @Test(arguments: [ArchiveWriter.Format.zip, .tar, .tarGzip])
    func aTruncatedArchiveKeepsWhatWasReadable(format: ArchiveWriter.Format) throws {
        let directory = Fixtures.temporaryDirectory()
        let file = directory.appendingPathComponent("faces." + format.fileExtension)
        let entries = (0..<400).map { ("train/happy/\($0).png", Fixtures.png(Fixtures.face(seed: $0))) }
        Fixtures.writeArchive(format, to: file, entries: entries)
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count * 6 / 10).write(to: file)
        let (_, summary) = try Ingestor(workspace: Workspace(root: directory.appendingPathComponent("w"))).run([file.path])
        #expect(summary.records > 100 && summary.records < 400)
        #expect(summary.sources[0].damage != nil)
        #expect(summary.sources[0].rejected["truncated-archive"] == 1)
    }

    @Test func aFileThatIsNoArchiveIsAnError() throws {
        let directory = Fixtures.temporaryDirectory()
        let file = directory.appendingPathComponent("faces.bin")
        try Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 * 31) }).write(to: file)
        do {
            try Ingestor(workspace: Workspace(root: directory.appendingPathComponent("w"))).run([file.path])
            Issue.record("random bytes were read as an archive")
        } catch let error as FerError {
            #expect(error.code == .sourceUnreadable)
        }
    }

    @Test func anEntryOverTheSizeLimitIsRefusedUnread() throws {
        let directory = Fixtures.temporaryDirectory()
        let file = directory.appendingPathComponent("faces.zip")
        Fixtures.writeArchive(.zip, to: file, entries: [
            ("happy/big.png", [UInt8](repeating: 7, count: 300_000)),
            ("happy/ok.png", Fixtures.png(Fixtures.face(seed: 1))),
        ])
        var options = IngestOptions()
        options.maxEntryBytes = 100_000
        let (_, summary) = try Ingestor(workspace: Workspace(root: directory.appendingPathComponent("w")), options: options)
            .run([file.path])
        #expect(summary.records == 1)
        #expect(summary.sources[0].rejected == ["entry-too-large": 1])
    }
}
