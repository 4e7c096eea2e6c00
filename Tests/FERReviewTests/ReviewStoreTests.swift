import FERCore
import FERCuration
import FERData
import FEREval
import FERIngest
import FERTestSupport
import Foundation
import Testing

@testable import FERReview

@Suite struct ReviewStoreTests {
    static func decision(_ id: UInt64, _ label: String, by annotator: String = "ann", queue: String = "q") -> Decision {
        Decision(recordID: id, dataset: "0001-ingest", queue: queue, annotator: annotator, oldLabel: "happy", newLabel: ReviewLabel(name: label)!)
    }

    @Test func decisionsSurviveReopeningAndUndoTakesBackTheLatestBatch() async throws {
        let path = Fixtures.temporaryDirectory().appendingPathComponent("decisions.sqlite").path
        do {
            let store = try ReviewStore(path: path)
            let first = try await store.record([Self.decision(1, "sad")])
            #expect(first[0].id == 1 && first[0].batch == 1 && !first[0].time.isEmpty)
            _ = try await store.record([Self.decision(2, "angry"), Self.decision(3, "angry")])
            _ = try await store.record([Self.decision(1, "fear", by: "bob")])
            let undone = try await store.undo(queue: "q", annotator: "ann")
            #expect(undone.map(\.recordID) == [2, 3])
        }
        let reopened = try ReviewStore(path: path)
        let all = try reopened.decisions(includeUndone: true)
        #expect(all.count == 4)
        #expect(all.filter(\.undone).map(\.recordID) == [2, 3])
        #expect(try reopened.standing(queue: "q", annotator: "ann").mapValues(\.newLabel.name) == [1: "sad"])
        #expect(try reopened.standing(queue: "q", annotator: "bob").mapValues(\.newLabel.name) == [1: "fear"])
        // Undo again takes back the batch before; then nothing is left to undo.
        #expect(try await reopened.undo(queue: "q", annotator: "ann").map(\.recordID) == [1])
        #expect(try await reopened.undo(queue: "q", annotator: "ann").isEmpty)
    }

    @Test func recordIDsWithTheTopBitSetRoundTrip() async throws {
        let store = try ReviewStore(path: Fixtures.temporaryDirectory().appendingPathComponent("decisions.sqlite").path)
        let id = UInt64.max - 12
        _ = try await store.record([Self.decision(id, "happy")])
        #expect(try store.decisions().map(\.recordID) == [id])
    }

    /// A queue is stored once and reopened as stored while its source gives the same faces; a source
    /// that now gives other faces (a newer suspects.csv) is a queue-changed error, and replacing it
    /// keeps every decision.
    @Test func aQueueIsStoredOnceAndAChangedSourceIsAClearError() async throws {
        let store = try ReviewStore(path: Fixtures.temporaryDirectory().appendingPathComponent("decisions.sqlite").path)
        let queue = ReviewQueue(name: "suspects@0002-dedup", kind: "suspects", dataset: "0002-dedup", items: [
            ReviewItem(recordID: 5, given: "happy", suggested: "sad", score: 0.25, neighbours: "subject:S005"),
            ReviewItem(recordID: 1 << 63 | 7, given: nil),
        ])
        #expect(try store.open(queue) == queue)
        #expect(try store.open(queue) == queue, "the same source reopens the stored queue")
        _ = try await store.record([Self.decision(5, "sad")])
        var changed = queue
        changed.items.removeFirst()
        let error = #expect(throws: FerError.self) { try store.open(changed) }
        #expect(error?.code == .queueChanged && error?.message.contains("--new-queue") == true)
        #expect(try store.queue(named: queue.name) == queue, "nothing changed by the refusal")
        var rescored = queue
        rescored.items[0].score = 0.5
        #expect(throws: FerError.self) { try store.open(rescored) }
        #expect(try store.open(changed, replacing: true) == changed)
        #expect(try store.queue(named: queue.name) == changed)
        #expect(try store.decisions().map(\.recordID) == [5], "decisions are kept")
        #expect(try store.queueNames() == ["suspects@0002-dedup"])
    }

