import FERCore
import FERCuration
import FERData
import FERIngest

/// `suspects.csv`, the review queue of label-noise suspects, in one schema whoever found them
/// (`suspects` out of fold, `annotate --suspects` in sample): one row per face, worst first, with where
/// it came from, its given and likely labels, a label-quality score (lower is worse: the ranking's, or
/// for annotate the model's probability of the given label), both labels' probabilities and, with FER+
/// votes, the crowd's verdict.
public enum SuspectsFile {
    public struct Row: Sendable {
        public var record: FaceRecord
        public var given: String
        public var likely: String
        public var score: Double
        public var pGiven: Double
        public var pLikely: Double
        /// The FER+ crowd's majority label or why it has none; nil without votes.
        public var crowd: String?

        public init(record: FaceRecord, given: String, likely: String, score: Double, pGiven: Double, pLikely: Double, crowd: String? = nil) {
            (self.record, self.given, self.likely, self.score, self.pGiven, self.pLikely, self.crowd) = (record, given, likely, score, pGiven, pLikely, crowd)
        }
    }

    public static let header = ["rank", "record_id", "dataset", "source", "locator", "split", "given", "likely", "score", "p_given", "p_likely"]

    /// The rows in their order, ranked from 1; a `crowd` column when any row has a verdict.
    public static func csv(_ rows: [Row], dataset: String) -> String {
        let crowd = rows.contains { $0.crowd != nil }
        var text = CSVField.line(header + (crowd ? ["crowd"] : [])) + "\n"
        for (rank, row) in rows.enumerated() {
            let fields = [String(rank + 1), String(row.record.recordID), dataset, row.record.sourceName, String(row.record.locator),
                          row.record.split.name, row.given, row.likely, String(format: "%.6f", row.score),
                          String(format: "%.6f", row.pGiven), String(format: "%.6f", row.pLikely)]
            text += CSVField.line(fields + (crowd ? [row.crowd ?? ""] : [])) + "\n"
        }
        return text
    }
}
