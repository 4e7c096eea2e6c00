import FERCore
import FERCuration
import FERData
import FERIngest
import FERMedia
import FERNet
import Foundation

/// The report folder of an evaluation: `metrics.json`, `predictions.csv`, `confusion.png`,
/// `classes.png`, `confused.png` (the most confused class pairs with example faces), `curves.png`
/// for a training run, `rejected.csv` when files were skipped, and `report.html`, which shows all of
/// it in one self-contained page. The folder appears whole or not at all.
public enum EvaluationReport {
    /// Curves of a training run, drawn when given.
    public struct Curves {
        public var loss: [TrainingCurves.Series]
        public var accuracy: [TrainingCurves.Series]
        public init(loss: [TrainingCurves.Series], accuracy: [TrainingCurves.Series]) {
            self.loss = loss
            self.accuracy = accuracy
        }
    }

    public static func write(
        _ evaluation: Evaluation, predictions: [Prediction], records: [FaceRecord], to folder: URL,
        rejectLog: Data? = nil, curves: Curves? = nil
    ) throws {
        try FileIO.writeFolder(folder) { partial in
            var files: [(name: String, contents: Data)] = []
            files.append(("metrics.json", try StageIO.json(evaluation)))
            files.append(("predictions.csv", Data(predictionsCSV(predictions, classes: evaluation.classes).utf8)))
            let title = "\(URL(fileURLWithPath: evaluation.model).lastPathComponent) ON \(URL(fileURLWithPath: evaluation.data).lastPathComponent)"
            var pictures: [(name: String, caption: String)] = []
            func picture(_ name: String, _ caption: String, _ canvas: Canvas) throws {
                files.append((name, Data(try canvas.png())))
                pictures.append((name, caption))
            }
            try picture("confusion.png", "Confusion matrix", ConfusionHeatmap.render(evaluation.metrics, classes: evaluation.classes, title: title))
            try picture("classes.png", "Precision, recall and F1 per class", ClassBars.render(evaluation.metrics, classes: evaluation.classes, title: title))
            if let sheet = confusedFaces(evaluation, predictions: predictions, records: records) {
                try picture("confused.png", "The most confused pairs: faces the model put in the wrong class with the highest confidence", sheet)
            }
            if let curves {
                try picture("curves.png", "Training curves", TrainingCurves.render(loss: curves.loss, accuracy: curves.accuracy, title: "TRAINING"))
            }
            if let rejectLog, !evaluation.rejected.isEmpty { files.append(("rejected.csv", rejectLog)) }
            files.append(("report.html", Data(html(evaluation, pictures: pictures, files: files).utf8)))
            for file in files { try FileIO.writeDurably(file.contents, to: partial.appendingPathComponent(file.name).path) }
        }
    }

