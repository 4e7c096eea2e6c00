import FERCore
import Foundation

/// How good one annotator's decisions are: their accuracy on the gold faces mixed into their queues
/// (with its 95% Wilson interval), and how often they agree with the consensus of the others on the
/// faces others decided too.
public struct AnnotatorQuality: Codable, Sendable, Equatable {
    public var annotator: String
    /// Gold faces they decided (standing decisions), and how many of those match the known label.
    public var goldFaces: Int
    public var goldCorrect: Int
    /// nil without a gold face decided.
    public var goldAccuracy: Double?
    /// The Wilson score interval of `goldAccuracy` at 95%: [low, high].
    public var goldInterval: [Double]?
    /// Faces where the other annotators' standing decisions have one most frequent label, and the share
    /// of those where this annotator gave it.
    public var consensusFaces: Int
    public var consensusAgreement: Double?

    /// Every annotator of `decisions`, by name: `gold` holds each queue's gold faces and labels
    /// (`ReviewStore.gold()`).
    public static func of(_ decisions: [Decision], gold: [String: [UInt64: String]]) -> [AnnotatorQuality] {
        var goldFaces: [String: Int] = [:], goldCorrect: [String: Int] = [:]
        var consensusFaces: [String: Int] = [:], consensusAgreeing: [String: Int] = [:]
        for queue in Set(decisions.map(\.queue)).sorted() {
            let standing = Decision.standing(decisions.filter { $0.queue == queue }).mapValues { $0.mapValues(\.newLabel.name) }
            for (annotator, labels) in standing {
                for (record, label) in labels {
                    if let known = gold[queue]?[record] {
                        goldFaces[annotator, default: 0] += 1
                        if label == known { goldCorrect[annotator, default: 0] += 1 }
                    }
                    var others: [String: Int] = [:]
                    for (other, theirs) in standing where other != annotator {
                        if let given = theirs[record] { others[given, default: 0] += 1 }
                    }
                    let ranked = others.sorted { $0.value > $1.value }
                    guard let top = ranked.first, ranked.count == 1 || ranked[1].value < top.value else { continue }
                    consensusFaces[annotator, default: 0] += 1
                    if label == top.key { consensusAgreeing[annotator, default: 0] += 1 }
                }
            }
        }
        return Set(decisions.map(\.annotator)).sorted().map { annotator in
            let faces = goldFaces[annotator] ?? 0, correct = goldCorrect[annotator] ?? 0
            let agreeing = consensusFaces[annotator] ?? 0
            return AnnotatorQuality(
                annotator: annotator, goldFaces: faces, goldCorrect: correct,
                goldAccuracy: faces > 0 ? Double(correct) / Double(faces) : nil,
                goldInterval: faces > 0 ? wilson(correct, of: faces) : nil,
                consensusFaces: agreeing,
                consensusAgreement: agreeing > 0 ? Double(consensusAgreeing[annotator] ?? 0) / Double(agreeing) : nil)
        }
    }

    /// The Wilson score interval of `successes` in `trials` at 95%.
    public static func wilson(_ successes: Int, of trials: Int) -> [Double] {
        let z = 1.959963984540054, n = Double(trials), p = Double(successes) / n
        let centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        let half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()
        return [max(0, centre - half), min(1, centre + half)]
    }
}
