import ArgumentParser
import FERCore
import FERData
import Foundation

struct MergeCommand: ParsableCommand {
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

    @Argument(help: ArgumentHelp("The stage whose parts to join (default: the only one with parts).", valueName: "STAGE"))
    var stage: String?
    @Flag(help: "Leave the parts in place after merging.")
    var keepParts = false
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try CommandIO.reportingErrors {
            let merger = try PartMerger(workspace: workspace.resolved, stage: stage)
            let dataset = try merger.merge(keepParts: keepParts)
            if output.json { try CommandIO.printJSON(dataset.manifest.counts) } else if !output.quiet {
                let rejected = dataset.manifest.rejected.values.reduce(0, +)
                print("merge: \(merger.parts.count) parts of \(merger.stage): \(dataset.manifest.recordCount) records, \(rejected) rejected -> \(dataset.directory.path)\n")
                print(SummaryTable.counts(dataset.manifest.counts))
            }
        }
    }
}
