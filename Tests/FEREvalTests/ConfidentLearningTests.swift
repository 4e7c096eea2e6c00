import FERCore
import Foundation
import Testing

@testable import FEREval

/// ferdata's confident learning against cleanlab's: Fixtures/cleanlab-confident-learning.json holds
/// labels, out-of-sample probabilities and cleanlab's results for them
/// (scripts/make-cleanlab-fixture.py writes it).
@Suite struct ConfidentLearningTests {
    struct Case: Decodable {
        var labels: [Int]
        var probabilities: [[Double]]
        var thresholds: [Double]
        var confidentJoint: [[Int]]
        var calibratedJoint: [[Int]]
        var noiseRates: [[Double]]
        var estimatedIssueCount: Int
        var issues: [String: [Int]]
        var scores: [String: [Double]]
        var ranked: [String: [String: [Int]]]
    }

    struct Fixture: Decodable {
        var cleanlab: String
        var cases: [String: Case]
    }

    static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/cleanlab-confident-learning.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    static func learning(_ name: String) throws -> (ConfidentLearning, Case) {
        let expected = fixture.cases[name]!
        let learning = try ConfidentLearning(labels: expected.labels, probabilities: expected.probabilities.flatMap { $0 },
                                             classes: expected.probabilities[0].count)
        return (learning, expected)
    }

    @Test(arguments: ["main", "sparse"]) func jointNoiseMatrixAndCountEqualCleanlabs(_ name: String) throws {
        let (learning, expected) = try Self.learning(name)
        #expect(zip(learning.thresholds, expected.thresholds).allSatisfy { abs($0 - $1) < 1e-12 }, "\(learning.thresholds)")
        #expect(learning.confidentJoint == expected.confidentJoint)
        #expect(learning.noiseMatrix == expected.calibratedJoint)
        #expect(learning.noiseMatrix.joined().reduce(0, +) == expected.labels.count)
        for (row, expectedRow) in zip(learning.noiseRates, expected.noiseRates) {
            #expect(zip(row, expectedRow).allSatisfy { abs($0 - $1) < 1e-12 }, "\(row) vs \(expectedRow)")
        }
        #expect(learning.estimatedIssueCount == expected.estimatedIssueCount)
    }

    @Test(arguments: ["main", "sparse"]) func everyFiltersIssuesEqualCleanlabs(_ name: String) throws {
        let (learning, expected) = try Self.learning(name)
        for filter in ConfidentLearning.Filter.allCases {
            let mask = learning.issueMask(filter)
            let found = mask.indices.filter { mask[$0] }
            let cleanlab = expected.issues[filter.rawValue]!
            #expect(found == cleanlab, "\(name) \(filter): \(found.count) issues, cleanlab \(cleanlab.count); only ours \(Set(found).subtracting(cleanlab).sorted()), only cleanlab's \(Set(cleanlab).subtracting(found).sorted())")
        }
    }

    @Test(arguments: ["main", "sparse"]) func scoresAndRankingEqualCleanlabs(_ name: String) throws {
        let (learning, expected) = try Self.learning(name)
        for ranking in ConfidentLearning.Ranking.allCases {
            let scores = learning.qualityScores(ranking)
            let cleanlab = expected.scores[ranking.rawValue]!
            let worst = zip(scores, cleanlab).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-12, "\(name) \(ranking): largest difference \(worst)")
            for filter in ConfidentLearning.Filter.allCases {
                let ours = learning.rankedIssues(filter, by: ranking)
                let theirs = expected.ranked[filter.rawValue]![ranking.rawValue]!
                let first = zip(ours, theirs).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                #expect(ours == theirs, "\(name) \(filter) ranked by \(ranking): \(ours.count) vs \(theirs.count), first difference at \(String(describing: first))")
            }
        }
    }

    @Test func badInputIsAClearError() {
        #expect(throws: FerError.self) { try ConfidentLearning(labels: [0, 3], probabilities: [0.5, 0.5, 0.5, 0.5], classes: 2) }
        #expect(throws: FerError.self) { try ConfidentLearning(labels: [0], probabilities: [1.5, -0.5], classes: 2) }
        #expect(throws: FerError.self) { try ConfidentLearning(labels: [], probabilities: [], classes: 2) }
    }

    /// Equal scores keep record order (cleanlab leaves their order to NumPy's unstable sort).
    @Test func equalScoresRankInRecordOrder() throws {
        let row = [0.1, 0.8, 0.1]
        let learning = try ConfidentLearning(labels: [0, 0, 0, 1, 1, 1, 2, 2, 2],
                                             probabilities: row + [0.9, 0.05, 0.05] + row + [0.1, 0.8, 0.1, 0.1, 0.8, 0.1, 0.1, 0.8, 0.1]
                                                 + [0.05, 0.05, 0.9, 0.05, 0.05, 0.9, 0.05, 0.05, 0.9],
                                             classes: 3)
        #expect(learning.rankedIssues(.predictedNeqGiven, by: .selfConfidence) == [0, 2])
    }
}
