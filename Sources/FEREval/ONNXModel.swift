import CFerFaces
import FERCore
import FERData
import FERMedia
import Foundation

/// What an ONNX model expects and gives, from its sidecar `MODEL.onnx.json`:
///
/// ```json
/// {"input_size": [112, 112], "channels": 3, "channel_order": "RGB", "scale": 0.00392157,
///  "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "output": "logits",
///  "classes": ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral", "contempt"]}
/// ```
///
/// Each input value is `(pixel * scale - mean[c]) / std[c]`, laid out NCHW; `output` says whether the
/// model's outputs are logits (softmax is applied) or probabilities. Class names go through the label
/// synonym table; classes outside the seven (contempt, none) stay outputs of the model, and faces it
/// puts there are counted as predictions of a class the data has no label for.
public struct ModelContract: Codable, Sendable, Equatable {
    public var inputSize: [Int]
    public var channels: Int
    public var channelOrder: String?
    public var scale: Float
    public var mean: [Float]
    public var std: [Float]
    public var output: String
    public var classes: [String]

    enum CodingKeys: String, CodingKey {
        case inputSize = "input_size", channels, channelOrder = "channel_order", scale, mean, std, output, classes
    }

    /// The shape faces are read at for this model (ingest's sizes, 8-255 pixels).
    public var shape: ImageShape { ImageShape(height: inputSize[0], width: inputSize[1], channels: channels) }

    /// Reads `MODEL.onnx.json` and checks it: a one-line `bad-model-file` error naming what is wrong.
    public static func read(sidecarOf model: String) throws -> ModelContract {
        let path = model + ".json"
        let location = InputLocation(source: path)
        guard FileManager.default.fileExists(atPath: path) else {
            throw FerError(.badModelFile, "an ONNX model needs its sidecar \(URL(fileURLWithPath: path).lastPathComponent) (input_size, channels, "
                + "scale, mean, std, output, classes; docs/evaluation.md)", at: InputLocation(source: model))
        }
        let contract: ModelContract
        do {
            contract = try JSONDecoder().decode(ModelContract.self, from: try FileIO.readAll(path))
        } catch let error as DecodingError {
            throw FerError(.badModelFile, "the sidecar is not the model contract: \(Self.describe(error))", at: location)
        }
        try contract.check(at: location)
        return contract
    }

    func check(at location: InputLocation) throws {
        func bad(_ what: String) -> FerError { FerError(.badModelFile, what, at: location) }
        guard inputSize.count == 2, inputSize[0] == inputSize[1], (8...255).contains(inputSize[0]) else {
            throw bad("input_size must be [side, side], a square of 8-255 pixels (faces are square), got \(inputSize)")
        }
        guard channels == 1 || channels == 3 else { throw bad("channels must be 1 (gray) or 3, got \(channels)") }
        guard [nil, "RGB", "BGR"].contains(channelOrder) else { throw bad("channel_order must be RGB or BGR") }
        guard mean.count == channels, std.count == channels, std.allSatisfy({ $0 > 0 && $0.isFinite }), mean.allSatisfy(\.isFinite),
              scale.isFinite, scale > 0 else {
            throw bad("scale must be positive and mean and std give one finite value per channel (std positive)")
        }
        guard output == "logits" || output == "probabilities" else { throw bad("output must be logits or probabilities, got \(output)") }
        guard !classes.isEmpty, Set(classes).count == classes.count else { throw bad("classes must name each output once") }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "no '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            (context.codingPath.map(\.stringValue).joined(separator: ".") + " " + context.debugDescription).trimmingCharacters(in: .whitespaces)
        @unknown default: "\(error)"
        }
    }
}

/// An ONNX model run through OpenCV's DNN module (the C shim), with its contract.
final class ONNXModel: @unchecked Sendable {
    let path: String
    let contract: ModelContract
    /// One network per core: each runs its share of the faces' batches on its own thread, OpenCV's
    /// DNN module single-threaded inside (small batches on one core each keep their activations in
    /// cache, where one network spread over both cores waits on its threads).
    private let replicas: [OpaquePointer]
    /// Each network is run one batch at a time.
    private let locks: [NSLock]
    /// Each input plane's value for each pixel level: `(level * scale - mean) / std`.
    private let levels: [[Float]]

    static let batchSize = 8

