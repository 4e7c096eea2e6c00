import FERCore
import FERCuration
import FERData
import FERIngest
import FERReview
import FERTestSupport
import Foundation
import Testing

/// `ferdata relabel` as a pipeline stage (reruns when the store's decisions change, up to date when
/// they don't) and `ferdata review`'s command line. The page itself is tested in a real browser
/// (tests/review).
@Suite struct ReviewCommandTests {
    let cli = CommandLineTests()

    @Test func relabelInAPipelineAppliesTheStoreAndRerunsWhenItChanges() async throws {
        let folder = Fixtures.temporaryDirectory()
        let file = folder.appendingPathComponent("review.yaml")
        try Fixtures.write("""
            stages:
              - ingest: {sources: [samples/faces.csv]}
              - relabel: {combine: majority}
            """, to: file)
        let root = folder.appendingPathComponent("work")
        let empty = try cli.ferdata(["run", file.path, "--workspace", root.path, "--json"])
        #expect(empty.status == 1 && empty.stderr.contains("holds no decision"), "\(empty.stderr)")

        let workspace = Workspace(root: root)
        let ingested = try workspace.dataset("0001-ingest").allRecords()
        let store = try ReviewStore(workspace: workspace)
        func decide(_ index: Int, _ label: String, by annotator: String) async throws {
            _ = try await store.record([Decision(recordID: ingested[index].recordID, dataset: "0001-ingest", queue: "q", annotator: annotator,
                                                 oldLabel: ingested[index].label?.name, newLabel: ReviewLabel(name: label)!)])
        }
        let newLabel = ingested[0].label == .sad ? "fear" : "sad"
        try await decide(0, newLabel, by: "ann")
        try await decide(1, "unusable", by: "ann")
        let first = try cli.ferdata(["run", file.path, "--workspace", root.path, "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try PipelineTests.statuses(first.stdout) == ["up to date", "ran"])
        let relabelled = try workspace.latest()
        let records = try relabelled.allRecords()
        #expect(records.count == ingested.count - 1)
        #expect(records[0].label?.name == newLabel && records[0].flags.contains(.relabelled))
        #expect(!records.contains { $0.recordID == ingested[1].recordID })
        let removed = try String(contentsOf: relabelled.directory.appendingPathComponent("removed.csv"), encoding: .utf8)
        #expect(removed.contains("\(ingested[1].recordID),,\(ingested[1].label!.name),ann,2"))

        // An adjudicator who decided nothing is an error, not the majority everywhere in silence.
        let judge = try cli.ferdata(["relabel", "--combine", "adjudicator", "--adjudicator", "nobody", "--workspace", root.path])
        #expect(judge.status == 1 && judge.stderr.contains("[invalid-argument]") && judge.stderr.contains("nobody made no decision")
                && judge.stderr.contains("annotators: ann"), "\(judge.stderr)")

        let second = try cli.ferdata(["run", file.path, "--workspace", root.path, "--json"])
        #expect(try PipelineTests.statuses(second.stdout) == ["up to date", "up to date"])
        _ = try await store.undo(queue: "q", annotator: "ann")
        let third = try cli.ferdata(["run", file.path, "--workspace", root.path, "--json"])
        #expect(try PipelineTests.statuses(third.stdout) == ["up to date", "ran"], "an undo changes what relabel applies")
        #expect(try workspace.latest().manifest.recordCount == ingested.count)
    }

    @Test func reviewNeedsAQueueAndAgreementReadsTheStore() async throws {
        let root = Fixtures.temporaryDirectory().appendingPathComponent("work")
        let missing = try cli.ferdata(["review", "--workspace", root.path])
        #expect(missing.status == 64 && missing.stderr.contains("Missing expected argument '<QUEUE>'"), "\(missing.stderr)")
        let badPort = try cli.ferdata(["review", "dataset", "--port", "70000", "--workspace", root.path])
        #expect(badPort.status == 64)
        let none = try cli.ferdata(["review", "agreement", "--workspace", root.path])
        #expect(none.status == 1 && none.stderr.contains("[nothing-read]"), "\(none.stderr)")

        let store = try ReviewStore(workspace: Workspace(root: root))
        let labels = [("happy", "happy"), ("sad", "sad"), ("sad", "angry"), ("fear", "fear")]
        for (index, pair) in labels.enumerated() {
            for (annotator, label) in [("ann", pair.0), ("bob", pair.1)] {
                _ = try await store.record([Decision(recordID: UInt64(index + 1), dataset: "d", queue: "q", annotator: annotator,
                                                     oldLabel: nil, newLabel: ReviewLabel(name: label)!)])
            }
        }
        let run = try cli.ferdata(["review", "agreement", "--queue", "q", "--workspace", root.path, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        let results = report["queues"] as! [[String: Any]]
        let kappa = try #require(Agreement.cohen(labels.map(\.0), labels.map(\.1)))
        #expect(results.count == 1 && results[0]["measure"] as? String == "cohen" && results[0]["faces"] as? Int == 4)
        #expect(abs((results[0]["kappa"] as! Double) - kappa) < 1e-12)
    }
}

extension ReviewCommandTests {
    /// The pseudo queue holds an annotate --ingest dataset's faces below the confidence, least
    /// confident first; the conflicts queue holds every member of dedup's groups with differing labels,
    /// shown from the dataset dedup read.
    @Test func pseudoLabelAndConflictQueuesComeFromAnnotateAndDedup() throws {
        let folder = Fixtures.temporaryDirectory()
        let environment = ["FERDATA_WORKSPACE": folder.path]
        var csv = "emotion,pixels,Usage\n"
        for row in 0..<24 { csv += Fixtures.csvRow(emotion: String(row % 7), pixels: Fixtures.face(seed: row), usage: row < 20 ? "Training" : "PublicTest") + "\n" }
        csv += Fixtures.csvRow(emotion: "3", pixels: Fixtures.face(seed: 5), usage: "Training") + "\n"  // a copy of row 5 (surprise) labelled happy
        try Fixtures.write(csv, to: folder.appendingPathComponent("faces.csv"))
        for arguments in [["ingest", folder.appendingPathComponent("faces.csv").path, "-q"], ["dedup", "-q"], ["train", "--epochs", "1", "-q"],
                          ["annotate", folder.appendingPathComponent("runs/0001-train/best.safetensors").path, "samples/foreign.zip", "--ingest",
                           "--min-confidence", "0", "-q"]] {
            let run = try cli.ferdata(arguments, environment: environment)
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
        }
        let workspace = Workspace(root: folder)
        let (conflicts, shown) = try ReviewQueue.build(.conflicts, from: try workspace.dataset("0002-dedup"), options: .defaults, workspace: workspace)
        #expect(shown.name == "0001-ingest")
        let ingested = try shown.allRecords()
        let group = try #require(conflicts.items.first { $0.recordID == ingested[5].recordID }?.neighbours)
        let members = conflicts.items.filter { $0.neighbours == group }
        #expect(group.hasPrefix("group:"))
        #expect(members.map(\.recordID) == [ingested[5].recordID, ingested[24].recordID])
        #expect(members.map(\.given) == ["surprise", "happy"])

        let annotated = try workspace.dataset("0003-annotate")
        let lines = try String(contentsOf: annotated.directory.appendingPathComponent("labels.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        var options = ReviewQueue.Options.defaults
        options.below = 0.3
        let (pseudo, _) = try ReviewQueue.build(.pseudo, from: annotated, options: options, workspace: workspace)
        let expected = lines.filter { Double($0[3])! < 0.3 }.count
        #expect(expected > 0 && pseudo.items.count == expected && pseudo.name == "pseudo<0.3@0003-annotate")
        #expect(pseudo.items.map { $0.score! } == pseudo.items.map { $0.score! }.sorted())
        #expect(pseudo.items.allSatisfy { $0.suggested == $0.given && $0.score! < 0.3 })
        #expect(throws: FerError.self) { try ReviewQueue.build(.pseudo, from: shown, options: options, workspace: workspace) }
        #expect(throws: FerError.self) { try ReviewQueue.build(.conflicts, from: shown, options: options, workspace: workspace) }
    }
}

extension ReviewCommandTests {
    /// Three simulated annotators of known accuracy (seeded) answer a queue with gold faces mixed in:
    /// the gold faces are in the store but not in what the page gets, `review agreement` recovers each
    /// accuracy within its 95% interval, and relabel with --min-gold-accuracy leaves out the poor one.
    @Test func goldFacesMeasureEachAnnotator() async throws {
        let seed: UInt64 = 1  // fixed: a 95% interval misses the true accuracy one time in twenty, by design
        let folder = Fixtures.temporaryDirectory()
        var csv = "emotion,pixels,Usage\n"
        for row in 0..<500 { csv += Fixtures.csvRow(emotion: String(row % 7), pixels: Fixtures.face(seed: row), usage: row < 300 ? "Training" : "PublicTest") + "\n" }
        try Fixtures.write(csv, to: folder.appendingPathComponent("faces.csv"))
        let root = folder.appendingPathComponent("work")
        let workspace = Workspace(root: root)
        let dataset = try Ingestor(workspace: workspace).run([folder.appendingPathComponent("faces.csv").path]).0
        let records = try dataset.allRecords()
        let truth = Dictionary(uniqueKeysWithValues: records.map { ($0.recordID, $0.label!.name) })
        var gold = "record_id,label\n"
        for record in records where record.split == .train { gold += "\(record.recordID),\(record.label!.name)\n" }
        try Fixtures.write(gold, to: folder.appendingPathComponent("gold.csv"))

        var options = ReviewQueue.Options.defaults
        options.split = .test
        options.goldFaces.gold = folder.appendingPathComponent("gold.csv").path
        options.goldFaces.goldRate = 0.5
        let store = try ReviewStore(workspace: workspace)
        let queue = try store.open(try ReviewQueue.build(.dataset, from: dataset, options: options, workspace: workspace).0)
        #expect(queue.gold.count == 100 && queue.items.count == 300, "seed \(seed)")
        #expect(queue.gold.allSatisfy { truth[$0.key] == $0.value } && Set(queue.gold.keys).isSubset(of: Set(queue.items.map(\.recordID))))
        #expect(try store.queue(named: queue.name) == queue, "the gold faces are stored with the queue")
        #expect(try ReviewQueue.build(.dataset, from: dataset, options: options, workspace: workspace).0 == queue, "the same queue every time")
        options.goldFaces.gold = nil
        #expect(Set(try ReviewQueue.build(.dataset, from: dataset, options: options, workspace: workspace).0.items.map(\.recordID))
                == Set(queue.items.map(\.recordID)).subtracting(queue.gold.keys), "gold faces are mixed in, not swapped in")

        let accuracies = ["alice": 0.95, "bob": 0.85, "carol": 0.4]
        var generator = SeededGenerator(seed: seed)
        for (annotator, accuracy) in accuracies.sorted(by: { $0.key < $1.key }) {
            let decisions = queue.items.map { item in
                let right = truth[item.recordID]!
                let wrong = Emotion.allCases.map(\.name).filter { $0 != right }
                let label = Double.random(in: 0..<1, using: &generator) < accuracy ? right : wrong.randomElement(using: &generator)!
                return Decision(recordID: item.recordID, dataset: dataset.name, queue: queue.name, annotator: annotator, oldLabel: item.given,
                                newLabel: ReviewLabel(name: label)!)
            }
            _ = try await store.record(decisions)
        }
        let run = try cli.ferdata(["review", "agreement", "--workspace", root.path, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        let annotators = report["annotators"] as! [[String: Any]]
        #expect(annotators.map { $0["annotator"] as! String } == ["alice", "bob", "carol"])
        for quality in annotators {
            let name = quality["annotator"] as! String, interval = quality["goldInterval"] as! [Double]
            #expect(quality["goldFaces"] as? Int == 100)
            #expect(interval[0] <= accuracies[name]! && accuracies[name]! <= interval[1],
                    "\(name): accuracy \(accuracies[name]!) outside \(interval) (seed \(seed))")
        }
        let text = try cli.ferdata(["review", "agreement", "--workspace", root.path])
        #expect(text.status == 0 && text.stdout.contains("carol") && text.stdout.contains("0.440 of 100"), "\(text.stdout)")
        let relabel = try cli.ferdata(["relabel", "--min-gold-accuracy", "0.7", "--workspace", root.path])
        #expect(relabel.stdout.contains("left out: carol"), "\(relabel.stdout)")
        #expect(relabel.status == 0, "\(relabel.stderr)")
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: try workspace.latest().directory
            .appendingPathComponent("relabel.json"))) as! [String: Any]
        #expect(written["excludedAnnotators"] as? [String] == ["carol"] && written["uncheckedAnnotators"] as? [String] == [])
        #expect(written["decisions"] as? Int == 2 * 200, "alice's and bob's decisions on the 200 faces that are not gold")
    }
}

