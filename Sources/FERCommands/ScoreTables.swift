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

    /// The per-class table of one evaluation.
    static func classTable(_ e: Evaluation) -> String {
        let m = e.metrics
        let rows = e.classes.indices.map { i in
            [e.classes[i], number(m.precision[i]), number(m.recall[i]), number(m.f1[i]), String(m.support[i])]
        }
        return SummaryTable.render(header: ["class", "precision", "recall", "F1", "support"], rows: rows)
    }

    /// One row per evaluation: the table a paper prints.
    static func comparisonTable(_ evaluations: [Evaluation]) -> String {
        let rows = evaluations.map { e in
            [URL(fileURLWithPath: e.data).lastPathComponent, e.split, String(e.scored), number(e.metrics.accuracy),
             number(e.metrics.weightedF1), number(e.metrics.macroF1), e.absentClasses.joined(separator: " "),
             e.excludedLabels.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
             String(e.rejected.values.reduce(0, +))]
        }
        return SummaryTable.render(
            header: ["data", "split", "faces", "accuracy", "weighted F1", "macro F1", "absent classes", "excluded labels", "skipped files"],
            rows: rows)
    }
}
