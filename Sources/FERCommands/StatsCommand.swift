import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERStages
import Foundation

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Records per class and split, as a table and optionally a bar chart.",
        discussion: """
            Examples:
              ferdata stats
              ferdata stats 0003-balance --png classes.png
            """)

    @Argument(help: ArgumentHelp("A dataset name, number, stage or folder (default: the latest).", valueName: "DATASET"))
    var dataset: String?
    @Option(help: ArgumentHelp("Also write a bar chart.", valueName: "FILE")) var png: String?
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let chosen = try workspace.resolved.dataset(dataset)
        if output.json { try CommandIO.printJSON(chosen.manifest.counts) } else if !output.quiet {
            print("\(chosen.name): \(chosen.manifest.recordCount) records (stage \(chosen.manifest.stage))\n")
            print(SummaryTable.counts(chosen.manifest.counts))
        }
        if let png {
            let chart = ClassChart.render(chosen.manifest.counts, title: "\(chosen.name): records per class")
            try FileIO.writeAtomically(Data(try chart.png()), to: png)
        }
    }
}
