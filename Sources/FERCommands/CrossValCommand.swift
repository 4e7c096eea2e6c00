import ArgumentParser
import FERCore
import FERData
import FEREval
import FERStages
import Foundation

struct CrossValCommand: StageCommand {
    static let stage = RegisteredStage(CrossValStage.self)
    static let configuration = CommandConfiguration(
        commandName: "crossval",
        abstract: "Cross-validate the trainer on a dataset by person (leave-one-subject-out) or by face: pooled out-of-fold scores.",
        discussion: """
            Cuts the dataset's labelled faces (every split; augmented copies left out) into K folds: with --by subject \
            each person's faces in one fold, never on both sides (K = the number of people, the default, is \
            leave-one-subject-out; fewer folds are dealt stratified by label as far as the people allow), with --by face \
            stratified folds that keep copies of a face together. For each fold a model is trained on the others \
            (from --init MODEL to fine-tune, or from scratch) and scores the fold's faces: every face is scored \
            exactly once. Prints the pooled out-of-fold scores with their 95% intervals (people resampled) and each \
            fold's accuracy with their spread; writes WORKSPACE/reports/crossval-DATASET: crossval.json, folds.csv, \
            report/ (metrics.json, predictions.csv, the confusion matrix) and folds/ (the folds' runs; a rerun keeps \
            finished folds and resumes an interrupted one). --max-minutes is the budget of all folds together.

            Examples:
              ferdata crossval 0001-ingest --init fer2013.safetensors --lr-pretrained 1e-4 --epochs 10
              ferdata crossval --by face --folds 10 --epochs 20
            """)

    @OptionGroup var options: CrossValStage.Options
    @OptionGroup var input: DatasetArgument
    @OptionGroup var output: OutputOptions

    func run() throws {
        let root = input.workspace.resolved
        CommandIO.noteKernels(output)
        let result = try CommandIO.run(CrossValStage.self, options, input: try input.stageInput(), workspace: root, output: output)
        if output.json { return try CommandIO.printJSON(result) }
        guard !output.quiet else { return }
        let rows = result.folds.map { fold in
            [String(fold.fold), fold.people.joined(separator: " "), String(fold.faces), ScoreTables.number(fold.accuracy), String(fold.epochs),
             String(format: "%.1f", fold.seconds) + (fold.reused ? " (kept)" : "")]
        }
        print(SummaryTable.render(header: ["fold", "people", "faces", "accuracy", "epochs", "s"], rows: rows))
        let e = result.evaluation, i = e.intervals
        print("out-of-fold, \(e.scored) faces: accuracy " + ScoreIntervals.text(e.metrics.accuracy, i?.accuracy)
              + ", weighted F1 " + ScoreIntervals.text(e.metrics.weightedF1, i?.weightedF1) + ", macro F1 " + ScoreIntervals.text(e.metrics.macroF1, i?.macroF1)
              + (i.map { " (95% bootstrap intervals, \($0.resamples) resamples of \($0.unit)s)" } ?? ""))
        let s = result.foldAccuracy
        print("per fold: accuracy " + String(format: "%.4f ± %.4f (lowest %.4f, highest %.4f)", s.mean, s.standardDeviation, s.lowest, s.highest))
        print("report: \(result.folder)")
        if let collapse = e.collapse { CommandIO.sayCollapsed([collapse.message], output: output) }
    }
}
