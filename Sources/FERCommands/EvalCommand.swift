import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FEREval
import FERStages
import Foundation

struct EvalCommand: StageCommand {
    static let stage = RegisteredStage(EvalStage.self)
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score a model on a dataset's test split (or --split): metrics, confusion matrix and a report folder.",
        discussion: """
            Prints accuracy, weighted and macro F1 and per-class precision/recall/F1/support, each with its 95% \
            bootstrap interval, and writes a report folder (default WORKSPACE/reports/eval-DATASET-SPLIT): metrics.json, \
            predictions.csv, confusion.png, classes.png, confused.png and report.html. MODEL is any model file \
            ferdata reads: its CNN-RNN (.safetensors, or a PyTorch state_dict saved by peer_cnnrnn.py --save), or \
            an ONNX model with its .onnx.json contract.

            Examples:
              ferdata eval ferdata-work/runs/0001-train/best.safetensors
              ferdata eval model.safetensors 0003-split --split val --json
            """)

    @Argument(help: CommandIO.modelHelp) var model: String
    @OptionGroup var input: DatasetArgument
    @OptionGroup var options: EvalStage.Options
    @OptionGroup var output: OutputOptions

    func run() throws {
        let root = input.workspace.resolved
        let stageInput = try input.stageInput(model: model)
        let result = try CommandIO.run(EvalStage.self, options, input: stageInput, workspace: root, output: output)
        defer { CommandIO.sayCollapsed(result.collapses.map(\.message), output: output) }
        if output.json { return try CommandIO.printJSON(result.evaluations[0]) }
        guard !output.quiet else { return }
        print(ScoreTables.comparisonTable(result.evaluations))
        print(ScoreTables.classTable(result.evaluations[0]))
        if let note = ScoreTables.intervalNote(result.evaluations) { print(note) }
        for group in result.evaluations[0].groups ?? [] {
            print("  group \(group.group): \(group.count) faces, accuracy \(ScoreTables.number(group.accuracy))")
        }
        print("report: \(result.reports[0])/report.html")
    }
}
