/// Accuracy, per-class precision/recall/F1 and their macro and support-weighted means, from a
/// confusion matrix (rows: true class, columns: predicted), as scikit-learn defines them (a class
/// with no predictions has precision 0). The macro mean runs over the classes that occur in the
/// labels or the predictions (scikit-learn's default), or over `averageOver` when given (its
/// `labels=` argument): cross-dataset scores leave out model classes the foreign set lacks.
public struct ClassificationMetrics: Sendable, Codable, Equatable {
    public var confusion: [[Int]]
    public var accuracy: Double
    public var precision: [Double]
    public var recall: [Double]
    public var f1: [Double]
    public var support: [Int]
    public var macroF1: Double
    public var weightedF1: Double
    /// The classes the macro mean ran over.
    public var averagedOver: [Int]

    public init(labels: [Int], predictions: [Int], classes: Int, averageOver: [Int]? = nil) {
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (truth, guess) in zip(labels, predictions) { confusion[truth][guess] += 1 }
        self.confusion = confusion
        let total = labels.count
        let correct = (0..<classes).reduce(0) { $0 + confusion[$1][$1] }
        accuracy = total == 0 ? 0 : Double(correct) / Double(total)
        let support = confusion.map { $0.reduce(0, +) }
        let predicted = (0..<classes).map { column in confusion.reduce(0) { $0 + $1[column] } }
        let precision = (0..<classes).map { predicted[$0] == 0 ? 0 : Double(confusion[$0][$0]) / Double(predicted[$0]) }
        let recall = (0..<classes).map { support[$0] == 0 ? 0 : Double(confusion[$0][$0]) / Double(support[$0]) }
        let f1 = (0..<classes).map { precision[$0] + recall[$0] == 0 ? 0 : 2 * precision[$0] * recall[$0] / (precision[$0] + recall[$0]) }
        let present = averageOver ?? (0..<classes).filter { support[$0] > 0 || predicted[$0] > 0 }
        averagedOver = present
        self.support = support
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        macroF1 = present.isEmpty ? 0 : present.reduce(0) { $0 + f1[$1] } / Double(present.count)
        weightedF1 = total == 0 ? 0 : (0..<classes).reduce(0) { $0 + f1[$1] * Double(support[$1]) } / Double(total)
    }
}
