import ArgumentParser
import FERCore
import FERData
import FEREval
import Foundation

/// Where reports go and how scores print: shared by eval and crosseval.
enum EvaluationOutput {
    /// WORKSPACE/reports/NAME, or the folder asked for.
    static func folder(_ requested: String?, workspace: Workspace, name: String) -> URL {
        if let requested { return URL(fileURLWithPath: requested) }
        return workspace.root.appendingPathComponent("reports").appendingPathComponent(name)
    }

    static func number(_ value: Double) -> String { String(format: "%.4f", value) }

    /// The per-class table of one evaluation.
    static func classTable(_ e: Evaluation) -> String {
        let m = e.metrics
        let rows = e.classes.indices.map { i in
            [e.classes[i], number(m.precision[i]), number(m.recall[i]), number(m.f1[i]), String(m.support[i])]
        }
        return SummaryTable.render(header: ["class", "precision", "recall", "F1", "support"], rows: rows)
    }

    /// One row per evaluation: the table a paper prints.
    static func comparisonTable(_ evaluations: [Evaluation]) -> String {
        let rows = evaluations.map { e in
            [URL(fileURLWithPath: e.data).lastPathComponent, e.split, String(e.scored), number(e.metrics.accuracy),
             number(e.metrics.weightedF1), number(e.metrics.macroF1), e.absentClasses.joined(separator: " "),
             e.excludedLabels.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
             String(e.rejected.values.reduce(0, +))]
        }
        return SummaryTable.render(
            header: ["data", "split", "faces", "accuracy", "weighted F1", "macro F1", "absent classes", "excluded labels", "skipped files"],
            rows: rows)
    }

    /// The labelled records of a split (all splits for nil).
    static func labelledRecords(of dataset: Dataset, split: Split?) throws -> [FaceRecord] {
        var records: [FaceRecord] = []
        try dataset.forEachRecord { if (split == nil || $0.split == split) && $0.label != nil { records.append($0) } }
        return records
    }

    /// Scores `records` with the classifier and writes the report folder: eval, the crosseval baseline
    /// row and a training run's report.
    static func scoreDataset(
        _ classifier: Classifier, records: [FaceRecord], data: String, split: String, folder: URL,
        curves: EvaluationReport.Curves? = nil
    ) throws -> Evaluation {
        let predictions = classifier.predict(records)
        let evaluation = try Evaluation(classifier: classifier, records: records, predictions: predictions, data: data, split: split)
        try EvaluationReport.write(evaluation, predictions: predictions, records: records, to: folder, curves: curves)
        return evaluation
    }
}

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score a model on a dataset's test split (or --split): metrics, confusion matrix and a report folder.",
        discussion: """
            Prints accuracy, weighted and macro F1 and per-class precision/recall/F1/support, and writes a \
            report folder (default WORKSPACE/reports/eval-DATASET): metrics.json, predictions.csv, confusion.png, \
            classes.png, confused.png and report.html. MODEL is any model file ferdata reads, including a \
            PyTorch state_dict saved by peer_cnnrnn.py --save.

            Examples:
              ferdata eval ferdata-work/runs/0001-train/best.safetensors
              ferdata eval model.safetensors 0003-split --split val --json
            """)

    @Argument(help: ArgumentHelp("The model file (.safetensors).", valueName: "MODEL")) var model: String
    @Argument(help: ArgumentHelp("The dataset: a name, number, stage or folder (default: the latest).", valueName: "DATASET"))
    var dataset: String?
    @Option(help: "The split to score: train, val, test or all.") var split = "test"
    @Option(help: ArgumentHelp("The report folder.", valueName: "DIR")) var report: String?
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try CommandIO.reportingErrors {
            let workspace = workspace.resolved
            let data = try workspace.dataset(dataset)
            let wanted = try CommandIO.split(split, allowingAll: true)
            let classifier = try Classifier(path: model)
            let records = try EvaluationOutput.labelledRecords(of: data, split: wanted)
            guard !records.isEmpty else { throw FerError(.invalidArgument, "\(data.name) has no labelled \(split) records") }
            let folder = EvaluationOutput.folder(report, workspace: workspace, name: "eval-\(data.name)-\(split)")
            let evaluation = try EvaluationOutput.scoreDataset(classifier, records: records, data: data.name, split: split, folder: folder)
            if output.json { return try CommandIO.printJSON(evaluation) }
            guard !output.quiet else { return }
            print(EvaluationOutput.comparisonTable([evaluation]))
            print(EvaluationOutput.classTable(evaluation))
            print("report: \(folder.appendingPathComponent("report.html").path)")
        }
    }
}

