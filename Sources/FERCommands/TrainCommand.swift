import ArgumentParser
import FERCore
import FERCuration
import FERData
import FEREval
import FERIngest
import FERNet
import FERStages
import Foundation

struct TrainCommand: StageCommand {
    static let stage = RegisteredStage(TrainStage.self)
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the CNN-RNN on a dataset's train split, evaluating on val each epoch.",
        discussion: """
            The reference model of ../shared/peers/peer_cnnrnn.py (conv 32/64, 2-layer LSTM of 128, dropout \
            0.5), on OpenBLAS. Each epoch visits the whole train split in one random order, with on-the-fly \
            flips and rotations; a damaged shard or record stops training with an error naming it. The run folder \
            (WORKSPACE/runs/NNNN-train) gets run.json, metrics.csv, best.safetensors (by val weighted F1), \
            last.safetensors, a checkpoint for --resume, and report/ (the best model on the test \
            split with loss and accuracy curves; see ferdata eval). A model that learned nothing (one class for \
            nearly every test face, or val accuracy that never left chance) is reported as COLLAPSED, in the \
            summary, run.json and report/metrics.json, with the likely causes.

            Examples:
              ferdata train --epochs 30
              ferdata train --from 0003-split --schedule cosine --label-smoothing 0.1 --class-weights balanced
              ferdata train --resume 0002-train
            """)

    @OptionGroup var options: TrainStage.Options
    @Option(help: ArgumentHelp("Continue an interrupted run (its name or folder).", valueName: "RUN")) var resume: String?
    @Flag(help: "Exit with status 3 when the model collapsed (learned nothing).") var failOnCollapse = false
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let workspace = input.workspace.resolved
        CommandIO.noteKernels(output)
        let result: TrainOutput
        if let resume {
            let folder = resume.contains("/") ? URL(fileURLWithPath: resume) : workspace.root.appendingPathComponent("runs/" + resume)
            result = try CommandIO.withProgress(workspace: workspace, output: output) { try TrainStage.resume(folder, context: $0) }
        } else {
            result = try CommandIO.run(TrainStage.self, options, input: try input.stageInput(), workspace: workspace, output: output)
        }
        if output.json {
            try CommandIO.printJSON(result.epochs)
        } else if !output.quiet {
            printSummary(result)
        }
        if let collapse = result.collapse {
            CommandIO.sayCollapsed([collapse.message], output: output)
            if failOnCollapse { throw ExitCode(CommandIO.collapsedStatus) }
        }
    }

    private func printSummary(_ result: TrainOutput) {
        let rows = result.epochs.map { r in
            [String(r.epoch), String(format: "%.4f", r.loss), String(format: "%.4f", r.trainAccuracy),
             String(format: "%.4f", r.valAccuracy), String(format: "%.4f", r.valWeightedF1),
             String(format: "%.1f", r.seconds), String(format: "%.0f", r.samplesPerSecond)]
        }
        print(SummaryTable.render(header: ["epoch", "loss", "train acc", "val acc", "val wF1", "s", "samples/s"], rows: rows))
        if let start = result.initialisation {
            print("started from \(start.model): " + (start.newHead ? "all but its output layer (its classes are not the dataset's)" : "all its weights"))
        }
        if let plan = result.plan { print("time box: \(plan.reason) (run.json: plan)") }
        if let test = result.test {
            let intervals = result.testIntervals
            print("best model (val weighted F1) on test: accuracy " + ScoreIntervals.text(test.accuracy, intervals?.accuracy)
                + ", weighted F1 " + ScoreIntervals.text(test.weightedF1, intervals?.weightedF1)
                + ", macro F1 " + ScoreIntervals.text(test.macroF1, intervals?.macroF1)
                + (intervals.map { " (95% bootstrap intervals, \($0.resamples) resamples of \($0.unit)s)" } ?? ""))
        }
        print(String(format: "trained in %.1f s; run folder %@", result.seconds, result.directory))
        if let report = result.report { print("report: \(report)/report.html") }
    }
}
