import FERCore
import FERTestSupport
import Foundation
import Testing

@testable import FERNet

@Suite struct ModelFileTests {
    /// Single-threaded BLAS, as ferdata's main sets it (`ProcessSettings`).
    init() { ProcessSettings.apply() }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Logits recorded from PyTorch (scripts/make-torch-fixture.py) for three fixed inputs.
    @Test func forwardMatchesPyTorch() throws {
        let (model, classes) = try CNNRNN.load(Self.fixtures.appendingPathComponent("cnnrnn-h8.safetensors").path)
        #expect(model.architecture.hidden == 8)
        #expect(classes == Emotion.names)
        let io = try SafeTensors.read(Self.fixtures.appendingPathComponent("cnnrnn-h8-io.safetensors").path)
        let inputs = try #require(io.tensors["inputs"]), expected = try #require(io.tensors["logits"])
        var random = SeededGenerator(seed: 0)
        let logits = model.forward(inputs.values, batch: 3, training: false, random: &random)
        let worst = zip(logits, expected.values).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5, "largest difference from PyTorch: \(worst)")
    }

    @Test func aSavedModelLoadsBackIdentically() throws {
        var architecture = CNNRNN.Architecture()
        architecture.hidden = 16
        let model = CNNRNN(architecture: architecture, seed: 3)
        let path = Fixtures.temporaryDirectory().appendingPathComponent("m.safetensors").path
        try model.save(to: path)
        let (loaded, classes) = try CNNRNN.load(path)
        #expect(classes == Emotion.names)
        #expect(loaded.architecture == architecture)
        #expect(loaded.parameters.map(\.values) == model.parameters.map(\.values))
        #expect(loaded.parameters.map(\.name) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
            "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
            "lstm.weight_ih_l1", "lstm.weight_hh_l1", "lstm.bias_ih_l1", "lstm.bias_hh_l1", "fc.weight", "fc.bias"])
        // The same model gives the same bytes.
        let again = Fixtures.temporaryDirectory().appendingPathComponent("m.safetensors").path
        try model.save(to: again)
        #expect(FileManager.default.contents(atPath: path) == FileManager.default.contents(atPath: again))
    }

    @Test func aModelWithoutMetadataIsReadAsThePeersArchitecture() throws {
        let original = try SafeTensors.read(Self.fixtures.appendingPathComponent("cnnrnn-h8.safetensors").path)
        let plain = SafeTensors(tensors: original.tensors)
        let path = Fixtures.temporaryDirectory().appendingPathComponent("plain.safetensors").path
        try plain.write(path)
        let (model, classes) = try CNNRNN.load(path)
        #expect(model.architecture.hidden == 8 && model.architecture.layers == 2)
        #expect(classes == Emotion.names)
    }

    @Test func wrongShapesAndNamesAreClearErrors() throws {
        var file = try SafeTensors.read(Self.fixtures.appendingPathComponent("cnnrnn-h8.safetensors").path)
        file.tensors["fc.bias"] = SafeTensors.Tensor(shape: [5], values: [0, 0, 0, 0, 0])
        let path = Fixtures.temporaryDirectory().appendingPathComponent("bad.safetensors").path
        try file.write(path)
        #expect(throws: FerError.self) { try CNNRNN.load(path) }
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: FerError.self) { try CNNRNN.load(path) }
    }
}