struct CrossEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crosseval",
        abstract: "Score a model on foreign datasets: other label names, sizes and colours, read as ingest reads them.",
        discussion: """
            Each OTHER is a folder, an archive or a FER2013-style CSV in a layout ingest understands \
            (CLASS/file, SPLIT/CLASS/file). It goes through ingest's preprocessing (any size and colour to \
            48x48 grayscale) in a temporary workspace; your workspace's datasets are not touched. Label names \
            go through the synonym table and --label-map; labels the model has no class for (contempt) are \
            excluded and listed, model classes missing from OTHER are reported and left out of the macro mean, \
            and unreadable files are skipped and listed. Nothing is deduplicated. One row per OTHER, plus the \
            in-domain test score with --baseline; one report folder each (WORKSPACE/reports/crosseval-NAME).

            Examples:
              ferdata crosseval best.safetensors samples/foreign.zip
              ferdata crosseval best.safetensors ck+/ jaffe.zip --baseline 0003-split --label-map labels.txt
              ferdata crosseval best.safetensors frames/ --groups '^(S[0-9]+)_'
            """)

    @Argument(help: ArgumentHelp("The model file (.safetensors).", valueName: "MODEL")) var model: String
    @Argument(help: ArgumentHelp("Foreign datasets: folders, archives or CSVs.", valueName: "OTHER")) var others: [String]
    @Option(help: ArgumentHelp("Also score this workspace dataset's test split, as the in-domain row.", valueName: "DATASET"))
    var baseline: String?
    @Option(help: ArgumentHelp("A file of 'name,target' lines mapping foreign label names to classes (or 'ignore').", valueName: "FILE"))
    var labelMap: String?
    @Option(help: ArgumentHelp("A regular expression on each file's path whose first group names its subject or sequence: adds per-group scores.",
                               valueName: "REGEX"))
    var groups: String?
    @Option(help: ArgumentHelp("The folder under which each OTHER's report folder goes (default WORKSPACE/reports).", valueName: "DIR"))
    var reports: String?
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try CommandIO.reportingErrors {
            guard !others.isEmpty else { throw FerError(.invalidArgument, "give at least one OTHER dataset") }
            let workspace = workspace.resolved
            let classifier = try Classifier(path: model)
            let vocabulary = try CommandIO.labelMap(labelMap).vocabulary
            let root = reports.map { URL(fileURLWithPath: $0) } ?? workspace.root.appendingPathComponent("reports")
            var evaluations: [Evaluation] = []
            var folders: [URL] = []
            if let baseline {
                let data = try workspace.dataset(baseline)
                let folder = root.appendingPathComponent("eval-\(data.name)-test")
                evaluations.append(try EvaluationOutput.scoreDataset(
                    classifier, records: try EvaluationOutput.labelledRecords(of: data, split: .test), data: data.name, split: "test",
                    folder: folder))
                folders.append(folder)
            }
            for other in others {
                let foreign = try ForeignDataset(path: other, vocabulary: vocabulary)
                let predictions = classifier.predict(foreign.records)
                let evaluation = try Evaluation(
                    classifier: classifier, records: foreign.records, predictions: predictions, data: other, split: "all",
                    excludedLabels: foreign.unknownLabels, rejected: foreign.rejected, groupPattern: groups)
                let name = URL(fileURLWithPath: other).lastPathComponent
                let folder = root.appendingPathComponent("crosseval-" + name)
                try EvaluationReport.write(evaluation, predictions: predictions, records: foreign.records, to: folder,
                                           rejectLog: foreign.rejectLog)
                evaluations.append(evaluation)
                folders.append(folder)
            }
            if output.json { return try CommandIO.printJSON(evaluations) }
            guard !output.quiet else { return }
            print(EvaluationOutput.comparisonTable(evaluations))
            for evaluation in evaluations {
                if !evaluation.absentClasses.isEmpty {
                    print("\(evaluation.data): no faces of \(evaluation.absentClasses.joined(separator: ", ")) (left out of macro F1)")
                }
                for group in evaluation.groups ?? [] {
                    print("  group \(group.group): \(group.count) faces, accuracy \(EvaluationOutput.number(group.accuracy))")
                }
            }
            for folder in folders { print("report: \(folder.appendingPathComponent("report.html").path)") }
        }
    }
}
