import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERStages
import Foundation

struct SplitCommand: StageCommand {
    static let stage = RegisteredStage(SplitStage.self)
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Move a stratified share of train to val, keeping duplicate groups and persons together.",
        discussion: """
            Per class, groups of exact or near duplicates (pHash, as dedup) and each person's faces (the \
            subject JAFFE, KDEF, CK+ or a manifest names) go wholly to train or to val; test is untouched.

            Example:
              ferdata split --val 0.1 --seed 1
            """)

    @OptionGroup var options: SplitStage.Options
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let result = try CommandIO.run(SplitStage.self, options, input: try input.stageInput(), workspace: input.workspace.resolved, output: output)
        if output.json { return try CommandIO.printJSON(result.report) }
        guard !output.quiet else { return }
        print("split: moved \(result.report.movedToVal) train records to val (\(result.report.groupsKeptTogether) groups of copies or of one person kept whole) -> \(result.directory)\n")
        print(SummaryTable.counts(result.counts))
    }
}
