import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERNet
import FEREval
import Foundation

/// `ferdata crossval`: K-fold cross-validation of the trainer on a dataset, by person (no one on both
/// sides of a fold; as many folds as people is leave-one-subject-out) or by face: a model per fold
/// (from `--init` or from scratch) trained on the other folds scores its own, and the out-of-fold
/// predictions of every face, each scored exactly once, give the pooled scores with their intervals,
/// the confusion matrix and the spread over folds.
public enum CrossValStage: Stage {
    public static let name = "crossval"
    /// It trains (a model per fold) and writes reports: a pipeline's training stage, its last.
    public static let role = StageRole.training

    /// What a fold holds.
    public enum FoldBy: String, StageChoice {
        /// Whole people: every face of a person in one fold.
        case subject
        /// Faces, stratified by label, with copies of a face (and a person's faces, where named) kept in one fold.
        case face
    }

    public struct Options: StageOptions {
        @Option(help: "What a fold holds: whole people (the person each face names), or faces.")
        public var by = FoldBy.subject
        @Option(help: ArgumentHelp("Folds (default: one per person with --by subject, leave-one-subject-out; 5 with --by face).", valueName: "K"))
        public var folds: Int?
        @Option(help: ArgumentHelp("The report folder (default WORKSPACE/reports/crossval-DATASET).", valueName: "DIR"))
        public var report: String?
        @OptionGroup(title: "Intervals")
        public var intervals: IntervalOptions
        @OptionGroup(title: "Each fold's training")
        public var training: Trainer.Options

        public init() {}

        public func check() throws {
            if let folds, folds < 2 { throw FerError(.invalidArgument, "folds must be 2 or more, got \(folds)") }
            try intervals.check()
            try training.check()
        }

        public var inputPaths: [String] { training.inputPaths }
    }

    /// One fold: its people, faces, the out-of-fold accuracy of its model, its training.
    public struct FoldScore: Codable, Sendable {
        public var fold: Int
        public var people: [String]
        public var faces: Int
        public var accuracy: Double
        public var epochs: Int
        public var seconds: Double
        public var reused: Bool
    }

    public struct Output: StageOutput {
        public var folder: String
        public var by: FoldBy
        /// The pooled out-of-fold scores of every face, with their intervals (people resampled where named).
        public var evaluation: Evaluation
        public var folds: [FoldScore]
        /// The folds' accuracies: mean, standard deviation (n - 1), lowest, highest.
        public var foldAccuracy: Spread

        public struct Spread: Codable, Sendable {
            public var mean: Double
            public var standardDeviation: Double
            public var lowest: Double
            public var highest: Double
        }

        public var location: String { folder }
        public var summary: String {
            "\(folds.count) folds by \(by.rawValue), \(evaluation.scored) faces: out-of-fold accuracy "
                + ScoreIntervals.text(evaluation.metrics.accuracy, evaluation.intervals?.accuracy)
                + String(format: ", per fold %.4f ± %.4f", foldAccuracy.mean, foldAccuracy.standardDeviation)
        }
        public var collapses: [Collapse] { evaluation.collapse.map { [$0] } ?? [] }
        public func exists(in workspace: Workspace) -> Bool { FileManager.default.fileExists(atPath: folder + "/crossval.json") }
        public func feed(_ input: inout StageInput, workspace: Workspace) throws {}
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> Output {
        try options.check()
        let dataset = try input.requireModelSizedDataset(name)
        // Augmented copies are left out: a copy in one fold and its face in another would leak.
        let records = try Scoring.labelledRecords(of: dataset, split: nil).filter { !$0.flags.contains(.augmented) }
        guard !records.isEmpty else { throw FerError(.nothingRead, "dataset \(dataset.name) has no labelled faces to cross-validate") }
        let assignment: [Int], count: Int
        switch options.by {
        case .subject:
            assignment = try CrossValidationFolds.bySubject(records, folds: options.folds, seed: options.training.seed)
            count = (assignment.max() ?? 0) + 1
        case .face:
            count = options.folds ?? 5
            guard count <= records.count else { throw FerError(.invalidArgument, "\(count) folds for \(records.count) faces") }
            assignment = CrossValidationFolds.assign(records, folds: count, seed: options.training.seed)
        }
        let folder = options.report.map { URL(fileURLWithPath: $0) } ?? context.reports
            ?? context.workspace.root.appendingPathComponent("reports/crossval-" + dataset.name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let key = [CrossValidation.key(of: options.training), options.by.rawValue, String(count)]
        let (probabilities, results) = try CrossValidation(
            assignment: assignment, folds: count, training: options.training, key: key, dataset: dataset, records: records,
            folder: folder.appendingPathComponent("folds"), context: context).run()

        let classes = Emotion.names
        let predictions = records.enumerated().map { index, record in
            Prediction(record, truth: Int(record.label!.rawValue),
                       probabilities: (0..<classes.count).map { Float(probabilities[index * classes.count + $0]) })
        }
        let evaluation = try Evaluation(
            model: "crossval, \(count) folds by \(options.by.rawValue)", classes: classes,
            outputIndex: Dictionary(uniqueKeysWithValues: Emotion.allCases.map { ($0, Int($0.rawValue)) }), records: records,
            predictions: predictions, data: dataset.name, split: "out-of-fold", tta: options.training.tta, bootstrap: options.intervals.bootstrap)
        let folds = (0..<count).map { fold -> FoldScore in
            let members = records.indices.filter { assignment[$0] == fold }
            let right = members.filter { predictions[$0].predicted == predictions[$0].truth }.count
            return FoldScore(fold: fold + 1, people: Set(members.compactMap { SubjectKey.of(records[$0]) }).sorted(), faces: members.count,
                             accuracy: Double(right) / Double(max(1, members.count)), epochs: results[fold].epochs,
                             seconds: results[fold].seconds, reused: results[fold].reused)
        }
        let accuracies = folds.map(\.accuracy)
        let mean = accuracies.reduce(0, +) / Double(accuracies.count)
        let variance = accuracies.count > 1 ? accuracies.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(accuracies.count - 1) : 0
        let output = Output(folder: folder.path, by: options.by, evaluation: evaluation, folds: folds,
                            foldAccuracy: .init(mean: mean, standardDeviation: variance.squareRoot(), lowest: accuracies.min() ?? 0,
                                                highest: accuracies.max() ?? 0))
        try EvaluationReport.write(evaluation, predictions: predictions, records: records, to: folder.appendingPathComponent("report"))
        var csv = CSVField.line(["fold", "people", "faces", "accuracy", "epochs", "seconds"]) + "\n"
        for fold in folds {
            csv += CSVField.line([String(fold.fold), fold.people.joined(separator: " "), String(fold.faces), String(format: "%.4f", fold.accuracy),
                                  String(fold.epochs), String(format: "%.1f", fold.seconds)]) + "\n"
        }
        try FileIO.writeAtomically(Data(csv.utf8), to: folder.appendingPathComponent("folds.csv").path)
        try FileIO.writeAtomically(try StageIO.json(output), to: folder.appendingPathComponent("crossval.json").path)
        return output
    }
}
