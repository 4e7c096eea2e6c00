import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERStages
import Foundation

struct DedupCommand: StageCommand {
    static let stage = RegisteredStage(DedupStage.self)
    static let configuration = CommandConfiguration(
        commandName: "dedup",
        abstract: "Remove exact and near duplicates, train/test leakage and degenerate images.",
        discussion: """
            Near duplicates are faces whose 64-bit DCT perceptual hashes differ in at most --threshold bits \
            (mirror-aware by default); duplicates form groups. A group with a test member keeps its test \
            copies and drops the train/val ones (leakage); otherwise one train (or val) member is kept. \
            Groups whose labels disagree are dropped, or kept with the majority label. Writes the filtered \
            dataset with duplicates.csv, dedup.json and duplicates.png (the largest groups: green kept, \
            red removed).

            Examples:
              ferdata dedup
              ferdata dedup --threshold 2 --no-mirror --conflicts majority --from 0001-ingest
            """)

    @OptionGroup var options: DedupStage.Options
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let result = try CommandIO.run(DedupStage.self, options, input: try input.stageInput(), workspace: input.workspace.resolved, output: output)
        if output.json { return try CommandIO.printJSON(result.report) }
        if !output.quiet { print(SummaryTable.dedup(result)) }
    }
}
