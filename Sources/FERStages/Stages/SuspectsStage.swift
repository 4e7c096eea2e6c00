import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FEREval
import FERNet
import Foundation

/// `ferdata suspects`: label-noise suspects by confident learning on out-of-fold probabilities. K
/// models, each trained on K-1 folds (stratified, duplicate groups kept in one fold), predict the
/// fold they did not see; from those probabilities `ConfidentLearning` estimates the noise matrix and
/// finds and ranks the label issues. Each fold's probabilities are kept as it finishes, so an
/// interrupted run resumes. With `apply`, a new dataset with the issues dropped or relabelled.
public enum SuspectsStage: Stage {
    public static let name = "suspects"
    public static let role = StageRole.dataset

    /// Which copies of a face are kept in one fold.
    public enum Copies: String, StageChoice {
        /// Identical pixels and perceptual-hash near copies, mirrored too (as dedup and split group them).
        case near
        /// Identical pixels only.
        case exact
    }

    /// What `--apply` does with the issues found.
    public enum Apply: String, StageChoice {
        case drop, relabel
    }

    public struct Options: StageOptions {
        @Option(help: "Cross-validation folds (2-20).")
        public var folds = 5
        @Option(help: "Which copies of a face are kept in one fold: pHash-near ones too, or identical pixels only.")
        public var copies = Copies.near
        @Option(help: "Which faces count as issues.")
        public var filter = ConfidentLearning.Filter.pruneByNoiseRate
        @Option(help: "The label quality score that ranks the issues (worst first).")
        public var rank = ConfidentLearning.Ranking.normalizedMargin
        @Option(help: ArgumentHelp("Out-of-fold probabilities made elsewhere (CSV with record_id, or .npy): no training.", valueName: "FILE"))
        public var probabilities: String?
        @Flag(help: "Examine the test split too (it is left out, and never changed, unless asked).")
        public var includeTest = false
        @Option(help: "Write a new dataset with the issues dropped or relabelled to their likely label.")
        public var apply: Apply?
        @Option(help: ArgumentHelp("FER+ votes: how often the crowd's majority agrees with the suspects.", valueName: "VOTES.csv"))
        public var ferplus: String?
        @Option(help: ArgumentHelp("The report folder (default WORKSPACE/reports/suspects-DATASET).", valueName: "DIR"))
        public var out: String?
        /// How each fold's model is trained: the train command's options; `max-minutes` is the budget of
        /// all folds together.
        @OptionGroup(title: "Training of each fold's model")
        public var training: Trainer.Options

        public init() {}

        public func check() throws {
            try training.check()
            guard (2...20).contains(folds) else { throw FerError(.invalidArgument, "folds must be between 2 and 20, got \(folds)") }
        }

        public var inputPaths: [String] { [probabilities, ferplus].compactMap { $0 } }

        /// What the folds' models depend on: a report folder holding folds trained otherwise starts again.
        var foldKey: [String] { [CrossValidation.key(of: training), String(folds), copies.rawValue, String(includeTest)] }
    }

    public struct Output: StageOutput {
        public var folder: String
        public var report: LabelIssueReport
        public var files: [String]
        /// Per fold: faces predicted, epochs and seconds of training (earlier runs' included for a resumed or kept fold).
        public var folds: [FoldResult]
        /// The dataset written by `apply`.
        public var dataset: String?

        public var location: String { dataset.map { "datasets/" + $0 } ?? folder }
        public var summary: String {
            "\(report.issues) label issues in \(report.faces) faces (estimated \(report.estimatedIssueCount))"
                + (dataset.map { ", applied: \($0)" } ?? "")
        }

        public func exists(in workspace: Workspace) -> Bool {
            files.allSatisfy { FileManager.default.fileExists(atPath: $0) }
                && (dataset.map { (try? workspace.dataset($0)) != nil } ?? true)
        }

        public func feed(_ input: inout StageInput, workspace: Workspace) throws {
            if let dataset { input.dataset = try workspace.dataset(dataset) }
        }
    }

