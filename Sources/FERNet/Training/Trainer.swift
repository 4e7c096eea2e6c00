import ArgumentParser
import FERCore
import FERData
import FERMedia
import Foundation

/// `ferdata train`: trains the CNN-RNN on a dataset's train split, streamed from its shards, and
/// evaluates on val after each epoch. A run folder `WORKSPACE/runs/NNNN-train/` holds `run.json`
/// (the options), `metrics.csv` (one row per epoch), `best.safetensors` (best val weighted F1),
/// `last.safetensors` and `checkpoint.safetensors` (model, optimiser state and progress, for
/// `--resume`).
public final class Trainer {
    public enum ClassWeighting: String, StageChoice {
        case none
        /// N / (K x n_c): each class counts as much in the loss.
        case balanced
    }

    /// Layers taken from `--init` that are not trained.
    public enum FrozenLayers: String, StageChoice {
        case none
        /// Every convolution block (its batch normalisation's scale and shift too; the running statistics
        /// still follow the batches, as PyTorch's do in training mode).
        case conv
        /// Everything but the output layer.
        case convLSTM = "conv-lstm"

        func freezes(_ parameter: String) -> Bool {
            switch self {
            case .none: false
            case .conv: parameter.hasPrefix("conv") || parameter.hasPrefix("bn")
            case .convLSTM: !parameter.hasPrefix("fc.")
            }
        }
    }

    /// On-the-fly augmentation of training batches.
    public enum Augmentation: String, StageChoice {
        case flipRotate = "flip-rotate", standard, none

        public var policy: AugmentationPolicy? {
            switch self {
            case .flipRotate: .flipAndRotate
            case .standard: .standard
            case .none: nil
            }
        }
    }

    /// How a run trains: train's (and each suspects fold's) options, and run.json's contents.
    public struct Options: Settings, Sendable {
        @Option(help: "Epochs.")
        public var epochs = 30
        @Option(help: "Batch size.")
        public var batchSize = 64
        @Option(help: "Learning rate.")
        public var lr: Float = 1e-3
        @Option(help: "The optimizer (sgd: with momentum).")
        public var optimizer = OptimizerKind.adam
        @Option(help: "SGD momentum.")
        public var momentum: Float = 0.9
        @Option(help: "L2 weight decay.")
        public var weightDecay: Float = 0
        @Option(help: "The learning-rate schedule.")
        public var schedule = LearningRateSchedule.constant
        @Option(help: "Epochs of linear learning-rate warmup, step by step from near zero (0: none).")
        public var warmup = 0
        @Option(help: "Label smoothing (0-1).")
        public var labelSmoothing: Float = 0
        @Option(help: "Class weights in the loss.")
        public var classWeights = ClassWeighting.none
        @Option(help: "On-the-fly augmentation.")
        public var augment = Augmentation.flipRotate
        @Option(help: ArgumentHelp("The chance that a training face's border (0-8 pixels a side) is replaced by the same band of another "
                                   + "face of its batch, so that the model does not read what surrounds the face (0: never).",
                                   valueName: "P"))
        public var borderMix: Float = 0
        @Option(help: "Stop after this many epochs without a better val weighted F1 (0: never).")
        public var patience = 0
        @Option(help: ArgumentHelp("The network's convolution blocks, their channels (one to four blocks, each a 3x3 convolution, ReLU "
                                   + "and 2x2 max-pooling; the LSTM reads the last map's rows): 32,64 is the seed network; 32,64,128,256 "
                                   + "with --batch-norm the four-block one of docs/results.md (without batch norm it did not learn).",
                                   valueName: "CHANNELS"))
        public var width = NetworkWidth.seed
        @Flag(help: "Batch normalisation after each convolution block's pooling.")
        public var batchNorm = false
        @Option(help: "LSTM hidden units.")
        public var hidden = 128
        @Option(help: "LSTM layers.")
        public var layers = 2
        @Option(help: "Dropout.")
        public var dropout: Float = 0.5
        @Option(help: ArgumentHelp("Keep an exponential moving average of the weights, this decay a step (0: none; 0.999 is common): "
                                   + "the average is what val scores and what best.safetensors and last.safetensors hold.", valueName: "DECAY"))
        public var ema: Float = 0
        @Option(help: "Random seed.")
        public var seed: UInt64 = 0
        @Option(help: ArgumentHelp("A time box in minutes (0: none): the first epoch is timed and the schedule planned over the epochs that "
                                   + "fit, the test score included; an epoch that would still end past it is not started.", valueName: "MINUTES"))
        public var maxMinutes: Double = 0
        @Option(help: "Test-time augmentation of the val scores (which pick the best model) and the test report: flip, or the ten crops.")
        public var tta = TestTimeAugmentation.none
        @Option(help: ArgumentHelp("Start from this trained model (.safetensors) instead of random weights: all of them, or all but the "
                                   + "output layer where its classes differ from the dataset's (a new layer is trained). Its network "
                                   + "must be the one trained (--width, --batch-norm, --hidden, --layers).", valueName: "MODEL"))
        public var `init`: String?
        @Option(help: ArgumentHelp("The learning rate of the layers taken from --init (default: --lr); the rest train at --lr.", valueName: "RATE"))
        public var lrPretrained: Float?
        @Option(help: "Layers taken from --init that are not trained: none, conv (the convolution blocks) or conv-lstm (all but the output layer).")
        public var freeze = FrozenLayers.none

