import ArgumentParser
import FERData
import Foundation

/// `--workspace DIR`, shared by every command that reads or writes datasets.
struct WorkspaceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The workspace folder (default: $FERDATA_WORKSPACE, else ./ferdata-work).", valueName: "DIR"))
    var workspace: String?

    var resolved: Workspace { Workspace(path: workspace) }
}

/// `--quiet` and `--json`, shared by commands that print a summary.
struct OutputOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "No progress bar and no summary table.")
    var quiet = false

    @Flag(name: .long, help: "Print the summary as JSON on stdout (implies no progress bar).")
    var json = false
}

/// `--from NAME` and `--workspace DIR`, for commands that read a dataset.
struct InputOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The input dataset: a name (0002-dedup), number, stage or folder (default: the latest).", valueName: "NAME"))
    var from: String?

    @OptionGroup var workspace: WorkspaceOptions

    /// Reads the input dataset, runs a stage over its records and writes the stage's dataset with
    /// its attachments: the shape every curation command shares.
    func runStage(
        _ stage: String, parameters: [String: String],
        _ body: (_ records: [FaceRecord], _ input: Dataset) throws -> (records: [FaceRecord], attachments: [(name: String, contents: Data)])
    ) throws -> (input: Dataset, output: Dataset) {
        let resolved = workspace.resolved
        let source = try resolved.dataset(from)
        let (records, attachments) = try body(try source.allRecords(), source)
        let dataset = try StageIO.write(records, stage: stage, from: source, workspace: resolved, parameters: parameters,
                                        attachments: attachments)
        return (source, dataset)
    }
}

/// `--partition I/N`, for stages that can run as N copies side by side (on N machines, say).
struct PartitionOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Run as part I of N (1 <= I <= N): only every N-th input record, written to parts/STAGE/I-of-N; 'ferdata merge' joins the parts.",
            valueName: "I/N"),
        transform: { try Partition(parsing: $0) })
    var partition = Partition.whole

    /// The line a part run ends with.
    func note(stage: String) -> String {
        "part \(partition) of \(stage) done; when all \(partition.count) parts are: ferdata merge \(stage)"
    }
}
