import FERCore
import FERCuration
import FERData
import FERIngest
import FERMedia
import FERTestSupport
import Foundation
import Testing

@testable import FERNet

@Suite(.serialized) struct TrainerTests {
    /// Single-threaded BLAS, as ferdata's main sets it (`ProcessSettings`).
    init() { ProcessSettings.apply() }

    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("samples/faces.csv")

    func sampleDataset() throws -> (Workspace, Dataset) {
        let workspace = Workspace(root: Fixtures.temporaryDirectory())
        let (dataset, _) = try Ingestor(workspace: workspace).run([Self.samples.path])
        return (workspace, dataset)
    }

    @Test func learnsTheSyntheticFacesFarAboveChance() throws {
        let (workspace, dataset) = try sampleDataset()
        var options = Trainer.Options.defaults
        // Small data and a plateau before the LSTM picks up the features: some seeds need more
        // epochs than a test should spend; this one leaves it within 15 (the order is over the whole split).
        options.epochs = 15
        options.batchSize = 16
        options.lr = 5e-3
        options.dropout = 0.1
        options.augment = .none
        options.seed = 6
        let trainer = try Trainer(workspace: workspace, dataset: dataset, options: options)
        try trainer.run()
        var test: [FaceRecord] = []
        try dataset.forEachRecord { if $0.split == .test { test.append($0) } }
        let metrics = trainer.evaluate(test)
        #expect(metrics.accuracy > 0.4, "test accuracy \(metrics.accuracy) on 7 classes (chance 0.14)")
        let csv = try String(contentsOf: trainer.directory.appendingPathComponent("metrics.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 16)
        for file in ["best.safetensors", "last.safetensors", "checkpoint.safetensors", "run.json"] {
            #expect(FileManager.default.fileExists(atPath: trainer.directory.appendingPathComponent(file).path))
        }
    }

    /// A train record with one flipped byte stops training with the shard and record named; nothing is
    /// skipped without a word.
    @Test func aDamagedTrainRecordStopsTrainingNamingItsShardAndRecord() throws {
        let (workspace, dataset) = try sampleDataset()
        let shard = dataset.manifest.shards[0]
        let path = dataset.shardPath(shard)
        let index = try dataset.load(shard).records().firstIndex { $0.split == .train }!
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[RecordLayout.shardHeaderSize + index * RecordFormat.current.recordSize + 200] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var options = Trainer.Options.defaults
        options.epochs = 1
        let trainer = try Trainer(workspace: workspace, dataset: dataset, options: options)
        #expect { try trainer.run() } throws: { error in
            (error as? FerError).map { $0.code == .corruptShard && $0.location == InputLocation(source: path, record: index) } == true
        }
    }

    /// run.json's options read back as they were written, every setting (the test-time augmentation,
    /// floats, the seed); a run.json of the camelCase format before is refused, not read as defaults.
    @Test func runOptionsReadBackAsWritten() throws {
        struct RunOptions: Decodable {
            var options: Trainer.Options
            init(from decoder: any Decoder) throws { options = try Trainer.Options.decode(from: decoder) }
        }
        var options = Trainer.Options.defaults
        options.tta = .crops
        options.lr = 0.0007
        options.dropout = 0.1
        options.seed = UInt64.max - 3
        options.augment = .none
        options.maxMinutes = 12.5
        let json = try StageIO.json(options)
        let decoded = try JSONDecoder().decode(RunOptions.self, from: json).options
        #expect(try StageIO.json(decoded) == json)
        #expect(decoded.tta == .crops && decoded.lr == 0.0007 && decoded.seed == UInt64.max - 3 && decoded.augment == .none)

        let (workspace, dataset) = try sampleDataset()
        var short = Trainer.Options.defaults
        short.epochs = 1
        let trainer = try Trainer(workspace: workspace, dataset: dataset, options: short)
        let runFile = trainer.directory.appendingPathComponent("run.json")
        try Data(#"{"epochs": 1, "batchSize": 64, "learningRate": 0.001, "dataset": "x"}"#.utf8).write(to: runFile)
        #expect { try Trainer(resuming: trainer.directory, workspace: workspace) } throws: { error in
            (error as? FerError)?.code == .badCheckpoint && "\((error as! FerError).verboseDescription)".contains("camelCase")
        }
    }

    /// The time box's plan: the epochs that fit after the first one, at 3% over its time, with the test
    /// score's share kept; never more than asked, never fewer than one.
    @Test func theTimeBoxPlansTheEpochsThatFit() {
        // 30 minutes, a first epoch of 20 s (1 s of it val scoring) ending 21 s in; twice the val faces in test: 2 s kept.
        let plan = Trainer.SchedulePlan.plan(requested: 90, boxMinutes: 30, first: 20, validation: 1, elapsed: 21, testFaces: 7177, valFaces: 3589)
        #expect(plan.testReserveSeconds > 1.99 && plan.testReserveSeconds < 2.01)
        #expect(plan.epochs == 1 + Int((1800 - 21 - plan.testReserveSeconds) / 20.6), "\(plan)")
        #expect(plan.epochs == 87 && plan.reason.contains("87 of the 90 epochs fit the 30-minute box"))
        // A machine 1.5 times slower plans fewer epochs of the whole schedule.
        #expect(Trainer.SchedulePlan.plan(requested: 90, boxMinutes: 30, first: 30, validation: 1.5, elapsed: 31, testFaces: 7177, valFaces: 3589).epochs == 58)
        #expect(Trainer.SchedulePlan.plan(requested: 40, boxMinutes: 30, first: 20, validation: 1, elapsed: 21, testFaces: 100, valFaces: 100).epochs == 40)
        #expect(Trainer.SchedulePlan.plan(requested: 40, boxMinutes: 0.1, first: 20, validation: 1, elapsed: 21, testFaces: 100, valFaces: 100).epochs == 1)
    }

    /// A time-boxed run is the run asked for its planned epochs from the start, weight for weight: a box
    /// that holds every epoch changes nothing, and one that holds only the first gives the one-epoch
    /// run (cosine); the plan is in run.json and a resumed run keeps it.
    @Test func aTimeBoxedRunIsThePlannedRunFromTheStart() throws {
        let (workspace, dataset) = try sampleDataset()
        var options = Trainer.Options.defaults
        options.epochs = 3
        options.batchSize = 32
        options.seed = 9
        options.schedule = .cosine
        func weights(epochs: Int, box: Double) throws -> (Trainer, [[Float]]) {
            var o = options
            o.epochs = epochs
            o.maxMinutes = box
            let trainer = try Trainer(workspace: workspace, dataset: dataset, options: o)
            try trainer.run()
            return (trainer, trainer.model.parameters.map(\.values))
        }
        let (generous, roomy) = try weights(epochs: 3, box: 60)
        #expect(generous.plan?.epochs == 3 && generous.plan?.requestedEpochs == 3)
        #expect(try roomy == weights(epochs: 3, box: 0).1)
        let (tight, one) = try weights(epochs: 3, box: 0.0001)
        #expect(tight.plan?.epochs == 1 && tight.plan?.reason.contains("1 of the 3 epochs") == true, "\(String(describing: tight.plan))")
        #expect(try tight.history().count == 1)
        #expect(try one == weights(epochs: 1, box: 0).1)
        let runFile = try JSONSerialization.jsonObject(with: Data(contentsOf: tight.directory.appendingPathComponent("run.json"))) as! [String: Any]
        #expect((runFile["plan"] as? [String: Any])?["epochs"] as? Int == 1)
        #expect(try Trainer(resuming: tight.directory, workspace: workspace).plannedEpochs == 1)
    }

    /// `--init`: a run starts from a trained model's weights (all of them, or all but the output layer
    /// when its classes differ); frozen layers do not move, the rest train; a resumed fine-tuning run
    /// ends where an uninterrupted one does.
    @Test func aRunStartsFromATrainedModelAndKeepsItsFrozenLayers() throws {
        let (workspace, dataset) = try sampleDataset()
        var base = Trainer.Options.defaults
        base.epochs = 1
        base.batchSize = 32
        base.seed = 3
        let first = try Trainer(workspace: workspace, dataset: dataset, options: base)
        try first.run()
        let trained = first.directory.appendingPathComponent("last.safetensors").path
        let weights = first.model.parameters.map(\.values)

        var tuning = base
        tuning.`init` = trained
        tuning.seed = 8
        tuning.epochs = 2
        let start = try Trainer(workspace: workspace, dataset: dataset, options: tuning)
        #expect(start.model.parameters.map(\.values) == weights && start.initialisation?.newHead == false)
        #expect(start.initialisation?.taken == start.model.parameters.map(\.name))

        tuning.freeze = .convLSTM
        tuning.lrPretrained = 1e-4
        let frozen = try Trainer(workspace: workspace, dataset: dataset, options: tuning)
        try frozen.run()
        for (parameter, before) in zip(frozen.model.parameters, weights) {
            #expect((parameter.values == before) == !parameter.name.hasPrefix("fc."), "\(parameter.name)")
        }
        // Interrupted after one epoch and resumed: the same weights as the whole run.
        tuning.freeze = .conv
        let whole = try Trainer(workspace: workspace, dataset: dataset, options: tuning)
        try whole.run()
        let interrupted = try Trainer(workspace: workspace, dataset: dataset, options: tuning)
        try interrupted.run(epochLimit: 1)
        let resumed = try Trainer(resuming: interrupted.directory, workspace: workspace)
        try resumed.run()
        #expect(resumed.model.parameters.map(\.values) == whole.model.parameters.map(\.values))
        #expect(resumed.initialisation == whole.initialisation)
        for (parameter, before) in zip(whole.model.parameters, weights) where parameter.name.hasPrefix("conv") { #expect(parameter.values == before) }

        // A model of other classes gives all but its output layer.
        let eight = workspace.root.appendingPathComponent("eight.safetensors").path
        let other = CNNRNN(architecture: { var a = CNNRNN.Architecture(); a.classes = 8; return a }(), seed: 5)
        try other.save(to: eight, classes: Emotion.names + ["contempt"])
        var fromOther = base
        fromOther.`init` = eight
        let headless = try Trainer(workspace: workspace, dataset: dataset, options: fromOther)
        #expect(headless.initialisation?.newHead == true && headless.initialisation?.taken.contains("fc.weight") == false)
        #expect(headless.model.parameters.first { $0.name == "lstm.weight_hh_l1" }!.values == other.parameters.first { $0.name == "lstm.weight_hh_l1" }!.values)
    }

    /// What --init cannot start from is a clear error, before any run folder holds a model.
    @Test func unusableInitModelsAreClearErrors() throws {
        let (workspace, dataset) = try sampleDataset()
        let small = workspace.root.appendingPathComponent("small.safetensors").path
        try CNNRNN(architecture: CNNRNN.Architecture(hidden: 16, layers: 1), seed: 1).save(to: small)
        let cases: [(String, FerError.Code)] = [
            (small, .invalidArgument), (workspace.root.appendingPathComponent("m.onnx").path, .invalidArgument),
            (workspace.root.appendingPathComponent("none.safetensors").path, .sourceMissing),
        ]
        for (path, code) in cases {
            var options = Trainer.Options.defaults
            options.`init` = path
            #expect { try Trainer(workspace: workspace, dataset: dataset, options: options) } throws: { ($0 as? FerError)?.code == code }
        }
        var loose = Trainer.Options.defaults
        loose.freeze = .conv
        #expect { try loose.check() } throws: { ($0 as? FerError)?.code == .invalidArgument }
    }

    /// With and without the weights' moving average (`--ema`) and batch normalisation's running
    /// statistics, which the checkpoint carries too.
    @Test(arguments: [(Float(0), false), (0.9, false), (0.9, true)])
    func aResumedRunEndsExactlyWhereAnUninterruptedOneDoes(ema: Float, batchNorm: Bool) throws {
        let (workspace, dataset) = try sampleDataset()
        var options = Trainer.Options.defaults
        options.epochs = 3
        options.batchSize = 32
        options.seed = 4
        options.ema = ema
        options.batchNorm = batchNorm
        options.width = NetworkWidth(filters: [8, 16, 16])
        let whole = try Trainer(workspace: workspace, dataset: dataset, options: options)
        try whole.run()
        let interrupted = try Trainer(workspace: workspace, dataset: dataset, options: options)
        try interrupted.run(epochLimit: 1)
        let resumed = try Trainer(resuming: interrupted.directory, workspace: workspace)
        let rest = try resumed.run()
        #expect(rest.map(\.epoch) == [2, 3])
        #expect(resumed.model.parameters.map(\.values) == whole.model.parameters.map(\.values))
        #expect(resumed.scored.tensors.map(\.values) == whole.scored.tensors.map(\.values))
        #expect(whole.model.buffers.isEmpty != batchNorm)
        // The model files hold what val scored: the average where there is one.
        let (last, _) = try CNNRNN.load(whole.directory.appendingPathComponent("last.safetensors").path)
        #expect(last.tensors.map(\.values) == whole.scored.tensors.map(\.values))
        #expect((ema > 0) == (whole.scored.parameters.map(\.values) != whole.model.parameters.map(\.values)))
        guard ema > 0 else { return }
        // A checkpoint whose average lacks a tensor, or holds one of another shape, is a clear error naming it.
        let path = whole.directory.appendingPathComponent("checkpoint.safetensors").path
        let good = try SafeTensors.read(path)
        var missing = good, reshaped = good
        missing.tensors["ema.fc.bias"] = nil
        reshaped.tensors["ema.fc.bias"] = .init(shape: [1], values: [0])
        for (damaged, says) in [(missing, "lacks 'ema.fc.bias'"), (reshaped, "'ema.fc.bias' is [1], the network's [7]")] {
            try damaged.write(path)
            #expect { try Trainer(resuming: whole.directory, workspace: workspace) } throws: {
                ($0 as? FerError)?.code == .badCheckpoint && ($0 as? FerError)?.message.contains(says) == true
            }
        }
    }

    /// The average is a = d a + (1 - d) w after step t, d ramped as (1 + t) / (10 + t) early on:
    /// recomputed here from the weights after every step of a short run.
    @Test func theMovingAverageFollowsItsFormula() throws {
        let (workspace, dataset) = try sampleDataset()
        var options = Trainer.Options.defaults
        options.epochs = 1
        options.batchSize = 32
        options.ema = 0.99
        let trainer = try Trainer(workspace: workspace, dataset: dataset, options: options)
        var expected = trainer.model.parameters.map(\.values)
        var steps = 0
        try trainer.run { _ in
            steps += 1
            let decay = min(Float(0.99), Float(1 + steps) / Float(10 + steps))
            for (index, parameter) in trainer.model.parameters.enumerated() {
                for i in expected[index].indices { expected[index][i] = decay * expected[index][i] + (1 - decay) * parameter.values[i] }
            }
        }
        #expect(steps > 1)
        let worst = zip(trainer.scored.parameters.map(\.values), expected).flatMap { zip($0, $1).map { abs($0 - $1) } }.max()!
        #expect(worst < 1e-6, "largest difference from the formula: \(worst)")
    }

    /// Tests/FERNetTests/Fixtures/sklearn-metrics.json holds labels, predictions and scikit-learn's
    /// figures for them (scripts/make-metrics-fixture.py): one class never predicted, one absent.
    @Test func metricsAgreeWithScikitLearn() throws {
        struct Fixture: Decodable {
            var classes: Int
            var labels, predictions, support, presentClasses: [Int]
            var accuracy, macroF1, weightedF1, macroF1OverPresent: Double
            var precision, recall, f1: [Double]
            var confusion: [[Int]]
        }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sklearn-metrics.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        func close(_ a: [Double], _ b: [Double]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-9 } }
        let metrics = ClassificationMetrics(labels: fixture.labels, predictions: fixture.predictions, classes: fixture.classes)
        #expect(metrics.confusion == fixture.confusion)
        #expect(metrics.support == fixture.support)
        #expect(close([metrics.accuracy, metrics.macroF1, metrics.weightedF1], [fixture.accuracy, fixture.macroF1, fixture.weightedF1]))
        #expect(close(metrics.precision, fixture.precision) && close(metrics.recall, fixture.recall) && close(metrics.f1, fixture.f1))
        let present = ClassificationMetrics(labels: fixture.labels, predictions: fixture.predictions, classes: fixture.classes,
                                            averageOver: fixture.presentClasses)
        #expect(abs(present.macroF1 - fixture.macroF1OverPresent) < 1e-9)
        #expect(present.averagedOver == fixture.presentClasses)
    }
}