    static func predictionsCSV(_ predictions: [Prediction], classes: [String]) -> String {
        var lines = ["source,locator,record_id,true,predicted,confidence," + classes.map { "p_" + $0 }.joined(separator: ",")]
        for p in predictions {
            let truth: String = p.truth.map { classes[$0] } ?? ""
            var fields: [String] = [p.source, String(p.locator), String(p.recordID), truth, classes[p.predicted]]
            fields.append(CSVField.fourDecimals(p.confidence))
            for probability in p.probabilities { fields.append(CSVField.fourDecimals(probability)) }
            lines.append(CSVField.line(fields))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Up to six most frequent off-diagonal pairs, each with up to eight of its most confident mistakes.
    static func confusedFaces(_ evaluation: Evaluation, predictions: [Prediction], records: [FaceRecord]) -> Canvas? {
        let confusion = evaluation.metrics.confusion
        var mistakes: [(truth: Int, guess: Int)] = []
        for truth in confusion.indices {
            for guess in confusion.indices where guess != truth && confusion[truth][guess] > 0 { mistakes.append((truth, guess)) }
        }
        let pairs = mistakes.sorted { confusion[$0.truth][$0.guess] > confusion[$1.truth][$1.guess] }.prefix(6)
        guard !pairs.isEmpty else { return nil }
        let rows = pairs.map { truth, guess in
            let mistakes = predictions.indices
                .filter { predictions[$0].truth == truth && predictions[$0].predicted == guess }
                .sorted { predictions[$0].confidence > predictions[$1].confidence }
                .prefix(8)
            return ContactSheet.Row(
                caption: "\(evaluation.classes[truth]) AS \(evaluation.classes[guess]) (\(confusion[truth][guess]))",
                faces: mistakes.map { ContactSheet.Face(records[$0].image) })
        }
        return ContactSheet.render(rows, scale: 2, title: "MOST CONFUSED: TRUE AS PREDICTED (COUNT)")
    }

    static func html(_ e: Evaluation, pictures: [(name: String, caption: String)], files: [(name: String, contents: Data)]) -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        func number(_ value: Double) -> String { String(format: "%.4f", value) }
        func score(_ value: Double, _ interval: ScoreIntervals.Interval?) -> String {
            number(value) + (interval.map { " <span class=\"interval\">\($0)</span>" } ?? "")
        }
        let m = e.metrics, i = e.intervals
        var body = """
            <h1>ferdata evaluation</h1>
            <p>Model <code>\(escape(e.model))</code> on <code>\(escape(e.data))</code> (split: \(escape(e.split))), \(e.scored) faces scored, test-time augmentation: \(e.testTimeAugmentation.rawValue).</p>
            <table><tr><th>accuracy</th><th>weighted F1</th><th>macro F1</th></tr>
            <tr><td>\(score(m.accuracy, i?.accuracy))</td><td>\(score(m.weightedF1, i?.weightedF1))</td><td>\(score(m.macroF1, i?.macroF1))</td></tr></table>
            <p class="note">Macro F1: \(escape(e.averages.macro)) (\(escape(e.averages.macroClasses.joined(separator: ", ")))). \
            Weighted F1: \(escape(e.averages.weighted)).</p>

            """
        var notes: [String] = []
        if let i {
            notes.append("[ ]: 95% bootstrap interval, \(i.resamples) resamples of the \(i.units) \(i.unit)s (seed \(i.seed)); "
                + (i.unit == "subject" ? "each person's faces are drawn together." : "faces drawn one by one."))
        }
        if !e.absentClasses.isEmpty { notes.append("Model classes absent from the data (left out of the macro mean): \(e.absentClasses.joined(separator: ", ")).") }
        if !e.excludedLabels.isEmpty {
            notes.append("Labels the model has no class for (not scored): " + e.excludedLabels.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ".")
        }
        if !e.rejected.isEmpty {
            notes.append("Files skipped (see rejected.csv): " + e.rejected.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ".")
        }
        if !notes.isEmpty { body += "<ul>" + notes.map { "<li>\(escape($0))</li>" }.joined() + "</ul>\n" }
        body += "<h2>Per class</h2><table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>\n"
        for (index, name) in e.classes.enumerated() {
            body += "<tr><td>\(escape(name))</td><td>\(number(m.precision[index]))</td><td>\(score(m.recall[index], i?.recall[index]))</td><td>\(number(m.f1[index]))</td><td>\(m.support[index])</td></tr>\n"
        }
        body += "</table>\n"
        if let groups = e.groups, !groups.isEmpty {
            body += "<h2>Per group</h2><table><tr><th>group</th><th>faces</th><th>accuracy</th></tr>\n"
            for group in groups { body += "<tr><td>\(escape(group.group))</td><td>\(group.count)</td><td>\(number(group.accuracy))</td></tr>\n" }
            body += "</table>\n"
        }
        for picture in pictures {
            guard let data = files.first(where: { $0.name == picture.name })?.contents else { continue }
            body += "<h2>\(escape(picture.caption))</h2><img alt=\"\(picture.name)\" src=\"data:image/png;base64,\(data.base64EncodedString())\">\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>ferdata evaluation</title>
            <style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}\
            td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}th{background:#f3f3f3}\
            td:first-child{text-align:left}.note{color:#555}img{max-width:100%;border:1px solid #eee}</style></head>
            <body>
            \(body)</body></html>

            """
    }
}
