import FERCore
import FERCuration
import FERData
import FERIngest
import FERStages
import Foundation

/// Plain-text tables for command summaries.
enum SummaryTable {
    /// Records per class (rows) and split (columns), with totals.
    static func counts(_ counts: [String: [String: Int]]) -> String {
        let splits = Split.allCases.map(\.name).filter { counts[$0] != nil }
        var classes = Emotion.names
        if counts.values.contains(where: { $0["unlabeled"] != nil }) { classes.append("unlabeled") }
        let header = ["class"] + splits + ["total"]
        var rows: [[String]] = []
        for name in classes {
            let values = splits.map { counts[$0]?[name] ?? 0 }
            rows.append([name] + values.map(String.init) + [String(values.reduce(0, +))])
        }
        let totals = splits.map { split in counts[split]?.values.reduce(0, +) ?? 0 }
        rows.append(["total"] + totals.map(String.init) + [String(totals.reduce(0, +))])
        return render(header: header, rows: rows)
    }

    static func render(header: [String], rows: [[String]]) -> String {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
    }

    static func ingest(_ summary: IngestSummary, directory: String) -> String {
        var lines = ["ingested \(summary.records) records into \(directory) in \(String(format: "%.2f", summary.seconds)) s"]
        for source in summary.sources {
            let kind = source.layout.map { "\(source.kind), \($0) layout" } ?? source.kind
            var line = "  \(source.path) (\(kind)): \(source.ingested) ingested, \(source.rejectedCount) rejected"
            if !source.rejected.isEmpty {
                line += " (" + source.rejected.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
            }
            lines.append(line)
            if let faces = source.faces { lines.append("    faces: \(faces)") }
            for (name, count) in source.unknownLabels.sorted(by: { $0.key < $1.key }) {
                lines.append("    left out \(count) records labelled '\(name)': not a FER2013 class (map it with --label-map)")
            }
            for (name, count) in source.excludedLabels.sorted(by: { $0.key < $1.key }) {
                lines.append("    excluded \(count) faces labelled '\(name)': the dataset's own label, outside the seven classes")
            }
            if let damage = source.damage {
                lines.append("    source ends early: \(damage); what was readable is kept")
            }
        }
        if summary.rejected > 0 {
            lines.append("rejects, with line or member and reason: \(directory)/rejects.csv")
        }
        lines.append("")
        lines.append(counts(summary.counts))
        return lines.joined(separator: "\n")
    }

    static func dedup(_ output: DatasetOutput<Deduplicator.Report>) -> String {
        let report = output.report
        func list(_ counts: [String: Int]) -> String {
            counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        return [
            "dedup: kept \(report.kept) of \(report.input) records -> \(output.directory)",
            "  threshold \(report.threshold) bits\(report.mirror ? ", mirror-aware" : "")",
            "  groups: \(report.exactGroups) exact, \(report.nearGroups) near; \(report.labelConflictGroups) with conflicting labels",
            "  leakage groups: \(list(report.leakageGroups)); records removed as leakage: \(list(report.leakedRecords))",
            "  degenerate images: \(list(report.degenerateBySplit))",
            "  removed: \(list(report.removed))",
            "  details: duplicates.csv, dedup.json, duplicates.png in the dataset folder",
            "",
            counts(output.counts),
        ].joined(separator: "\n")
    }
}
