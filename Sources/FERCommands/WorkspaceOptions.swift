import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERStages
import Foundation

/// `--workspace DIR`, shared by every command that reads or writes datasets.
struct WorkspaceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The workspace folder (default: $FERDATA_WORKSPACE, else ./ferdata-work).", valueName: "DIR"))
    var workspace: String?

    var resolved: Workspace { Workspace(path: workspace) }
}

/// `--quiet`, `--json` and `--verbose`, shared by every command.
struct OutputOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "No progress bar and no summary table.")
    var quiet = false

    @Flag(name: .long, help: "Print the summary as JSON on stdout (implies no progress bar).")
    var json = false

    @Flag(name: .long, help: "On an error, also show its cause and where in ferdata it was raised.")
    var verbose = false

    mutating func validate() throws {
        if verbose { CommandIO.verbose = true }
    }
}

/// `--from NAME` and `--workspace DIR`, for commands that read a dataset.
struct InputOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The input dataset: a name (0002-dedup), number, stage or folder (default: the latest).", valueName: "NAME"))
    var from: String?

    @OptionGroup var workspace: WorkspaceOptions

    /// The stage input: the `--from` dataset.
    func stageInput() throws -> StageInput {
        StageInput(dataset: try workspace.resolved.dataset(from))
    }
}

/// `--partition I/N`, for stages that can run as N copies side by side (on N machines, say). Inside
/// a Slurm array job the part is the task's place in the array when `--partition` is not given.
struct PartitionOptions: ParsableArguments {
    @Option(name: .customLong("partition"), help: ArgumentHelp(
        "Run as part I of N (1 <= I <= N): only every N-th input record, written to parts/STAGE/I-of-N; 'ferdata merge' joins the parts. 'slurm' (the default inside a Slurm array job): the array task's place, task I of --array=1-N.",
        valueName: "I/N"))
    var requested: String?

    func validate() throws {
        do { _ = try resolve() } catch let error as FerError { throw ValidationError(error.message) }
    }

    /// The part this run is: `--partition`, else the Slurm array task's, else the whole input.
    var partition: Partition { (try? resolve()) ?? .whole }

    private func resolve() throws -> Partition {
        if let requested { return try Partition(parsing: requested) }
        return try Partition.slurmArray(ProcessInfo.processInfo.environment) ?? .whole
    }

    /// The line a part run ends with.
    func note(stage: String) -> String {
        "part \(partition) of \(stage) done; when all \(partition.count) parts are: ferdata merge \(stage)"
    }
}

/// `[DATASET]` and `--workspace DIR`, for commands that take their dataset as an argument.
struct DatasetArgument: ParsableArguments {
    @Argument(help: ArgumentHelp("The dataset: a name (0002-dedup), number, stage or folder (default: the latest).", valueName: "DATASET"))
    var dataset: String?

    @OptionGroup var workspace: WorkspaceOptions

    /// The stage input: the dataset named (or the latest), and a model file.
    func stageInput(model: String? = nil) throws -> StageInput {
        StageInput(dataset: try workspace.resolved.dataset(dataset), model: model)
    }
}
