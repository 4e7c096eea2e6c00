import FERCore
import FERNet
import Foundation
import Testing

@testable import FEREval

/// ferdata's bootstrap intervals against scipy's: Fixtures/scipy-bootstrap.json (written by
/// scripts/make-interval-fixture.py) holds 600 faces' labels and predictions and
/// `scipy.stats.bootstrap`'s percentile intervals with 20,000 paired resamples.
@Suite struct ScoreIntervalTests {
    struct Fixture: Decodable {
        var resamples: Int
        var classes: Int
        var labels: [Int]
        var predictions: [Int]
        var accuracy: [Double]
        var weightedF1: [Double]
        var macroF1: [Double]
        var recall: [[Double]]
    }

    static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/scipy-bootstrap.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    @Test func percentileIntervalsEqualScipys() throws {
        let f = Self.fixture
        let present = Set(f.labels).sorted()
        let metrics = ClassificationMetrics(labels: f.labels, predictions: f.predictions, classes: f.classes, averageOver: present)
        #expect(abs(metrics.accuracy - f.accuracy[0]) < 1e-12 && abs(metrics.weightedF1 - f.weightedF1[0]) < 1e-12
                && abs(metrics.macroF1 - f.macroF1[0]) < 1e-12)
        let intervals = try #require(ScoreIntervals.bootstrap(
            labels: f.labels, predictions: f.predictions, classes: f.classes, averageOver: present, clusters: nil, resamples: f.resamples))
        func close(_ ours: ScoreIntervals.Interval?, _ scipy: [Double], _ what: String) {
            guard let ours else { Issue.record("\(what): no interval"); return }
            #expect(abs(ours.low - scipy[1]) <= 0.005 && abs(ours.high - scipy[2]) <= 0.005, "\(what): ours \(ours), scipy \(scipy[1...])")
        }
        close(intervals.accuracy, f.accuracy, "accuracy")
        close(intervals.weightedF1, f.weightedF1, "weighted F1")
        close(intervals.macroF1, f.macroF1, "macro F1")
        for c in 0..<f.classes { close(intervals.recall[c], f.recall[c], "recall of class \(c)") }
        #expect(intervals.unit == "face" && intervals.units == f.labels.count)
        // Seeded: the same call gives the same intervals.
        #expect(ScoreIntervals.bootstrap(labels: f.labels, predictions: f.predictions, classes: f.classes, averageOver: present,
                                         clusters: nil, resamples: f.resamples) == intervals)
    }

    /// Twenty people with twenty faces each, each person's faces mostly right or mostly wrong (as
    /// for a model that does well on some faces and badly on others): resampling people gives a wider
    /// accuracy interval than resampling faces, which treats the 400 faces as independent.
    @Test func theSubjectBootstrapIsWiderOnRepeatedSubjects() throws {
        let seed: UInt64 = 11
        var generator = SeededGenerator(seed: seed)
        var labels: [Int] = [], predictions: [Int] = [], people: [String] = []
        for person in 0..<20 {
            let skill = Double.random(in: 0.15...0.95, using: &generator)
            for _ in 0..<20 {
                let truth = Int.random(in: 0..<7, using: &generator)
                labels.append(truth)
                predictions.append(Double.random(in: 0..<1, using: &generator) < skill ? truth : (truth + 1) % 7)
                people.append("S\(person)")
            }
        }
        let present = Set(labels).sorted()
        let faces = try #require(ScoreIntervals.bootstrap(labels: labels, predictions: predictions, classes: 7, averageOver: present, clusters: nil))
        let subjects = try #require(ScoreIntervals.bootstrap(labels: labels, predictions: predictions, classes: 7, averageOver: present, clusters: people))
        let faceWidth = faces.accuracy.high - faces.accuracy.low, subjectWidth = subjects.accuracy.high - subjects.accuracy.low
        #expect(subjects.unit == "subject" && subjects.units == 20)
        #expect(subjectWidth > 1.5 * faceWidth, "seed \(seed): subject width \(subjectWidth), face width \(faceWidth)")
    }

    /// McNemar's exact p against statsmodels' `mcnemar(exact=True)` (Fixtures/statsmodels-mcnemar.json,
    /// written by scripts/make-comparison-fixture.py), from no discordant face to thousands.
    @Test func mcnemarMatchesStatsmodels() throws {
        struct Case: Decodable { var onlyA: Int; var onlyB: Int; var p: Double }
        struct File: Decodable { var cases: [Case] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/statsmodels-mcnemar.json")
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        for c in file.cases {
            let ours = PairedComparison.mcnemarExact(c.onlyA, c.onlyB)
            #expect(abs(ours - c.p) <= 1e-9 * max(1, c.p) || abs(ours - c.p) / c.p < 1e-6, "\(c.onlyA), \(c.onlyB): ours \(ours), statsmodels \(c.p)")
        }
    }

    /// A paired comparison of two prediction sets on the fixture's faces: the differences are B - A,
    /// their intervals hold them, the discordant counts are the faces only one gets right, and a model
    /// compared with itself differs by exactly nothing with p = 1.
    @Test func aPairedComparisonOfTwoModels() throws {
        let f = Self.fixture
        var generator = SeededGenerator(seed: 5)
        let other = f.labels.map { truth in Double.random(in: 0..<1, using: &generator) < 0.7 ? truth : Int.random(in: 0..<7, using: &generator) }
        let c = PairedComparison.compare(labels: f.labels, a: f.predictions, b: other, classes: 7, clusters: nil,
                                         modelA: "a", modelB: "b", data: "fixture", split: "test")
        let accuracyB = Double(zip(f.labels, other).filter { $0 == $1 }.count) / Double(f.labels.count)
        #expect(abs(c.accuracy.difference - (accuracyB - f.accuracy[0])) < 1e-12)
        for score in [c.accuracy, c.weightedF1, c.macroF1] {
            #expect(score.interval.low <= score.difference && score.difference <= score.interval.high)
        }
        let onlyA = f.labels.indices.filter { f.predictions[$0] == f.labels[$0] && other[$0] != f.labels[$0] }.count
        #expect(c.onlyA == onlyA && c.onlyA - c.onlyB == Int((c.accuracy.difference * -Double(f.labels.count)).rounded()))
        let same = PairedComparison.compare(labels: f.labels, a: f.predictions, b: f.predictions, classes: 7, clusters: nil,
                                            modelA: "a", modelB: "a", data: "fixture", split: "test")
        #expect(same.accuracy.difference == 0 && same.accuracy.interval == .init(low: 0, high: 0) && same.mcnemarP == 1)
    }
}
