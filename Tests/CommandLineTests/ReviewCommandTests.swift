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
        let results = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [[String: Any]]
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
        let (conflicts, shown) = try ReviewQueue.build(.conflicts, from: try workspace.dataset("0002-dedup"), options: .init(), workspace: workspace)
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
