import FERCore
import FERData
import FEREval
import FERNet
import FERReview
import Foundation

/// The rounds of `ferdata active-learn`, resumable: each round's dataset and run live in a workspace
/// of their own under `folder/work`, its result in `state.json`, its queue and decisions in the review
/// store. A rerun with the same dataset and options keeps finished rounds, resumes an interrupted
/// run from its checkpoint, and rebuilds the labelled set from the start set and the store's
/// decisions, so a kill at any point loses nothing decided and doubles nothing.
struct ActiveLearningLoop {
    typealias Round = ActiveLearningStage.Round
    let options: ActiveLearningStage.Options
    let dataset: Dataset
    let store: ReviewStore
    let folder: URL
    let context: StageContext

    static let oracle = "oracle"

    struct State: Codable {
        var key: String
        var rounds: [RoundState]
    }

    struct RoundState: Codable {
        var dataset: String?
        var run: String?
        var result: Round?
        /// Set once the round's queue is stored: a rerun shows the same faces.
        var queued = false
    }

    private var workspace: Workspace { Workspace(root: folder.appendingPathComponent("work")) }
    private var statePath: String { folder.appendingPathComponent("state.json").path }

    /// Runs the rounds not yet done. Returns every round so far and, when a person has yet to decide
    /// a round's queue, its name.
    func run() throws -> (rounds: [Round], waiting: String?) {
        let everyRecord = try dataset.allRecords()
        let records = everyRecord.filter { !$0.flags.contains(.augmented) }
        let pool = records.filter { $0.split == .train }
        let held = records.filter { $0.split != .train && $0.label != nil }
        let test = held.filter { $0.split == .test }
        guard !test.isEmpty else { throw FerError(.datasetUnfit, "\(dataset.name) has no labelled test faces to score each round's model on") }
        var generator = SeededGenerator(seed: options.training.seed)
        let candidates = pool.filter { $0.label != nil }.shuffled(using: &generator)
        guard candidates.count >= options.start else {
            throw FerError(.invalidArgument, "start \(options.start): \(dataset.name) has \(candidates.count) labelled training faces")
        }
        var labelled = Dictionary(uniqueKeysWithValues: candidates.prefix(options.start).map { ($0.recordID, $0.label!) })
        var unusable = Set<UInt64>()
        // The records by id, for reading an oracle's or a gold file's record_id,label lines.
        let byID = options.oracle == nil && options.goldFaces.gold == nil ? [:]
            : Dictionary(uniqueKeysWithValues: everyRecord.map { ($0.recordID, $0) })
        let oracle = try options.oracle.map { file in
            Dictionary(uniqueKeysWithValues: try ReviewQueue.knownLabels(file, records: byID, dataset: dataset.name).map { ($0.recordID, $0.label) })
        }
        var state = try loadState()
        var rounds: [Round] = []
        for round in 0...options.rounds {
            if state.rounds.count <= round { state.rounds.append(RoundState()) }
            var result: Round
            if let done = state.rounds[round].result {
                result = done
            } else {
                let model = try train(round, labelled: labelled, records: pool, held: held, state: &state)
                result = try score(model, round: round, labelled: labelled.count, test: test)
                if let name = state.rounds[round].dataset { try? FileManager.default.removeItem(at: workspace.datasetsDirectory.appendingPathComponent(name)) }
                state.rounds[round].result = result
                try save(state)
            }
            let unlabelled = pool.filter { labelled[$0.recordID] == nil && !unusable.contains($0.recordID) }
            guard round < options.rounds, !unlabelled.isEmpty else {
                rounds.append(result)
                break
            }
            let name = "active-learn-\(round + 1):\(options.by.rawValue):seed\(options.training.seed)@\(dataset.name)"
            let queue: ReviewQueue
            if state.rounds[round].queued, let stored = try store.queue(named: name) {
                queue = stored
            } else {
                let (items, gold) = try pick(unlabelled, records: byID, model: result.model, round: round)
                queue = try store.open(ReviewQueue(name: name, kind: ActiveLearningStage.name, dataset: dataset.name, items: items, gold: gold),
                                       replacing: true)
                FaultPoint.pass("queue")
                state.rounds[round].queued = true
                try save(state)
            }
            if let oracle { try answer(queue, with: oracle) }
            let outcomes = try DecisionCombiner(rule: .majority, adjudicator: nil).combine(try store.decisions(queue: queue.name))
            // The pool faces decided; gold faces, once decided, only measure the person.
            var decided: [(UInt64, ReviewLabel)] = []
            var open = 0
            for item in queue.items {
                guard case .decided(let label, _) = outcomes[item.recordID] else { open += 1; continue }
                if queue.gold[item.recordID] == nil { decided.append((item.recordID, label)) }
            }
            result.queue = queue.name
            result.decided = decided.count
            rounds.append(result)
            guard open == 0 else { return (rounds, queue.name) }
            for (record, label) in decided {
                if let emotion = label.emotion { labelled[record] = emotion } else { unusable.insert(record) }
            }
        }
        return (rounds, nil)
    }

