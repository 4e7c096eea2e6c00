import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FEREval
import FERStages
import Foundation

struct CrossEvalCommand: StageCommand {
    static let stage = RegisteredStage(CrossEvalStage.self)
    static let configuration = CommandConfiguration(
        commandName: "crosseval",
        abstract: "Score a model on foreign datasets: other label names, sizes and colours, read as ingest reads them.",
        discussion: """
            Each OTHER is a folder, an archive or a FER2013-style CSV in a layout ingest understands \
            (CLASS/file, SPLIT/CLASS/file). It goes through ingest's preprocessing (any size and colour to \
            the model's input: 48x48 gray for the CNN-RNN, an ONNX model's contract size and colour) in a temporary workspace; your workspace's datasets are not touched. Label names \
            go through the synonym table and --label-map; labels the model has no class for (contempt) are \
            excluded and listed, model classes missing from OTHER are reported and left out of the macro mean, \
            and unreadable files are skipped and listed. Nothing is deduplicated. One row per OTHER, plus the \
            in-domain test score with --baseline; one report folder each (WORKSPACE/reports/crosseval-NAME), \
            and with several scores one matrix of them (reports/crosseval-matrix: --also MODEL adds models).

            Examples:
              ferdata crosseval best.safetensors samples/foreign.zip
              ferdata crosseval best.safetensors ck+/ jaffe.zip --baseline 0003-split --label-map labels.txt
              ferdata crosseval best.safetensors frames/ --groups '^(S[0-9]+)_'
              ferdata crosseval best.safetensors jaffe/ CK+/ --groups subject
            """)

    @Argument(help: CommandIO.modelHelp) var model: String
    @OptionGroup var options: CrossEvalStage.Options
    @Option(help: ArgumentHelp("Also score this workspace dataset's test split, as the in-domain row.", valueName: "DATASET"))
    var baseline: String?
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let root = workspace.resolved
        let input = StageInput(model: model, baseline: try baseline.map { try root.dataset($0) })
        let result = try CommandIO.run(CrossEvalStage.self, options, input: input, workspace: root, output: output)
        defer {
            CommandIO.sayCollapsed(result.evaluations.compactMap { e in e.collapse.map { "\(e.data): \($0.message)" } }, output: output)
        }
        if output.json { return try CommandIO.printJSON(result.evaluations) }
        guard !output.quiet else { return }
        print(ScoreTables.comparisonTable(result.evaluations))
        if let note = ScoreTables.intervalNote(result.evaluations) { print(note) }
        for evaluation in result.evaluations {
            if !evaluation.absentClasses.isEmpty {
                print("\(evaluation.data): no faces of \(evaluation.absentClasses.joined(separator: ", ")) (left out of macro F1)")
            }
            for group in evaluation.groups ?? [] {
                print("  group \(group.group): \(group.count) faces, accuracy \(ScoreTables.number(group.accuracy))")
            }
        }
        for folder in result.reports { print("report: \(folder)/report.html") }
        if result.evaluations.count > 1 { print("matrix: \(result.folder)/crosseval-matrix/matrix.html (also .md, .json)") }
    }
}
