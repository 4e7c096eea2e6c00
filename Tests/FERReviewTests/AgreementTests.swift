import FERCore
import Foundation
import Testing

@testable import FERReview
import FERTestSupport

/// Agreement against scikit-learn's cohen_kappa_score and statsmodels' fleiss_kappa:
/// Fixtures/agreement.json (scripts/make-agreement-fixture.py writes it) holds the annotators' labels
/// and the kappas those libraries compute from them.
@Suite struct AgreementTests {
    struct Case: Decodable {
        var ratings: [[String]]
        var cohen: Double?
        var fleiss: Double?
    }

    struct Fixture: Decodable {
        var seed: Int
        var cases: [String: Case]
    }

    static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/agreement.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    @Test(arguments: ["two", "rare"]) func cohensKappaIsScikitLearns(_ name: String) throws {
        let expected = Self.fixture.cases[name]!
        let kappa = try #require(Agreement.cohen(expected.ratings.map { $0[0] }, expected.ratings.map { $0[1] }))
        #expect(abs(kappa - expected.cohen!) < 1e-12, "case \(name) (fixture seed \(Self.fixture.seed)): \(kappa) vs \(expected.cohen!)")
    }

    @Test func fleissKappaIsStatsmodels() throws {
        let expected = Self.fixture.cases["three"]!
        let kappa = try #require(Agreement.fleiss(expected.ratings))
        #expect(abs(kappa - expected.fleiss!) < 1e-12, "fixture seed \(Self.fixture.seed): \(kappa) vs \(expected.fleiss!)")
    }

    /// The same figures from decisions stored by two (three) annotators, through the store.
    @Test func agreementOverStoredDecisionsIsTheFixtures() async throws {
        let store = try ReviewStore(path: Fixtures.temporaryDirectory().appendingPathComponent("decisions.sqlite").path)
        let names = ["ann", "bob", "cat"]
        for (name, expected) in [("two", Self.fixture.cases["two"]!), ("three", Self.fixture.cases["three"]!)] {
            for annotator in 0..<expected.ratings[0].count {
                // Each annotator first decides something else for every face, then undoes it: only standing decisions count.
                _ = try await store.record(expected.ratings.indices.map {
                    Decision(recordID: UInt64($0 + 1), dataset: "d", queue: name, annotator: names[annotator], oldLabel: nil, newLabel: .emotion(.neutral))
                })
                _ = try await store.undo(queue: name, annotator: names[annotator])
                _ = try await store.record(expected.ratings.enumerated().map { index, row in
                    Decision(recordID: UInt64(index + 1), dataset: "d", queue: name, annotator: names[annotator], oldLabel: nil,
                             newLabel: ReviewLabel(name: row[annotator])!)
                })
            }
        }
        let two = try Agreement.of(try store.decisions(), queue: "two")
        #expect(two.measure == "cohen" && two.faces == 400 && two.annotators == ["ann", "bob"])
        #expect(abs(two.kappa! - Self.fixture.cases["two"]!.cohen!) < 1e-12)
        let three = try Agreement.of(try store.decisions(), queue: "three")
        #expect(three.measure == "fleiss" && three.faces == 400)
        #expect(abs(three.kappa! - Self.fixture.cases["three"]!.fleiss!) < 1e-12)
    }

    @Test func perLabelAgreementAndUndefinedKappa() throws {
        let agreement = Agreement(queue: "q", annotators: ["a", "b"], ratings: [["happy", "happy"], ["happy", "sad"], ["sad", "sad"]])
        // happy: pairs (a,b) both happy once; said by one annotator 3 times in total -> 2*1/3.
        #expect(abs(agreement.perLabel["happy"]! - 2.0 / 3.0) < 1e-12)
        #expect(abs(agreement.observed - 2.0 / 3.0) < 1e-12)
        #expect(Agreement.cohen(["sad", "sad"], ["sad", "sad"]) == nil)
        #expect(throws: FerError.self) { try Agreement.of([], queue: "q") }
    }
}
