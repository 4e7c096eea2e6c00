import FERCore
import FERMedia
import FERTestSupport
import Foundation
import Testing

@testable import FERCuration
@testable import FERData
@testable import FERIngest

@Suite struct CSVIngestTests {
    static let good = Fixtures.face(seed: 9).map(String.init).joined(separator: " ")

    func ingest(_ text: String, name: String = "faces.csv", options: IngestOptions = IngestOptions())
        throws -> (Dataset, IngestSummary, [String])
    {
        let directory = Fixtures.temporaryDirectory()
        let file = directory.appendingPathComponent(name)
        try Fixtures.write(text, to: file)
        let (dataset, summary) = try Ingestor(workspace: Workspace(root: directory.appendingPathComponent("work")), options: options)
            .run([file.path])
        let rejects = String(decoding: try Data(contentsOf: dataset.directory.appendingPathComponent("rejects.csv")), as: UTF8.self)
            .split(separator: "\n").dropFirst().map(String.init)
        return (dataset, summary, rejects)
    }

    @Test func everyMalformedRowIsRejectedWithItsLineAndReason() throws {
        let lines = [
            "emotion,pixels,Usage",
            "3,\(Self.good),Training",  // 2: fine
            "3,\(Self.good)",  // 3: wrong field count
            "3,1 2 3,Training",  // 4: wrong pixel count
            "3,\(Self.good) 5,Training",  // 5: one pixel too many
            "3,\(Self.good.replacingOccurrences(of: "^\\d+", with: "256", options: .regularExpression)),Training",  // 6
            "3,\(Self.good.replacingOccurrences(of: "^\\d+", with: "-1", options: .regularExpression)),Training",  // 7
            "3,\(Self.good.replacingOccurrences(of: "^\\d+", with: "x7", options: .regularExpression)),Training",  // 8
            "7,\(Self.good),Training",  // 9: unknown label
            ",\(Self.good),Training",  // 10: missing label
            "3,\(Self.good),Validation2",  // 11: unknown usage
            "3,,Training",  // 12: no pixels
            "",  // 13: blank, not a record
            "happy,\(Self.good),PublicTest",  // 14: a label name is fine
        ]
        let (dataset, summary, rejects) = try ingest(lines.joined(separator: "\n") + "\n")
        #expect(summary.records == 2)
        #expect(summary.rejected == 10)
        let byLine = Dictionary(uniqueKeysWithValues: rejects.map { line -> (Int, String) in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return (Int(fields[2])!, String(fields[3]))
        })
        #expect(byLine == [
            3: "wrong-field-count", 4: "wrong-pixel-count", 5: "wrong-pixel-count", 6: "pixel-out-of-range",
            7: "bad-pixel-value", 8: "bad-pixel-value", 9: "unknown-label", 10: "missing-label",
            11: "unknown-usage", 12: "wrong-pixel-count",
        ])
        #expect(dataset.manifest.count(split: .train, emotion: .happy) == 1)
        #expect(dataset.manifest.count(split: .test, emotion: .happy) == 1)
        #expect(dataset.manifest.rejected["wrong-pixel-count"] == 3)
        #expect(summary.sources[0].unknownLabels == ["7": 1])
    }

    @Test func columnsInAnyOrderQuotesCRLFAndBOM() throws {
        let text = "\u{FEFF}\"Usage\",extra,pixels,Emotion\r\n"
            + "PrivateTest,\"a, b\",\"\(Self.good)\",\"5\"\r\n"
            + "Training,\"say \"\"hi\"\"\",\(Self.good),0\r\n"
        let (dataset, summary, _) = try ingest(text)
        #expect(summary.records == 2 && summary.rejected == 0)
        let records = try dataset.allRecords()
        #expect(records.map(\.label) == [.surprise, .angry])
        #expect(records.map(\.split) == [.test, .train])
        #expect(records.map(\.usage) == [.privateTest, .training])
        #expect(records[0].pixels == Fixtures.face(seed: 9))
        #expect(records.map(\.locator) == [2, 3])
    }

    @Test func aQuotedFieldMaySpanLines() throws {
        let text = "emotion,note,pixels\n1,\"two\nlines\",\(Self.good)\n2,x,\(Self.good)\n"
        let (dataset, _, _) = try ingest(text)
        #expect(try dataset.allRecords().map(\.locator) == [2, 4])
    }

    @Test func anUnclosedQuoteAndAnEndlessLineAreRejectedNotFatal() throws {
        var options = IngestOptions()
        options.maxRowBytes = 20_000
        let endless = "3," + String(repeating: "1 ", count: 30_000) + ",Training"
        let text = "emotion,pixels,Usage\n3,\(Self.good),Training\n\(endless)\n4,\(Self.good),Training\n5,\"\(Self.good),Training\n"
        let (_, summary, rejects) = try ingest(text, options: options)
        #expect(summary.records == 2)
        #expect(rejects.contains { $0.contains("line-too-long") })
        #expect(rejects.contains { $0.contains("unbalanced-quote") })
    }

    @Test func headersWithoutTheColumnsAreAClearError() throws {
        do {
            _ = try ingest("label_id,image\n1,2\n")
            Issue.record("a CSV without pixels was accepted")
        } catch let error as FerError {
            #expect(error.code == .badCSVHeader)
            #expect(error.location?.line == 1)
        }
        #expect(throws: FerError.self) { try ingest("") }
    }

    @Test func strictModeFailsOnTheFirstRejectAndWritesNothing() throws {
        var options = IngestOptions()
        options.strict = true
        let directory = Fixtures.temporaryDirectory()
        let file = directory.appendingPathComponent("x.csv")
        try Fixtures.write("emotion,pixels\n3,\(Self.good)\n3,1 2\n", to: file)
        let workspace = Workspace(root: directory.appendingPathComponent("work"))
        do {
            try Ingestor(workspace: workspace, options: options).run([file.path])
            Issue.record("strict ingest accepted a bad row")
        } catch let error as FerError {
            #expect(error.code == .strictReject)
            #expect(error.location == InputLocation(source: file.path, line: 3, field: "pixels"))
        }
        #expect(workspace.datasetNames().isEmpty)
    }

    @Test func publicTestCanBeValidation() throws {
        var options = IngestOptions()
        options.layout.usageMapping = UsageMapping(publicTestAsVal: true)
        let text = "emotion,pixels,Usage\n1,\(Self.good),PublicTest\n1,\(Self.good),PrivateTest\n"
        let (dataset, _, _) = try ingest(text, options: options)
        #expect(try dataset.allRecords().map(\.split) == [.val, .test])
    }

    @Test func compressedCSVReadsLikePlain() throws {
        let directory = Fixtures.temporaryDirectory()
        let text = "emotion,pixels,Usage\n" + (0..<50).map { Fixtures.csvRow(emotion: String($0 % 7), pixels: Fixtures.face(seed: $0)) }.joined(separator: "\n")
        let file = directory.appendingPathComponent("faces.csv.gz")
        Fixtures.gzip(Array(text.utf8), to: file)
        let (dataset, summary) = try Ingestor(workspace: Workspace(root: directory.appendingPathComponent("w"))).run([file.path])
        #expect(summary.records == 50)
        #expect(try dataset.allRecords().map(\.pixels) == (0..<50).map { Fixtures.face(seed: $0) })
    }

    @Test func aTruncatedGzipKeepsTheRowsBeforeTheDamage() throws {
        let directory = Fixtures.temporaryDirectory()
        let text = "emotion,pixels,Usage\n" + (0..<400).map { Fixtures.csvRow(emotion: "1", pixels: Fixtures.face(seed: $0)) }.joined(separator: "\n")
        let file = directory.appendingPathComponent("faces.csv.gz")
        Fixtures.gzip(Array(text.utf8), to: file)
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count / 2).write(to: file)
        let (_, summary) = try Ingestor(workspace: Workspace(root: directory.appendingPathComponent("w"))).run([file.path])
        #expect(summary.records > 0 && summary.records < 400)
        #expect(summary.sources[0].damage != nil)
        #expect(summary.sources[0].rejected["truncated-archive"] == 1)
    }

    @Test func missingSourcesFailBeforeAnyWork() throws {
        let workspace = Workspace(root: Fixtures.temporaryDirectory())
        do {
            try Ingestor(workspace: workspace).run(["/no/such/file.csv"])
            Issue.record("a missing source was accepted")
        } catch let error as FerError {
            #expect(error.code == .sourceMissing)
        }
        #expect(workspace.datasetNames().isEmpty)
    }

    /// 3,000 random rows from a seeded generator: `FERDATA_TEST_SEED` replays another seed.
    @Test func theFastPixelParserAgreesWithTheCarefulOne() {
        let seed = ProcessInfo.processInfo.environment["FERDATA_TEST_SEED"].flatMap { UInt64($0) } ?? 2_026_1127
        var generator = SeededGenerator(seed: seed)
        let pieces = ["0", "7", "42", "255", "256", "999", "1000", "-3", "x", "", " ", "  ", "\t", "007", "12a"]
        for trial in 0..<3000 {
            var values = (0..<FaceSize.pixelCount).map { _ in String(Int.random(in: 0...255, using: &generator)) }
            if trial % 2 == 0 {
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    values[Int.random(in: 0..<values.count, using: &generator)] = pieces.randomElement(using: &generator)!
                }
            }
            if trial % 5 == 0 { values.removeLast(Int.random(in: 0...2, using: &generator)) }
            let separator = trial % 7 == 0 ? "  " : " "
            let prefix = trial % 3 == 0 ? " " : "", suffix = trial % 4 == 0 ? " " : ""
            let bytes = Array((prefix + values.joined(separator: separator) + suffix).utf8)
            let fast = bytes.withUnsafeBytes { FERCSVFormat.pixels($0) }
            let careful = bytes.withUnsafeBytes { FERCSVFormat.pixelsCarefully($0) }
            switch (fast, careful) {
            case (.success(let a), .success(let b)): #expect(a == b, "seed \(seed), trial \(trial)")
            case (.failure(let a), .failure(let b)): #expect(a.reason == b.reason, "seed \(seed), trial \(trial)")
            default: Issue.record("seed \(seed), trial \(trial): parsers disagree on: \(String(decoding: bytes.prefix(60), as: UTF8.self))")
            }
        }
    }
}
