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
    /// A class name (`angry` ... `neutral`) or `unusable`.
    public var newLabel: String
    /// When it was stored, ISO 8601 UTC with milliseconds.
    public var time: String
    /// Decisions sent together (a bulk relabel) share a batch; undo takes back the latest batch.
    public var batch: Int64
    /// Taken back by undo: kept in the store, no longer counted.
    public var undone: Bool

    public init(id: Int64 = 0, recordID: UInt64, dataset: String, queue: String, annotator: String, oldLabel: String?,
                newLabel: String, time: String = "", batch: Int64 = 0, undone: Bool = false) {
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

    /// The label a decision may give: a class name or this.
    public static let unusable = "unusable"
    /// Every label a decision may give, in key order: 1-7 the classes, then unusable (key 0).
    public static let labels = Emotion.names + [unusable]

    /// Each annotator's standing decision per face: the latest of theirs not undone (`decisions` in
    /// stored order). Review, agreement and relabel all count these.
    public static func standing(_ decisions: [Decision]) -> [String: [UInt64: Decision]] {
        var latest: [String: [UInt64: Decision]] = [:]
        for decision in decisions where !decision.undone { latest[decision.annotator, default: [:]][decision.recordID] = decision }
        return latest
    }

    /// The class a label names (nil for `unusable`); throws for anything else.
    public static func emotion(_ label: String) throws -> Emotion? {
        if label == unusable { return nil }
        guard let emotion = Emotion(name: label) else {
            throw FerError(.invalidArgument, "unknown label '\(label)': expected one of \(labels.joined(separator: ", "))")
        }
        return emotion
    }
}
