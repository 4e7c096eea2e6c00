import ArgumentParser
import FERCore
import FERData
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

    @Argument(help: ArgumentHelp("The stage whose parts to join (default: the only one with parts).", valueName: "STAGE"))
    var stage: String?
    @Flag(help: "Leave the parts in place after merging.") var keepParts = false
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    var options: MergeStage.Options {
        var options = MergeStage.Options()
        options.stage = stage
        options.keepParts = keepParts
        return options
    }

    func run() throws {
        let result = try CommandIO.run(MergeStage.self, options, input: StageInput(), workspace: workspace.resolved, output: output)
        if output.json { return try CommandIO.printJSON(result.counts) }
        guard !output.quiet else { return }
        let rejected = result.rejected.values.reduce(0, +)
        print("merge: \(result.report.parts) parts of \(result.report.stage): \(result.recordCount) records, \(rejected) rejected -> \(result.directory)\n")
        print(SummaryTable.counts(result.counts))
    }
}

struct ExportCommand: StageCommand {
    static let stage = RegisteredStage(ExportStage.self)
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a dataset as WebDataset tar shards, NumPy .npz, a FER2013-style CSV or class folders of PNGs.",
        discussion: """
            webdataset: SPLIT-000000.tar shards of KEY.png, KEY.cls and KEY.json (readable by the webdataset \
            package); npz: SPLIT.npz with x (uint8 [N,48,48]) and y (int64, -1 unlabeled); csv: fer2013.csv \
            (emotion,pixels,Usage); folder: SPLIT/CLASS/KEY.png. OUT must not exist; it appears complete or not \
            at all.

            Examples:
              ferdata export --format webdataset --out fer2013-wds
              ferdata export 0003-split --format npz --out fer2013-npz --split test
            """)

    @Argument(help: ArgumentHelp("A dataset name, number, stage or folder (default: the latest).", valueName: "DATASET"))
    var dataset: String?
    @Option(help: "The format to write.") var format: Exporter.Format
    @Option(help: ArgumentHelp("The folder to write.", valueName: "OUT")) var out: String
    @Option(help: "Only this split.") var split = ExportStage.Options().split
    @Option(help: "Faces per WebDataset tar shard.") var shardSize = ExportStage.Options().shardSize
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    var options: ExportStage.Options {
        var options = ExportStage.Options()
        options.format = format
        options.out = out
        options.split = split
        options.shardSize = shardSize
        return options
    }

    func validate() throws { try CommandIO.validate(options) }

    func run() throws {
        let root = workspace.resolved
        let summary = try CommandIO.run(ExportStage.self, options, input: StageInput(dataset: try root.dataset(dataset)),
                                        workspace: root, output: output)
        if output.json { return try CommandIO.printJSON(summary) }
        guard !output.quiet else { return }
        print("exported \(summary.records) faces as \(summary.format.rawValue) to \(summary.output)"
              + (summary.skipped > 0 ? " (\(summary.skipped) unlabeled faces have no CSV row)" : ""))
    }
}

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

    @Argument(help: ArgumentHelp("A dataset name, number, stage or folder (default: the latest).", valueName: "DATASET"))
    var dataset: String?
    @Flag(help: "Check every dataset in the workspace.") var all = false
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let root = workspace.resolved
        var options = VerifyStage.Options()
        options.all = all
        let input = all ? StageInput() : StageInput(dataset: try root.dataset(dataset))
        let result = try CommandIO.run(VerifyStage.self, options, input: input, workspace: root, output: output)
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
