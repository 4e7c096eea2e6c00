import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FEREval
import FERStages
import Foundation

/// How scores print: shared by eval and crosseval.
enum ScoreTables {
    static func number(_ value: Double) -> String { String(format: "%.4f", value) }

    /// What the intervals are, under a table that shows them.
    static func intervalNote(_ evaluations: [Evaluation]) -> String? {
        guard let first = evaluations.compactMap(\.intervals).first else { return nil }
        let units = evaluations.compactMap(\.intervals).map(\.unit)
        let unit = Set(units).count == 1 ? "\(units[0])s" : "subjects where every face names one, else faces"
        return "[ ]: 95% bootstrap interval, \(first.resamples) resamples of \(unit) (--bootstrap)"
    }

    /// The per-class table of one evaluation.
    static func classTable(_ e: Evaluation) -> String {
        let m = e.metrics
        let rows = e.classes.indices.map { i in
            [e.classes[i], number(m.precision[i]), ScoreIntervals.text(m.recall[i], e.intervals?.recall[i]), number(m.f1[i]), String(m.support[i])]
        }
        return SummaryTable.render(header: ["class", "precision", "recall", "F1", "support"], rows: rows)
    }

    /// One row per evaluation: the table a paper prints.
    static func comparisonTable(_ evaluations: [Evaluation]) -> String {
        let severalModels = Set(evaluations.map(\.model)).count > 1
        let rows = evaluations.map { e in
            (severalModels ? [URL(fileURLWithPath: e.model).lastPathComponent] : []) + [URL(fileURLWithPath: e.data).lastPathComponent, e.split, String(e.scored), ScoreIntervals.text(e.metrics.accuracy, e.intervals?.accuracy),
             ScoreIntervals.text(e.metrics.weightedF1, e.intervals?.weightedF1), ScoreIntervals.text(e.metrics.macroF1, e.intervals?.macroF1), e.absentClasses.joined(separator: " "),
             e.excludedLabels.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
             String(e.rejected.values.reduce(0, +))]
        }
        return SummaryTable.render(
            header: (severalModels ? ["model"] : []) + ["data", "split", "faces", "accuracy", "weighted F1", "macro F1", "absent classes", "excluded labels", "skipped files"],
            rows: rows)
    }
}