        public init() {}

        public func check() throws {
            guard epochs > 0 else { throw FerError(.invalidArgument, "epochs must be positive, got \(epochs)") }
            guard batchSize > 0 else { throw FerError(.invalidArgument, "batch-size must be positive, got \(batchSize)") }
            guard lr > 0, lr.isFinite else { throw FerError(.invalidArgument, "lr must be a positive number, got \(lr)") }
            guard (0..<1).contains(labelSmoothing) else { throw FerError(.invalidArgument, "label-smoothing must be in [0, 1), got \(labelSmoothing)") }
            guard (0..<1).contains(dropout) else { throw FerError(.invalidArgument, "dropout must be in [0, 1), got \(dropout)") }
            guard hidden > 0, layers > 0 else { throw FerError(.invalidArgument, "hidden and layers must be positive") }
            guard patience >= 0, maxMinutes >= 0 else { throw FerError(.invalidArgument, "patience and max-minutes must be 0 or more") }
            guard (0...1).contains(borderMix) else { throw FerError(.invalidArgument, "border-mix must be in [0, 1], got \(borderMix)") }
            guard (0..<1).contains(ema) else { throw FerError(.invalidArgument, "ema must be in [0, 1), got \(ema)") }
            guard warmup >= 0 else { throw FerError(.invalidArgument, "warmup must be 0 or more epochs, got \(warmup)") }
            if let lrPretrained, !(lrPretrained >= 0 && lrPretrained.isFinite) {
                throw FerError(.invalidArgument, "lr-pretrained must be 0 or a positive number, got \(lrPretrained)")
            }
            guard `init` != nil || (lrPretrained == nil && freeze == .none) else {
                throw FerError(.invalidArgument, "lr-pretrained and freeze are for the layers of a model given with --init")
            }
        }

        /// The network these options train.
        public var architecture: CNNRNN.Architecture { CNNRNN.Architecture(filters: width.filters, batchNorm: batchNorm, hidden: hidden, layers: layers, dropout: dropout) }
    }

    public struct EpochResult: Sendable, Codable {
        public var epoch: Int
        public var loss: Double
        public var trainAccuracy: Double
        public var valAccuracy: Double
        public var valWeightedF1: Double
        public var learningRate: Float
        public var seconds: Double
        public var samplesPerSecond: Double
    }

    public struct Progress: Sendable {
        public var epoch: Int
        public var epochs: Int
        public var samples: Int
        public var totalSamples: Int
        public var loss: Double
        public var samplesPerSecond: Double
    }

    /// How a time-boxed run fits its schedule in the box (`--max-minutes`): planned once, after the
    /// first epoch, from that epoch's measured time, so that a slower machine runs fewer epochs of a
    /// complete schedule instead of a truncated one. The first epoch runs at the schedule's start,
    /// the same for any horizon (cosine and step both begin at the full rate), so the planned run is
    /// exactly the run that had been asked for those epochs from the start.
    public struct SchedulePlan: Codable, Sendable, Equatable {
        /// The epochs asked for (`--epochs`).
        public var requestedEpochs: Int
        /// The epochs the schedule runs over.
        public var epochs: Int
        public var boxMinutes: Double
        /// The first epoch, training and val scoring, and the seconds the run had taken by its end.
        public var firstEpochSeconds: Double
        public var elapsedSeconds: Double
        /// Kept for the test score at the end: the first val scoring's time scaled to the test faces.
        public var testReserveSeconds: Double
        public var reason: String