/// The training stream visits the whole split in one random order: a dataset stored class by class
/// (as ingest writes a class-folder layout) still gives batches that mix the classes.
@Suite struct BatchStreamTests {
    @Test func batchesMixTheClassesOfADatasetStoredClassByClass() throws {
        let workspace = Workspace(root: Fixtures.temporaryDirectory())
        let writer = try DatasetWriter(workspace: workspace, stage: "ingest", shardSize: 100)
        for (index, emotion) in Emotion.allCases.enumerated() {
            for face in 0..<100 {
                try writer.append(FaceRecord(pixels: Fixtures.face(seed: index * 100 + face), label: emotion, split: face < 90 ? .train : .val,
                                             recordID: UInt64(index * 100 + face + 1)))
            }
        }
        let dataset = try writer.commit(parameters: [:], inputs: [], sources: [])
        var seen: [Int] = []
        var classesPerBatch: [Int] = []
        let stream = BatchStream(faces: try SplitFaces(dataset: dataset, split: .train), batchSize: 32, policy: nil, seed: 3, epoch: 1)
        while let batch = stream.next() {
            seen += batch.labels
            classesPerBatch.append(Set(batch.labels).count)
        }
        #expect(seen.count == 630 && Dictionary(grouping: seen, by: { $0 }).mapValues(\.count) == Dictionary(uniqueKeysWithValues: (0..<7).map { ($0, 90) }))
        // A shard-by-shard shuffle through a small buffer gives one or two classes per batch here.
        #expect(classesPerBatch.min()! >= 4, "seed 3: classes per batch \(classesPerBatch)")
    }
}

