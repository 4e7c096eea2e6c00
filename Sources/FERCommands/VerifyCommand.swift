import ArgumentParser
import FERCore
import FERData
import Foundation

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check datasets against their manifests: shard SHA-256, headers, every record's CRC, counts.",
        discussion: """
            Reports each damaged shard and record (shard file, record index, byte offset) and exits with \
            status 0 when every dataset checked is intact, 1 otherwise.

            Examples:
              ferdata verify                  # the latest dataset
              ferdata verify 0002-dedup
              ferdata verify --all --json
            """)

    @Argument(help: ArgumentHelp("A dataset name, number, stage or folder (default: the latest).", valueName: "DATASET"))
    var dataset: String?
    @Flag(help: "Check every dataset in the workspace.") var all = false
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let reports = try CommandIO.reportingErrors { () throws -> [DatasetVerifier.Report] in
            let root = workspace.resolved
            let datasets = all ? try root.datasetNames().map { try root.dataset($0) } : [try root.dataset(dataset)]
            return datasets.map(DatasetVerifier.verify)
        }
        if output.json {
            try CommandIO.printJSON(reports)
        } else if !output.quiet {
            for report in reports {
                print("\(report.dataset): \(report.intact ? "intact" : "DAMAGED"), \(report.shards) shards, \(report.records) readable records")
                for problem in report.problems {
                    print("  \(problem.file)" + (problem.record.map { " record \($0)" } ?? "") + ": \(problem.message)")
                }
            }
        }
        if reports.contains(where: { !$0.intact }) { throw ExitCode(1) }
    }
}
