import FERCore
import FERCuration
import FERData
import FERIngest
import FEREval
import FERMedia
import FERNet
import Foundation

/// `ferdata train`: the CNN-RNN on a dataset's train split, val each epoch, the best model's report.
public enum TrainStage: Stage {
    public static let name = "train"
    public static let role = StageRole.training

    /// The trainer's options are the stage's: declared once, in `Trainer.Options`.
    public typealias Options = Trainer.Options

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> TrainOutput {
        try options.check()
        let trainer = try Trainer(workspace: context.workspace, dataset: try input.requireModelSizedDataset(name), options: options)
        return try train(trainer, context: context)
    }

    /// Continues an interrupted run (its folder) from its last checkpoint, with its own options.
    public static func resume(_ run: URL, context: StageContext) throws -> TrainOutput {
        try train(try Trainer(resuming: run, workspace: context.workspace), context: context)
    }

    private static func train(_ trainer: Trainer, context: StageContext) throws -> TrainOutput {
        let started = Date()
        let epochs = try trainer.run { progress in
            let remaining = Double(progress.totalSamples - progress.samples) / max(progress.samplesPerSecond, 1)
            context.progress(StageProgress(
                label: "epoch \(progress.epoch)/\(progress.epochs)", fraction: Double(progress.samples) / Double(max(1, progress.totalSamples)),
                detail: String(format: "loss %.4f  %.0f samples/s  ETA %.0fs", progress.loss, progress.samplesPerSecond, remaining)))
        }
        let report = trainer.directory.appendingPathComponent("report")
        let test = try writeReport(trainer, to: report)
        let collapse = try test?.collapse ?? trainer.chanceCollapse()
        try trainer.recordVerdict(collapse)
        return TrainOutput(run: trainer.directory.lastPathComponent, directory: trainer.directory.path, epochs: epochs,
                           test: test?.metrics, testIntervals: test?.intervals, report: test == nil ? nil : report.path, collapse: collapse,
                           initialisation: trainer.initialisation, plan: trainer.plan, seconds: Date().timeIntervalSince(started))
    }

    /// The best model's report on the test split, with the run's loss and accuracy curves (RUN/report):
    /// the run's test scores, through the same code as `ferdata eval`. nil without a test split.
    private static func writeReport(_ trainer: Trainer, to folder: URL) throws -> Evaluation? {
        let records = try trainer.testRecords()
        guard !records.isEmpty else { return nil }
        let history = try trainer.history()
        let curves = EvaluationReport.Curves(
            loss: [.init("TRAIN LOSS", history.map(\.loss))],
            accuracy: [.init("TRAIN", history.map(\.trainAccuracy)), .init("VAL", history.map(\.valAccuracy)),
                       .init("VAL WEIGHTED F1", history.map(\.valWeightedF1))])
        return try Scoring.scoreDataset(
            try Classifier(path: trainer.directory.appendingPathComponent("best.safetensors").path), records: records,
            data: trainer.dataset.name, split: "test", folder: folder, curves: curves, tta: trainer.options.tta)
    }
}

extension Trainer.Options: StageOptions {
    /// The `--init` model: it must exist, and its contents are part of a pipeline stage's cache key.
    public var inputPaths: [String] { `init`.map { [$0] } ?? [] }
}
