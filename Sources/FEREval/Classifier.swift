import FERCore
import FERCuration
import FERData
import FERIngest
import FERNet

/// A model file ready to score faces: the network, its class names, and how dataset labels map onto
/// its outputs. ferdata's CNN-RNN (`.safetensors`, including a plain PyTorch state_dict saved by
/// `peer_cnnrnn.py --save`, read with the FER2013 class order) or any ONNX model with its sidecar
/// contract (`.onnx` beside `.onnx.json`: input size, colour, normalisation, class names; run through
/// OpenCV's DNN module).
public struct Classifier {
    public let path: String
    /// The model's output classes, in output order, as its file names them.
    public let classes: [String]
    /// The output index of each emotion the model knows (its class names read through the synonym table).
    public let outputIndex: [Emotion: Int]
    /// The faces the model takes: 48x48 gray for the CNN-RNN, the contract's size and colour for ONNX.
    public let inputShape: ImageShape
    private let network: Network

    /// Whether the model takes faces of any dataset (an ONNX model: each face is resized to its
    /// input); the CNN-RNN takes 48x48 gray datasets only.
    public var readsAnyShape: Bool {
        if case .onnx = network { return true }
        return false
    }

    private enum Network {
        case cnnrnn(CNNRNN)
        case onnx(ONNXModel)
    }

    public init(path: String) throws {
        self.path = path
        if path.lowercased().hasSuffix(".onnx") {
            let model = try ONNXModel(path: path)
            network = .onnx(model)
            classes = model.contract.classes
            inputShape = model.contract.shape
        } else {
            let (model, names) = try CNNRNN.load(path)
            network = .cnnrnn(model)
            classes = names
            inputShape = .face48
        }
        let vocabulary = LabelVocabulary()
        var outputIndex: [Emotion: Int] = [:]
        for (index, name) in classes.enumerated() {
            if case .emotion(let emotion) = vocabulary.resolve(name), outputIndex[emotion] == nil { outputIndex[emotion] = index }
        }
        if case .onnx = network, outputIndex.isEmpty {
            throw FerError(.badModelFile, "none of the sidecar's classes (\(classes.joined(separator: ", "))) is one of the seven",
                           at: InputLocation(source: path + ".json"))
        }
        self.outputIndex = outputIndex
    }

    /// One prediction per record, in order: probabilities over the model's classes (with test-time
    /// augmentation, their mean over the views of each face; ONNX models score each face once) and,
    /// for labelled records of a class the model knows, the true output index.
    /// - Throws: for an ONNX model that fails on the faces (the CNN-RNN cannot).
    public func predict(_ records: [FaceRecord], tta: TestTimeAugmentation = .none) throws -> [Prediction] {
        let scorer = try self.scorer(tta: tta)
        records.forEach(scorer.add)
        return try scorer.finish()
    }

    /// A scorer for faces handed in one at a time, as a dataset is read (`predict` in steps).
    /// - Throws: test-time augmentation asked of an ONNX model.
    public func scorer(tta: TestTimeAugmentation = .none) throws -> FaceScorer {
        switch network {
        case .cnnrnn(let model):
            return FaceScorer(outputIndex: outputIndex, scoring: .atFinish { records in model.probabilities(records.map(\.pixels), tta: tta) })
        case .onnx(let model):
            guard tta == .none else {
                throw FerError(.invalidArgument, "test-time augmentation is for ferdata's CNN-RNN; score the ONNX model with --tta none")
            }
            return FaceScorer(outputIndex: outputIndex, scoring: .stream(model.stream()))
        }
    }
}

/// Scores faces as they are handed in (`Classifier.scorer`), then gives one prediction per face in
/// order at `finish`. An ONNX model scores each batch on its own threads as soon as it is full, so
/// that reading faces and scoring them overlap; ferdata's CNN-RNN scores them all at `finish`.
public final class FaceScorer {
    private let outputIndex: [Emotion: Int]
    private var records: [FaceRecord] = []
    private let scoring: Scoring

    /// How the faces are scored: by a stream as they come, or all at `finish`.
    fileprivate enum Scoring {
        case stream(ONNXModel.Stream)
        case atFinish(([FaceRecord]) throws -> [[Float]])
    }

    fileprivate init(outputIndex: [Emotion: Int], scoring: Scoring) {
        self.outputIndex = outputIndex
        self.scoring = scoring
    }

    public func add(_ record: FaceRecord) {
        records.append(record)
        if case .stream(let stream) = scoring { stream.add(record) }
    }

    /// The predictions of every face added, in order.
    /// - Throws: for an ONNX model that fails on the faces.
    public func finish() throws -> [Prediction] {
        let probabilities: [[Float]]
        switch scoring {
        case .stream(let stream): probabilities = try stream.finish()
        case .atFinish(let scoreAll): probabilities = try scoreAll(records)
        }
        return zip(records, probabilities).map { record, probabilities in
            Prediction(record, truth: record.label.flatMap { outputIndex[$0] }, probabilities: probabilities)
        }
    }
}

/// What the model said about one face.
public struct Prediction: Sendable {
    public var recordID: UInt64
    /// The file (archive member) or CSV the face came from, and its entry or line number there.
    public var source: String
    public var locator: UInt64
    /// The true output index, when the record is labelled with a class the model knows.
    public var truth: Int?
    public var probabilities: [Float]

    public var predicted: Int { probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0 }
    public var confidence: Float { probabilities.max() ?? 0 }
}

extension Prediction {
    /// What a model said about `record`: `truth` is the output index of its label, where the model has one.
    public init(_ record: FaceRecord, truth: Int?, probabilities: [Float]) {
        self.init(recordID: record.recordID, source: record.sourceName, locator: record.locator, truth: truth, probabilities: probabilities)
    }
}
