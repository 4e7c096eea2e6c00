import FERCore
import FERData
import FERTestSupport
import Foundation
import Testing

@testable import FEREval

/// ONNX models through OpenCV's DNN module against onnxruntime: Fixtures/onnx (written by
/// scripts/make-onnx-fixture.py) holds a gray 48x48 model with logits over eight classes, an RGB
/// 32x32 model with ImageNet normalisation, other class names and a softmax, and a small ResNet
/// written in PyTorch and exported with torch.onnx.export (batch norm, residual additions), with
/// onnxruntime's probabilities on their faces (and PyTorch's own for the ResNet).
@Suite struct ONNXModelTests {
    struct Case: Decodable {
        var file: String
        var shape: [Int]
        var pixels: [[UInt8]]
        var probabilities: [[Double]]
        /// PyTorch's own probabilities, for the model exported from PyTorch.
        var pytorch: [[Double]]?
    }
    struct Fixture: Decodable { var models: [Case] }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/onnx")
    static let fixture = try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: folder.appendingPathComponent("onnxruntime-outputs.json")))

    @Test func probabilitiesEqualOnnxruntimes() throws {
        for model in Self.fixture.models {
            let classifier = try Classifier(path: Self.folder.appendingPathComponent(model.file).path)
            let shape = ImageShape(height: model.shape[0], width: model.shape[1], channels: model.shape[2])
            #expect(classifier.inputShape == shape && classifier.readsAnyShape)
            let records = model.pixels.map { FaceRecord(pixels: $0, label: .happy, split: .test, shape: shape) }
            let predictions = try classifier.predict(records)
            for (face, (ours, theirs)) in zip(predictions.map(\.probabilities), model.probabilities).enumerated() {
                let largest = zip(ours, theirs).map { abs(Double($0) - $1) }.max() ?? 1
                #expect(ours.count == theirs.count && largest <= 1e-4, "\(model.file) face \(face): differs by \(largest)")
            }
            for (face, (ours, torch)) in zip(predictions.map(\.probabilities), model.pytorch ?? []).enumerated() {
                let largest = zip(ours, torch).map { abs(Double($0) - $1) }.max() ?? 1
                #expect(largest <= 1e-4, "\(model.file) face \(face): differs from PyTorch by \(largest)")
            }
            // Class names through the synonym table: happy is output 3 of gray48 and resnet64, output 0 ("happiness") of rgb32.
            #expect(predictions[0].truth == (model.file == "rgb32.onnx" ? 0 : 3))
        }
    }

    /// A model that cannot be used is a one-line bad-model-file error: no sidecar, a sidecar that is no
    /// contract, classes that disagree with the outputs, an input the network does not take, a
    /// file that is no ONNX network, no class of the seven, colour input to a gray network.
    @Test func unusableModelsAreClearErrors() throws {
        let folder = Fixtures.temporaryDirectory()
        let model = folder.appendingPathComponent("m.onnx")
        try FileManager.default.copyItem(at: Self.folder.appendingPathComponent("gray48.onnx"), to: model)
        func error() -> FerError? {
            do { _ = try Classifier(path: model.path); return nil } catch { return error as? FerError }
        }
        #expect(error()?.message.contains("needs its sidecar") == true)
        let good = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder.appendingPathComponent("gray48.onnx.json"))) as! [String: Any]
        let sidecar = URL(fileURLWithPath: model.path + ".json")
        func changed(_ key: String, _ value: Any, _ more: [String: Any] = [:]) -> Data {
            var contract = good
            contract[key] = value
            contract.merge(more) { $1 }
            return try! JSONSerialization.data(withJSONObject: contract)
        }
        for (contents, expected) in [
            (Data("{\"channels\": 1}".utf8), "not the model contract"),
            (changed("classes", ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral", "contempt", "other"]), "9 classes"),
            (changed("channels", 3, ["mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]]), "did not run"),
            (changed("output", "scores"), "output must be"),
            (changed("classes", ["a", "b", "c", "d", "e", "f", "g", "h"]), "is one of the seven"),
        ] {
            try contents.write(to: sidecar)
            let failure = error()
            #expect(failure?.code == .badModelFile && failure?.message.contains(expected) == true, "\(expected): \(String(describing: failure))")
        }
        try JSONSerialization.data(withJSONObject: good).write(to: sidecar)
        #expect(error() == nil)
        try Data("not a network".utf8).write(to: model)
        #expect(error()?.code == .badModelFile)
    }

    /// A foreign dataset is read at the ONNX model's size and colour (RGB 32x32 here), as crosseval
    /// reads it for its own model, and scored.
    @Test func foreignFacesAreReadAtTheModelsSizeAndColour() throws {
        let root = Self.folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let classifier = try Classifier(path: Self.folder.appendingPathComponent("rgb32.onnx").path)
        let foreign = try ForeignDataset(path: root.appendingPathComponent("samples/foreign.zip").path, shape: classifier.inputShape)
        #expect(foreign.records.count == 84 && foreign.records.allSatisfy { $0.shape == ImageShape(height: 32, width: 32, channels: 3) })
        let evaluation = try Evaluation(classifier: classifier, records: foreign.records, predictions: try classifier.predict(foreign.records),
                                        data: "foreign.zip", split: "all", excludedLabels: foreign.unknownLabels)
        #expect(evaluation.scored == 84 && evaluation.classes == ["happiness", "anger", "neutral", "sadness", "surprise", "fear", "disgust"])
        let error = #expect(throws: FerError.self) { try classifier.predict(foreign.records, tta: .flip) }
        #expect(error?.code == .invalidArgument)
    }

    /// Faces kept at their own size and colour (`shapeIsLargest`, as crosseval reads them for an ONNX
    /// model) score exactly as faces read at the model's shape: growing and repeating at the input
    /// gives the same values.
    @Test func facesKeptSmallerScoreAsFacesReadAtTheModelsShape() throws {
        let root = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        // Gray and colour pictures smaller than the model's 64x64, larger, square and not.
        var generator = SeededGenerator(seed: 7)
        let sizes = [(48, 48, 1), (40, 56, 3), (90, 70, 3), (100, 100, 1), (64, 64, 3), (30, 30, 3)]
        for (index, (width, height, channels)) in sizes.enumerated() {
            let folder = root.appendingPathComponent(index % 2 == 0 ? "happy" : "sad")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let pixels = (0..<(width * height * channels)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try Data(Fixtures.png(pixels, width: width, height: height, channels: channels))
                .write(to: folder.appendingPathComponent("face\(index).png"))
        }
        let classifier = try Classifier(path: Self.folder.appendingPathComponent("resnet64.onnx").path)
        let exact = try ForeignDataset(path: root.path, shape: classifier.inputShape)
        let kept = try ForeignDataset(path: root.path, shape: classifier.inputShape, shapeIsLargest: true)
        #expect(exact.records.count == sizes.count && kept.records.count == sizes.count)
        #expect(kept.records.map(\.shape.height).sorted() == [30, 40, 48, 64, 64, 64])
        #expect(kept.records.map(\.shape.channels).sorted() == [1, 1, 3, 3, 3, 3])
        let fromExact = try classifier.predict(exact.records).map(\.probabilities)
        let fromKept = try classifier.predict(kept.records).map(\.probabilities)
        #expect(fromExact == fromKept)
    }
}
