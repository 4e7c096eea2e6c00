import ArgumentParser
import FERCore
import FERData
import FEREval
import FERMedia
import FERNet
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the CNN-RNN on a dataset's train split, evaluating on val each epoch.",
        discussion: """
            The reference model of ../shared/peers/peer_cnnrnn.py (conv 32/64, 2-layer LSTM of 128, dropout \
            0.5), on OpenBLAS. Batches stream from the shards with a shuffle buffer and on-the-fly flips and \
            rotations. The run folder (WORKSPACE/runs/NNNN-train) gets run.json, metrics.csv, best.safetensors \
            (by val weighted F1), last.safetensors, a checkpoint for --resume, test.json and report/ (the best model on \
            the test split with loss and accuracy curves; see ferdata eval).

            Examples:
              ferdata train --epochs 30
              ferdata train --from 0003-split --schedule cosine --label-smoothing 0.1 --class-weights balanced
              ferdata train --resume 0002-train
            """)

    @Option(help: "Epochs.") var epochs = 30
    @Option(help: "Batch size.") var batchSize = 64
    @Option(help: "Learning rate.") var lr: Float = 1e-3
    @Option(help: "adam or sgd (with momentum).") var optimizer = "adam"
    @Option(help: "SGD momentum.") var momentum: Float = 0.9
    @Option(help: "L2 weight decay.") var weightDecay: Float = 0
    @Option(help: "constant, cosine or step.") var schedule = "constant"
    @Option(help: "Label smoothing (0-1).") var labelSmoothing: Float = 0
    @Option(help: "Class weights in the loss: none or balanced.") var classWeights = "none"
    @Option(help: "On-the-fly augmentation: flip-rotate, standard or none.") var augment = "flip-rotate"
    @Option(help: "Stop after this many epochs without a better val weighted F1 (0: never).") var patience = 0
    @Option(help: "LSTM hidden units.") var hidden = 128
    @Option(help: "LSTM layers.") var layers = 2
    @Option(help: "Dropout.") var dropout: Float = 0.5
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Stop before an epoch that would end past this many minutes (0: no limit).") var maxMinutes: Double = 0
    @Option(help: ArgumentHelp("Continue an interrupted run (its name or folder).", valueName: "RUN")) var resume: String?
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try CommandIO.reportingErrors {
            let workspace = input.workspace.resolved
            let trainer: Trainer
            if let resume {
                let folder = resume.contains("/") ? URL(fileURLWithPath: resume) : workspace.root.appendingPathComponent("runs/" + resume)
                trainer = try Trainer(resuming: folder, workspace: workspace)
            } else {
                trainer = try Trainer(workspace: workspace, dataset: try workspace.dataset(input.from), options: try options())
            }
            let bar = ProgressBar(enabled: !output.quiet && !output.json)
            let started = Date()
            let results = try trainer.run { progress in
                let remaining = Double(progress.totalSamples - progress.samples) / max(progress.samplesPerSecond, 1)
                bar.update(label: "epoch \(progress.epoch)/\(progress.epochs)",
                           fraction: Double(progress.samples) / Double(max(1, progress.totalSamples)),
                           detail: String(format: "loss %.4f  %.0f samples/s  ETA %.0fs", progress.loss, progress.samplesPerSecond, remaining))
            }
            bar.finish()
            let test = try trainer.testMetrics()
            let report = try writeReport(trainer)
            if output.json {
                try CommandIO.printJSON(results)
            } else if !output.quiet {
                let rows = results.map { r in
                    [String(r.epoch), String(format: "%.4f", r.loss), String(format: "%.4f", r.trainAccuracy),
                     String(format: "%.4f", r.valAccuracy), String(format: "%.4f", r.valWeightedF1),
                     String(format: "%.1f", r.seconds), String(format: "%.0f", r.samplesPerSecond)]
                }
                print(SummaryTable.render(header: ["epoch", "loss", "train acc", "val acc", "val wF1", "s", "samples/s"], rows: rows))
                if let test {
                    print(String(format: "best model (val weighted F1) on test: accuracy %.4f, weighted F1 %.4f, macro F1 %.4f",
                                 test.accuracy, test.weightedF1, test.macroF1))
                }
                print(String(format: "trained in %.1f s; run folder %@", Date().timeIntervalSince(started), trainer.directory.path))
                if let report { print("report: \(report.appendingPathComponent("report.html").path)") }
            }
        }
    }

    /// The best model's report on the test split, with the run's loss and accuracy curves (RUN/report).
    func writeReport(_ trainer: Trainer) throws -> URL? {
        let records = try trainer.testRecords()
        guard !records.isEmpty else { return nil }
        let history = try trainer.history()
        let curves = EvaluationReport.Curves(
            loss: [.init("TRAIN LOSS", history.map(\.loss))],
            accuracy: [.init("TRAIN", history.map(\.trainAccuracy)), .init("VAL", history.map(\.valAccuracy)),
                       .init("VAL WEIGHTED F1", history.map(\.valWeightedF1))])
        let folder = trainer.directory.appendingPathComponent("report")
        _ = try EvaluationOutput.scoreDataset(
            try Classifier(path: trainer.directory.appendingPathComponent("best.safetensors").path), records: records,
            data: trainer.options.dataset, split: "test", folder: folder, curves: curves)
        return folder
    }

    func options() throws -> Trainer.Options {
        var options = Trainer.Options()
        options.epochs = epochs
        options.batchSize = batchSize
        options.learningRate = lr
        options.momentum = momentum
        options.weightDecay = weightDecay
        options.labelSmoothing = labelSmoothing
        options.patience = patience
        options.seed = seed
        options.maxMinutes = maxMinutes
        options.architecture.hidden = hidden
        options.architecture.layers = layers
        options.architecture.dropout = dropout
        guard let kind = OptimizerKind(rawValue: optimizer) else {
            throw FerError(.invalidArgument, "--optimizer must be adam or sgd, got '\(optimizer)'")
        }
        options.optimizer = kind
        guard let chosen = LearningRateSchedule(rawValue: schedule) else {
            throw FerError(.invalidArgument, "--schedule must be constant, cosine or step, got '\(schedule)'")
        }
        options.schedule = chosen
        guard let weighting = Trainer.ClassWeighting(rawValue: classWeights) else {
            throw FerError(.invalidArgument, "--class-weights must be none or balanced, got '\(classWeights)'")
        }
        options.classWeighting = weighting
        switch augment {
        case "flip-rotate": options.augmentation = .flipAndRotate
        case "standard": options.augmentation = .standard
        case "none": options.augmentation = nil
        default: throw FerError(.invalidArgument, "--augment must be flip-rotate, standard or none, got '\(augment)'")
        }
        return options
    }
}