        /// Plans `requested` epochs into `boxMinutes` after a first epoch of `first` seconds (of which
        /// `validation` scored val faces), `elapsed` seconds into the run; epochs are budgeted at 3% over
        /// the first one's time.
        public static func plan(requested: Int, boxMinutes: Double, first: Double, validation: Double, elapsed: Double,
                                testFaces: Int, valFaces: Int) -> SchedulePlan {
            let reserve = valFaces > 0 ? validation * Double(testFaces) / Double(valFaces) : 0
            let perEpoch = first * 1.03
            let fitting = 1 + Int(max(0, (boxMinutes * 60 - elapsed - reserve) / perEpoch))
            let epochs = max(1, min(requested, fitting))
            let budget = String(format: "the first epoch took %.1f s; %.0f s kept for the test score", first, reserve)
            let reason = epochs < requested
                ? "\(budget): \(epochs) of the \(requested) epochs fit the \(Self.minutes(boxMinutes)) box, and the schedule runs over \(epochs)"
                : "\(budget): all \(requested) epochs fit the \(Self.minutes(boxMinutes)) box"
            return SchedulePlan(requestedEpochs: requested, epochs: epochs, boxMinutes: boxMinutes, firstEpochSeconds: first,
                                elapsedSeconds: elapsed, testReserveSeconds: reserve, reason: reason)
        }

        private static func minutes(_ value: Double) -> String {
            value == value.rounded() ? "\(Int(value))-minute" : String(format: "%.1f-minute", value)
        }
    }

    /// Where a fine-tuned run's weights came from (`--init`), in run.json.
    public struct Initialisation: Codable, Sendable, Equatable {
        public var model: String
        /// The parameters taken from it, by name; the others (a new output layer) start from the seed.
        public var taken: [String]
        /// The model's classes differ from the dataset's: its output layer is left out and a new one trained.
        public var newHead: Bool
    }

    public let directory: URL
    public let options: Options
    /// The model the run started from, with `--init`.
    public private(set) var initialisation: Initialisation?
    /// The time box's plan, once the first epoch has been timed (nil without `--max-minutes`).
    public private(set) var plan: SchedulePlan?
    /// The epochs the schedule runs over: the plan's, else the options'.
    public var plannedEpochs: Int { plan?.epochs ?? options.epochs }
    public let dataset: Dataset
    let model: CNNRNN
    /// The moving average of the weights (`--ema`), else nil.
    let averaged: CNNRNN?
    /// The weights val scores and the model files hold: the average where there is one.
    var scored: CNNRNN { averaged ?? model }
    let optimizer: Optimizer
    private lazy var parallel = DataParallel(master: model)
    private var startEpoch = 0
    private var bestScore = -Double.infinity
    private var epochsWithoutImprovement = 0

    /// Starts a new run in the workspace on `dataset`.
    public init(workspace: Workspace, dataset: Dataset, options: Options) throws {
        guard dataset.manifest.count(split: .train) > 0 else {
            throw FerError(.datasetUnfit, "dataset \(dataset.name) has no train records")
        }
        try options.check()
        self.options = options
        self.dataset = dataset
        directory = try Self.newRunDirectory(in: workspace)
        model = CNNRNN(architecture: options.architecture, seed: options.seed)
        if let path = options.`init` { initialisation = try Self.initialise(model, from: path) }
        averaged = options.ema > 0 ? model.copy() : nil
        optimizer = Optimizer(kind: options.optimizer, parameters: model.parameters, learningRate: options.lr,
                              momentum: options.momentum, weightDecay: options.weightDecay)
        optimizer.rateScales = rateScales()
        try writeRunFile(collapse: nil)
        try FileIO.writeAtomically(Data(Self.metricsHeader.utf8), to: directory.appendingPathComponent("metrics.csv").path)
    }

