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

struct SplitCommand: StageCommand {
    static let stage = RegisteredStage(SplitStage.self)
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Move a stratified share of train to val, keeping duplicate groups together.",
        discussion: """
            Per class, groups of exact or near duplicates (pHash, as dedup) go wholly to train or to val; \
            test is untouched.

            Example:
              ferdata split --val 0.1 --seed 1
            """)

    private static let defaults = SplitStage.Options()
    @Option(help: "Share of each class of train that goes to val.") var val = defaults.val
    @Option(help: "Random seed.") var seed = defaults.seed
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    var options: SplitStage.Options {
        var options = SplitStage.Options()
        options.val = val
        options.seed = seed
        return options
    }

    func validate() throws { try CommandIO.validate(options) }

    func run() throws {
        let result = try CommandIO.run(SplitStage.self, options, input: try input.stageInput(), workspace: input.workspace.resolved, output: output)
        if output.json { return try CommandIO.printJSON(result.report) }
        guard !output.quiet else { return }
        print("split: moved \(result.report.movedToVal) train records to val (\(result.report.groupsKeptTogether) duplicate groups kept whole) -> \(result.directory)\n")
        print(SummaryTable.counts(result.counts))
    }
}

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

    private static let defaults = BalanceStage.Options()
    @Option(help: ArgumentHelp("Records per class: a number, max or median.", valueName: "N|max|median")) var target: Balancer.Target
    @Option(help: "Random seed.") var seed = defaults.seed
    @OptionGroup var augmentation: AugmentationOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    var options: BalanceStage.Options {
        var options = BalanceStage.Options()
        options.target = target
        options.seed = seed
        options.augmentation = augmentation.ranges
        return options
    }

    func validate() throws { try CommandIO.validate(options) }

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

    private static let defaults = AugmentStage.Options()
    @Option(help: "Variants per train record.") var copies = defaults.copies
    @Option(help: "Random seed.") var seed = defaults.seed
    @OptionGroup var augmentation: AugmentationOptions
    @OptionGroup var partition: PartitionOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    var options: AugmentStage.Options {
        var options = AugmentStage.Options()
        options.copies = copies
        options.seed = seed
        options.augmentation = augmentation.ranges
        options.partition = partition.partition
        return options
    }

    func validate() throws { try CommandIO.validate(options) }

    func run() throws {
        let result = try CommandIO.run(AugmentStage.self, options, input: try input.stageInput(), workspace: input.workspace.resolved, output: output)
        if output.json { return try CommandIO.printJSON(result.counts) }
        guard !output.quiet else { return }
        print("augment: \(result.report.variants) variants added -> \(result.directory)\n")
        print(SummaryTable.counts(result.counts))
        if !partition.partition.isWhole { print("\n" + partition.note(stage: "augment")) }
    }
}