    @Test func aStoreThatIsNotADatabaseIsAClearError() throws {
        let path = Fixtures.temporaryDirectory().appendingPathComponent("decisions.sqlite")
        try Data("not a database, just text that is long enough to be read as a header by sqlite".utf8).write(to: path)
        #expect { try ReviewStore(path: path.path) } throws: { error in
            (error as? FerError)?.code == .reviewStore
        }
    }
}

@Suite struct RelabellerTests {
    static func record(_ id: UInt64, _ label: Emotion?, parent: UInt64 = 0) -> FaceRecord {
        var record = FaceRecord(pixels: Fixtures.face(seed: Int(id % 1000)), label: label, split: .train, recordID: id, parentID: parent)
        if parent != 0 { record.flags.insert(.augmented) }
        return record
    }

    static func decision(_ id: Int64, _ record: UInt64, _ label: String, by annotator: String, undone: Bool = false) -> Decision {
        Decision(id: id, recordID: record, dataset: "d", queue: "q", annotator: annotator, oldLabel: nil, newLabel: ReviewLabel(name: label)!, undone: undone)
    }

    @Test func majorityRelabelsRemovesAndLeavesTiesAndCopiesFollowTheirFace() throws {
        let records = [Self.record(1, .happy), Self.record(2, .sad), Self.record(3, .angry), Self.record(4, .fear),
                       Self.record(9, .happy, parent: 1), Self.record(5, .neutral)]
        let decisions = [
            Self.decision(1, 1, "surprise", by: "ann"), Self.decision(2, 1, "surprise", by: "bob"), Self.decision(3, 1, "fear", by: "cat"),
            Self.decision(4, 2, "unusable", by: "ann"),
            Self.decision(5, 3, "sad", by: "ann"), Self.decision(6, 3, "happy", by: "bob"),
            Self.decision(7, 4, "fear", by: "ann"),
            Self.decision(8, 5, "angry", by: "ann", undone: true),
            Self.decision(9, 77, "happy", by: "ann"),
        ]
        let result = try Relabeller(combiner: DecisionCombiner(rule: .majority, adjudicator: nil)).apply(decisions, to: records)
        #expect(result.records.map(\.recordID) == [1, 3, 4, 9, 5])
        #expect(result.records.map { $0.label } == [.surprise, .angry, .fear, .surprise, .neutral])
        #expect(result.records[0].flags.contains(.relabelled) && result.records[3].flags.contains(.relabelled))
        #expect(!result.records[2].flags.contains(.relabelled), "a confirmed label is not a relabel")
        #expect(result.report.relabelled == 2 && result.report.removed == 1 && result.report.ties == 1 && result.report.confirmed == 1)
        #expect(result.report.notInDataset == 1 && result.report.decisions == 8)
        let lines = result.relabelledCSV.split(separator: "\n").map(String.init)
        #expect(lines[0] == "record_id,parent_id,original_label,new_label,annotators,decisions,rule")
        #expect(lines[1] == "1,,happy,surprise,ann bob cat,1 2 3,majority")
        #expect(lines[2] == "9,1,happy,surprise,ann bob cat,1 2 3,majority")
        #expect(result.removedCSV.split(separator: "\n").last == "2,,sad,ann,4")
    }

    @Test func theAdjudicatorsDecisionWinsWhereTheyMadeOne() throws {
        let records = [Self.record(1, .happy), Self.record(2, .happy)]
        let decisions = [
            Self.decision(1, 1, "sad", by: "ann"), Self.decision(2, 1, "sad", by: "bob"), Self.decision(3, 1, "fear", by: "judge"),
            Self.decision(4, 2, "sad", by: "ann"), Self.decision(5, 2, "angry", by: "bob"), Self.decision(6, 2, "angry", by: "cat"),
        ]
        let result = try Relabeller(combiner: DecisionCombiner(rule: .adjudicator, adjudicator: "judge")).apply(decisions, to: records)
        #expect(result.records.map { $0.label } == [.fear, .angry])
        #expect(throws: FerError.self) { try DecisionCombiner(rule: .adjudicator, adjudicator: nil) }
    }
}

