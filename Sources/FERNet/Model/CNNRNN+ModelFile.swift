import FERCore
import FERData
import Foundation

extension CNNRNN {
    /// The model file: safetensors with the PyTorch module's state_dict names, shapes and layouts,
    /// and the architecture, classes, input size and normalisation in `__metadata__`.
    public func save(to path: String, classes: [String] = Emotion.names, extra: [String: String] = [:]) throws {
        var file = SafeTensors()
        for parameter in parameters {
            file.tensors[parameter.name] = SafeTensors.Tensor(shape: parameter.shape, values: parameter.values)
        }
        let a = architecture
        file.metadata = [
            "format": "ferdata-cnnrnn", "filters1": String(a.filters1), "filters2": String(a.filters2),
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
        architecture.filters1 = integer("filters1", inferred: file.tensors["conv1.weight"]?.shape.first) ?? architecture.filters1
        architecture.filters2 = integer("filters2", inferred: file.tensors["conv2.weight"]?.shape.first) ?? architecture.filters2
        architecture.hidden = integer("hidden", inferred: file.tensors["lstm.weight_hh_l0"]?.shape.last) ?? architecture.hidden
        architecture.layers = integer("layers", inferred: (0..<8).filter { file.tensors["lstm.weight_ih_l\($0)"] != nil }.count)
            ?? architecture.layers
        architecture.classes = integer("classes-count", inferred: file.tensors["fc.weight"]?.shape.first) ?? architecture.classes
        if let dropout = metadata["dropout"].flatMap(Float.init) { architecture.dropout = dropout }
        let classes = metadata["classes"].map { $0.split(separator: ",").map(String.init) } ?? Emotion.names
        guard classes.count == architecture.classes else {
            throw FerError(.badModelFile, "\(classes.count) class names for a \(architecture.classes)-way output layer", at: location)
        }
        let model = CNNRNN(architecture: architecture)
        let expected = Set(model.parameters.map(\.name))
        if let unexpected = file.tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw FerError(.badModelFile, "unexpected tensor '\(unexpected)' for the CNN-RNN", at: location)
        }
        for parameter in model.parameters {
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
}
