import FERCore
import FERData
import FERIngest
import Foundation

/// Applies combined review decisions to a dataset's records: a decided class becomes the label (the
/// record flagged `relabelled`, its original label and the decisions listed in `relabelled.csv`), a
/// decided `unusable` removes the record (listed in `removed.csv`). A decision on a face applies to
/// the copies augmentation made of it too (their parent).
public struct Relabeller: Sendable {
    public struct Report: Codable, Sendable, Equatable {
        public var rule: String
        public var adjudicator: String?
        /// Standing decisions read (undone ones left out).
        public var decisions: Int
        /// Records given another label, removed, confirmed (decided label = their label), left as
        /// they were because annotators tied.
        public var relabelled = 0
        public var removed = 0
        public var confirmed = 0
        public var ties = 0
        /// Decided faces with no record in this dataset (dropped by an earlier stage).
        public var notInDataset = 0
        public var kept = 0
        /// With `--min-gold-accuracy`: annotators whose decisions were left out (gold accuracy below
        /// it), and those who decided no gold face (kept: their accuracy is unknown).
        public var excludedAnnotators: [String] = []
        public var uncheckedAnnotators: [String] = []
    }

    public var combiner: DecisionCombiner

    public init(combiner: DecisionCombiner) {
        self.combiner = combiner
    }

    public struct Result {
        public var records: [FaceRecord]
        public var report: Report
        public var relabelledCSV: String
        public var removedCSV: String
    }

    public func apply(_ decisions: [Decision], to records: [FaceRecord]) throws -> Result {
        let outcomes = combiner.combine(decisions)
        var report = Report(rule: combiner.rule.rawValue, adjudicator: combiner.adjudicator,
                            decisions: decisions.filter { !$0.undone }.count)
        var relabelled = CSVField.line(["record_id", "parent_id", "original_label", "new_label", "annotators", "decisions", "rule"]) + "\n"
        var removed = CSVField.line(["record_id", "parent_id", "original_label", "annotators", "decisions"]) + "\n"
        var kept: [FaceRecord] = []
        var seen = Set<UInt64>()
        for var record in records {
            let key = outcomes[record.recordID] != nil ? record.recordID : record.parentID
            guard let outcome = outcomes[key] else {
                kept.append(record)
                continue
            }
            seen.insert(key)
            switch outcome {
            case .tie:
                report.ties += 1
                kept.append(record)
            case .decided(let label, let standing):
                let annotators = standing.map(\.annotator).joined(separator: " ")
                let ids = standing.map { String($0.id) }.joined(separator: " ")
                let parent = record.parentID == 0 ? "" : String(record.parentID)
                if let emotion = label.emotion {
                    if emotion == record.label {
                        report.confirmed += 1
                    } else {
                        relabelled += CSVField.line([String(record.recordID), parent, record.label?.name ?? "", label.name, annotators, ids,
                                                     combiner.rule.rawValue]) + "\n"
                        record.label = emotion
                        record.flags.insert(.relabelled)
                        record.flags.remove(.pseudoLabel)
                        report.relabelled += 1
                    }
                    kept.append(record)
                } else {
                    removed += CSVField.line([String(record.recordID), parent, record.label?.name ?? "", annotators, ids]) + "\n"
                    report.removed += 1
                }
            }
        }
        report.notInDataset = outcomes.keys.filter { !seen.contains($0) }.count
        report.kept = kept.count
        return Result(records: kept, report: report, relabelledCSV: relabelled, removedCSV: removed)
    }
}
