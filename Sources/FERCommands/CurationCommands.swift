import ArgumentParser
import FERCore
import FERData
import FERMedia
import Foundation

/// The augmentation ranges, as flags (defaults: `AugmentationPolicy.standard`).
struct AugmentationOptions: ParsableArguments {
    @Option(help: "Probability of a horizontal flip.")
    var flip: Float = AugmentationPolicy.standard.flipProbability
    @Option(help: "Rotation range, ± degrees.")
    var rotation: Float = AugmentationPolicy.standard.rotationDegrees
    @Option(help: "Translation range, ± pixels per axis.")
    var translate: Float = AugmentationPolicy.standard.translatePixels
    @Option(help: "Scale range: 1 ± this.")
    var scale: Float = AugmentationPolicy.standard.scaleRange
    @Option(help: "Brightness range, ± (0-255 units).")
    var brightness: Float = AugmentationPolicy.standard.brightness
    @Option(help: "Contrast range: 1 ± this.")
    var contrast: Float = AugmentationPolicy.standard.contrast
    @Option(help: "Largest Gaussian noise sigma (0-255 units).")
    var noise: Float = AugmentationPolicy.standard.noiseSigma
    @Option(help: "Probability of random erasing.")
    var erase: Float = AugmentationPolicy.standard.eraseProbability

    var policy: AugmentationPolicy {
        AugmentationPolicy(
            flipProbability: flip, rotationDegrees: rotation, translatePixels: translate, scaleRange: scale,
            brightness: brightness, contrast: contrast, noiseSigma: noise, eraseProbability: erase,
            eraseMaxSide: AugmentationPolicy.standard.eraseMaxSide)
    }
}

struct SplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Move a stratified share of train to val, keeping duplicate groups together.",
        discussion: """
            Per class, groups of exact or near duplicates (pHash, as dedup) go wholly to train or to val; \
            test is untouched.

            Example:
              ferdata split --val 0.1 --seed 1
            """)

    @Option(help: "Share of each class of train that goes to val.")
    var val = 0.1
    @Option(help: "Random seed.")
    var seed: UInt64 = 0
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try CommandIO.reportingErrors {
            var options = StratifiedSplit.Options()
            options.valFraction = val
            options.seed = seed
            var report: StratifiedSplit.Report!
            let (_, dataset) = try input.runStage("split", parameters: options.parameters) { records, _ in
                let (split, outcome) = try StratifiedSplit(options: options).run(records)
                report = outcome
                return (split, [("split.json", try CommandIO.json(outcome))])
            }
            if output.json { try CommandIO.printJSON(report) } else if !output.quiet {
                print("split: moved \(report.movedToVal) train records to val (\(report.groupsKeptTogether) duplicate groups kept whole) -> \(dataset.directory.path)\n")
                print(SummaryTable.counts(dataset.manifest.counts))
            }
        }
    }
}

struct BalanceCommand: ParsableCommand {
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

    @Option(help: "Records per class: a number, max or median.")
    var target: String
    @Option(help: "Random seed.")
    var seed: UInt64 = 0
    @OptionGroup var augmentation: AugmentationOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try CommandIO.reportingErrors {
            guard let goal = Balancer.Target(target) else {
                throw FerError(.invalidArgument, "--target must be a positive number, max or median, got '\(target)'")
            }
            let balancer = Balancer(target: goal, policy: augmentation.policy, seed: seed)
            var report: Balancer.Report!
            let (_, dataset) = try input.runStage("balance", parameters: balancer.parameters) { records, _ in
                let (balanced, outcome) = try balancer.run(records)
                report = outcome
                return (balanced, [("balance.json", try CommandIO.json(outcome))])
            }
            if output.json { try CommandIO.printJSON(report) } else if !output.quiet {
                print("balance: train classes to \(report.target) each: \(report.generated) variants made, \(report.dropped) records left out -> \(dataset.directory.path)\n")
                let rows = Emotion.names.map { [$0, String(report.before[$0] ?? 0), String(report.after[$0] ?? 0)] }
                print(SummaryTable.render(header: ["class", "train before", "train after"], rows: rows))
                print("")
                print(SummaryTable.counts(dataset.manifest.counts))
            }
        }
    }
}

