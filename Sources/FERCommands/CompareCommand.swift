import ArgumentParser
import FERCore
import FERData
import FEREval
import FERStages
import Foundation

struct CompareCommand: StageCommand {
    static let stage = RegisteredStage(CompareStage.self)
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two models on the same faces: score differences with paired intervals, McNemar's exact test.",
        discussion: """
            Scores MODEL-A and MODEL-B on the same faces of a dataset's test split (or --split) and prints each \
            score of both, the difference B - A with its 95% paired bootstrap interval (the same faces, or people \
            where every face names one, drawn for both models), and McNemar's exact test on the faces only one \
            model gets right. A difference whose interval holds 0 is not shown to be a difference. Writes \
            WORKSPACE/reports/compare-DATASET-SPLIT: compare.json, disagreements.csv and disagreements.png.

            Examples:
              ferdata compare runs/0001-train/best.safetensors runs/0002-train/best.safetensors
              ferdata compare a.safetensors b.safetensors 0003-split --tta crops --json
            """)

    @OptionGroup var options: CompareStage.Options
    @OptionGroup var input: DatasetArgument
    @OptionGroup var output: OutputOptions

    func run() throws {
        let root = input.workspace.resolved
        let result = try CommandIO.run(CompareStage.self, options, input: try input.stageInput(), workspace: root, output: output)
        let c = result.comparison
        if output.json { return try CommandIO.printJSON(c) }
        guard !output.quiet else { return }
        let rows = [("accuracy", c.accuracy), ("weighted F1", c.weightedF1), ("macro F1", c.macroF1)].map { name, score in
            [name, ScoreTables.number(score.a), ScoreTables.number(score.b), String(format: "%+.4f", score.difference) + " \(score.interval)"]
        }
        print(SummaryTable.render(header: ["score", "A", "B", "B - A [95% interval]"], rows: rows))
        print("\(c.faces) faces of \(c.data) (\(c.split)); only A right on \(c.onlyA), only B right on \(c.onlyB): McNemar's exact p = "
              + String(format: "%.4g", c.mcnemarP))
        print("intervals: \(c.resamples) paired resamples of \(c.unit)s; report: \(result.folder)")
    }
}
