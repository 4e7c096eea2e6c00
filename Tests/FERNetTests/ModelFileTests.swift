import FERCore
import FERData
import FERTestSupport
import Foundation
import Testing

@testable import FERNet

@Suite struct ModelFileTests {
    /// Single-threaded BLAS, as ferdata's main sets it (`ProcessSettings`).
    init() { ProcessSettings.apply() }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Logits recorded from PyTorch (scripts/make-torch-fixture.py) for three fixed inputs: the seed
    /// network (its file has the metadata written before --width) and a wider one of three blocks
    /// (python/ferdata's module, written by its save_model), without and with batch normalisation.
    @Test(arguments: [("cnnrnn-h8", [32, 64], false), ("cnnrnn-w8-16-32-h8", [8, 16, 32], false), ("cnnrnn-w8-16-32-bn-h8", [8, 16, 32], true)])
    func forwardMatchesPyTorch(fixture: String, filters: [Int], batchNorm: Bool) throws {
        let (model, classes) = try CNNRNN.load(Self.fixtures.appendingPathComponent(fixture + ".safetensors").path)
        #expect(model.architecture.hidden == 8)
        #expect(model.architecture.filters == filters && model.architecture.batchNorm == batchNorm)
        #expect(classes == Emotion.names)
        let io = try SafeTensors.read(Self.fixtures.appendingPathComponent(fixture + "-io.safetensors").path)
        let inputs = try #require(io.tensors["inputs"]), expected = try #require(io.tensors["logits"])
        var random = SeededGenerator(seed: 0)
        let logits = model.forward(inputs.values, batch: 3, training: false, random: &random)
        let worst = zip(logits, expected.values).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5, "largest difference from PyTorch: \(worst)")
    }

    @Test(arguments: [([32, 64], false), ([4, 8, 16, 32], false), ([4, 8, 16], true)])
    func aSavedModelLoadsBackIdentically(filters: [Int], batchNorm: Bool) throws {
        let architecture = CNNRNN.Architecture(filters: filters, batchNorm: batchNorm, hidden: 16)
        let model = CNNRNN(architecture: architecture, seed: 3)
        for (index, buffer) in model.buffers.enumerated() { buffer.values = buffer.values.map { $0 + Float(index + 1) / 8 } }
        let path = Fixtures.temporaryDirectory().appendingPathComponent("m.safetensors").path
        try model.save(to: path)
        let (loaded, classes) = try CNNRNN.load(path)
        #expect(classes == Emotion.names)
        #expect(loaded.architecture == architecture)
        #expect(loaded.tensors.map(\.values) == model.tensors.map(\.values))
        let norm = { (block: Int) in batchNorm ? ["bn\(block).weight", "bn\(block).bias"] : [] }
        #expect(loaded.buffers.map(\.name) == (batchNorm ? filters.indices.flatMap { ["bn\($0 + 1).running_mean", "bn\($0 + 1).running_var"] } : []))
        #expect(loaded.parameters.map(\.name) == filters.indices.flatMap { ["conv\($0 + 1).weight", "conv\($0 + 1).bias"] + norm($0 + 1) } + [
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

    /// Metadata that declares a network its tensors do not carry (more blocks, other sizes, huge or
    /// nonsensical counts) is a bad-model-file error before any network of those sizes is built.
    @Test(arguments: [["filters": "32,64,128"], ["filters": "32"], ["filters": "0,64"], ["filters": "32,x"], ["filters": ""],
                      ["hidden": "100000000"], ["layers": "1000000"], ["layers": "-2"], ["layers": "0"], ["classes-count": "9"]])
    func metadataThatDisagreesWithTheTensorsIsAClearError(metadata: [String: String]) throws {
        var file = try SafeTensors.read(Self.fixtures.appendingPathComponent("cnnrnn-h8.safetensors").path)
        file.metadata.merge(metadata) { $1 }
        let path = Fixtures.temporaryDirectory().appendingPathComponent("declared.safetensors").path
        try file.write(path)
        #expect(throws: FerError.self) { try CNNRNN.load(path) }
    }

    /// A safetensors file with this header text and these data bytes.
    static func modelFile(header: String, data: [UInt8]) throws -> String {
        let json = [UInt8](header.utf8)
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: json.count >> (8 * $0)) }
        bytes += json + data
        let path = Fixtures.temporaryDirectory().appendingPathComponent("hostile.safetensors").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Headers a model hub's file can carry: each is a bad-model-file error before any tensor is read,
    /// never a trap (shapes whose product overflows, offsets negative, past the file or overflowing,
    /// ranges that overlap or leave a gap, sizes that disagree with the shape, a header length past the file).
    @Test func hostileHeadersAreClearErrors() throws {
        let headers: [(String, String)] = [
            ("huge shape", #"{"w":{"dtype":"F32","shape":[4611686018427387904,4611686018427387904],"data_offsets":[0,16]}}"#),
            ("negative offset", #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[-1000000,128]}}"#),
            ("offset past the file", #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,9223372036854775807]}}"#),
            ("negative side", #"{"w":{"dtype":"F32","shape":[-4,-1],"data_offsets":[0,16]}}"#),
            ("fractional shape", #"{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,16]}}"#),
            ("shape past Int", #"{"w":{"dtype":"F32","shape":[1e30],"data_offsets":[0,16]}}"#),
            ("size disagrees", #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}"#),
            ("overlap", #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#),
            ("gap", #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#),
            ("unknown dtype", #"{"w":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}"#),
            ("metadata not strings", #"{"__metadata__":{"a":1},"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#),
            ("not an object", #"[1,2,3]"#),
        ]
        for (what, header) in headers {
            let path = try Self.modelFile(header: header, data: [UInt8](repeating: 0, count: 16))
            let error = #expect(throws: FerError.self, "\(what)") { try SafeTensors.read(path) }
            #expect(error?.code == .badModelFile, "\(what): \(String(describing: error))")
        }
        // A header length of 2^63 and one of 2^64-1 (negative as a signed length).
        for length: UInt64 in [1 << 63, .max, 17] {
            var bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) }
            bytes += [UInt8]("{}".utf8) + [UInt8](repeating: 0x20, count: 14)
            let path = Fixtures.temporaryDirectory().appendingPathComponent("length.safetensors").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: FerError.self) { try SafeTensors.read(path) }
            #expect(error?.code == .badModelFile)
        }
        // The checks refuse nothing a writer makes: a valid two-tensor file reads back.
        let valid = try Self.modelFile(
            header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[2,2],"data_offsets":[8,16]}}"#,
            data: [0, 0, 128, 63, 0, 0, 0, 64] + [0, 60, 0, 60, 0, 60, 0, 60])
        let read = try SafeTensors.read(valid)
        #expect(read.tensors["a"] == SafeTensors.Tensor(shape: [2], values: [1, 2]))
        #expect(read.tensors["b"] == SafeTensors.Tensor(shape: [2, 2], values: [1, 1, 1, 1]))
    }
}
