import FERCore
import FERData
import Foundation

/// Several models scored on several datasets as one table: a row per model, a column per dataset,
/// each cell the accuracy, weighted and macro F1 with their 95% intervals and the per-class recall
/// (`crosseval MODEL OTHER... --also MODEL2`). Written as `matrix.json`, `matrix.md` and a
/// self-contained `matrix.html`; the folder appears whole or not at all.
public struct ScoreMatrix: Sendable, Codable {
    public struct Cell: Sendable, Codable {
        public var faces: Int
        public var accuracy: Double
        public var weightedF1: Double
        public var macroF1: Double
        public var intervals: ScoreIntervals?
        /// Recall per model class, in the model's output order (nil where the data has no face of it).
        public var recall: [String: Double]
    }

    public var models: [String]
    public var datasets: [String]
    /// cells[model][dataset]; nil where a model was not scored on a dataset.
    public var cells: [[Cell?]]

    public init(_ evaluations: [Evaluation]) {
        models = evaluations.map(\.model).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        datasets = evaluations.map(\.data).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        var cells = [[Cell?]](repeating: [Cell?](repeating: nil, count: datasets.count), count: models.count)
        for e in evaluations {
            let present = Set(e.metrics.support.indices.filter { e.metrics.support[$0] > 0 })
            let recall = Dictionary(uniqueKeysWithValues: e.classes.indices.filter(present.contains).map { (e.classes[$0], e.metrics.recall[$0]) })
            cells[models.firstIndex(of: e.model)!][datasets.firstIndex(of: e.data)!] = Cell(
                faces: e.scored, accuracy: e.metrics.accuracy, weightedF1: e.metrics.weightedF1, macroF1: e.metrics.macroF1,
                intervals: e.intervals, recall: recall)
        }
        self.cells = cells
    }

    static func name(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }

    /// The table as Markdown: accuracy [interval] per cell, then weighted and macro F1 in tables of their own.
    public var markdown: String {
        var text = "# Cross-dataset scores\n\nRows: models; columns: datasets. Each score with its 95% bootstrap interval.\n"
        let scores: [(String, (Cell) -> (Double, ScoreIntervals.Interval?))] = [
            ("Accuracy", { ($0.accuracy, $0.intervals?.accuracy) }), ("Weighted F1", { ($0.weightedF1, $0.intervals?.weightedF1) }),
            ("Macro F1", { ($0.macroF1, $0.intervals?.macroF1) }),
        ]
        for (title, value) in scores {
            text += "\n## \(title)\n\n| model | " + datasets.map(Self.name).joined(separator: " | ") + " |\n|---|"
                + String(repeating: "---:|", count: datasets.count) + "\n"
            for (row, model) in models.enumerated() {
                text += "| \(Self.name(model)) | " + cells[row].map { cell in
                    cell.map { let (score, interval) = value($0); return ScoreIntervals.text(score, interval) } ?? ""
                }.joined(separator: " | ") + " |\n"
            }
        }
        text += "\n## Recall per class\n"
        for (column, dataset) in datasets.enumerated() {
            let classes = models.indices.compactMap { cells[$0][column] }.flatMap { $0.recall.keys }.reduce(into: [String]()) {
                if !$0.contains($1) { $0.append($1) }
            }.sorted()
            text += "\n### \(Self.name(dataset))\n\n| model | " + classes.joined(separator: " | ") + " |\n|---|"
                + String(repeating: "---:|", count: classes.count) + "\n"
            for (row, model) in models.enumerated() {
                text += "| \(Self.name(model)) | " + classes.map { name in
                    cells[row][column]?.recall[name].map { String(format: "%.4f", $0) } ?? ""
                }.joined(separator: " | ") + " |\n"
            }
        }
        return text
    }

    /// The Markdown's tables as a self-contained page (every name escaped).
    public var html: String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var body = ""
        var inTable = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("|") {
                let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                if cells.allSatisfy({ $0.allSatisfy { "-:".contains($0) } }) { continue }
                let tag = inTable ? "td" : "th"
                if !inTable { body += "<table>\n"; inTable = true }
                body += "<tr>" + cells.map { "<\(tag)>\(escape($0))</\(tag)>" }.joined() + "</tr>\n"
                continue
            }
            if inTable { body += "</table>\n"; inTable = false }
            if line.hasPrefix("### ") { body += "<h3>\(escape(String(line.dropFirst(4))))</h3>\n" }
            else if line.hasPrefix("## ") { body += "<h2>\(escape(String(line.dropFirst(3))))</h2>\n" }
            else if line.hasPrefix("# ") { body += "<h1>\(escape(String(line.dropFirst(2))))</h1>\n" }
            else if !line.isEmpty { body += "<p>\(escape(line))</p>\n" }
        }
        if inTable { body += "</table>\n" }
        return """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>ferdata cross-dataset scores</title>
            <style>body{font:14px/1.4 system-ui,sans-serif;margin:24px}table{border-collapse:collapse;margin:8px 0}
            td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}</style>
            </head><body>
            \(body)</body></html>

            """
    }

    public func write(to folder: URL) throws {
        try FileIO.writeFolder(folder) { partial in
            try FileIO.writeDurably(try StageIO.json(self), to: partial.appendingPathComponent("matrix.json").path)
            try FileIO.writeDurably(Data(markdown.utf8), to: partial.appendingPathComponent("matrix.md").path)
            try FileIO.writeDurably(Data(html.utf8), to: partial.appendingPathComponent("matrix.html").path)
        }
    }
}
