import ArgumentParser
import FERCore
import FERData
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

/// The augmentation ranges, as flags (defaults: `AugmentationPolicy.standard`).
struct AugmentationOptions: ParsableArguments {
    private static let defaults = AugmentationRanges()
    @Option(help: "Probability of a horizontal flip.") var flip = defaults.flip
    @Option(help: "Rotation range, ± degrees.") var rotation = defaults.rotation
    @Option(help: "Translation range, ± pixels per axis.") var translate = defaults.translate
    @Option(help: "Scale range: 1 ± this.") var scale = defaults.scale
    @Option(help: "Brightness range, ± (0-255 units).") var brightness = defaults.brightness
    @Option(help: "Contrast range: 1 ± this.") var contrast = defaults.contrast
    @Option(help: "Largest Gaussian noise sigma (0-255 units).") var noise = defaults.noise
    @Option(help: "Probability of random erasing.") var erase = defaults.erase

    var ranges: AugmentationRanges {
        var ranges = AugmentationRanges()
        ranges.flip = flip
        ranges.rotation = rotation
        ranges.translate = translate
        ranges.scale = scale
        ranges.brightness = brightness
        ranges.contrast = contrast
        ranges.noise = noise
        ranges.erase = erase
        return ranges
    }
}

/// `--faces`, `--min-face`, `--align` and `--all-faces`, for the commands that read pictures (ingest, crosseval, annotate).
struct FaceOptions: ParsableArguments {
    @Option(help: "How the face is found in each picture: auto (a layout's boxes; else a search when the source's first picture is over 128 px and twice the face size, else the pictures are taken as face crops), detect (search every picture: the largest face, or the picture is rejected as no-face), box (a layout's boxes), none (a face crop already).")
    var faces = FaceMode.auto

    @Option(name: .customLong("min-face"), help: ArgumentHelp("The smallest face a search keeps, in pixels.", valueName: "PIXELS"))
    var minFace = 48

    @Flag(help: "Align each found face from its eyes (dlib's landmarks): turned so that they are level, scaled to FER-2013's eye distance (the box crop where the landmarks do not settle).")
    var align = false

    @Flag(name: .customLong("all-faces"), help: "Keep every face a search finds in a picture, one record each (largest first), not only the largest.")
    var allFaces = false
}
