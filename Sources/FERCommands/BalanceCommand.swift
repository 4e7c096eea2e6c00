import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERStages
import Foundation

struct BalanceCommand: StageCommand {
    static let stage = RegisteredStage(BalanceStage.self)
    static let configuration = CommandConfiguration(
        commandName: "balance",
        abstract: "Bring every class of train to a target count; val and test untouched.",
        discussion: """
            Classes above the target are randomly downsampled; classes below get augmented variants of \
            their own records (never byte-identical copies), each recording its parent and transform.

            Examples:
              ferdata balance --target 5000
              ferdata balance --target median --rotation 15 --noise 0
            """)

    @OptionGroup var options: BalanceStage.Options
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let result = try CommandIO.run(BalanceStage.self, options, input: try input.stageInput(), workspace: input.workspace.resolved, output: output)
        let report = result.report
        if output.json { return try CommandIO.printJSON(report) }
        guard !output.quiet else { return }
        print("balance: train classes to \(report.target) each: \(report.generated) variants made, \(report.dropped) records left out -> \(result.directory)\n")
        let rows = Emotion.names.map { [$0, String(report.before[$0] ?? 0), String(report.after[$0] ?? 0)] }
        print(SummaryTable.render(header: ["class", "train before", "train after"], rows: rows))
        print("")
        print(SummaryTable.counts(result.counts))
    }
}
