import FERCore
import FERCuration
import FERData
import FERIngest
import FEREval
import FERNet
import Foundation

/// Out-of-fold probabilities (`suspects`, `crossval`): K models, each trained on the other folds,
/// each predicting its own fold. Works in `folder`: a workspace of its own for the fold datasets and
/// runs, `fold-N.csv` for each finished fold and `state.json`. A rerun with the same dataset, folds
/// and training options keeps the finished folds and resumes an interrupted one from its checkpoint.
struct CrossValidation {
    /// The fold (0..<folds) of each record.
    let assignment: [Int]
    let folds: Int
    let training: Trainer.Options
    /// What the folds' models depend on besides the dataset: a folder holding folds trained otherwise starts again.
    let key: [String]
    let dataset: Dataset
    let records: [FaceRecord]
    let folder: URL
    let context: StageContext

    /// The training options' part of a key: everything but the time box.
    static func key(of training: Trainer.Options) -> String {
        var trainer = training
        trainer.maxMinutes = 0
        return (try? StageIO.json(trainer)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    struct State: Codable {
        var key: String
        var folds: [Fold]
    }

    struct Fold: Codable {
        /// The fold's dataset and run folder names in the folds' workspace.
        var dataset: String?
        var run: String?
        var done = false
        var epochs = 0
        var seconds = 0.0
    }

    private var workspace: Workspace { Workspace(root: folder.appendingPathComponent("work")) }
    private var statePath: String { folder.appendingPathComponent("state.json").path }

    func run() throws -> (probabilities: [Double], folds: [SuspectsStage.FoldResult]) {
        let key = SHA256Digest.hex(Array(([dataset.manifestSHA256] + self.key + assignment.map(String.init)).joined(separator: "\n").utf8))
        var state = (try? JSONDecoder().decode(State.self, from: FileIO.readAll(statePath))).flatMap { $0.key == key ? $0 : nil }
        if state == nil {
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            state = State(key: key, folds: Array(repeating: Fold(), count: folds))
            try save(state!)
        }
        let classes = Emotion.names
        var probabilities = [Double](repeating: 0, count: records.count * classes.count)
        var results: [SuspectsStage.FoldResult] = []
        for fold in 0..<folds {
            let held = records.indices.filter { assignment[$0] == fold }
            let heldRecords = held.map { records[$0] }
            let file = folder.appendingPathComponent("fold-\(fold + 1).csv").path
            let reused = state!.folds[fold].done
            let values: [Double]
            if reused {
                values = try ProbabilityTable.read(file, records: heldRecords, classes: classes)
            } else {
                let history = try train(fold, held: Set(held), state: &state!)
                let model = workspace.root.appendingPathComponent("runs/\(state!.folds[fold].run!)/last.safetensors").path
                let predicted = try Classifier(path: model).predict(heldRecords, tta: training.tta)
                values = predicted.flatMap { $0.probabilities.map(Double.init) }
                try FileIO.writeAtomically(Data(ProbabilityTable.csv(heldRecords, probabilities: values, classes: classes).utf8), to: file)
                if let name = state!.folds[fold].dataset { try? FileManager.default.removeItem(at: workspace.datasetsDirectory.appendingPathComponent(name)) }
                state!.folds[fold].done = true
                state!.folds[fold].epochs = history.count
                state!.folds[fold].seconds = history.reduce(0) { $0 + $1.seconds }
                try save(state!)
            }
            for (position, index) in held.enumerated() {
                for k in classes.indices { probabilities[index * classes.count + k] = values[position * classes.count + k] }
            }
            results.append(.init(fold: fold + 1, faces: held.count, epochs: state!.folds[fold].epochs,
                                 seconds: state!.folds[fold].seconds, reused: reused))
        }
        return (probabilities, results)
    }

    /// Trains fold `fold`'s model on the other folds (resuming its run when one was checkpointed);
    /// returns every epoch of the run, earlier calls' included.
    private func train(_ fold: Int, held: Set<Int>, state: inout State) throws -> [Trainer.EpochResult] {
        var trainer = try Trainer.resumed(run: state.folds[fold].run, in: workspace)
        if trainer == nil {
            let foldDataset = try state.folds[fold].dataset.flatMap { try? workspace.dataset($0) } ?? writeDataset(fold, held: held)
            state.folds[fold].dataset = foldDataset.name
            var trainerOptions = training
            trainerOptions.seed = training.seed &+ UInt64(fold)
            trainerOptions.maxMinutes = training.maxMinutes / Double(folds)
            trainerOptions.tta = .none
            trainer = try Trainer(workspace: workspace, dataset: foldDataset, options: trainerOptions)
            state.folds[fold].run = trainer!.directory.lastPathComponent
            try save(state)
        }
        let label = "fold \(fold + 1)/\(folds)"
        try trainer!.run { progress in
            context.progress(StageProgress(
                label: "\(label) epoch \(progress.epoch)/\(progress.epochs)",
                fraction: Double(progress.samples) / Double(max(1, progress.totalSamples)),
                detail: String(format: "loss %.4f  %.0f samples/s", progress.loss, progress.samplesPerSecond)))
        }
        return try trainer!.history()
    }

    /// The fold's training set: every other fold's records as train, its own as test (kept out of training).
    private func writeDataset(_ fold: Int, held: Set<Int>) throws -> Dataset {
        let foldRecords = records.indices.map { index -> FaceRecord in
            var record = records[index]
            record.split = held.contains(index) ? .test : .train
            return record
        }
        return try StageIO.write(foldRecords, stage: "fold\(fold + 1)", from: dataset, workspace: workspace,
                                 parameters: ["fold": "\(fold + 1) of \(folds)", "seed": String(training.seed)])
    }

    private func save(_ state: State) throws {
        try FileIO.writeAtomically(try StageIO.json(state), to: statePath)
    }
}

extension Trainer {
    /// The run `name` of `workspace` resumed from its checkpoint; nil when there is none, or when the
    /// run left no checkpoint (its folder is removed: the run starts again).
    static func resumed(run name: String?, in workspace: Workspace) throws -> Trainer? {
        guard let name else { return nil }
        let directory = workspace.root.appendingPathComponent("runs/" + name)
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("checkpoint.safetensors").path) else {
            try? FileManager.default.removeItem(at: directory)
            return nil
        }
        return try Trainer(resuming: directory, workspace: workspace)
    }
}
