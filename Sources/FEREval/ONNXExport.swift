import FERCore
import FERData
import FERNet
import Foundation
import ONNXSchema

/// ferdata's CNN-RNN as a standard ONNX graph (opset 13), with its sidecar contract, so that a
/// ferdata-trained model runs in onnxruntime, OpenCV, a browser or on a phone:
///
///     x [N,1,48,48] (pixel/255) -> Conv 3x3 pad 1 -> Relu -> MaxPool 2 -> Conv 3x3 pad 1 -> Relu -> MaxPool 2
///     -> row r of the map (Slice on H, Flatten: channel-major, as the CNN-RNN reads it), r = 0..11
///     -> each LSTM layer unrolled over the 12 steps: gates = Gemm(x_t, W_ih) + Gemm(h, W_hh), split
///        i, f, g, o (PyTorch's order); c = sigmoid(f) c + sigmoid(i) tanh(g); h = sigmoid(o) tanh(c)
///     -> the last step's h -> Gemm (fc) -> logits [N, classes]
///
/// The LSTM is written as its unrolled operators, not ONNX's LSTM operator: every runtime runs
/// Gemm, Split, Sigmoid, Tanh, Mul and Add the same way, while OpenCV's DNN module (4.6) cannot run
/// an LSTM operator on a batch of unknown size.
public enum ONNXExport {
    public static let opset: Int64 = 13

    /// Writes `path` (the graph) and `path.json` (its contract), then runs the written file through
    /// OpenCV's DNN module on seeded probe faces and checks its logits against the model's own.
    /// Nothing is left behind when that check fails.
    /// - Returns: the largest difference between the file's logits and the model's on the probes.
    /// - Throws: `.invalidArgument` when `path` exists, `.badModelFile` when the written graph does
    ///   not give the model's logits to 1e-4.
    @discardableResult
    public static func write(_ model: CNNRNN, classes: [String], to path: String, source: String) throws -> Float {
        let sidecar = path + ".json"
        for file in [path, sidecar] where FileManager.default.fileExists(atPath: file) {
            throw FerError(.invalidArgument, "\(file) exists: export-model writes a new file (remove it, or name another with --output)")
        }
        let graph = try graph(of: model, classes: classes, source: source).serializedData()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let contractData = try encoder.encode(contract(classes: classes))
        // Written beside their final names and renamed into place once the file has been checked.
        let stagedGraph = path + ".partial.onnx", stagedContract = stagedGraph + ".json"
        defer { for file in [stagedGraph, stagedContract] { try? FileManager.default.removeItem(atPath: file) } }
        try FileIO.writeDurably(graph, to: stagedGraph)
        try FileIO.writeDurably(contractData, to: stagedContract)
        let difference = try check(stagedGraph, against: model)
        for (staged, final) in [(stagedContract, sidecar), (stagedGraph, path)] where rename(staged, final) != 0 {
            throw FileIO.systemError("cannot put the exported model in place as", final)
        }
        try FileIO.syncDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
        return difference
    }

    /// The contract of an exported CNN-RNN: 48x48 gray, pixel/255, logits over its classes.
    public static func contract(classes: [String]) -> ModelContract {
        ModelContract(inputSize: [CNNRNN.Architecture.side, CNNRNN.Architecture.side], channels: 1, channelOrder: nil,
                      scale: 1 / 255, mean: [0], std: [1], output: "logits", classes: classes)
    }

    /// Runs the file through OpenCV on 16 seeded faces: the largest difference from the model's logits.
    static func check(_ path: String, against model: CNNRNN) throws -> Float {
        let onnx = try ONNXModel(path: path)
        var random = SeededGenerator(seed: 1)
        let faces = (0..<16).map { _ in (0..<(48 * 48)).map { _ in UInt8.random(in: 0...255, using: &random) } }
        let expected = model.logits(faces)
        let got = try onnx.outputs(faces.map { pixels in FaceRecord(pixels: pixels, label: nil, split: .test, shape: .face48) })
        let difference = zip(expected, got).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? .infinity
        guard got.count == expected.count, difference <= 1e-4 else {
            throw FerError(.badModelFile, "the exported graph's logits differ from the model's by \(difference) (more than 1e-4): not written",
                           at: InputLocation(source: path))
        }
        return difference
    }

