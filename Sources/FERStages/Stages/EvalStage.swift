import FERCore
import FERData
import FERNet
import FEREval
import Foundation

/// `ferdata eval`: a model on a dataset's split, with a report folder.
public enum EvalStage: Stage {
    public static let name = "eval"
    public static let role = StageRole.scoring

    public struct Options: StageOptions {
        /// The split to score.
        public var split = SplitChoice.test
        /// The report folder (default WORKSPACE/reports/eval-DATASET-SPLIT).
        public var report: String?
        /// Test-time augmentation.
        public var tta = TestTimeAugmentation.none
        /// Per-group scores: `subject`, or a regular expression on each face's source name.
        public var groups: String?

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable { case split, report, tta, groups }
        public static let keys = codingKeyNames(CodingKeys.self)
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> ReportOutput {
        let data = try input.requireModelSizedDataset(name)
        let classifier = try Classifier(path: try input.requireModel(name))
        let records = try Scoring.labelledRecords(of: data, split: options.split.split)
        guard !records.isEmpty else { throw FerError(.datasetUnfit, "\(data.name) has no labelled \(options.split.rawValue) records") }
        let folder = options.report.map { URL(fileURLWithPath: $0) } ?? context.reports
            ?? context.workspace.root.appendingPathComponent("reports/eval-\(data.name)-\(options.split.rawValue)")
        let evaluation = try Scoring.scoreDataset(classifier, records: records, data: data.name, split: options.split.rawValue, folder: folder,
                                                  tta: options.tta, groups: options.groups)
        return ReportOutput(folder: folder.path, reports: [folder.path], evaluations: [evaluation])
    }
}