    /// Continues an interrupted run from its last checkpoint, with its own options.
    public init(resuming directory: URL, workspace: Workspace) throws {
        self.directory = directory
        let runFile = directory.appendingPathComponent("run.json").path
        guard let data = try? FileIO.readAll(runFile) else {
            throw FerError(.badCheckpoint, "no readable run.json: not a training run", at: InputLocation(source: directory.path))
        }
        let run: RunFile
        do {
            run = try JSONDecoder().decode(RunFile.self, from: data)
        } catch {
            throw FerError(.badCheckpoint, "unreadable run options", at: InputLocation(source: runFile), cause: error)
        }
        options = run.options
        plan = run.plan
        initialisation = run.initialisation
        dataset = try workspace.dataset(run.dataset)
        let checkpointPath = directory.appendingPathComponent("checkpoint.safetensors").path
        let checkpoint: SafeTensors
        do {
            checkpoint = try SafeTensors.read(checkpointPath)
        } catch let error as FerError {
            throw FerError(.badCheckpoint, "cannot resume: \(error.message)", at: InputLocation(source: checkpointPath), cause: error)
        }
        model = CNNRNN(architecture: options.architecture, seed: options.seed)
        try Self.restore(model, from: checkpoint, prefix: "", at: checkpointPath)
        averaged = options.ema > 0 ? model.copy() : nil
        if let averaged { try Self.restore(averaged, from: checkpoint, prefix: Self.averagePrefix, at: checkpointPath) }
        optimizer = Optimizer(kind: options.optimizer, parameters: model.parameters, learningRate: options.lr,
                              momentum: options.momentum, weightDecay: options.weightDecay)
        optimizer.rateScales = rateScales()
        try optimizer.restore(checkpoint.tensors, step: Int(checkpoint.metadata["step"] ?? "0") ?? 0)
        startEpoch = Int(checkpoint.metadata["epoch"] ?? "0") ?? 0
        bestScore = Double(checkpoint.metadata["best"] ?? "-inf") ?? -.infinity
        epochsWithoutImprovement = Int(checkpoint.metadata["stale"] ?? "0") ?? 0
        // A run killed between writing an epoch's metrics row and its checkpoint redoes that epoch: drop the row.
        let metricsURL = directory.appendingPathComponent("metrics.csv")
        if let data = try? FileIO.readAll(metricsURL.path) {
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
            let kept = lines.prefix(1) + lines.dropFirst().filter { line in (Int(line.prefix { $0 != "," }) ?? 0) <= startEpoch }
            if kept.count != lines.count { try FileIO.writeAtomically(Data((kept.joined(separator: "\n") + "\n").utf8), to: metricsURL.path) }
        }
    }

    /// Trains the remaining epochs, or stops after `epochLimit` epochs in this call (a time-boxed or
    /// interrupted run; `--resume` continues it). Returns every epoch's result of this call.
    @discardableResult
    public func run(epochLimit: Int? = nil, progress: (Progress) -> Void = { _ in }) throws -> [EpochResult] {
        let trainCount = dataset.manifest.count(split: .train)
        let weights = classWeights()
        let validation = try records(of: .val)
        let trainFaces = try SplitFaces(dataset: dataset, split: .train)
        let warmupSteps = options.warmup * ((trainCount + options.batchSize - 1) / options.batchSize)
        var results: [EpochResult] = []
        let runStarted = Date()
        var epoch = startEpoch
        while epoch < plannedEpochs {
            defer { epoch += 1 }
            if options.maxMinutes > 0, let last = results.last,
               Date().timeIntervalSince(runStarted) + last.seconds > options.maxMinutes * 60 {
                break
            }
            let started = Date()
            let epochRate = options.schedule.rate(base: options.lr, epoch: epoch, epochs: plannedEpochs)
            optimizer.learningRate = epochRate
            let stream = BatchStream(faces: trainFaces, batchSize: options.batchSize, policy: options.augment.policy,
                                     borderMix: options.borderMix, seed: options.seed, epoch: epoch)
            var random = SeededGenerator(seed: options.seed, stream: 0xD60 + UInt64(epoch))
            var (seen, correct, lossSum) = (0, 0, 0.0)
            while let batch = stream.next() {
                if optimizer.step < warmupSteps { optimizer.learningRate = epochRate * Float(optimizer.step + 1) / Float(warmupSteps) }
                let (loss, logits) = parallel.step(batch, seed: random.next()) { logits in
                    SoftmaxCrossEntropy.lossAndGradient(
                        logits: logits, labels: batch.labels, classes: options.architecture.classes,
                        smoothing: options.labelSmoothing, weights: weights)
                }
                optimizer.update()
                if let averaged { average(into: averaged) }
                seen += batch.count
                lossSum += Double(loss) * Double(batch.count)
                correct += zip(Self.argmax(logits, classes: options.architecture.classes), batch.labels).filter { $0 == $1 }.count
                let elapsed = Date().timeIntervalSince(started)
                progress(Progress(epoch: epoch + 1, epochs: plannedEpochs, samples: seen, totalSamples: trainCount,
                                  loss: lossSum / Double(seen), samplesPerSecond: Double(seen) / max(elapsed, 1e-9)))
            }
            let trainSeconds = Date().timeIntervalSince(started)
            let metrics = validation.isEmpty ? nil : evaluate(validation)
            if epoch == 0, options.maxMinutes > 0, plan == nil {
                let first = Date().timeIntervalSince(started)
                plan = SchedulePlan.plan(
                    requested: options.epochs, boxMinutes: options.maxMinutes, first: first, validation: first - trainSeconds,
                    elapsed: Date().timeIntervalSince(runStarted), testFaces: dataset.manifest.count(split: .test), valFaces: validation.count)
                try writeRunFile(collapse: nil)
            }
            let result = EpochResult(
                epoch: epoch + 1, loss: lossSum / Double(max(1, seen)), trainAccuracy: Double(correct) / Double(max(1, seen)),
                valAccuracy: metrics?.accuracy ?? 0, valWeightedF1: metrics?.weightedF1 ?? 0,
                learningRate: optimizer.learningRate, seconds: Date().timeIntervalSince(started),
                samplesPerSecond: Double(seen) / trainSeconds)
            results.append(result)
            try record(result)
            let score = metrics?.weightedF1 ?? -result.loss
            if score > bestScore {
                bestScore = score
                epochsWithoutImprovement = 0
                try scored.save(to: directory.appendingPathComponent("best.safetensors").path)
            } else {
                epochsWithoutImprovement += 1
            }
            try scored.save(to: directory.appendingPathComponent("last.safetensors").path)
            try checkpoint(after: epoch + 1)
            if options.patience > 0 && epochsWithoutImprovement >= options.patience { break }
            if let epochLimit, results.count >= epochLimit { break }
        }
        return results
    }

