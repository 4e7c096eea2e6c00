import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERStages
import Foundation

struct MergeCommand: StageCommand {
    static let stage = RegisteredStage(MergeStage.self)
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the parts of a stage run with --partition I/N into one dataset.",
        discussion: """
            Reads parts/STAGE/1-of-N ... N-of-N of the workspace, checks that all N are there and come from \
            the same command (parameters, sources, input dataset), and writes one dataset whose records, \
            rejects and manifest equal a single run's. The parts are removed afterwards (--keep-parts keeps \
            them). See docs/scale.md for Slurm, Kubernetes and GNU parallel recipes.

            Examples:
              ferdata merge              # the one stage with parts
              ferdata merge ingest --keep-parts
            """)

    @OptionGroup var options: MergeStage.Options
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let result = try CommandIO.run(MergeStage.self, options, input: StageInput(), workspace: workspace.resolved, output: output)
        if output.json { return try CommandIO.printJSON(result.counts) }
        guard !output.quiet else { return }
        let rejected = result.rejected.values.reduce(0, +)
        print("merge: \(result.report.parts) parts of \(result.report.stage): \(result.recordCount) records, \(rejected) rejected -> \(result.directory)\n")
        print(SummaryTable.counts(result.counts))
    }
}