struct AugmentCommand: ParsableCommand {
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

    @Option(help: "Variants per train record.")
    var copies = 1
    @Option(help: "Random seed.")
    var seed: UInt64 = 0
    @OptionGroup var augmentation: AugmentationOptions
    @OptionGroup var partition: PartitionOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try CommandIO.reportingErrors {
            let augmenter = Augmenter(copies: copies, policy: augmentation.policy, seed: seed)
            let workspace = input.workspace.resolved
            let source = try workspace.dataset(input.from)
            let (records, ordinals) = try augmenter.run(try source.allRecords(), partition: partition.partition)
            let dataset = try StageIO.write(
                records, stage: "augment", from: source, workspace: workspace, parameters: augmenter.parameters,
                partition: partition.partition, ordinals: ordinals)
            if output.json { try CommandIO.printJSON(dataset.manifest.counts) } else if !output.quiet {
                let variants = records.count - Set(ordinals).count
                print("augment: \(variants) variants added -> \(dataset.directory.path)\n")
                print(SummaryTable.counts(dataset.manifest.counts))
                if !partition.partition.isWhole { print("\n" + partition.note(stage: "augment")) }
            }
        }
    }
}

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
    @Option(help: ArgumentHelp("Also write a bar chart.", valueName: "FILE"))
    var png: String?
    @Flag(help: "Print the counts as JSON.")
    var json = false
    @OptionGroup var workspace: WorkspaceOptions

    func run() throws {
        try CommandIO.reportingErrors {
            let chosen = try workspace.resolved.dataset(dataset)
            if json { try CommandIO.printJSON(chosen.manifest.counts) } else {
                print("\(chosen.name): \(chosen.manifest.recordCount) records (stage \(chosen.manifest.stage))\n")
                print(SummaryTable.counts(chosen.manifest.counts))
            }
            if let png {
                let chart = ClassChart.render(chosen.manifest.counts, title: "\(chosen.name): records per class")
                try CommandIO.write(Data(try chart.png()), to: png)
            }
        }
    }
}

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "A contact sheet of a dataset: one row of sample faces per class.",
        discussion: """
            Example:
              ferdata show --per-class 16 --out sheet.png
              ferdata show 0002-dedup --split test --per-class 8 --out test.png
            """)

    @Argument(help: ArgumentHelp("A dataset name, number, stage or folder (default: the latest).", valueName: "DATASET"))
    var dataset: String?
    @Option(help: "Faces per class.")
    var perClass = 16
    @Option(help: "Only this split (train, val or test).")
    var split: String?
    @Option(help: "Random seed for the sample.")
    var seed: UInt64 = 0
    @Option(help: ArgumentHelp("The PNG to write.", valueName: "FILE"))
    var out = "sheet.png"
    @OptionGroup var workspace: WorkspaceOptions

    func run() throws {
        try CommandIO.reportingErrors {
            let chosen = try workspace.resolved.dataset(dataset)
            let wanted = try CommandIO.split(split)
            var byClass = [[FaceRecord]](repeating: [], count: Emotion.allCases.count)
            try chosen.forEachRecord { record in
                if let label = record.label, wanted == nil || record.split == wanted { byClass[Int(label.rawValue)].append(record) }
            }
            var random = SeededGenerator(seed: seed)
            let rows = Emotion.allCases.map { emotion in
                let sample = byClass[Int(emotion.rawValue)].shuffled(using: &random).prefix(perClass)
                return ContactSheet.Row(caption: emotion.name, faces: sample.map { ContactSheet.Face($0.image) })
            }
            let sheet = ContactSheet.render(rows, scale: 1, title: "\(chosen.name)\(split.map { " (\($0))" } ?? "")")
            try CommandIO.write(Data(try sheet.png()), to: out)
            print("wrote \(out)")
        }
    }
}