    /// Copies a trained model's weights into `model`: all of them when its classes are the dataset's
    /// (the FER2013 seven, in order), else all but the output layer.
    /// - Throws: the model file's errors (`.sourceMissing`, `.badModelFile`), or `.invalidArgument` for an ONNX model or a network
    ///   of another size than the one trained.
    static func initialise(_ model: CNNRNN, from path: String) throws -> Initialisation {
        guard !path.lowercased().hasSuffix(".onnx") else {
            throw FerError(.invalidArgument, "--init takes ferdata's model file (.safetensors): an ONNX model is not trained further here",
                           at: InputLocation(source: path))
        }
        let (pretrained, classes) = try CNNRNN.load(path)
        let (a, b) = (pretrained.architecture, model.architecture)
        guard (a.filters, a.batchNorm, a.hidden, a.layers) == (b.filters, b.batchNorm, b.hidden, b.layers) else {
            let norm = { (x: CNNRNN.Architecture) in x.batchNorm ? " with batch norm" : "" }
            throw FerError(.invalidArgument, "the model is a CNN-RNN of width \(a.width)\(norm(a)) and \(a.layers) LSTM layers of \(a.hidden) units, "
                + "and the run's of width \(b.width)\(norm(b)) and \(b.layers) of \(b.hidden): train with --width \(a.width)"
                + (a.batchNorm ? " --batch-norm" : "") + " --hidden \(a.hidden) --layers \(a.layers)", at: InputLocation(source: path))
        }
        let sameHead = classes == Emotion.names
        var taken: [String] = []
        for (target, source) in zip(model.tensors, pretrained.tensors) where sameHead || !target.name.hasPrefix("fc.") {
            target.values = source.values
            taken.append(target.name)
        }
        return Initialisation(model: path, taken: taken, newHead: !sameHead)
    }

    /// Each parameter's rate multiple: 1 for layers trained afresh, `--lr-pretrained / --lr` for those
    /// taken from `--init`, 0 for those frozen.
    private func rateScales() -> [Float] {
        let taken = Set(initialisation?.taken ?? [])
        return model.parameters.map { parameter in
            guard taken.contains(parameter.name) else { return 1 }
            if options.freeze.freezes(parameter.name) { return 0 }
            return (options.lrPretrained ?? options.lr) / options.lr
        }
    }

