import FERCore
import Foundation

/// How far annotators agree on the faces they all decided: Cohen's kappa for two annotators,
/// Fleiss' kappa for more (as scikit-learn's `cohen_kappa_score` and statsmodels' `fleiss_kappa`
/// compute them), and per class the specific agreement: of the annotator pairs where one said the
/// class, the share where both did.
public struct Agreement: Codable, Sendable, Equatable {
    public var queue: String
    public var annotators: [String]
    /// Faces every annotator decided (the ones scored).
    public var faces: Int
    /// `cohen` or `fleiss`.
    public var measure: String
    /// nil when chance agreement is 1 (every decision the same label): kappa is undefined.
    public var kappa: Double?
    /// The share of annotator pairs that agree.
    public var observed: Double
    /// Per label (classes and `unusable`) that anyone gave: specific agreement.
    public var perLabel: [String: Double]

    /// Agreement over `ratings`, one row per face with one label per annotator (same order).
    public init(queue: String, annotators: [String], ratings: [[String]]) {
        precondition(annotators.count >= 2 && ratings.allSatisfy { $0.count == annotators.count })
        self.queue = queue
        self.annotators = annotators
        faces = ratings.count
        measure = annotators.count == 2 ? "cohen" : "fleiss"
        kappa = annotators.count == 2
            ? Self.cohen(ratings.map { $0[0] }, ratings.map { $0[1] })
            : Self.fleiss(ratings)
        let raters = Double(annotators.count)
        var agreeingPairs = 0.0, pairs = 0.0
        var bothSaid: [String: Double] = [:], oneSaid: [String: Double] = [:]
        for row in ratings {
            var counts: [String: Double] = [:]
            for label in row { counts[label, default: 0] += 1 }
            for (label, n) in counts {
                agreeingPairs += n * (n - 1)
                bothSaid[label, default: 0] += n * (n - 1)
                oneSaid[label, default: 0] += n * (raters - 1)
            }
            pairs += raters * (raters - 1)
        }
        observed = pairs > 0 ? agreeingPairs / pairs : 0
        perLabel = oneSaid.reduce(into: [:]) { result, entry in
            result[entry.key] = entry.value > 0 ? (bothSaid[entry.key] ?? 0) / entry.value : 0
        }
    }

    /// Cohen's kappa of two annotators' labels for the same faces: (p_o - p_e) / (1 - p_e), p_e from
    /// each annotator's label frequencies. nil when p_e is 1.
    public static func cohen(_ a: [String], _ b: [String]) -> Double? {
        precondition(a.count == b.count)
        let n = Double(a.count)
        guard n > 0 else { return nil }
        var countA: [String: Double] = [:], countB: [String: Double] = [:]
        var agree = 0.0
        for (x, y) in zip(a, b) {
            countA[x, default: 0] += 1
            countB[y, default: 0] += 1
            if x == y { agree += 1 }
        }
        let expected = countA.reduce(0.0) { $0 + $1.value * (countB[$1.key] ?? 0) } / (n * n)
        guard expected < 1 else { return nil }
        return (agree / n - expected) / (1 - expected)
    }

    /// Fleiss' kappa of faces each rated by the same number of annotators. nil when chance
    /// agreement is 1.
    public static func fleiss(_ ratings: [[String]]) -> Double? {
        guard let raters = ratings.first?.count, raters >= 2 else { return nil }
        let n = Double(raters), faces = Double(ratings.count)
        var labelTotals: [String: Double] = [:]
        var meanAgreement = 0.0
        for row in ratings {
            var counts: [String: Double] = [:]
            for label in row { counts[label, default: 0] += 1 }
            meanAgreement += (counts.values.reduce(0) { $0 + $1 * $1 } - n) / (n * (n - 1))
            for (label, count) in counts { labelTotals[label, default: 0] += count }
        }
        meanAgreement /= faces
        let expected = labelTotals.values.reduce(0) { $0 + ($1 / (faces * n)) * ($1 / (faces * n)) }
        guard expected < 1 else { return nil }
        return (meanAgreement - expected) / (1 - expected)
    }
}

extension Agreement {
    /// Agreement on one queue of the store's standing decisions: the annotators who decided in it,
    /// scored on the faces they all decided.
    /// - Throws: fewer than two annotators, or no face that all of them decided.
    public static func of(_ decisions: [Decision], queue: String) throws -> Agreement {
        let byAnnotator = Decision.standing(decisions.filter { $0.queue == queue }).mapValues { $0.mapValues(\.newLabel.name) }
        let annotators = byAnnotator.keys.sorted()
        guard annotators.count >= 2 else {
            throw FerError(.nothingRead, "agreement needs two annotators' decisions in queue \(queue); it has \(annotators.count)"
                + (annotators.isEmpty ? "" : " (\(annotators[0]))"))
        }
        let common = annotators.dropFirst().reduce(Set(byAnnotator[annotators[0]]!.keys)) { $0.intersection(byAnnotator[$1]!.keys) }
        guard !common.isEmpty else {
            throw FerError(.nothingRead, "no face in queue \(queue) was decided by all of \(annotators.joined(separator: ", "))")
        }
        let ratings = common.sorted().map { id in annotators.map { byAnnotator[$0]![id]! } }
        return Agreement(queue: queue, annotators: annotators, ratings: ratings)
    }
}
