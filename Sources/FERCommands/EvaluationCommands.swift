import ArgumentParser
import FERCore
import FERData
import FEREval
import FERStages
import Foundation

/// How scores print: shared by eval and crosseval.
enum ScoreTables {
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
}

struct EvalCommand: StageCommand {
    static let stage = RegisteredStage(EvalStage.self)
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score a model on a dataset's test split (or --split): metrics, confusion matrix and a report folder.",
        discussion: """
            Prints accuracy, weighted and macro F1 and per-class precision/recall/F1/support, and writes a \
            report folder (default WORKSPACE/reports/eval-DATASET-SPLIT): metrics.json, predictions.csv, confusion.png, \
            classes.png, confused.png and report.html. MODEL is any model file ferdata reads, including a \
            PyTorch state_dict saved by peer_cnnrnn.py --save.

            Examples:
              ferdata eval ferdata-work/runs/0001-train/best.safetensors
              ferdata eval model.safetensors 0003-split --split val --json
            """)

    @Argument(help: ArgumentHelp("The model file (.safetensors).", valueName: "MODEL")) var model: String
    @Argument(help: ArgumentHelp("The dataset: a name, number, stage or folder (default: the latest).", valueName: "DATASET"))
    var dataset: String?
    @Option(help: "The split to score.") var split = EvalStage.Options().split
    @Option(help: ArgumentHelp("The report folder.", valueName: "DIR")) var report: String?
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    var options: EvalStage.Options {
        var options = EvalStage.Options()
        options.split = split
        options.report = report
        return options
    }

    func run() throws {
        let root = workspace.resolved
        let input = StageInput(dataset: try root.dataset(dataset), model: model)
        let result = try CommandIO.run(EvalStage.self, options, input: input, workspace: root, output: output)
        if output.json { return try CommandIO.printJSON(result.evaluations[0]) }
        guard !output.quiet else { return }
        print(ScoreTables.comparisonTable(result.evaluations))
        print(ScoreTables.classTable(result.evaluations[0]))
        print("report: \(result.reports[0])/report.html")
    }
}

struct CrossEvalCommand: StageCommand {
    static let stage = RegisteredStage(CrossEvalStage.self)
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

    var options: CrossEvalStage.Options {
        var options = CrossEvalStage.Options()
        options.others = others
        options.labelMap = labelMap
        options.groups = groups
        options.reports = reports
        return options
    }

    func validate() throws { try CommandIO.validate(options) }

    func run() throws {
        let root = workspace.resolved
        let input = StageInput(model: model, baseline: try baseline.map { try root.dataset($0) })
        let result = try CommandIO.run(CrossEvalStage.self, options, input: input, workspace: root, output: output)
        if output.json { return try CommandIO.printJSON(result.evaluations) }
        guard !output.quiet else { return }
        print(ScoreTables.comparisonTable(result.evaluations))
        for evaluation in result.evaluations {
            if !evaluation.absentClasses.isEmpty {
                print("\(evaluation.data): no faces of \(evaluation.absentClasses.joined(separator: ", ")) (left out of macro F1)")
            }
            for group in evaluation.groups ?? [] {
                print("  group \(group.group): \(group.count) faces, accuracy \(ScoreTables.number(group.accuracy))")
            }
        }
        for folder in result.reports { print("report: \(folder)/report.html") }
    }
}
