import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERStages
import Foundation

struct AugmentCommand: StageCommand {
    static let stage = RegisteredStage(AugmentStage.self)
    static let configuration = CommandConfiguration(
        commandName: "augment",
        abstract: "Add K augmented variants of every train record.",
        discussion: """
            Transforms: flip, rotation, translation, scale, brightness/contrast, Gaussian noise, random \
            erasing. Each variant records its parent and the transform parameters.

            Example:
              ferdata augment --copies 2 --rotation 10 --erase 0.3
              ferdata augment --copies 2 --partition 1/8   # part 1 of 8; then: ferdata merge augment
            """)

    @OptionGroup var options: AugmentStage.Options
    @OptionGroup var partition: PartitionOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let result = try CommandIO.run(AugmentStage.self, options, input: try input.stageInput(), workspace: input.workspace.resolved, output: output, partition: partition.partition)
        if output.json { return try CommandIO.printJSON(result.counts) }
        guard !output.quiet else { return }
        print("augment: \(result.report.variants) variants added -> \(result.directory)\n")
        print(SummaryTable.counts(result.counts))
        if !partition.partition.isWhole { print("\n" + partition.note(stage: "augment")) }
    }
}
