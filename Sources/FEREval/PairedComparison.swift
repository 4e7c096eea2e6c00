import FERCore
import FERNet
import Foundation

/// Two models scored on the same faces: each score's difference (B minus A) with its 95% paired
/// bootstrap interval (the same faces, or people, drawn for both models in each resample), and
/// McNemar's exact test on the faces one model gets right and the other wrong.
public struct PairedComparison: Sendable, Codable {
    public struct Score: Sendable, Codable {
        public var a: Double
        public var b: Double
        /// b - a.
        public var difference: Double
        public var interval: ScoreIntervals.Interval
    }

    public var modelA: String
    public var modelB: String
    public var data: String
    public var split: String
    public var faces: Int
    public var accuracy: Score
    public var weightedF1: Score
    public var macroF1: Score
    /// Faces only A gets right, and only B.
    public var onlyA: Int
    public var onlyB: Int
    /// McNemar's exact two-sided p: the binomial test of `onlyA` against `onlyA + onlyB` at one half.
    public var mcnemarP: Double
    public var resamples: Int
    public var seed: UInt64
    /// `face`, or `subject` when every face names its person.
    public var unit: String

    /// - Parameters:
    ///   - labels: each face's true class index (both models' output order, which must be the same).
    ///   - a, b: each model's predicted class index per face.
    ///   - clusters: each face's person, or nil to resample faces.
    public static func compare(
        labels: [Int], a: [Int], b: [Int], classes: Int, clusters: [String]?, modelA: String, modelB: String, data: String, split: String,
        resamples: Int = ScoreIntervals.defaultResamples, seed: UInt64 = 0
    ) -> PairedComparison {
        let present = Set(labels).sorted()
        func scores(_ faces: [Int]) -> (a: ClassificationMetrics, b: ClassificationMetrics) {
            let truth = faces.map { labels[$0] }
            return (ClassificationMetrics(labels: truth, predictions: faces.map { a[$0] }, classes: classes, averageOver: present),
                    ClassificationMetrics(labels: truth, predictions: faces.map { b[$0] }, classes: classes, averageOver: present))
        }
        let whole = scores(Array(labels.indices))
        let units = ScoreIntervals.units(faces: labels.count, clusters: clusters)
        var generator = SeededGenerator(seed: seed, stream: 0xC0DE)
        var differences: [[Double]] = [[], [], []]
        var drawn: [Int] = []
        for _ in 0..<max(0, resamples) {
            drawn.removeAll(keepingCapacity: true)
            for _ in 0..<units.count { drawn += units[Int.random(in: 0..<units.count, using: &generator)] }
            let resampled = scores(drawn)
            differences[0].append(resampled.b.accuracy - resampled.a.accuracy)
            differences[1].append(resampled.b.weightedF1 - resampled.a.weightedF1)
            differences[2].append(resampled.b.macroF1 - resampled.a.macroF1)
        }
        func score(_ a: Double, _ b: Double, _ values: [Double]) -> Score {
            let sorted = values.sorted()
            let interval = sorted.isEmpty ? ScoreIntervals.Interval(low: b - a, high: b - a)
                : ScoreIntervals.Interval(low: ScoreIntervals.percentile(sorted, 0.025), high: ScoreIntervals.percentile(sorted, 0.975))
            return Score(a: a, b: b, difference: b - a, interval: interval)
        }
        let onlyA = labels.indices.filter { a[$0] == labels[$0] && b[$0] != labels[$0] }.count
        let onlyB = labels.indices.filter { b[$0] == labels[$0] && a[$0] != labels[$0] }.count
        return PairedComparison(
            modelA: modelA, modelB: modelB, data: data, split: split, faces: labels.count,
            accuracy: score(whole.a.accuracy, whole.b.accuracy, differences[0]),
            weightedF1: score(whole.a.weightedF1, whole.b.weightedF1, differences[1]),
            macroF1: score(whole.a.macroF1, whole.b.macroF1, differences[2]),
            onlyA: onlyA, onlyB: onlyB, mcnemarP: mcnemarExact(onlyA, onlyB), resamples: resamples, seed: seed,
            unit: clusters == nil ? "face" : "subject")
    }

    /// McNemar's exact test: twice the binomial probability of at most min(b, c) successes in b + c
    /// trials at one half, capped at 1 (statsmodels' `mcnemar(exact=True)`); 1 with no discordant face.
    public static func mcnemarExact(_ b: Int, _ c: Int) -> Double {
        let n = b + c, k = min(b, c)
        guard n > 0 else { return 1 }
        // Terms in logarithms: n can be thousands, where C(n, k) / 2^n underflows term by term.
        let logHalf = Double(n) * log(0.5)
        let logFactorialN: Double = Foundation.lgamma(Double(n + 1))
        let logTerms: [Double] = (0...k).map { i in
            let logChoose: Double = logFactorialN - Foundation.lgamma(Double(i + 1)) - Foundation.lgamma(Double(n - i + 1))
            return logChoose + logHalf
        }
        let largest = logTerms.max()!
        let cumulative = exp(largest) * logTerms.reduce(0) { $0 + exp($1 - largest) }
        return min(1, 2 * cumulative)
    }
}
