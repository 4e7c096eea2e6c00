import FERCore
import FERCuration
import FERData
import FERIngest
import FERNet
import FEREval
import Foundation

/// Scoring shared by eval, crosseval's baseline row and a training run's report.
public enum Scoring {
    /// The labelled records of a split (all splits for nil).
    public static func labelledRecords(of dataset: Dataset, split: Split?) throws -> [FaceRecord] {
        var records: [FaceRecord] = []
        try dataset.forEachRecord { if (split == nil || $0.split == split) && $0.label != nil { records.append($0) } }
        return records
    }

    /// Scores `records` with the classifier and writes the report folder.
    public static func scoreDataset(
        _ classifier: Classifier, records: [FaceRecord], data: String, split: String, folder: URL,
        curves: EvaluationReport.Curves? = nil, tta: TestTimeAugmentation = .none, groups: String? = nil,
        bootstrap: Int = ScoreIntervals.defaultResamples
    ) throws -> Evaluation {
        let predictions = try classifier.predict(records, tta: tta)
        let evaluation = try Evaluation(classifier: classifier, records: records, predictions: predictions, data: data, split: split,
                                        groupPattern: groups, tta: tta, bootstrap: bootstrap)
        try EvaluationReport.write(evaluation, predictions: predictions, records: records, to: folder, curves: curves)
        return evaluation
    }
}
