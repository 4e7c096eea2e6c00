import FERCore
import FERCuration
import FERData
import FERIngest
import FERNet
import FERTestSupport
import Foundation
import Testing

@testable import FEREval

@Suite struct AnnotationTests {
    /// Single-threaded BLAS, as ferdata's main sets it (`ProcessSettings`).
    init() { ProcessSettings.apply() }

    static func prediction(_ truth: Int?, _ probabilities: [Float], source: String = "x.png") -> Prediction {
        Prediction(recordID: 1, source: source, locator: 1, truth: truth, probabilities: probabilities)
    }

    @Test func suspectsAreConfidentContradictionsMostConfidentFirst() {
        let predictions = [
            Self.prediction(0, [0.9, 0.05, 0.05]),  // agrees
            Self.prediction(0, [0.1, 0.85, 0.05]),  // contradicts at 0.85
            Self.prediction(2, [0.05, 0.95, 0.0]),  // contradicts at 0.95
            Self.prediction(1, [0.6, 0.4, 0.0]),  // contradicts at 0.6: below the bar
            Self.prediction(nil, [0.99, 0.01, 0.0]),  // unlabeled
        ]
        let found = Annotation.suspects(predictions, classes: ["a", "b", "c"], minConfidence: 0.8)
        #expect(found.map(\.index) == [2, 1])
        #expect(found.map(\.given) == ["c", "a"] && found.map(\.predicted) == ["b", "b"])
        let records = predictions.map { p in
            FaceRecord(pixels: [UInt8](repeating: 0, count: 48 * 48), label: p.truth.flatMap { Emotion(rawValue: UInt8($0)) }, split: .train,
                       recordID: p.recordID)
        }
        let lines = Annotation.suspectsCSV(found, predictions: predictions, records: records, dataset: "d").split(separator: "\n")
        #expect(lines.count == 3 && lines[0] == "rank,record_id,dataset,source,locator,split,given,likely,score,p_given,p_likely")
        #expect(lines[1].hasPrefix("1,1,d,") && lines[1].hasSuffix(",c,b,0.000000,0.000000,0.950000"), "\(lines[1])")
    }

    @Test func labelsKeepOnlyConfidentPredictionsAndPseudoLabelsAreFlagged() throws {
        let root = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("model.safetensors").path
        try CNNRNN(seed: 1).save(to: path)
        let classifier = try Classifier(path: path)
        let predictions = [
            Self.prediction(nil, [0.9, 0, 0, 0.1, 0, 0, 0], source: "a.png"),
            Self.prediction(nil, [0.2, 0, 0, 0.5, 0, 0, 0.3], source: "b,c.png"),
        ]
        let csv = Annotation.labelsCSV(predictions, classes: classifier.classes, minConfidence: 0.8)
        let lines = csv.split(separator: "\n")
        #expect(lines.count == 2 && lines[1].hasPrefix("a.png,1,angry,0.9000"))
        let everything = Annotation.labelsCSV(predictions, classes: classifier.classes, minConfidence: 0)
        #expect(everything.contains("\"b,c.png\",1,happy,0.5000"))
        let records = (0..<2).map { FaceRecord(pixels: Fixtures.face(seed: $0), label: nil, split: .train) }
        let labelled = zip(records, predictions).compactMap {
            Annotation.pseudoLabel($0, $1, classifier: classifier, minConfidence: 0.8)
        }
        #expect(labelled.count == 1 && labelled[0].label == .angry && labelled[0].flags.contains(.pseudoLabel))
    }

    /// A dataset ingested from a small FER2013-style CSV, and a FER+ votes file for its rows.
    static func ingestCSV(rows: Int, in root: URL) throws -> (Workspace, Dataset) {
        var text = "emotion,pixels,Usage\n"
        for row in 0..<rows {
            text += Fixtures.csvRow(emotion: "0", pixels: Fixtures.face(seed: row), usage: row < rows - 2 ? "Training" : "PublicTest") + "\n"
        }
        let csv = root.appendingPathComponent("fer2013.csv")
        try Fixtures.write(text, to: csv)
        let workspace = Workspace(root: root.appendingPathComponent("work"))
        return (workspace, try Ingestor(workspace: workspace).run([csv.path]).0)
    }

    static func votesFile(_ rows: [(String, [Int])], in root: URL) throws -> String {
        var text = FERPlusVotes.header.joined(separator: ",") + "\n"
        for (index, (usage, votes)) in rows.enumerated() {
            text += "\(usage),fer\(index).png," + votes.map(String.init).joined(separator: ",") + "\n"
        }
        let url = root.appendingPathComponent("votes.csv")
        try Fixtures.write(text, to: url)
        return url.path
    }

    @Test func ferPlusVotesRelabelByRowOrderAndDropWhatFERPlusDrops() throws {
        let root = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let (_, dataset) = try Self.ingestCSV(rows: 6, in: root)
        // neutral, happiness, surprise, sadness, anger, disgust, fear, contempt, unknown, NF
        let votes = try FERPlusVotes(path: try Self.votesFile([
            ("Training", [0, 8, 0, 0, 0, 0, 0, 0, 2, 0]),  // happy
            ("Training", [0, 0, 0, 0, 0, 0, 0, 0, 0, 10]),  // not a face
            ("Training", [2, 0, 0, 0, 0, 0, 0, 2, 6, 0]),  // unknown
            ("Training", [1, 0, 0, 0, 0, 0, 0, 9, 0, 0]),  // contempt
            ("PublicTest", [4, 0, 0, 4, 0, 0, 0, 0, 2, 0]),  // tie
            ("PublicTest", [0, 0, 0, 0, 0, 0, 7, 0, 3, 0]),  // fear
        ], in: root))
        let result = try votes.relabel(dataset, keepVotes: true)
        #expect(result.records.map(\.label) == [.happy, .fear])
        #expect(result.records.map(\.locator) == [2, 7])
        let reasons = result.dropped.split(separator: "\n").dropFirst().map { String($0.split(separator: ",").last!) }
        #expect(reasons == ["not-a-face", "unknown", "contempt", "tie"])
        #expect(result.votes?.split(separator: "\n").count == 3)
    }

    @Test func ferPlusVotesOfAnotherLengthOrOrderAreClearErrors() throws {
        let root = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let (_, dataset) = try Self.ingestCSV(rows: 4, in: root)
        let happy = [0, 9, 0, 0, 0, 0, 0, 0, 1, 0]
        let short = try FERPlusVotes(path: try Self.votesFile([("Training", happy), ("Training", happy), ("PublicTest", happy)], in: root))
        #expect { _ = try short.relabel(dataset, keepVotes: false) } throws: { error in
            (error as? FerError).map { $0.code == .badDataRow && $0.location == InputLocation(source: short.path) } == true
        }
        let shuffled = try FERPlusVotes(path: try Self.votesFile(
            [("PublicTest", happy), ("Training", happy), ("Training", happy), ("PublicTest", happy)], in: root))
        #expect { _ = try shuffled.relabel(dataset, keepVotes: false) } throws: { error in
            (error as? FerError).map { $0.code == .badDataRow && $0.location == InputLocation(source: shuffled.path, line: 2, field: "Usage") } == true
        }
    }

    @Test func aBadVotesHeaderIsRefusedWithItsLine() throws {
        let root = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let url = root.appendingPathComponent("votes.csv")
        try Fixtures.write("Usage,Image name,neutral\nTraining,a.png,3\n", to: url)
        #expect { _ = try FERPlusVotes(path: url.path) } throws: { error in (error as? FerError)?.location?.line == 1 }
    }
}
