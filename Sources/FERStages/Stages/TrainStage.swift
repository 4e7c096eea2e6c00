import FERCore
import FERData
import FEREval
import FERMedia
import FERNet
import Foundation

/// `ferdata train`: the CNN-RNN on a dataset's train split, val each epoch, the best model's report.
public enum TrainStage: Stage {
    public static let name = "train"
    public static let role = StageRole.training

    /// On-the-fly augmentation of training batches.
    public enum Augmentation: String, StageChoice {
        case flipRotate = "flip-rotate", standard, none

        var policy: AugmentationPolicy? {
            switch self {
            case .flipRotate: .flipAndRotate
            case .standard: .standard
            case .none: nil
            }
        }
    }

    public struct Options: StageOptions {
        public var epochs = 30
        public var batchSize = 64
        /// Learning rate.
        public var lr: Float = 1e-3
        public var optimizer = OptimizerKind.adam
        /// SGD momentum.
        public var momentum: Float = 0.9
        /// L2 weight decay.
        public var weightDecay: Float = 0
        public var schedule = LearningRateSchedule.constant
        /// Epochs of linear learning-rate warmup (0: none).
        public var warmup = 0
        /// Label smoothing (0-1).
        public var labelSmoothing: Float = 0
        /// Class weights in the loss.
        public var classWeights = Trainer.ClassWeighting.none
        public var augment = Augmentation.flipRotate
        /// Stop after this many epochs without a better val weighted F1 (0: never).
        public var patience = 0
        /// LSTM hidden units.
        public var hidden = 128
        /// LSTM layers.
        public var layers = 2
        public var dropout: Float = 0.5
        public var seed: UInt64 = 0
        /// Stop before an epoch that would end past this many minutes (0: no limit).
        public var maxMinutes: Double = 0
        /// Test-time augmentation of the val scores (which pick the best model) and the test report.
        public var tta = TestTimeAugmentation.none

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case epochs, batchSize = "batch-size", lr, optimizer, momentum, weightDecay = "weight-decay", schedule, warmup
            case labelSmoothing = "label-smoothing", classWeights = "class-weights", augment, patience, hidden, layers, dropout
            case seed, maxMinutes = "max-minutes", tta
        }
        public static let keys = codingKeyNames(CodingKeys.self)

        public func validate() throws {
            guard epochs > 0 else { throw FerError(.invalidArgument, "epochs must be positive, got \(epochs)") }
            guard batchSize > 0 else { throw FerError(.invalidArgument, "batch-size must be positive, got \(batchSize)") }
            guard lr > 0, lr.isFinite else { throw FerError(.invalidArgument, "lr must be a positive number, got \(lr)") }
            guard (0..<1).contains(labelSmoothing) else { throw FerError(.invalidArgument, "label-smoothing must be in [0, 1), got \(labelSmoothing)") }
            guard (0..<1).contains(dropout) else { throw FerError(.invalidArgument, "dropout must be in [0, 1), got \(dropout)") }
            guard hidden > 0, layers > 0 else { throw FerError(.invalidArgument, "hidden and layers must be positive") }
            guard patience >= 0, maxMinutes >= 0 else { throw FerError(.invalidArgument, "patience and max-minutes must be 0 or more") }
            guard warmup >= 0 else { throw FerError(.invalidArgument, "warmup must be 0 or more epochs, got \(warmup)") }
        }

        /// The trainer's settings.
        public var trainer: Trainer.Options {
            var options = Trainer.Options()
            options.epochs = epochs
            options.batchSize = batchSize
            options.learningRate = lr
            options.optimizer = optimizer
            options.momentum = momentum
            options.weightDecay = weightDecay
            options.schedule = schedule
            options.warmup = warmup
            options.labelSmoothing = labelSmoothing
            options.classWeighting = classWeights
            options.augmentation = augment.policy
            options.patience = patience
            options.seed = seed
            options.maxMinutes = maxMinutes
            options.architecture.hidden = hidden
            options.architecture.layers = layers
            options.architecture.dropout = dropout
            options.testTimeAugmentation = tta
            return options
        }
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> TrainOutput {
        try options.validate()
        let trainer = try Trainer(workspace: context.workspace, dataset: try input.requireModelSizedDataset(name), options: options.trainer)
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
                           test: test?.metrics, report: test == nil ? nil : report.path, collapse: collapse,
                           seconds: Date().timeIntervalSince(started))
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
            data: trainer.options.dataset, split: "test", folder: folder, curves: curves, tta: trainer.options.testTimeAugmentation)
    }
}
