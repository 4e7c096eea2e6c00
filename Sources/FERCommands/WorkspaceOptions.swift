import ArgumentParser
import FERData

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
}
