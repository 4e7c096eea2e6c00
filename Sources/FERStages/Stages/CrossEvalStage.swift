import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERNet
import FEREval
import Foundation

/// `ferdata crosseval`: a model on foreign datasets read as ingest reads them, beside the in-domain
/// test score of `input.baseline`.
public enum CrossEvalStage: Stage {
    public static let name = "crosseval"
    public static let role = StageRole.scoring

    public struct Options: StageOptions {
        @Argument(help: ArgumentHelp("Foreign datasets: folders, archives or CSVs.", valueName: "OTHER"))
        public var others: [String] = []
        @Option(help: ArgumentHelp("A file of 'name,target' lines mapping foreign label names to classes (or 'ignore').", valueName: "FILE"))
        public var labelMap: String?
        @Option(help: ArgumentHelp("How the OTHER datasets lay out faces and labels (default: detected for each).", valueName: "NAME"))
        public var layout: Layout?
        @Option(help: ArgumentHelp(
            "Per-group scores: 'subject' (the person JAFFE, KDEF and CK+ file names name), or a regular expression on each file's path whose first group names its subject or sequence.",
            valueName: "subject|REGEX"))
        public var groups: String?
        @Option(help: ArgumentHelp("The folder under which each OTHER's report folder goes (default WORKSPACE/reports).", valueName: "DIR"))
        public var reports: String?
        @Option(help: "Test-time augmentation: the mean of the face and its mirror (flip), or of ten crops.")
        public var tta = TestTimeAugmentation.none
        @OptionGroup(title: "Faces in pictures")
        public var face: FaceOptions
        @OptionGroup(title: "Intervals")
        public var intervals: IntervalOptions
        @Option(help: ArgumentHelp("Another model scored on the same data (repeat the option): one matrix report, models by datasets.",
                                   valueName: "MODEL"))
        public var also: [String] = []

        public init() {}

        public func check() throws {
            guard !others.isEmpty else { throw FerError(.invalidArgument, "others: give at least one foreign dataset") }
            if let groups, groups != "subject", (try? NSRegularExpression(pattern: groups)) == nil {
                throw FerError(.invalidArgument, "groups: '\(groups)' is not a regular expression")
            }
            try face.check()
            try intervals.check()
        }

        public var inputPaths: [String] { others + also + (labelMap.map { [$0] } ?? []) }
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> ReportOutput {
        try options.check()
        let models = [try input.requireModel(name)] + options.also
        let vocabulary = try LabelVocabulary.labelMap(options.labelMap).vocabulary
        let root = options.reports.map { URL(fileURLWithPath: $0) } ?? context.reports
            ?? context.workspace.root.appendingPathComponent("reports")
        var evaluations: [Evaluation] = []
        var folders: [String] = []
        for model in models {
            let classifier = try Classifier(path: model)
            // With several models, each model's reports are named after it too.
            let prefix = models.count > 1 ? URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent + "-" : ""
            if let data = input.baseline {
                let folder = root.appendingPathComponent("eval-\(prefix)\(data.name)-test")
                evaluations.append(try Scoring.scoreDataset(
                    classifier, records: try Scoring.labelledRecords(of: data, split: .test), data: data.name, split: "test", folder: folder,
                    tta: options.tta, bootstrap: options.intervals.bootstrap))
                folders.append(folder.path)
            }
            for other in options.others {
                // Each face is scored as soon as it is read.
                let scorer = try classifier.scorer(tta: options.tta)
                let foreign = try ForeignDataset(path: other, vocabulary: vocabulary, layout: options.layout, face: options.face,
                                                 shape: classifier.inputShape, shapeIsLargest: classifier.readsAnyShape, each: scorer.add)
                let predictions = try scorer.finish()
                let evaluation = try Evaluation(
                    classifier: classifier, records: foreign.records, predictions: predictions, data: other, split: "all",
                    excludedLabels: foreign.unknownLabels, rejected: foreign.rejected, groupPattern: options.groups, tta: options.tta,
                    bootstrap: options.intervals.bootstrap)
                let folder = root.appendingPathComponent("crosseval-" + prefix + URL(fileURLWithPath: other).lastPathComponent)
                try EvaluationReport.write(evaluation, predictions: predictions, records: foreign.records, to: folder, rejectLog: foreign.rejectLog)
                evaluations.append(evaluation)
                folders.append(folder.path)
            }
        }
        // The matrix is a view of the reports above, not a report of its own (a pipeline's up-to-date check
        // looks for each report's metrics.json).
        if evaluations.count > 1 { try ScoreMatrix(evaluations).write(to: root.appendingPathComponent("crosseval-matrix")) }
        return ReportOutput(folder: root.path, reports: folders, evaluations: evaluations)
    }
}
