import FERCore
import FERData
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
                                                 oldLabel: ingested[index].label?.name, newLabel: label)])
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
        #expect(missing.status == 64 && missing.stderr.contains("name the QUEUE"), "\(missing.stderr)")
        let badPort = try cli.ferdata(["review", "dataset", "--port", "70000", "--workspace", root.path])
        #expect(badPort.status == 64)
        let none = try cli.ferdata(["review", "--agreement", "--workspace", root.path])
        #expect(none.status == 1 && none.stderr.contains("[nothing-read]"), "\(none.stderr)")

        let store = try ReviewStore(workspace: Workspace(root: root))
        let labels = [("happy", "happy"), ("sad", "sad"), ("sad", "angry"), ("fear", "fear")]
        for (index, pair) in labels.enumerated() {
            for (annotator, label) in [("ann", pair.0), ("bob", pair.1)] {
                _ = try await store.record([Decision(recordID: UInt64(index + 1), dataset: "d", queue: "q", annotator: annotator,
                                                     oldLabel: nil, newLabel: label)])
            }
        }
        let run = try cli.ferdata(["review", "--agreement", "--queue-name", "q", "--workspace", root.path, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let results = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [[String: Any]]
        let kappa = try #require(Agreement.cohen(labels.map(\.0), labels.map(\.1)))
        #expect(results.count == 1 && results[0]["measure"] as? String == "cohen" && results[0]["faces"] as? Int == 4)
        #expect(abs((results[0]["kappa"] as! Double) - kappa) < 1e-12)
    }
}
