import FERCore
import FERCuration
import FERData
import FERIngest
import FERNet
import Foundation

/// A model's scores on one dataset: what `metrics.json` holds and the tables print.
public struct Evaluation: Sendable, Codable {
    /// The model file and the data it was scored on (a dataset name or a foreign source's path).
    public var model: String
    public var data: String
    /// The split scored, or "all" for a foreign set.
    public var split: String
    /// The model's classes, in output order: the rows and columns of the confusion matrix.
    public var classes: [String]
    /// Faces scored (labelled with a class the model knows).
    public var scored: Int
    public var metrics: ClassificationMetrics
    /// How the means were taken: macro over `macroClasses`, weighted by support.
    public var averages: Averages
    /// Model classes with no face in the data: reported, and left out of the macro mean.
    public var absentClasses: [String]
    /// Labels in the data that the model has no class for (contempt, say), with their counts: not scored.
    public var excludedLabels: [String: Int]
    /// Files or rows that could not be read, by reason (details in rejected.csv): skipped.
    public var rejected: [String: Int]
    /// Per-group scores, when groups were asked for.
    public var groups: [GroupScore]?
    /// The views each face was scored on (none, flip, crops).
    public var testTimeAugmentation: TestTimeAugmentation
    /// 95% bootstrap intervals of the scores (nil with `--bootstrap 0`).
    public var intervals: ScoreIntervals?
    /// Set when the model predicts one class for nearly every face, or scores no better than always
    /// answering the commonest class: it learned nothing.
    public var collapse: Collapse?

    public struct Averages: Sendable, Codable {
        public var macro: String
        public var macroClasses: [String]
        public var weighted: String
    }

    public struct GroupScore: Sendable, Codable {
        public var group: String
        public var count: Int
        public var accuracy: Double
    }

    /// Scores `predictions` (from `classifier.predict(records, tta: tta)`, same order).
    /// - Parameters:
    ///   - excludedLabels: labels already left out before scoring (foreign names with no FER2013 class).
    ///   - groupPattern: `subject` (the person a dataset's file names name, `SubjectKey`), or a regular
    ///     expression applied to each face's source path, whose first capture group (or the whole
    ///     match) names the face's group (subject, sequence). Faces without a group are not grouped.
    public init(
        classifier: Classifier, records: [FaceRecord], predictions: [Prediction], data: String, split: String,
        excludedLabels: [String: Int] = [:], rejected: [String: Int] = [:], groupPattern: String? = nil,
        tta: TestTimeAugmentation = .none, bootstrap: Int = ScoreIntervals.defaultResamples
    ) throws {
        try self.init(model: classifier.path, classes: classifier.classes, outputIndex: classifier.outputIndex, records: records,
                      predictions: predictions, data: data, split: split, excludedLabels: excludedLabels, rejected: rejected,
                      groupPattern: groupPattern, tta: tta, bootstrap: bootstrap)
    }

    /// Scores predictions of any origin (several models' out-of-fold predictions, say): `model` names
    /// where they came from, `classes` and `outputIndex` are the outputs' names and each emotion's output.
    public init(
        model: String, classes: [String], outputIndex: [Emotion: Int], records: [FaceRecord], predictions: [Prediction], data: String,
        split: String, excludedLabels: [String: Int] = [:], rejected: [String: Int] = [:], groupPattern: String? = nil,
        tta: TestTimeAugmentation = .none, bootstrap: Int = ScoreIntervals.defaultResamples
    ) throws {
        testTimeAugmentation = tta
        let scoredPairs = predictions.compactMap { p in p.truth.map { ($0, p.predicted) } }
        let present = Set(scoredPairs.map(\.0)).sorted()
        metrics = ClassificationMetrics(labels: scoredPairs.map(\.0), predictions: scoredPairs.map(\.1),
                                        classes: classes.count, averageOver: present)
        collapse = Collapse.check(metrics, classes: classes)
        self.model = model
        self.data = data
        self.split = split
        self.classes = classes
        scored = scoredPairs.count
        averages = Averages(macro: "mean over the classes present in the data", macroClasses: present.map { classes[$0] },
                            weighted: "mean over all classes weighted by their number of faces")
        absentClasses = classes.indices.filter { !present.contains($0) }.map { classes[$0] }
        var excluded = excludedLabels
        for record in records {
            if let label = record.label, outputIndex[label] == nil { excluded[label.name, default: 0] += 1 }
        }
        self.excludedLabels = excluded
        self.rejected = rejected
        if let groupPattern { groups = try Self.groupScores(predictions, records: records, pattern: groupPattern) }
        // Subjects are resampled when every scored face names its person and there are several.
        let scoredRecords = zip(records, predictions).filter { $0.1.truth != nil }.map(\.0)
        intervals = ScoreIntervals.bootstrap(
            labels: scoredPairs.map(\.0), predictions: scoredPairs.map(\.1), classes: classes.count, averageOver: present,
            clusters: ScoreIntervals.clusters(of: scoredRecords), resamples: bootstrap)
    }

    /// Per-group scores; `records` are the scored faces, in the predictions' order.
    static func groupScores(_ predictions: [Prediction], records: [FaceRecord], pattern: String) throws -> [GroupScore] {
        let group: (Int) -> String?
        if pattern == "subject" {
            group = { SubjectKey.of(records[$0]) }
        } else {
            let expression: NSRegularExpression
            do {
                expression = try NSRegularExpression(pattern: pattern)
            } catch {
                throw FerError(.invalidArgument, "groups: '\(pattern)' is not a regular expression")
            }
            group = { index in
                let source = predictions[index].source
                let range = NSRange(source.startIndex..., in: source)
                guard let match = expression.firstMatch(in: source, range: range) else { return nil }
                let groupRange = match.numberOfRanges > 1 && match.range(at: 1).location != NSNotFound ? match.range(at: 1) : match.range
                return Range(groupRange, in: source).map { String(source[$0]) }
            }
        }
        var tallies: [String: (count: Int, correct: Int)] = [:]
        for (index, prediction) in predictions.enumerated() {
            guard let truth = prediction.truth, let group = group(index) else { continue }
            tallies[group, default: (0, 0)].count += 1
            if truth == prediction.predicted { tallies[group, default: (0, 0)].correct += 1 }
        }
        return tallies.keys.sorted().map { group in
            let tally = tallies[group]!
            return GroupScore(group: group, count: tally.count, accuracy: Double(tally.correct) / Double(tally.count))
        }
    }
}
