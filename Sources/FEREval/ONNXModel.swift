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

    static let batchSize = 8

    init(path: String) throws {
        contract = try ModelContract.read(sidecarOf: path)
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
        let probe = try run([FaceRecord(pixels: [UInt8](repeating: 0, count: contract.shape.byteCount), label: nil, split: .test, shape: contract.shape)])
        guard probe.first?.count == contract.classes.count else {
            throw FerError(.badModelFile, "the model gives \(probe.first?.count ?? 0) outputs per face and its sidecar names \(contract.classes.count) classes",
                           at: InputLocation(source: path))
        }
    }

    deinit { replicas.forEach(fer_onnx_close) }

    /// The model's input for one face, written at `values` (channels x side x side): its planes
    /// resized to the input size (gray repeated in every channel, colour reduced to luma where the
    /// model takes one), in the contract's channel order, scaled and normalised, channel-major.
    func input(_ record: FaceRecord, into values: UnsafeMutablePointer<Float>) {
        let side = contract.inputSize[0], channels = contract.channels, area = side * side
        let planes = (record.shape.channels == 3 && channels == 3 ? record.planes : [record.image])
            .map { $0.width == side && $0.height == side ? $0 : $0.faceSized(side) }
        for channel in 0..<channels {
            let plane = planes.count == 1 ? 0 : contract.channelOrder == "BGR" ? channels - 1 - channel : channel
            let scale = contract.scale, mean = contract.mean[channel], std = contract.std[channel]
            planes[plane].pixels.withUnsafeBufferPointer { pixels in
                let out = values + channel * area
                for i in 0..<area { out[i] = (Float(pixels[i]) * scale - mean) / std }
            }
        }
    }

    /// A stream that scores faces in batches as they are handed in, one thread per network.
    func stream() -> Stream { Stream(self) }

    /// Faces handed in one at a time (`add`), scored a batch at a time by one thread per network, each
    /// taking the next full batch; `finish` scores what is left and gives every face's probabilities
    /// in order. Dropped unfinished (the reading failed), it lets its threads go.
    final class Stream {
        private let model: ONNXModel
        /// Numbered batches for the threads; nil tells a thread to stop.
        private let batches = BoundedQueue<(number: Int, records: [FaceRecord])?>(capacity: 4)
        private let results = Results()
        private let done = DispatchGroup()
        private var pending: [FaceRecord] = []
        private var count = 0
        private var finished = false

        /// Each batch's probabilities by number, and the first error, shared with the threads.
        private final class Results: @unchecked Sendable {
            let lock = NSLock()
            var batches: [Int: [[Float]]] = [:]
            var error: Error?
        }

        fileprivate init(_ model: ONNXModel) {
            self.model = model
            let batches = batches, results = results
            for network in model.replicas.indices {
                done.enter()
                Thread { [done] in
                    while let batch = batches.take() {
                        let (number, records) = batch
                        let failed = results.lock.withLock { results.error != nil }
                        if failed { continue }
                        do {
                            let probabilities = try model.run(records, network: network)
                            results.lock.withLock { results.batches[number] = probabilities }
                        } catch {
                            results.lock.withLock { results.error = results.error ?? error }
                        }
                    }
                    done.leave()
                }.start()
            }
        }

        deinit {
            if !finished { stop() }
        }

        func add(_ record: FaceRecord) {
            pending.append(record)
            if pending.count == ONNXModel.batchSize { handOver() }
        }

        private func handOver() {
            _ = batches.put((count, pending))
            count += 1
            pending.removeAll(keepingCapacity: true)
        }

        /// Waits for every thread to stop.
        private func stop() {
            for _ in model.replicas { _ = batches.put(nil) }
            done.wait()
        }

        func finish() throws -> [[Float]] {
            if !pending.isEmpty { handOver() }
            finished = true
            stop()
            if let error = results.error { throw error }
            return (0..<count).flatMap { results.batches[$0]! }
        }
    }

    /// The probabilities of one batch of faces: the softmax of the outputs where they are logits.
    private func run(_ records: [FaceRecord], network: Int = 0) throws -> [[Float]] {
        try outputs(records, network: network).map { contract.output == "logits" ? Self.softmax($0) : $0 }
    }

    /// The network's outputs for one batch of faces, as it gives them.
    func outputs(_ records: [FaceRecord], network: Int = 0) throws -> [[Float]] {
        let classes = contract.classes.count, size = contract.channels * contract.inputSize[0] * contract.inputSize[1]
        let batch = [Float](unsafeUninitializedCapacity: records.count * size) { values, initialized in
            for (index, record) in records.enumerated() { input(record, into: values.baseAddress! + index * size) }
            initialized = records.count * size
        }
        var output = [Float](repeating: 0, count: records.count * max(classes, 1) * 4)
        var count = 0
        var message = [CChar](repeating: 0, count: 512)
        let status = locks[network].withLock {
            fer_onnx_run(replicas[network], batch, UInt32(records.count), UInt32(contract.channels), UInt32(contract.inputSize[0]),
                         UInt32(contract.inputSize[1]), &output, output.count, &count, &message, message.count)
        }
        guard status == 0 else {
            throw FerError(.badModelFile, "the ONNX model did not run on \(contract.channels)x\(contract.inputSize[0])x\(contract.inputSize[1]) input: "
                + Self.oneLine(message), at: InputLocation(source: path))
        }
        guard count % records.count == 0 else {
            throw FerError(.badModelFile, "the model gave \(count) values for \(records.count) faces", at: InputLocation(source: path))
        }
        let per = count / records.count
        return (0..<records.count).map { i in Array(output[(i * per)..<((i + 1) * per)]) }
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