@Suite struct ReviewQueueTests {
    /// A suspects file as Python's csv module or a spreadsheet writes it (CRLF line ends, quoted fields).
    @Test func aSuspectsFileWithCRLFLinesMakesTheQueueInRankOrder() throws {
        let folder = Fixtures.temporaryDirectory()
        let workspace = Workspace(root: folder)
        let writer = try DatasetWriter(workspace: workspace, stage: "ingest")
        for id in 1...5 {
            try writer.append(FaceRecord(pixels: Fixtures.face(seed: id), label: .happy, split: .train, recordID: UInt64(id), subject: id == 2 ? "S2" : nil))
        }
        let dataset = try writer.commit(parameters: [:], inputs: [], sources: [])
        let file = folder.appendingPathComponent("suspects.csv")
        try Data("rank,record_id,given,likely,score,note\r\n1,4,happy,sad,0.125,\"a, b\"\r\n2,2,happy,fear,0.5,\r\n".utf8).write(to: file)
        var options = ReviewQueue.Options.defaults
        options.file = file.path
        let (queue, shown) = try ReviewQueue.build(.suspects, from: dataset, options: options, workspace: workspace)
        #expect(shown.name == dataset.name && queue.name == "suspects@\(dataset.name)")
        #expect(queue.items == [ReviewItem(recordID: 4, given: "happy", suggested: "sad", score: 0.125),
                                ReviewItem(recordID: 2, given: "happy", suggested: "fear", score: 0.5, neighbours: "subject:S2")])
        try Data("rank,record_id,given,likely,score\n1,99,happy,sad,0.1\n".utf8).write(to: file)
        #expect { try ReviewQueue.build(.suspects, from: dataset, options: options, workspace: workspace) } throws: { error in
            (error as? FerError)?.message.contains("record_id '99' is not a record") == true
        }
        options.split = .test
        #expect { try ReviewQueue.build(.dataset, from: dataset, options: options, workspace: workspace) } throws: { error in
            (error as? FerError)?.code == .nothingRead
        }
    }
}

extension ReviewQueueTests {
    /// FER+ faces whose votes split: no majority emotion, or the majority's share below `below`.
    @Test func theFERPlusQueueHoldsTheFacesWhoseVotesSplit() throws {
        let root = Fixtures.temporaryDirectory()
        var csv = "emotion,pixels,Usage\n"
        for row in 0..<4 { csv += Fixtures.csvRow(emotion: "3", pixels: Fixtures.face(seed: row)) + "\n" }
        try Fixtures.write(csv, to: root.appendingPathComponent("fer2013.csv"))
        let workspace = Workspace(root: root.appendingPathComponent("work"))
        let dataset = try Ingestor(workspace: workspace).run([root.appendingPathComponent("fer2013.csv").path]).0
        // neutral, happiness, surprise, sadness, anger, disgust, fear, contempt, unknown, NF
        var votes = "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\n"
        for row in [[0, 10, 0, 0, 0, 0, 0, 0, 0, 0], [0, 5, 0, 5, 0, 0, 0, 0, 0, 0], [4, 6, 0, 0, 0, 0, 0, 0, 0, 0], [3, 0, 0, 3, 0, 0, 4, 0, 0, 0]] {
            votes += "Training,x.png," + row.map(String.init).joined(separator: ",") + "\n"
        }
        try Fixtures.write(votes, to: root.appendingPathComponent("votes.csv"))
        var options = ReviewQueue.Options.defaults
        options.votes = root.appendingPathComponent("votes.csv").path
        let (queue, _) = try ReviewQueue.build(.ferplus, from: dataset, options: options, workspace: workspace)
        let ids = try dataset.allRecords().map(\.recordID)
        #expect(queue.items == [ReviewItem(recordID: ids[3], given: "happy", suggested: "fear", score: 0.4),
                                ReviewItem(recordID: ids[1], given: "happy", suggested: nil, score: 0.5)])
        options.votes = nil
        #expect(throws: FerError.self) { try ReviewQueue.build(.ferplus, from: dataset, options: options, workspace: workspace) }
    }
}

