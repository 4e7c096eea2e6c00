import ArgumentParser
import FERCore
import FERData
import FERIngest
import FERNet

/// 95% intervals on a model's scores, from a seeded percentile bootstrap: the scored faces are
/// resampled with replacement `resamples` times and each score's 2.5th and 97.5th percentiles taken
/// (linear interpolation, as numpy's and `scipy.stats.bootstrap(method="percentile")`'s). Where the
/// data names the person of every face (JAFFE, KDEF, CK+, a manifest's subject column), the people are
/// resampled instead, each with all their faces: faces of one person are not independent, and an
/// interval that pretends they are is too narrow.
public struct ScoreIntervals: Sendable, Codable, Equatable {
    public struct Interval: Sendable, Codable, Equatable, CustomStringConvertible {
        public var low: Double
        public var high: Double

        public init(low: Double, high: Double) {
            self.low = low
            self.high = high
        }

        public var description: String { String(format: "[%.4f, %.4f]", low, high) }
    }

    /// The coverage, 0.95.
    public var level: Double
    public var resamples: Int
    public var seed: UInt64
    /// What was resampled: `face`, or `subject` when every face names its person.
    public var unit: String
    /// How many faces or subjects were resampled from.
    public var units: Int
    public var accuracy: Interval
    public var weightedF1: Interval
    public var macroF1: Interval
    /// Per class in the model's output order; nil for a class with no face in the data.
    public var recall: [Interval?]

    /// The default number of resamples (`--bootstrap`).
    public static let defaultResamples = 2000

    /// - Parameters:
    ///   - labels, predictions: class indices of each scored face.
    ///   - averageOver: the classes of the macro mean (those present in the data), as in the score itself.
    ///   - clusters: each face's person (any key), or nil to resample faces.
    public static func bootstrap(
        labels: [Int], predictions: [Int], classes: Int, averageOver: [Int], clusters: [String]?,
        resamples: Int = defaultResamples, seed: UInt64 = 0, level: Double = 0.95
    ) -> ScoreIntervals? {
        guard resamples > 0, !labels.isEmpty else { return nil }
        let units = Self.units(faces: labels.count, clusters: clusters)
        var generator = SeededGenerator(seed: seed, stream: 0xB007)
        var accuracy: [Double] = [], weighted: [Double] = [], macro: [Double] = []
        var recall = [[Double]](repeating: [], count: classes)
        accuracy.reserveCapacity(resamples)
        var sampledLabels: [Int] = [], sampledPredictions: [Int] = []
        for _ in 0..<resamples {
            sampledLabels.removeAll(keepingCapacity: true)
            sampledPredictions.removeAll(keepingCapacity: true)
            for _ in 0..<units.count {
                for face in units[Int.random(in: 0..<units.count, using: &generator)] {
                    sampledLabels.append(labels[face])
                    sampledPredictions.append(predictions[face])
                }
            }
            let metrics = ClassificationMetrics(labels: sampledLabels, predictions: sampledPredictions, classes: classes, averageOver: averageOver)
            accuracy.append(metrics.accuracy)
            weighted.append(metrics.weightedF1)
            macro.append(metrics.macroF1)
            for c in 0..<classes where metrics.support[c] > 0 { recall[c].append(metrics.recall[c]) }
        }
        let present = Set(labels)
        func interval(_ values: [Double]) -> Interval {
            let sorted = values.sorted()
            return Interval(low: percentile(sorted, (1 - level) / 2), high: percentile(sorted, 1 - (1 - level) / 2))
        }
        return ScoreIntervals(
            level: level, resamples: resamples, seed: seed, unit: clusters == nil ? "face" : "subject", units: units.count,
            accuracy: interval(accuracy), weightedF1: interval(weighted), macroF1: interval(macro),
            recall: (0..<classes).map { present.contains($0) && !recall[$0].isEmpty ? interval(recall[$0]) : nil })
    }

    /// Each face's person when every face names one and there are several people but fewer than
    /// faces (the clusters a bootstrap draws), else nil: faces are drawn one by one.
    public static func clusters(of records: [FaceRecord]) -> [String]? {
        let subjects = records.map(SubjectKey.of)
        guard subjects.allSatisfy({ $0 != nil }) else { return nil }
        let people = Set(subjects.compactMap { $0 }).count
        return people >= 2 && people < records.count ? subjects.map { $0! } : nil
    }

    /// What a bootstrap draws: single faces, or each person's faces together (people in name order, so
    /// that a seed gives the same draws on every machine).
    static func units(faces: Int, clusters: [String]?) -> [[Int]] {
        guard let clusters else { return (0..<faces).map { [$0] } }
        var byPerson: [String: [Int]] = [:]
        for (face, person) in clusters.enumerated() { byPerson[person, default: []].append(face) }
        return byPerson.keys.sorted().map { byPerson[$0]! }
    }

    /// A score with its interval when there is one, as the tables and summaries print it:
    /// `0.6231 [0.6118, 0.6343]`.
    public static func text(_ value: Double, _ interval: Interval?) -> String {
        String(format: "%.4f", value) + (interval.map { " \($0)" } ?? "")
    }

    /// The `q` quantile of sorted values, interpolated linearly between the two nearest ranks.
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard sorted.count > 1 else { return sorted.first ?? .nan }
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
        return sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
    }
}

/// How scores get their intervals: eval's and crosseval's options.
public struct IntervalOptions: Settings, Sendable {
    @Option(help: ArgumentHelp("Bootstrap resamples for each score's 95% interval (subjects resampled where every face names its person; 0: no intervals).",
                               valueName: "N"))
    public var bootstrap = ScoreIntervals.defaultResamples

    public init() {}

    public func check() throws {
        guard (0...1_000_000).contains(bootstrap) else { throw FerError(.invalidArgument, "bootstrap must be 0-1000000, got \(bootstrap)") }
    }
}