    /// The chance sign of collapse over the whole run (every epoch in metrics.csv): val accuracy that
    /// never rose above the commonest val class's share. nil without (enough) val faces.
    public func chanceCollapse() throws -> Collapse? {
        let best = try history().map(\.valAccuracy).max() ?? 0
        return Collapse.check(bestValAccuracy: best, valCounts: Emotion.allCases.map { dataset.manifest.count(split: .val, emotion: $0) })
    }

    /// Writes the run's verdict into run.json beside its options: `collapse` when the model learned
    /// nothing, no such key when it did.
    public func recordVerdict(_ collapse: Collapse?) throws {
        try writeRunFile(collapse: collapse)
    }

    /// run.json: the options, the dataset, and the verdict once there is one.
    private func writeRunFile(collapse: Collapse?) throws {
        try FileIO.writeAtomically(try StageIO.json(RunFile(options: options, dataset: dataset.name, initialisation: initialisation, plan: plan,
                                                            collapse: collapse)),
                                   to: directory.appendingPathComponent("run.json").path)
    }

    /// The options' keys at the top level (what `init(resuming:)` reads back), the dataset's name, the
    /// `--init` model's `initialisation`, the time box's `plan` and `collapse` beside them.
    private struct RunFile: Codable {
        var options: Options
        var dataset: String
        var initialisation: Initialisation?
        var plan: SchedulePlan?
        var collapse: Collapse?

        enum CodingKeys: String, CodingKey { case dataset, initialisation, plan, collapse, batchSize }

        init(options: Options, dataset: String, initialisation: Initialisation?, plan: SchedulePlan?, collapse: Collapse?) {
            (self.options, self.dataset, self.initialisation, self.plan, self.collapse) = (options, dataset, initialisation, plan, collapse)
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            guard !container.contains(.batchSize) else {
                throw DecodingError.dataCorruptedError(forKey: .batchSize, in: container, debugDescription:
                    "a run.json of ferdata before options were declared once (camelCase keys): resume it with that version")
            }
            options = try Options.decode(from: decoder)
            dataset = try container.decode(String.self, forKey: .dataset)
            initialisation = try container.decodeIfPresent(Initialisation.self, forKey: .initialisation)
            plan = try container.decodeIfPresent(SchedulePlan.self, forKey: .plan)
            collapse = try container.decodeIfPresent(Collapse.self, forKey: .collapse)
        }

        func encode(to encoder: any Encoder) throws {
            try options.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(dataset, forKey: .dataset)
            try container.encodeIfPresent(initialisation, forKey: .initialisation)
            try container.encodeIfPresent(plan, forKey: .plan)
            try container.encodeIfPresent(collapse, forKey: .collapse)
        }
    }

    /// One step of the moving average: a = d a + (1 - d) w, the decay d ramped up over the first steps
    /// ((1 + step) / (10 + step) while that is smaller), so that the start's random weights fade quickly.
    private func average(into averaged: CNNRNN) {
        let step = Float(optimizer.step)
        let decay = min(options.ema, (1 + step) / (10 + step))
        for (target, source) in zip(averaged.parameters, model.parameters) {
            target.values.withUnsafeMutableBufferPointer { a in
                source.values.withUnsafeBufferPointer { w in
                    for i in a.indices { a[i] = decay * a[i] + (1 - decay) * w[i] }
                }
            }
        }
        // Running statistics are not averaged: the average takes the model's, as they stand.
        for (target, source) in zip(averaged.buffers, model.buffers) { target.values = source.values }
    }

    /// Scores for labelled records (no dropout; test-time augmentation as the options say).
    public func evaluate(_ records: [FaceRecord]) -> ClassificationMetrics {
        let faces = records.map(\.pixels)
        let tta = options.tta
        let scores = tta == .none ? scored.logits(faces) : scored.probabilities(faces, tta: tta)
        let predictions = scores.map { Self.argmax($0, classes: options.architecture.classes)[0] }
        return ClassificationMetrics(labels: records.map { Int($0.label!.rawValue) }, predictions: predictions,
                                     classes: options.architecture.classes)
    }

    static let metricsHeader = "epoch,loss,train_accuracy,val_accuracy,val_weighted_f1,learning_rate,seconds,samples_per_second\n"

    static func argmax(_ logits: [Float], classes: Int) -> [Int] {
        stride(from: 0, to: logits.count, by: classes).map { start in
            (0..<classes).max { logits[start + $0] < logits[start + $1] }!
        }
    }