    public struct FoldResult: Codable, Sendable {
        public var fold: Int
        public var faces: Int
        public var epochs: Int
        public var seconds: Double
        public var reused: Bool
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> Output {
        try options.check()
        let dataset = try input.requireModelSizedDataset(name)
        let all = try dataset.allRecords()
        var notExamined: [String: Int] = [:]
        let examined = all.indices.filter { index in
            let record = all[index]
            let reason = record.label == nil ? "unlabeled" : record.flags.contains(.augmented) ? "augmented copy"
                : (record.split == .test && !options.includeTest) ? "test split" : nil
            if let reason { notExamined[reason, default: 0] += 1 }
            return reason == nil
        }
        guard !examined.isEmpty else {
            throw FerError(.nothingRead, "dataset \(dataset.name) has no labelled records to examine"
                + (notExamined.isEmpty ? "" : " (" + notExamined.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + ")"))
        }
        let records = examined.map { all[$0] }
        let classes = Emotion.names
        let folder = options.out.map { URL(fileURLWithPath: $0) } ?? context.reports
            ?? context.workspace.root.appendingPathComponent("reports/suspects-" + dataset.name)

        let probabilities: [Double]
        var foldResults: [FoldResult] = []
        let source: String
        if let path = options.probabilities {
            probabilities = try ProbabilityTable.read(path, records: records, classes: classes)
            source = path
        } else {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let assignment = CrossValidationFolds.assign(records, folds: options.folds, seed: options.training.seed, near: options.copies == .near)
            (probabilities, foldResults) = try CrossValidation(
                assignment: assignment, folds: options.folds, training: options.training, key: options.foldKey, dataset: dataset, records: records,
                folder: folder.appendingPathComponent("folds"), context: context).run()
            source = "out-of-fold, \(options.folds) folds"
        }

        let learning = try ConfidentLearning(labels: records.map { Int($0.label!.rawValue) }, probabilities: probabilities,
                                             classes: classes.count)
        let scores = learning.qualityScores(options.rank)
        let issues = learning.rankedIssues(options.filter, scores: scores)
        var report = LabelIssueReport(dataset: dataset.name, classes: classes, learning: learning, issues: issues,
                                      notExamined: notExamined, probabilities: source, filter: options.filter, rank: options.rank)
        var verdicts: [FERPlusVotes.Verdict]?
        if let votes = options.ferplus {
            verdicts = try FERPlusVotes(path: votes).verdicts(records, of: dataset)
            report.compare(with: verdicts!, learning: learning, issues: issues, votes: votes)
        }

        // The report folder appears once there is a report to write: a refused input leaves nothing.
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func write(_ contents: Data, _ file: String) throws -> String {
            let path = folder.appendingPathComponent(file).path
            try FileIO.writeAtomically(contents, to: path)
            return path
        }
        var files = [
            try write(Data(ProbabilityTable.csv(records, probabilities: probabilities, classes: classes).utf8), "probabilities.csv"),
            try write(Data(LabelIssueReport.suspectsCSV(issues, records: records, learning: learning,
                                                        scores: scores, dataset: dataset.name,
                                                        classes: classes, verdicts: verdicts).utf8), "suspects.csv"),
            try write(try StageIO.json(report), "suspects.json"),
            try write(Data(try report.noiseMatrixPicture().png()), "noise-matrix.png"),
        ]
        if let sheet = LabelIssueReport.suspectSheet(issues, records: records, learning: learning, classes: classes) {
            files.append(try write(Data(try sheet.png()), "suspects.png"))
        }
        var applied: String?
        if let apply = options.apply {
            applied = try Self.apply(apply, issues: issues.map { examined[$0] }, likely: issues.map(learning.likely), to: all,
                                     dataset: dataset, options: options, folder: folder, context: context)
        }
        return Output(folder: folder.path, report: report, files: files, folds: foldResults, dataset: applied)
    }

    /// A new dataset with the issues dropped or relabelled, and `suspects-applied.csv` saying what
    /// happened to each (the given label is kept there).
    private static func apply(_ apply: Apply, issues: [Int], likely: [Int], to records: [FaceRecord], dataset: Dataset,
                              options: Options, folder: URL, context: StageContext) throws -> String {
        var changes = CSVField.line(["record_id", "source", "locator", "split", "given", "action", "label"]) + "\n"
        var output = records
        var dropped = Set<Int>()
        for (index, label) in zip(issues, likely) {
            let record = records[index]
            let newLabel = Emotion(rawValue: UInt8(label))!
            changes += CSVField.line([String(record.recordID), record.sourceName, String(record.locator), record.split.name,
                                      record.label!.name, apply.rawValue, apply == .drop ? "" : newLabel.name]) + "\n"
            if apply == .drop { dropped.insert(index) } else { output[index].label = newLabel }
        }
        if apply == .drop { output = output.indices.filter { !dropped.contains($0) }.map { output[$0] } }
        let written = try StageIO.write(
            output, stage: name, from: dataset, workspace: context.workspace,
            parameters: ["apply": apply.rawValue, "filter": options.filter.rawValue, "rank": options.rank.rawValue,
                         "issues": String(issues.count), "report": folder.path, "includeTest": String(options.includeTest)],
            attachments: [(name: "suspects-applied.csv", contents: Data(changes.utf8))])
        return written.name
    }
}
