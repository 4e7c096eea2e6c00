import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERNet
import FEREval
import Foundation

/// `ferdata eval`: a model on a dataset's split, with a report folder.
public enum EvalStage: Stage {
    public static let name = "eval"
    public static let role = StageRole.scoring

    public struct Options: StageOptions {
        @Option(help: "The split to score.")
        public var split = SplitChoice.test
        @Option(help: ArgumentHelp("The report folder (default WORKSPACE/reports/eval-DATASET-SPLIT).", valueName: "DIR"))
        public var report: String?
        @Option(help: "Test-time augmentation: the mean of the face and its mirror (flip), or of ten crops.")
        public var tta = TestTimeAugmentation.none
        @Option(help: ArgumentHelp(
            "Per-group scores: 'subject' (the person JAFFE, KDEF and CK+ file names name), or a regular expression on each face's source whose first group names its group.",
            valueName: "subject|REGEX"))
        public var groups: String?
        @OptionGroup(title: "Intervals")
        public var intervals: IntervalOptions

        public init() {}

        public func check() throws { try intervals.check() }
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> ReportOutput {
        try options.check()
        let classifier = try Classifier(path: try input.requireModel(name))
        let data = classifier.readsAnyShape ? try input.requireDataset(name) : try input.requireModelSizedDataset(name)
        let records = try Scoring.labelledRecords(of: data, split: options.split.split)
        guard !records.isEmpty else { throw FerError(.datasetUnfit, "\(data.name) has no labelled \(options.split.rawValue) records") }
        let folder = options.report.map { URL(fileURLWithPath: $0) } ?? context.reports
            ?? context.workspace.root.appendingPathComponent("reports/eval-\(data.name)-\(options.split.rawValue)")
        let evaluation = try Scoring.scoreDataset(classifier, records: records, data: data.name, split: options.split.rawValue, folder: folder,
                                                  tta: options.tta, groups: options.groups, bootstrap: options.intervals.bootstrap)
        return ReportOutput(folder: folder.path, reports: [folder.path], evaluations: [evaluation])
    }
}