/// `--border-mix`: a face's border band comes from another face of its batch, the rest is its own.
@Suite struct BorderMixTests {
    @Test func theBandComesFromTheDonorAndTheRestIsTheFacesOwn() {
        let side = FaceSize.side
        let faces = [UInt8](repeating: 10, count: side * side) + [UInt8](repeating: 200, count: side * side)
        let mix = BorderMix(donor: 1, top: 2, left: 0, bottom: 3, right: 5)
        let batch = Batch(faces: faces, borderMixes: [mix, nil], labels: [0, 1])
        let images = batch.images(0..<2)
        for y in 0..<side {
            for x in 0..<side {
                let inBand = y < 2 || y >= side - 3 || x >= side - 5
                #expect(images[y * side + x] == Float(inBand ? 200 : 10) / 255, "face 0 at (\(x), \(y))")
                #expect(images[side * side + y * side + x] == Float(200) / 255, "face 1 at (\(x), \(y)), not mixed")
            }
        }
    }

    /// Drawn at its rate, from another face, every width of 0...8 on every side and never all four 0.
    @Test func drawsAreAtTheRateFromAnotherFaceWithEveryWidth() {
        let seed: UInt64 = 11
        var random = SeededGenerator(seed: seed)
        var mixed = 0
        var widths: [Set<Int>] = Array(repeating: [], count: 4)
        let draws = 20_000
        for draw in 0..<draws {
            let face = draw % 64
            guard let mix = BorderMix.sample(probability: 0.5, face: face, count: 64, using: &random) else { continue }
            mixed += 1
            #expect(mix.donor != face && (0..<64).contains(mix.donor), "seed \(seed), draw \(draw): donor \(mix.donor)")
            let sides = [mix.top, mix.left, mix.bottom, mix.right]
            #expect(sides.contains { $0 > 0 }, "seed \(seed), draw \(draw)")
            for (side, width) in sides.enumerated() { widths[side].insert(width) }
        }
        // 20,000 draws at 0.5: the standard deviation of the share is 0.0035.
        #expect(abs(Double(mixed) / Double(draws) - 0.5) < 0.02, "seed \(seed): \(mixed) of \(draws) mixed")
        #expect(widths.allSatisfy { $0 == Set(0...BorderMix.maxWidth) }, "seed \(seed): widths \(widths)")
        #expect(BorderMix.sample(probability: 1, face: 0, count: 1, using: &random) == nil, "a batch of one has no other face")
        #expect(BorderMix.sample(probability: 0, face: 0, count: 64, using: &random) == nil)
    }

