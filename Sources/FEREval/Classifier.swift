import FERCore
import FERCuration
import FERData
import FERIngest
import FERNet

/// A model file ready to score faces: the network, its class names, and how dataset labels map onto
/// its outputs. Any model file ferdata reads works, including a plain PyTorch state_dict saved by
/// `peer_cnnrnn.py --save` (read with the FER2013 class order).
public struct Classifier {
    public let path: String
    public let model: CNNRNN
    /// The model's output classes, in output order, as its file names them.
    public let classes: [String]
    /// The output index of each emotion the model knows (its class names read through the synonym table).
    public let outputIndex: [Emotion: Int]

    public init(path: String) throws {
        self.path = path
        (model, classes) = try CNNRNN.load(path)
        let vocabulary = LabelVocabulary()
        var outputIndex: [Emotion: Int] = [:]
        for (index, name) in classes.enumerated() {
            if case .emotion(let emotion) = vocabulary.resolve(name), outputIndex[emotion] == nil { outputIndex[emotion] = index }
        }
        self.outputIndex = outputIndex
    }

    /// One prediction per record, in order: probabilities over the model's classes (with test-time
    /// augmentation, their mean over the views of each face) and, for labelled records of a class the
    /// model knows, the true output index.
    public func predict(_ records: [FaceRecord], tta: TestTimeAugmentation = .none) -> [Prediction] {
        let probabilities = model.probabilities(records.map(\.pixels), tta: tta)
        return zip(records, probabilities).map { record, probabilities in
            Prediction(recordID: record.recordID, source: record.sourceName, locator: record.locator,
                       truth: record.label.flatMap { outputIndex[$0] }, probabilities: probabilities)
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
