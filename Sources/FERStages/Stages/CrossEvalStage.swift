import FERCore
import FERData
import FERNet
import FEREval
import Foundation

/// `ferdata crosseval`: a model on foreign datasets read as ingest reads them, beside the in-domain
/// test score of `input.baseline`.
public enum CrossEvalStage: Stage {
    public static let name = "crosseval"
    public static let role = StageRole.scoring

    public struct Options: StageOptions {
        /// Foreign datasets: folders, archives or CSVs.
        public var others: [String] = []
        /// A file of `name,target` lines mapping foreign label names to classes (or `ignore`).
        public var labelMap: String?
        /// How every OTHER lays out faces and labels; nil detects it for each.
        public var layout: Layout?
        /// A regular expression on each file's path whose first group names its subject or sequence.
        public var groups: String?
        /// The folder under which each report folder goes (default WORKSPACE/reports).
        public var reports: String?
        /// Test-time augmentation, for every row.
        public var tta = TestTimeAugmentation.none
        /// How the face is found in each picture of every OTHER (as ingest's `faces`).
        public var faces = FaceMode.auto
        /// The smallest face a search keeps, in pixels.
        public var minFace = 48
        /// Align found faces from their eyes: level, at FER-2013's eye distance.
        public var align = false
        /// Every face found in a picture, one record each, not only the largest.
        public var allFaces = false

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case others, labelMap = "label-map", layout, groups, reports, tta, faces, minFace = "min-face", align, allFaces = "all-faces"
        }
        public static let keys = codingKeyNames(CodingKeys.self)

        public func validate() throws {
            guard !others.isEmpty else { throw FerError(.invalidArgument, "others: give at least one foreign dataset") }
            if let groups, (try? NSRegularExpression(pattern: groups)) == nil {
                throw FerError(.invalidArgument, "groups: '\(groups)' is not a regular expression")
            }
        }

        public var inputPaths: [String] { others + (labelMap.map { [$0] } ?? []) }
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> ReportOutput {
        try options.validate()
        let classifier = try Classifier(path: try input.requireModel(name))
        let vocabulary = try LabelVocabulary.labelMap(options.labelMap).vocabulary
        let root = options.reports.map { URL(fileURLWithPath: $0) } ?? context.reports
            ?? context.workspace.root.appendingPathComponent("reports")
        var evaluations: [Evaluation] = []
        var folders: [String] = []
        if let data = input.baseline {
            let folder = root.appendingPathComponent("eval-\(data.name)-test")
            evaluations.append(try Scoring.scoreDataset(
                classifier, records: try Scoring.labelledRecords(of: data, split: .test), data: data.name, split: "test", folder: folder,
                tta: options.tta))
            folders.append(folder.path)
        }
        for other in options.others {
            let foreign = try ForeignDataset(path: other, vocabulary: vocabulary, layout: options.layout, faces: options.faces, minFace: options.minFace, align: options.align, allFaces: options.allFaces)
            let predictions = classifier.predict(foreign.records, tta: options.tta)
            let evaluation = try Evaluation(
                classifier: classifier, records: foreign.records, predictions: predictions, data: other, split: "all",
                excludedLabels: foreign.unknownLabels, rejected: foreign.rejected, groupPattern: options.groups, tta: options.tta)
            let folder = root.appendingPathComponent("crosseval-" + URL(fileURLWithPath: other).lastPathComponent)
            try EvaluationReport.write(evaluation, predictions: predictions, records: foreign.records, to: folder, rejectLog: foreign.rejectLog)
            evaluations.append(evaluation)
            folders.append(folder.path)
        }
        return ReportOutput(folder: root.path, reports: folders, evaluations: evaluations)
    }
}
