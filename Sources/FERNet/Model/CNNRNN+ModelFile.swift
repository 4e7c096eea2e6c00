import FERCore
import FERData
import Foundation

extension CNNRNN {
    /// The model file: safetensors with the PyTorch module's state_dict names, shapes and layouts,
    /// and the architecture, classes, input size and normalisation in `__metadata__`.
    public func save(to path: String, classes: [String] = Emotion.names, extra: [String: String] = [:]) throws {
        var file = SafeTensors()
        for tensor in tensors {
            file.tensors[tensor.name] = SafeTensors.Tensor(shape: tensor.shape, values: tensor.values)
        }
        let a = architecture
        file.metadata = [
            "format": "ferdata-cnnrnn", "filters": a.width, "batch-norm": String(a.batchNorm),
            "hidden": String(a.hidden), "layers": String(a.layers), "dropout": String(a.dropout),
            "classes": classes.joined(separator: ","), "input": "1x48x48", "normalisation": "pixel/255",
        ].merging(extra) { $1 }
        try file.write(path)
    }

    /// Loads a model file. One without metadata (a plain PyTorch state_dict, as
    /// `peer_cnnrnn.py --save` writes) is read as the reference architecture, sized from its
    /// tensors, with the FER2013 class order.
    /// - Throws: `.badModelFile` naming a missing, unexpected or mis-shaped tensor.
    public static func load(_ path: String) throws -> (model: CNNRNN, classes: [String]) {
        let file = try SafeTensors.read(path)
        let location = InputLocation(source: path)
        var architecture = Architecture()
        let metadata = file.metadata
        func integer(_ key: String, inferred: Int?) -> Int? { metadata[key].flatMap(Int.init) ?? inferred }
        // The blocks' channels: "filters" ("32,64,128"); files written before the wider networks had
        // "filters1" and "filters2"; a plain state_dict has only its conv tensors.
        if let listed = metadata["filters"] {
            let filters = listed.split(separator: ",").compactMap { Int($0) }
            guard filters.count == listed.split(separator: ",").count, (1...Architecture.maxBlocks).contains(filters.count),
                  filters.allSatisfy({ $0 > 0 }) else {
                throw FerError(.badModelFile, "metadata filters '\(listed)' is not one to \(Architecture.maxBlocks) positive channel counts",
                               at: location)
            }
            architecture.filters = filters
        } else {
            architecture.filters = (1...Architecture.maxBlocks)
                .map { block in integer("filters\(block)", inferred: file.tensors["conv\(block).weight"]?.shape.first) }
                .prefix { $0 != nil }.map { $0! }
        }
        architecture.batchNorm = metadata["batch-norm"].map { $0 == "true" } ?? (file.tensors["bn1.weight"] != nil)
        architecture.hidden = integer("hidden", inferred: file.tensors["lstm.weight_hh_l0"]?.shape.last) ?? architecture.hidden
        architecture.layers = integer("layers", inferred: (0..<8).filter { file.tensors["lstm.weight_ih_l\($0)"] != nil }.count)
            ?? architecture.layers
        architecture.classes = integer("classes-count", inferred: file.tensors["fc.weight"]?.shape.first) ?? architecture.classes
        if let dropout = metadata["dropout"].flatMap(Float.init) { architecture.dropout = dropout }
        let classes = metadata["classes"].map { $0.split(separator: ",").map(String.init) } ?? Emotion.names
        guard classes.count == architecture.classes else {
            throw FerError(.badModelFile, "\(classes.count) class names for a \(architecture.classes)-way output layer", at: location)
        }
        try checkSizes(architecture, against: file, at: location)
        let model = CNNRNN(architecture: architecture)
        let expected = Set(model.tensors.map(\.name))
        if let unexpected = file.tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw FerError(.badModelFile, "unexpected tensor '\(unexpected)' for the CNN-RNN", at: location)
        }
        for parameter in model.tensors {
            guard let tensor = file.tensors[parameter.name] else {
                throw FerError(.badModelFile, "missing tensor '\(parameter.name)'", at: location)
            }
            guard tensor.shape == parameter.shape else {
                throw FerError(.badModelFile, "tensor '\(parameter.name)' has shape \(tensor.shape), expected \(parameter.shape)", at: location)
            }
            parameter.values = tensor.values
        }
        return (model, classes)
    }

    /// The sizes the metadata declares must be those of the tensors that carry them, before a network
    /// of those sizes is built: a stranger's file cannot make it allocate more than the file holds.
    private static func checkSizes(_ a: Architecture, against file: SafeTensors, at location: InputLocation) throws {
        guard (1...Architecture.maxBlocks).contains(a.filters.count), a.filters.allSatisfy({ $0 > 0 }), a.hidden > 0, a.layers > 0,
              a.classes > 0, file.tensors["lstm.weight_ih_l\(a.layers)"] == nil else {
            throw FerError(.badModelFile, "no CNN-RNN of \(a.filters.count) blocks of \(a.width) channels and \(a.layers) LSTM layers of "
                           + "\(a.hidden) units fits its tensors", at: location)
        }
        let declared = a.filters.enumerated().map { ("conv\($0 + 1).weight", 0, $1) }
            + [("lstm.weight_hh_l\(a.layers - 1)", 1, a.hidden), ("fc.weight", 0, a.classes)]
        for (name, dimension, size) in declared {
            guard let shape = file.tensors[name]?.shape, shape.count > dimension else {
                throw FerError(.badModelFile, "missing tensor '\(name)'", at: location)
            }
            guard shape[dimension] == size else {
                throw FerError(.badModelFile, "tensor '\(name)' has \(shape[dimension]) where the network has \(size)", at: location)
            }
        }
    }
}