    init(path: String) throws {
        let contract = try ModelContract.read(sidecarOf: path)
        self.contract = contract
        levels = (0..<contract.channels).map { plane in
            (0..<256).map { (Float($0) * contract.scale - contract.mean[plane]) / contract.std[plane] }
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw FerError(.sourceMissing, "no such model file", at: InputLocation(source: path))
        }
        var replicas: [OpaquePointer] = []
        for _ in 0..<Parallel.coreCount {
            var message = [CChar](repeating: 0, count: 512)
            guard let opened = fer_onnx_open(path, &message, message.count) else {
                replicas.forEach(fer_onnx_close)
                throw FerError(.badModelFile, "OpenCV cannot load it as an ONNX network: \(Self.oneLine(message))", at: InputLocation(source: path))
            }
            replicas.append(opened)
        }
        self.replicas = replicas
        locks = replicas.map { _ in NSLock() }
        self.path = path
        // A first face checks the input shape and the number of outputs against the contract.
        let probe = try run([[Float]](repeating: [Float](repeating: 0, count: contract.channels * contract.inputSize[0] * contract.inputSize[1]), count: 1))
        guard probe.first?.count == contract.classes.count else {
            throw FerError(.badModelFile, "the model gives \(probe.first?.count ?? 0) outputs per face and its sidecar names \(contract.classes.count) classes",
                           at: InputLocation(source: path))
        }
    }

    deinit { replicas.forEach(fer_onnx_close) }

    /// The model's input for one face: its planes resized to the input size (gray repeated in every
    /// channel, colour reduced to luma where the model takes one), in the contract's channel order,
    /// scaled and normalised, channel-major.
    func input(_ record: FaceRecord) -> [Float] {
        let side = contract.inputSize[0], channels = contract.channels
        let planes = (record.shape.channels == 3 && channels == 3 ? record.planes : [record.image])
            .map { $0.width == side && $0.height == side ? $0 : $0.faceSized(side) }
        let area = side * side
        var values = [Float](repeating: 0, count: channels * area)
        values.withUnsafeMutableBufferPointer { values in
            for channel in 0..<channels {
                let plane = planes.count == 1 ? 0 : contract.channelOrder == "BGR" ? channels - 1 - channel : channel
                // Each value looked up in the channel's table of the 256 levels.
                levels[channel].withUnsafeBufferPointer { level in
                    planes[plane].pixels.withUnsafeBufferPointer { pixels in
                        let out = values.baseAddress! + channel * area
                        for i in 0..<area { out[i] = level[Int(pixels[i])] }
                    }
                }
            }
        }
        return values
    }

    /// The probabilities of each face, in order: the faces cut into one contiguous share per network,
    /// each share scored in batches on its own thread.
    func probabilities(_ records: [FaceRecord]) throws -> [[Float]] {
        let shares = Parallel.map(count: records.count, parts: max(1, min(replicas.count, records.count / Self.batchSize))) { part, range in
            [Result {
                try stride(from: range.lowerBound, to: range.upperBound, by: Self.batchSize).flatMap { start in
                    try run(records[start..<min(range.upperBound, start + Self.batchSize)].map(input), network: part)
                }
            }]
        }
        return try shares.flatMap { try $0.get() }
    }

    /// The probabilities of one batch of inputs: the softmax of the outputs where they are logits.
    private func run(_ inputs: [[Float]], network: Int = 0) throws -> [[Float]] {
        try outputs(inputs, network: network).map { contract.output == "logits" ? Self.softmax($0) : $0 }
    }

    /// The network's outputs for one batch of inputs, as it gives them.
    func outputs(_ inputs: [[Float]], network: Int = 0) throws -> [[Float]] {
        let classes = contract.classes.count
        let flat = inputs.flatMap { $0 }
        var output = [Float](repeating: 0, count: inputs.count * max(classes, 1) * 4)
        var count = 0
        var message = [CChar](repeating: 0, count: 512)
        let status = locks[network].withLock {
            fer_onnx_run(replicas[network], flat, UInt32(inputs.count), UInt32(contract.channels), UInt32(contract.inputSize[0]), UInt32(contract.inputSize[1]),
                         &output, output.count, &count, &message, message.count)
        }
        guard status == 0 else {
            throw FerError(.badModelFile, "the ONNX model did not run on \(contract.channels)x\(contract.inputSize[0])x\(contract.inputSize[1]) input: "
                + Self.oneLine(message), at: InputLocation(source: path))
        }
        guard count % inputs.count == 0 else {
            throw FerError(.badModelFile, "the model gave \(count) values for \(inputs.count) faces", at: InputLocation(source: path))
        }
        let per = count / inputs.count
        return (0..<inputs.count).map { i in Array(output[(i * per)..<((i + 1) * per)]) }
    }

    /// OpenCV's multi-line error text as one line: its most specific part (the last "error:"), no prefixes.
    static func oneLine(_ message: [CChar]) -> String {
        let text = String(cString: message)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "> ").union(.whitespaces)) }
            .filter { !$0.isEmpty }
        let specific = lines.last { $0.contains("error:") } ?? lines.last ?? text
        return specific.replacingOccurrences(of: #"^.*error: \(-?\d+:[^)]*\) "#, with: "", options: .regularExpression)
    }

    static func softmax(_ logits: [Float]) -> [Float] {
        let largest = logits.max() ?? 0
        let exponentials = logits.map { Foundation.exp(Double($0 - largest)) }
        let sum = exponentials.reduce(0, +)
        return exponentials.map { Float($0 / sum) }
    }
}