    /// The model as an ONNX ModelProto.
    public static func graph(of model: CNNRNN, classes: [String], source: String) throws -> Onnx_ModelProto {
        let a = model.architecture
        guard classes.count == a.classes else {
            throw FerError(.badModelFile, "\(classes.count) class names for a \(a.classes)-way output layer", at: InputLocation(source: source))
        }
        var builder = GraphBuilder()
        for parameter in model.tensors where !parameter.name.hasPrefix("lstm.") {
            builder.constant(parameter.name, parameter.values, shape: parameter.shape)
        }
        var map = "x"
        for block in 1...a.filters.count {
            builder.node("Conv", [map, "conv\(block).weight", "conv\(block).bias"], "conv\(block)",
                         ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1])])
            builder.node("Relu", ["conv\(block)"], "relu\(block)")
            let pooled = "pool\(block)"
            builder.node("MaxPool", ["relu\(block)"], pooled, ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])])
            map = pooled
            if a.batchNorm {
                let norm = "bn\(block)"
                map = builder.node("BatchNormalization", [pooled, norm + ".weight", norm + ".bias", norm + ".running_mean", norm + ".running_var"],
                                   norm, ["epsilon": .float(1e-5)])
            }
        }
        builder.integers("rows.axis", [2])
        var sequence: [String] = (0..<a.steps).map { row in
            builder.integers("row\(row).start", [Int64(row)])
            builder.integers("row\(row).end", [Int64(row + 1)])
            builder.node("Slice", [map, "row\(row).start", "row\(row).end", "rows.axis"], "row\(row).map")
            return builder.node("Flatten", ["row\(row).map"], "row\(row)", ["axis": .int(1)])
        }
        let values = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0) })
        for layer in 0..<a.layers {
            let weightIH = values["lstm.weight_ih_l\(layer)"]!, weightHH = values["lstm.weight_hh_l\(layer)"]!
            let bias = zip(values["lstm.bias_ih_l\(layer)"]!.values, values["lstm.bias_hh_l\(layer)"]!.values).map { $0 + $1 }
            let (w, r, b) = ("lstm\(layer).w_ih", "lstm\(layer).w_hh", "lstm\(layer).bias")
            builder.constant(w, weightIH.values, shape: weightIH.shape)
            builder.constant(r, weightHH.values, shape: weightHH.shape)
            builder.constant(b, bias, shape: [bias.count])
            var (h, c): (String?, String?) = (nil, nil)
            sequence = sequence.enumerated().map { step, x in
                let p = "lstm\(layer).step\(step)."
                var gates = builder.node("Gemm", [x, w, b], p + "input", ["transB": .int(1)])
                if let h {
                    let recurrent = builder.node("Gemm", [h, r], p + "recurrent", ["transB": .int(1)])
                    gates = builder.node("Add", [gates, recurrent], p + "gates")
                }
                builder.node("Split", [gates], [p + "i", p + "f", p + "g", p + "o"], ["axis": .int(1)])
                let i = builder.node("Sigmoid", [p + "i"], p + "input_gate"), o = builder.node("Sigmoid", [p + "o"], p + "output_gate")
                let candidate = builder.node("Tanh", [p + "g"], p + "candidate")
                var cell = builder.node("Mul", [i, candidate], p + "written")
                if let c {
                    let f = builder.node("Sigmoid", [p + "f"], p + "forget_gate")
                    let kept = builder.node("Mul", [f, c], p + "kept")
                    cell = builder.node("Add", [kept, cell], p + "cell")
                }
                let squashed = builder.node("Tanh", [cell], p + "cell_tanh")
                (h, c) = (builder.node("Mul", [o, squashed], p + "hidden"), cell)
                return h!
            }
        }
        builder.node("Gemm", [sequence.last!, "fc.weight", "fc.bias"], "logits", ["transB": .int(1)])

        var graph = builder.graph
        graph.name = "ferdata-cnnrnn"
        graph.input = [valueInfo("x", ["N", "1", "48", "48"])]
        graph.output = [valueInfo("logits", ["N", String(a.classes)])]
        var proto = Onnx_ModelProto()
        proto.irVersion = 7
        proto.producerName = "ferdata"
        proto.docString = "ferdata's CNN-RNN (convolution blocks of \(a.width) channels, \(a.layers)-layer LSTM, \(a.hidden) hidden), exported from \(URL(fileURLWithPath: source).lastPathComponent). "
            + "Input: 48x48 gray faces, pixel/255, NCHW. Output: logits over " + classes.joined(separator: ", ") + "."
        var operatorSet = Onnx_OperatorSetIdProto()
        operatorSet.version = opset
        proto.opsetImport = [operatorSet]
        proto.metadataProps = [("classes", classes.joined(separator: ",")), ("input", "1x48x48"), ("normalisation", "pixel/255")].map { key, value in
            var entry = Onnx_StringStringEntryProto()
            (entry.key, entry.value) = (key, value)
            return entry
        }
        proto.graph = graph
        return proto
    }

    /// A float tensor input or output with named (symbolic) or fixed sides.
    private static func valueInfo(_ name: String, _ sides: [String]) -> Onnx_ValueInfoProto {
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.shape.dim = sides.map { side in
            var dimension = Onnx_TensorShapeProto.Dimension()
            if let value = Int64(side) { dimension.dimValue = value } else { dimension.dimParam = side }
            return dimension
        }
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensor
        return info
    }
}

/// Nodes and initializers of a graph being written, each node named after its (first) output.
private struct GraphBuilder {
    var graph = Onnx_GraphProto()

    enum Attribute {
        case int(Int64)
        case ints([Int64])
        case float(Float)
    }

    @discardableResult
    mutating func node(_ operation: String, _ inputs: [String], _ output: String, _ attributes: KeyValuePairs<String, Attribute> = [:]) -> String {
        node(operation, inputs, [output], attributes)
        return output
    }

    mutating func node(_ operation: String, _ inputs: [String], _ outputs: [String], _ attributes: KeyValuePairs<String, Attribute> = [:]) {
        var node = Onnx_NodeProto()
        node.opType = operation
        node.name = outputs[0]
        node.input = inputs
        node.output = outputs
        node.attribute = attributes.map { name, value in
            var attribute = Onnx_AttributeProto()
            attribute.name = name
            switch value {
            case .int(let integer): (attribute.type, attribute.i) = (.int, integer)
            case .ints(let integers): (attribute.type, attribute.ints) = (.ints, integers)
            case .float(let number): (attribute.type, attribute.f) = (.float, number)
            }
            return attribute
        }
        graph.node.append(node)
    }

    mutating func constant(_ name: String, _ values: [Float], shape: [Int]) {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = shape.map(Int64.init)
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }  // little-endian, as ONNX stores raw data
        graph.initializer.append(tensor)
    }

    mutating func integers(_ name: String, _ values: [Int64]) {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = [Int64(values.count)]
        tensor.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        tensor.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        graph.initializer.append(tensor)
    }
}
