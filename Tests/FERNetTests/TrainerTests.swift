import FERCore
import FERData
import FERTestSupport
import Foundation
import Testing

@testable import FERNet

@Suite(.serialized) struct TrainerTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("samples/faces.csv")

    func sampleDataset() throws -> (Workspace, Dataset) {
        let workspace = Workspace(root: Fixtures.temporaryDirectory())
        let (dataset, _) = try Ingestor(workspace: workspace).run([Self.samples.path])
        return (workspace, dataset)
    }

    @Test func learnsTheSyntheticFacesFarAboveChance() throws {
        let (workspace, dataset) = try sampleDataset()
        var options = Trainer.Options()
        // Small data and a plateau before the LSTM picks up the features: some seeds need more
        // epochs than a test should spend; this one leaves it by epoch 10.
        options.epochs = 15
        options.batchSize = 16
        options.learningRate = 5e-3
        options.architecture.dropout = 0.1
        options.augmentation = nil
        options.seed = 3
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

    @Test func aResumedRunEndsExactlyWhereAnUninterruptedOneDoes() throws {
        let (workspace, dataset) = try sampleDataset()
        var options = Trainer.Options()
        options.epochs = 3
        options.batchSize = 32
        options.seed = 4
        let whole = try Trainer(workspace: workspace, dataset: dataset, options: options)
        try whole.run()
        let interrupted = try Trainer(workspace: workspace, dataset: dataset, options: options)
        try interrupted.run(epochLimit: 1)
        let resumed = try Trainer(resuming: interrupted.directory, workspace: workspace)
        let rest = try resumed.run()
        #expect(rest.map(\.epoch) == [2, 3])
        #expect(resumed.model.parameters.map(\.values) == whole.model.parameters.map(\.values))
    }

    @Test func metricsAgreeWithScikitLearnOnAKnownCase() {
        // scikit-learn 1.9: accuracy 0.5; precision, recall and F1 per class [0.5, 0.3333, 0.6667];
        // macro F1 0.5, weighted F1 0.5.
        let labels = [0, 0, 1, 1, 2, 2, 0, 1, 2, 0]
        let predictions = [0, 1, 1, 2, 2, 0, 0, 0, 2, 1]
        let metrics = ClassificationMetrics(labels: labels, predictions: predictions, classes: 3)
        #expect(abs(metrics.accuracy - 0.5) < 1e-9)
        for values in [metrics.f1, metrics.precision, metrics.recall] {
            #expect(zip(values, [0.5, 1.0 / 3, 2.0 / 3]).allSatisfy { abs($0 - $1) < 1e-9 })
        }
        #expect(abs(metrics.macroF1 - 0.5) < 1e-9 && abs(metrics.weightedF1 - 0.5) < 1e-9)
    }
}
