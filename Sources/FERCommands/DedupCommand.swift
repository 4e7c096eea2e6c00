import ArgumentParser
import FERCore
import FERData
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

    private static let defaults = DedupStage.Options()
    @Option(help: "Largest pHash Hamming distance of a near duplicate (0-15).") var threshold = defaults.threshold
    @Flag(inversion: .prefixedNo, help: "Count a mirrored copy as a duplicate.") var mirror = defaults.mirror
    @Option(help: "Label conflicts within a group: drop them, or keep the majority label.") var conflicts = defaults.conflicts
    @Flag(help: "Keep near-constant (degenerate) images.") var keepDegenerate = defaults.keepDegenerate
    @Option(help: "Groups shown in duplicates.png.") var sheetGroups = defaults.sheetGroups
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    var options: DedupStage.Options {
        var options = DedupStage.Options()
        options.threshold = threshold
        options.mirror = mirror
        options.conflicts = conflicts
        options.keepDegenerate = keepDegenerate
        options.sheetGroups = sheetGroups
        return options
    }

    func validate() throws { try CommandIO.validate(options) }

    func run() throws {
        let result = try CommandIO.run(DedupStage.self, options, input: try input.stageInput(), workspace: input.workspace.resolved, output: output)
        if output.json { return try CommandIO.printJSON(result.report) }
        if !output.quiet { print(SummaryTable.dedup(result)) }
    }
}