    private func records(of split: Split) throws -> [FaceRecord] {
        var records: [FaceRecord] = []
        try dataset.forEachRecord { if $0.split == split && $0.label != nil { records.append($0) } }
        return records
    }

    private func classWeights() -> [Float]? {
        guard options.classWeights == .balanced else { return nil }
        let counts = Emotion.allCases.map { dataset.manifest.count(split: .train, emotion: $0) }
        let total = Float(counts.reduce(0, +))
        return counts.map { $0 == 0 ? 0 : total / (Float(counts.count) * Float($0)) }
    }

    private func record(_ result: EpochResult) throws {
        let line = [String(result.epoch), String(format: "%.5f", result.loss), String(format: "%.5f", result.trainAccuracy),
                    String(format: "%.5f", result.valAccuracy), String(format: "%.5f", result.valWeightedF1),
                    String(format: "%.6g", result.learningRate), String(format: "%.2f", result.seconds),
                    String(format: "%.1f", result.samplesPerSecond)].joined(separator: ",") + "\n"
        let path = directory.appendingPathComponent("metrics.csv").path
        try FileIO.writeAtomically(try FileIO.readAll(path) + Data(line.utf8), to: path)
    }

    /// Every epoch recorded in the run's metrics.csv, this call's and earlier ones' (a resumed run).
    public func history() throws -> [EpochResult] {
        let table = try CSVTable(path: directory.appendingPathComponent("metrics.csv").path)
        return try table.rows.enumerated().map { index, f in
            guard f.count == 8, let epoch = Int(f[0]), let loss = Double(f[1]), let train = Double(f[2]), let val = Double(f[3]),
                  let f1 = Double(f[4]), let rate = Float(f[5]), let seconds = Double(f[6]), let speed = Double(f[7])
            else { throw FerError(.badCheckpoint, "not an epoch's metrics", at: table.location(row: index)) }
            return EpochResult(epoch: epoch, loss: loss, trainAccuracy: train, valAccuracy: val, valWeightedF1: f1,
                               learningRate: rate, seconds: seconds, samplesPerSecond: speed)
        }
    }

    /// The dataset's labelled test records, for the run's report.
    public func testRecords() throws -> [FaceRecord] { try records(of: .test) }

    private func checkpoint(after epoch: Int) throws {
        var file = SafeTensors(tensors: optimizer.state(), metadata: [
            "epoch": String(epoch), "step": String(optimizer.step), "best": String(bestScore),
            "stale": String(epochsWithoutImprovement),
        ])
        let networks: [(CNNRNN?, String)] = [(model, ""), (averaged, Self.averagePrefix)]
        for (network, prefix) in networks {
            for tensor in network?.tensors ?? [] { file.tensors[prefix + tensor.name] = .init(shape: tensor.shape, values: tensor.values) }
        }
        try file.write(directory.appendingPathComponent("checkpoint.safetensors").path)
        FaultPoint.pass("checkpoint")
    }

    /// The checkpoint's names for the moving average's tensors: the model's, after this prefix.
    static let averagePrefix = "ema."

    /// Sets every tensor of `network` (parameters and buffers) from the checkpoint's tensor of its name after `prefix`.
    /// - Throws: `.badCheckpoint` naming a tensor the checkpoint lacks or holds in another shape.
    private static func restore(_ network: CNNRNN, from checkpoint: SafeTensors, prefix: String, at path: String) throws {
        for tensor in network.tensors {
            guard let stored = checkpoint.tensors[prefix + tensor.name] else {
                throw FerError(.badCheckpoint, "checkpoint lacks '\(prefix + tensor.name)'", at: InputLocation(source: path))
            }
            guard stored.shape == tensor.shape, stored.values.count == tensor.values.count else {
                throw FerError(.badCheckpoint, "checkpoint's '\(prefix + tensor.name)' is \(stored.shape), the network's \(tensor.shape)",
                               at: InputLocation(source: path))
            }
            tensor.values = stored.values
        }
    }

    static func newRunDirectory(in workspace: Workspace) throws -> URL {
        let runs = workspace.root.appendingPathComponent("runs")
        try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []
        let next = (existing.compactMap { Int($0.prefix { $0.isNumber }) }.max() ?? 0) + 1
        let name = String(format: "%04d-train", next)
        let url = runs.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        return url
    }
}
