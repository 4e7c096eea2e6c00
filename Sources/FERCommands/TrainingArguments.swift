import ArgumentParser
import FERNet
import FERStages

/// The trainer's options, shared by `train` and `suspects` (which trains one model per fold).
struct TrainingArguments: ParsableArguments {
    private static let defaults = TrainStage.Options()
    @Option(help: "Epochs.") var epochs = defaults.epochs
    @Option(help: "Batch size.") var batchSize = defaults.batchSize
    @Option(help: "Learning rate.") var lr = defaults.lr
    @Option(help: "The optimizer (sgd: with momentum).") var optimizer = defaults.optimizer
    @Option(help: "SGD momentum.") var momentum = defaults.momentum
    @Option(help: "L2 weight decay.") var weightDecay = defaults.weightDecay
    @Option(help: "The learning-rate schedule.") var schedule = defaults.schedule
    @Option(help: "Epochs of linear learning-rate warmup, step by step from near zero (0: none).") var warmup = defaults.warmup
    @Option(help: "Label smoothing (0-1).") var labelSmoothing = defaults.labelSmoothing
    @Option(help: "Class weights in the loss.") var classWeights = defaults.classWeights
    @Option(help: "On-the-fly augmentation.") var augment = defaults.augment
    @Option(help: "Stop after this many epochs without a better val weighted F1 (0: never).") var patience = defaults.patience
    @Option(help: "LSTM hidden units.") var hidden = defaults.hidden
    @Option(help: "LSTM layers.") var layers = defaults.layers
    @Option(help: "Dropout.") var dropout = defaults.dropout
    @Option(help: "Random seed.") var seed = defaults.seed
    @Option(help: "Stop before an epoch that would end past this many minutes (0: no limit).") var maxMinutes = defaults.maxMinutes
    @Option(help: "Test-time augmentation of the scores: flip, or the ten crops.") var tta = defaults.tta

    var options: TrainStage.Options {
        var options = TrainStage.Options()
        options.epochs = epochs
        options.batchSize = batchSize
        options.lr = lr
        options.optimizer = optimizer
        options.momentum = momentum
        options.weightDecay = weightDecay
        options.schedule = schedule
        options.warmup = warmup
        options.labelSmoothing = labelSmoothing
        options.classWeights = classWeights
        options.augment = augment
        options.patience = patience
        options.hidden = hidden
        options.layers = layers
        options.dropout = dropout
        options.seed = seed
        options.maxMinutes = maxMinutes
        options.tta = tta
        return options
    }
}
