import FERCore
import FERData
import FERReview
import FERTestSupport
import Foundation
import Testing

/// `ferdata active-learn` on the sample faces: each round's queue holds pool faces only (never a start,
/// validation or test face, never one queued before), the oracle's answers go through the review
/// store and join the next round's labelled set, a rerun keeps every round and doubles no decision,
/// and without an oracle the loop waits for a person's decisions.
@Suite struct ActiveLearnTests {
    let cli = CommandLineTests()

    @Test func eachRoundAddsItsDecidedFacesAndARerunKeepsThem() throws {
        let folder = Fixtures.temporaryDirectory()
        let root = folder.appendingPathComponent("work")
        let environment = ["FERDATA_WORKSPACE": root.path]
        for arguments in [["ingest", "samples/faces.csv", "-q"], ["split", "--val", "0.15", "-q"]] {
            let run = try cli.ferdata(arguments, environment: environment)
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
        }
        let workspace = Workspace(root: root)
        let dataset = try workspace.latest()
        let records = try dataset.allRecords()
        let train = records.filter { $0.split == .train }
        var oracle = "record_id,label\n"
        for record in train { oracle += "\(record.recordID),\(record.label!.name)\n" }
        let oracleFile = folder.appendingPathComponent("oracle.csv")
        try Fixtures.write(oracle, to: oracleFile)

        let arguments = ["active-learn", "--start", "40", "--per-round", "30", "--rounds", "2", "--by", "margin", "--oracle", oracleFile.path,
                         "--epochs", "2", "--json"]
        let first = try cli.ferdata(arguments, environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        let output = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as! [String: Any]
        let rounds = output["rounds"] as! [[String: Any]]
        #expect(rounds.map { $0["labelled"] as! Int } == [40, 70, 100] && output["waiting"] == nil)
        #expect(rounds.map { $0["decided"] as? Int } == [30, 30, nil])
        #expect(rounds.allSatisfy { ($0["accuracy"] as! Double) >= 0 && ($0["accuracy"] as! Double) <= 1 })

        let store = try ReviewStore(workspace: workspace)
        let queues = try (1...2).map { try #require(try store.queue(named: "active-learn-\($0):margin:seed0@\(dataset.name)")) }
        let queued = queues.flatMap { $0.items.map(\.recordID) }
        let trainIDs = Set(train.map(\.recordID))
        #expect(queued.count == 60 && Set(queued).count == 60 && Set(queued).isSubset(of: trainIDs), "pool faces, each once")
        #expect(queues.allSatisfy { $0.items.allSatisfy { $0.given == nil } }, "the pool's labels are held back from the page")
        let labels = Dictionary(uniqueKeysWithValues: train.map { ($0.recordID, $0.label!.name) })
        let decisions = try store.decisions()
        #expect(decisions.count == 60 && decisions.allSatisfy { $0.annotator == "oracle" && $0.newLabel.name == labels[$0.recordID] })
        let rows = try String(contentsOf: URL(fileURLWithPath: output["folder"] as! String).appendingPathComponent("rounds.csv"), encoding: .utf8)
        #expect(rows.split(separator: "\n").count == 4)

        let second = try cli.ferdata(arguments, environment: environment)
        #expect(second.status == 0, "\(second.stderr)")
        let again = try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as! [String: Any]
        #expect((again["rounds"] as! [[String: Any]]).map { $0["accuracy"] as! Double } == rounds.map { $0["accuracy"] as! Double })
        #expect(try store.decisions().count == 60, "a rerun doubles no decision")

        // Without an oracle the first queue waits for a person.
        let waiting = try cli.ferdata(["active-learn", "--start", "40", "--per-round", "30", "--rounds", "2", "--by", "random", "--epochs", "1", "--json"],
                                      environment: environment)
        #expect(waiting.status == 0, "\(waiting.stderr)")
        let paused = try JSONSerialization.jsonObject(with: Data(waiting.stdout.utf8)) as! [String: Any]
        #expect(paused["waiting"] as? String == "active-learn-1:random:seed0@\(dataset.name)" && (paused["rounds"] as! [Any]).count == 1)
        let randomQueue = try #require(try store.queue(named: "active-learn-1:random:seed0@\(dataset.name)"))
        #expect(randomQueue.items.count == 30 && Set(randomQueue.items.map(\.recordID)).isSubset(of: trainIDs))

        // A person decides it (as the page records decisions) and the loop goes on with those faces.
        var reviewOptions = ReviewQueue.Options.defaults
        reviewOptions.name = randomQueue.name
        let (opened, shown) = try ReviewQueue.stored(reviewOptions, store: store, workspace: workspace)
        #expect(opened == randomQueue && shown.name == dataset.name)
        _ = try store.record(opened.items.map {
            Decision(recordID: $0.recordID, dataset: dataset.name, queue: opened.name, annotator: "alice", oldLabel: nil,
                     newLabel: ReviewLabel(name: labels[$0.recordID]!)!)
        })
        let resumed = try cli.ferdata(["active-learn", "--start", "40", "--per-round", "30", "--rounds", "2", "--by", "random", "--epochs", "1", "--json"],
                                      environment: environment)
        let next = try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as! [String: Any]
        #expect((next["rounds"] as! [[String: Any]]).map { $0["labelled"] as! Int } == [40, 70], "\(resumed.stderr)")
        #expect(next["waiting"] as? String == "active-learn-2:random:seed0@\(dataset.name)")
    }

    /// SIGKILL mid-round (training checkpoint, round dataset shard, the queue stored, the oracle's
    /// answers stored): the rerun ends where an uninterrupted loop ends, every decision once.
    @Test func aLoopKilledAtAnyPointOfARoundRerunsToTheUninterruptedResult() throws {
        let folder = Fixtures.temporaryDirectory()
        let kills = KillAndRerunTests()
        func prepared(_ name: String) throws -> (URL, [String]) {
            let root = folder.appendingPathComponent(name)
            for arguments in [["ingest", "samples/faces.csv", "-q"], ["split", "--val", "0.15", "-q"]] {
                #expect(try cli.ferdata(arguments + ["--workspace", root.path]).status == 0)
            }
            let dataset = try Workspace(root: root).latest()
            var oracle = "record_id,label\n"
            for record in try dataset.allRecords() where record.split == .train { oracle += "\(record.recordID),\(record.label!.name)\n" }
            let file = root.appendingPathComponent("oracle.csv")
            try Fixtures.write(oracle, to: file)
            return (root, ["active-learn", "--start", "40", "--per-round", "30", "--rounds", "2", "--oracle", file.path, "--epochs", "2"])
        }
        func rounds(_ root: URL, _ arguments: [String]) throws -> [[String]] {
            let run = try cli.ferdata(arguments + ["--workspace", root.path, "--json"])
            #expect(run.status == 0, "\(run.stderr)")
            let output = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
            return (output["rounds"] as! [[String: Any]]).map { round in
                ["labelled", "accuracy", "macroF1", "queue", "decided"].map { String(describing: round[$0] ?? "none") }
            }
        }
        let (reference, referenceArguments) = try prepared("reference")
        let expected = try rounds(reference, referenceArguments)
        for (point, count) in [("checkpoint", 3), ("shard", 2), ("queue", 1), ("decisions", 2)] {
            let (root, arguments) = try prepared("\(point)-\(count)")
            #expect(try kills.killed(arguments, at: point, count: count, workspace: root), "\(point) \(count)")
            #expect(try rounds(root, arguments) == expected, "killed at \(point) \(count)")
            let decisions = try ReviewStore(workspace: Workspace(root: root)).decisions()
            #expect(decisions.count == 60 && Set(decisions.map(\.recordID)).count == 60, "killed at \(point) \(count): every decision once")
        }
    }
}