    /// The round's model, trained on the labelled faces (with the dataset's validation and test
    /// faces), resuming its run where a checkpoint was left.
    private func train(_ round: Int, labelled: [UInt64: Emotion], records: [FaceRecord], held: [FaceRecord], state: inout State) throws -> String {
        var trainer = try Trainer.resumed(run: state.rounds[round].run, in: workspace)
        if trainer == nil {
            let roundDataset = try state.rounds[round].dataset.flatMap { try? workspace.dataset($0) } ?? {
                let chosen = records.compactMap { record -> FaceRecord? in
                    guard let label = labelled[record.recordID] else { return nil }
                    var copy = record
                    copy.label = label
                    return copy
                }
                return try StageIO.write(chosen + held, stage: "round\(round)", from: dataset, workspace: workspace,
                                         parameters: ["round": String(round), "labelled": String(chosen.count)])
            }()
            state.rounds[round].dataset = roundDataset.name
            var trainerOptions = options.training
            trainerOptions.seed = options.training.seed &+ UInt64(round)
            trainerOptions.tta = .none
            trainer = try Trainer(workspace: workspace, dataset: roundDataset, options: trainerOptions)
            state.rounds[round].run = trainer!.directory.lastPathComponent
            try save(state)
        }
        try trainer!.run { progress in
            context.progress(StageProgress(
                label: "round \(round) epoch \(progress.epoch)/\(progress.epochs)",
                fraction: Double(progress.samples) / Double(max(1, progress.totalSamples)),
                detail: String(format: "loss %.4f", progress.loss)))
        }
        return trainer!.directory.appendingPathComponent("last.safetensors").path
    }

    /// The model's accuracy and macro F1 on the test faces.
    private func score(_ model: String, round: Int, labelled: Int, test: [FaceRecord]) throws -> Round {
        let predictions = try Classifier(path: model).predict(test, tta: options.training.tta)
        let metrics = ClassificationMetrics(labels: test.map { Int($0.label!.rawValue) }, predictions: predictions.map(\.predicted),
                                            classes: Emotion.allCases.count)
        return Round(round: round, labelled: labelled, accuracy: metrics.accuracy, macroF1: metrics.macroF1, model: model)
    }

    /// The pool faces the strategy picks for this round (the model's most uncertain, in batches of the
    /// round's size with near-duplicates apart, or a seeded random draw), with `--gold` faces mixed in
    /// and shown alike: no given label (the pool's are held back), and with an uncertainty strategy the
    /// model's class and uncertainty. Returns the items and the gold faces' known labels.
    private func pick(_ pool: [FaceRecord], records: [UInt64: FaceRecord], model: String,
                      round: Int) throws -> ([ReviewItem], [UInt64: String]) {
        let classifier = try options.by.measure.map { _ in try Classifier(path: model) }
        func hidden(_ items: [ReviewItem]) -> [ReviewItem] {
            items.map { item in
                var item = item
                item.given = nil
                return item
            }
        }
        func show(_ faces: [FaceRecord]) throws -> [ReviewItem] {
            guard let measure = options.by.measure, let classifier else {
                return faces.map { ReviewItem(recordID: $0.recordID, given: nil, neighbours: $0.subject.map { "subject:" + $0 }) }
            }
            return hidden(try ReviewQueue.uncertainItems(faces, classifier: classifier, by: measure))
        }
        let picked: [ReviewItem]
        if let measure = options.by.measure, let classifier {
            picked = hidden(Array(try ReviewQueue.uncertainOrder(pool, classifier: classifier, by: measure, batch: options.perRound)
                .prefix(options.perRound)))
        } else {
            var generator = SeededGenerator(seed: options.training.seed &+ 0xA1 &+ UInt64(round))
            picked = try show(Array(pool.shuffled(using: &generator).prefix(options.perRound)))
        }
        return try options.goldFaces.mix(into: picked, records: records, dataset: dataset.name, show: show)
    }

    /// The oracle's answers to the queue's faces it has not answered, recorded in the store as one
    /// batch by the annotator `oracle`, exactly as the page records a person's.
    private func answer(_ queue: ReviewQueue, with oracle: [UInt64: String]) throws {
        let standing = try store.standing(queue: queue.name, annotator: Self.oracle)
        let decisions = try queue.items.filter { standing[$0.recordID] == nil }.map { item in
            guard let label = (oracle[item.recordID] ?? queue.gold[item.recordID]).flatMap(ReviewLabel.init(name:)) else {
                throw FerError(.invalidArgument, "the oracle file has no label for record \(item.recordID), queued in \(queue.name)")
            }
            return Decision(recordID: item.recordID, dataset: dataset.name, queue: queue.name, annotator: Self.oracle,
                            oldLabel: item.given, newLabel: label)
        }
        if !decisions.isEmpty { _ = try store.record(decisions) }
        FaultPoint.pass("decisions")
    }

    /// The state of an earlier run with the same dataset and options, or a new one (the folder cleared).
    private func loadState() throws -> State {
        let key = SHA256Digest.hex(Array(([dataset.manifestSHA256, CrossValidation.key(of: options.training), options.by.rawValue,
                                           String(options.start), String(options.perRound)]).joined(separator: "\n").utf8))
        if let state = try? JSONDecoder().decode(State.self, from: FileIO.readAll(statePath)), state.key == key { return state }
        try? FileManager.default.removeItem(at: folder.appendingPathComponent("work"))
        let state = State(key: key, rounds: [])
        try save(state)
        return state
    }

    private func save(_ state: State) throws {
        try FileIO.writeAtomically(try StageIO.json(state), to: statePath)
    }
}
