/// A model that learned nothing: it predicts one class for nearly every face, or its accuracy is no
/// better than always answering the commonest class (within two standard errors of that share, on the
/// faces scored; for a run, its best val accuracy). Such a model's scores are not results; `train`,
/// `eval`, `crosseval` and `ferdata run` say so at the end of their summary, and with
/// `--fail-on-collapse` `train` and `run` exit with status 3.
public struct Collapse: Sendable, Codable, Equatable {
    public enum Sign: String, Sendable, Codable {
        /// One class takes nearly every prediction.
        case oneClass = "one-class"
        /// Accuracy at the level of always answering the commonest class.
        case chance
    }

    public var sign: Sign
    /// The class predicted for nearly every face (one-class).
    public var predictedClass: String?
    /// The share of the faces predicted as that class (one-class).
    public var predictedShare: Double?
    /// The accuracy seen: on the faces scored, or the best val accuracy of a run.
    public var accuracy: Double
    /// The share of the commonest label: what always answering it scores.
    public var chance: Double
    /// Plain words: what happened.
    public var message: String
    /// The likely causes and what to try.
    public var advice = Self.causesAndRemedies

    /// At least this share of the predictions in one class is a collapse...
    static let oneClassShare = 0.9
    /// ... unless that class is nearly as common among the labels (a dataset of one class, nearly).
    static let labelMargin = 0.25
    /// Fewer faces than this say too little to call.
    static let minimumFaces = 10

    public static let causesAndRemedies = """
        Likely causes: a learning rate too high for the batch size (Adam's first steps at the full rate \
        kill the convolutions' ReLUs: try --warmup 2, or a lower --lr), too few epochs or faces to leave \
        the plateau at chance, or labels that do not match the faces (look at them with ferdata show). \
        For skewed classes try --class-weights balanced.
        """

    /// Either sign in scores of `metrics`, whose classes are named `classes` (output order).
    public static func check(_ metrics: ClassificationMetrics, classes: [String]) -> Collapse? {
        let total = metrics.support.reduce(0, +)
        guard total >= minimumFaces else { return nil }
        let predicted = metrics.confusion.indices.map { column in metrics.confusion.reduce(0) { $0 + $1[column] } }
        guard let top = predicted.indices.max(by: { predicted[$0] < predicted[$1] }) else { return nil }
        let share = Double(predicted[top]) / Double(total)
        let chance = Double(metrics.support.max() ?? 0) / Double(total)
        if share >= oneClassShare, share - Double(metrics.support[top]) / Double(total) >= labelMargin {
            let name = top < classes.count ? classes[top] : "class \(top)"
            return Collapse(
                sign: .oneClass, predictedClass: name, predictedShare: share, accuracy: metrics.accuracy, chance: chance,
                message: String(format: "COLLAPSED: the model predicts %@ for %.0f%% of the %d faces (accuracy %.4f; always answering the commonest class scores %.4f): it learned nothing.",
                                name, share * 100, total, metrics.accuracy, chance))
        }
        guard atChance(metrics.accuracy, chance: chance, faces: total) else { return nil }
        return Collapse(
            sign: .chance, predictedClass: nil, predictedShare: nil, accuracy: metrics.accuracy, chance: chance,
            message: String(format: "COLLAPSED: accuracy %.4f on %d faces is no better than always answering the commonest class (%.4f): the model learned nothing.",
                            metrics.accuracy, total, chance))
    }

    /// The chance sign of a run: its best val accuracy no better than the commonest val class's share,
    /// given the number of val faces of each class.
    public static func check(bestValAccuracy: Double, valCounts: [Int]) -> Collapse? {
        let faces = valCounts.reduce(0, +)
        guard faces >= minimumFaces else { return nil }
        let chance = Double(valCounts.max() ?? 0) / Double(faces)
        guard atChance(bestValAccuracy, chance: chance, faces: faces) else { return nil }
        return Collapse(
            sign: .chance, predictedClass: nil, predictedShare: nil, accuracy: bestValAccuracy, chance: chance,
            message: String(format: "COLLAPSED: val accuracy never rose above chance (best %.4f on %d faces; always answering the commonest class scores %.4f): the model learned nothing.",
                            bestValAccuracy, faces, chance))
    }

    /// Accuracy within two standard errors of `chance` (a binomial's, for `faces` faces).
    static func atChance(_ accuracy: Double, chance: Double, faces: Int) -> Bool {
        accuracy <= chance + 2 * (chance * (1 - chance) / Double(faces)).squareRoot()
    }
}
