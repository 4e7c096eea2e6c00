import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERStages
import Foundation

struct VerifyCommand: StageCommand {
    static let stage = RegisteredStage(VerifyStage.self)
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

    @OptionGroup var input: DatasetArgument
    @OptionGroup var options: VerifyStage.Options
    @OptionGroup var output: OutputOptions

    func run() throws {
        let root = input.workspace.resolved
        let stageInput = options.all ? StageInput() : try input.stageInput()
        let result = try CommandIO.run(VerifyStage.self, options, input: stageInput, workspace: root, output: output)
        if output.json {
            try CommandIO.printJSON(result.reports)
        } else if !output.quiet {
            for report in result.reports {
                print("\(report.dataset): \(report.intact ? "intact" : "DAMAGED"), \(report.shards) shards, \(report.records) readable records")
                for problem in report.problems {
                    print("  \(problem.file)" + (problem.record.map { " record \($0)" } ?? "") + ": \(problem.message)")
                }
            }
        }
        if !result.intact { throw ExitCode(1) }
    }
}
