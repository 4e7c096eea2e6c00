import FERCore

/// A person's decision on one face of a review queue: the label it should have, or `unusable`
/// (not a face, or no use for training). One row of the annotation store.
public struct Decision: Codable, Sendable, Equatable {
    /// The store's row id (0 before it is stored).
    public var id: Int64
    public var recordID: UInt64
    /// The dataset whose record was shown.
    public var dataset: String
    public var queue: String
    public var annotator: String
    /// The label the record had when shown (nil: unlabelled).
    public var oldLabel: String?
    /// What the person said the face is.
    public var newLabel: ReviewLabel
    /// When it was stored, ISO 8601 UTC with milliseconds.
    public var time: String
    /// Decisions sent together (a bulk relabel) share a batch; undo takes back the latest batch.
    public var batch: Int64
    /// Taken back by undo: kept in the store, no longer counted.
    public var undone: Bool

    public init(id: Int64 = 0, recordID: UInt64, dataset: String, queue: String, annotator: String, oldLabel: String?,
                newLabel: ReviewLabel, time: String = "", batch: Int64 = 0, undone: Bool = false) {
        self.id = id
        self.recordID = recordID
        self.dataset = dataset
        self.queue = queue
        self.annotator = annotator
        self.oldLabel = oldLabel
        self.newLabel = newLabel
        self.time = time
        self.batch = batch
        self.undone = undone
    }

    /// Each annotator's standing decision per face: the latest of theirs not undone (`decisions` in
    /// stored order). Review, agreement and relabel all count these.
    public static func standing(_ decisions: [Decision]) -> [String: [UInt64: Decision]] {
        var latest: [String: [UInt64: Decision]] = [:]
        for decision in decisions where !decision.undone { latest[decision.annotator, default: [:]][decision.recordID] = decision }
        return latest
    }
}

/// What a decision says a face is: one of the seven classes, or unusable (not a face, or no use for
/// training). Written as its name (`sad`, `unusable`) on the page, in the store and in files; checked
/// once, where a name comes in.
public enum ReviewLabel: Hashable, Sendable, Codable, CustomStringConvertible {
    case emotion(Emotion)
    case unusable

    /// Every label, in key order: 1-7 the classes, then unusable (key 0).
    public static let all: [ReviewLabel] = Emotion.allCases.map { .emotion($0) } + [.unusable]
    public static var names: [String] { all.map(\.name) }

    /// A class name or `unusable`; nil for anything else.
    public init?(name: String) {
        if name == "unusable" {
            self = .unusable
        } else if let emotion = Emotion(name: name) {
            self = .emotion(emotion)
        } else {
            return nil
        }
    }

    public var name: String {
        switch self {
        case .emotion(let emotion): emotion.name
        case .unusable: "unusable"
        }
    }

    public var description: String { name }

    /// The class it names; nil for unusable.
    public var emotion: Emotion? {
        if case .emotion(let emotion) = self { return emotion }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let label = ReviewLabel(name: name) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown label '\(name)': expected one of \(Self.names.joined(separator: ", "))")
        }
        self = label
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