extension ReviewQueueTests {
    /// The three measures on hand-made probabilities, and batches that never hold two near-duplicates:
    /// a copy of the most uncertain face waits for the next batch.
    @Test func uncertaintyRanksFacesAndKeepsNearDuplicatesApart() {
        let p: [Float] = [0.5, 0.3, 0.2]
        #expect(abs(UncertaintySampling.uncertainty(p, by: .leastConfidence) - 0.5) < 1e-7)
        #expect(abs(UncertaintySampling.uncertainty(p, by: .margin) - 0.8) < 1e-7)
        let entropy = -(0.5 * log(0.5) + 0.3 * log(0.3) + 0.2 * log(0.2))
        #expect(abs(UncertaintySampling.uncertainty(p, by: .entropy) - entropy) < 1e-6)
        #expect(UncertaintySampling.uncertainty([1, 0, 0], by: .entropy) == 0)
        // Faces 0 and 1 are the same picture (equal hashes); 3 is 2's mirror image.
        let hashes: [(plain: UInt64, mirrored: UInt64)] = [(0xF0F0, 0x0F0F), (0xF0F0, 0x0F0F), (0xFFFF_0000, 0x0000_FFFF), (0x0000_FFFF, 0xFFFF_0000)]
        let order = UncertaintySampling.order(uncertainties: [0.9, 0.8, 0.7, 0.6], recordIDs: [10, 11, 12, 13], hashes: hashes, batch: 2)
        #expect(order == [0, 2, 1, 3])
        let ties = UncertaintySampling.order(uncertainties: [0.5, 0.5, 0.9], recordIDs: [7, 3, 1], hashes: [(0, 0), (0xFFFF, 0xFFFF), (0xFFFF_0000_0000, 0xFFFF_0000_0000)], batch: 5)
        #expect(ties == [2, 1, 0])
    }

    /// An uncertain queue of a model over a dataset: every original face once, the most uncertain
    /// first (the faces are distinct), each suggestion the model's class and score its margin.
    @Test func theUncertainQueueRanksTheDatasetByTheModelsMargin() throws {
        let root = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        var csv = "emotion,pixels,Usage\n"
        for row in 0..<24 { csv += Fixtures.csvRow(emotion: String(row % 7), pixels: Fixtures.face(seed: row)) + "\n" }
        try Fixtures.write(csv, to: root.appendingPathComponent("fer2013.csv"))
        let workspace = Workspace(root: root.appendingPathComponent("work"))
        let dataset = try Ingestor(workspace: workspace).run([root.appendingPathComponent("fer2013.csv").path]).0
        let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FEREvalTests/Fixtures/onnx/gray48.onnx").path
        var options = ReviewQueue.Options.defaults
        options.model = model
        let (queue, _) = try ReviewQueue.build(.uncertain, from: dataset, options: options, workspace: workspace)
        #expect(queue.name == "uncertain:margin:gray48.onnx@\(dataset.name)")
        let records = try dataset.allRecords()
        #expect(Set(queue.items.map(\.recordID)) == Set(records.map(\.recordID)) && queue.items.count == records.count)
        let scores = queue.items.map { $0.score ?? -1 }
        #expect(scores == scores.sorted(by: >))
        let classifier = try Classifier(path: model)
        let predictions = Dictionary(uniqueKeysWithValues: try classifier.predict(records).map { ($0.recordID, $0) })
        for item in queue.items {
            let prediction = predictions[item.recordID]!
            #expect(item.score == UncertaintySampling.uncertainty(prediction.probabilities, by: .margin))
            #expect(item.suggested == classifier.outputIndex.first { $0.value == prediction.predicted }?.key.name)
        }
        options.model = nil
        #expect(throws: FerError.self) { try ReviewQueue.build(.uncertain, from: dataset, options: options, workspace: workspace) }
    }
}