    /// The stream draws a mix for about its share of the faces, always from the same batch; with no
    /// mix asked it draws none, so a run without the option is the run it was before it existed.
    @Test func theStreamMixesItsShareAndNoneWhenNotAsked() throws {
        let workspace = Workspace(root: Fixtures.temporaryDirectory())
        let writer = try DatasetWriter(workspace: workspace, stage: "ingest", shardSize: 100)
        for face in 0..<300 {
            try writer.append(FaceRecord(pixels: Fixtures.face(seed: face), label: Emotion.allCases[face % 7], split: .train,
                                         recordID: UInt64(face + 1)))
        }
        let faces = try SplitFaces(dataset: try writer.commit(parameters: [:], inputs: [], sources: []), split: .train)
        let mixing = BatchStream(faces: faces, batchSize: 32, policy: .standard, borderMix: 0.5, seed: 3, epoch: 1)
        var (mixed, seen) = (0, 0)
        while let batch = mixing.next() {
            #expect(batch.borderMixes.count == batch.count)
            mixed += batch.borderMixes.compactMap { $0 }.count
            seen += batch.count
        }
        #expect(seen == 300 && (100...200).contains(mixed), "seed 3: \(mixed) of \(seen) mixed")
        let plain = BatchStream(faces: faces, batchSize: 32, policy: .standard, seed: 3, epoch: 1)
        while let batch = plain.next() { #expect(batch.borderMixes.isEmpty) }
    }

    @Test func aChanceOutsideZeroToOneIsRefused() {
        var options = Trainer.Options.defaults
        options.borderMix = 1.5
        #expect { try options.check() } throws: { ($0 as? FerError)?.code == .invalidArgument }
    }
}
