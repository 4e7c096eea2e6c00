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
}
