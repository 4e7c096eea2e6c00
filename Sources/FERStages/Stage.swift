import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERNet
import Foundation

/// A stage of ferdata (ingest, dedup, train, eval, ...) as a library call: options in, a typed
/// output back. The command of the same name and `ferdata run` both call `run`; neither knows more
/// about a stage than this.
///
///     var options = DedupStage.Options.defaults               // or .parse(["--threshold", "2"]), as the command line
///     options.threshold = 2
///     let output = try DedupStage.run(options, input: StageInput(dataset: try workspace.latest()),
///                                     context: StageContext(workspace: workspace))
///     print(output.summary)
public protocol Stage {
    associatedtype Options: StageOptions
    associatedtype Output: StageOutput

    /// The command and pipeline name: `dedup`.
    static var name: String { get }
    /// What the stage reads and makes, which decides where it may stand in a pipeline.
    static var role: StageRole { get }
    /// Runs the stage. Options are validated first; errors are `FerError`s that keep their code.
    static func run(_ options: Options, input: StageInput, context: StageContext) throws -> Output
}

/// What a stage reads and makes.
public enum StageRole: Sendable {
    /// Sources to a dataset: a pipeline's first stage.
    case ingest
    /// A dataset to a dataset.
    case dataset
    /// A dataset to a training run with a model.
    case training
    /// A model (and datasets) to reports.
    case scoring
    /// Works on a workspace as a whole (merge, verify, export): not a pipeline stage.
    case tool
}

/// A stage's options, declared once as argument-parser properties (`Settings`): the stage's command
/// takes them as its options, a pipeline file's keys are parsed into them as the same arguments (a
/// pipeline's `seed` fills the key `seed` of a stage that has one and does not set it), and a library
/// caller builds them with `parse` and sets their properties. `check()` holds the checks.
public protocol StageOptions: Settings, Sendable {
    /// Files and folders the stage reads: they must exist, and their contents are part of a pipeline
    /// stage's cache key.
    var inputPaths: [String] { get }
}

extension StageOptions {
    public var inputPaths: [String] { [] }
}

/// What a stage reads besides its options: the dataset, the model, the in-domain dataset a
/// cross-dataset score is compared with. The command line fills it from `--from` and arguments; a
/// pipeline from the outputs of the stages before.
public struct StageInput: Sendable {
    public var dataset: Dataset?
    /// A model file.
    public var model: String?
    /// The dataset whose test split is the in-domain baseline (a pipeline's split output).
    public var baseline: Dataset?

    public init(dataset: Dataset? = nil, model: String? = nil, baseline: Dataset? = nil) {
        self.dataset = dataset
        self.model = model
        self.baseline = baseline
    }

    func requireDataset(_ stage: String) throws -> Dataset {
        guard let dataset else { throw FerError(.datasetMissing, "\(stage) needs an input dataset") }
        return dataset
    }

    /// The input dataset, which must hold the CNN-RNN's 48x48 gray faces (train, eval, suspects,
    /// annotate --suspects): another shape is a clear error, not a crash or a silent resize.
    func requireModelSizedDataset(_ stage: String) throws -> Dataset {
        let dataset = try requireDataset(stage)
        let shape = dataset.manifest.recordFormat?.shape ?? .face48
        guard shape == .face48 else {
            throw FerError(
                .datasetUnfit,
                "\(stage): the CNN-RNN takes 48x48 gray faces and \(dataset.name) holds \(shape.height)x\(shape.width) \(shape.channels == 3 ? "colour" : "gray") faces; ingest with --size 48 --color gray for it")
        }
        return dataset
    }

    func requireModel(_ stage: String) throws -> String {
        guard let model else { throw FerError(.invalidArgument, "\(stage) needs a MODEL file") }
        return model
    }
}

/// Where a stage runs and how it reports progress.
public struct StageContext {
    public var workspace: Workspace
    /// Where a scoring stage writes its reports when its options name no folder (a pipeline's
    /// `reports/PIPELINE-STAGE`); nil for the stage's own default under `WORKSPACE/reports`.
    public var reports: URL?
    /// This run's share of the input (`--partition I/N` of ingest, augment and annotate --ingest): a part
    /// dataset under `parts/`, joined by merge. The whole input in a pipeline.
    public var partition: Partition
    /// Called as work advances (a progress bar); may be called often.
    public var progress: (StageProgress) -> Void

    public init(workspace: Workspace, reports: URL? = nil, partition: Partition = .whole,
                progress: @escaping (StageProgress) -> Void = { _ in }) {
        self.workspace = workspace
        self.reports = reports
        self.partition = partition
        self.progress = progress
    }
}

public struct StageProgress: Sendable {
    public var label: String
    /// Done, 0-1, when known.
    public var fraction: Double?
    public var detail: String
}

/// What a stage made: a dataset, a training run or report folders, with its figures.
public protocol StageOutput: Codable, Sendable {
    /// Where it is: a path relative to the workspace (`datasets/0002-dedup`, `runs/0001-train`) or a
    /// report folder as named.
    var location: String { get }
    /// One line on what it holds, for `ferdata run`'s table.
    var summary: String { get }
    /// Whether it is still there, complete (a pipeline reruns a stage whose output is gone).
    func exists(in workspace: Workspace) -> Bool
    /// Hands what it made to the next stage of a pipeline.
    func feed(_ input: inout StageInput, workspace: Workspace) throws
    /// Models that learned nothing among what it trained or scored.
    var collapses: [Collapse] { get }
}

extension StageOutput {
    public var collapses: [Collapse] { [] }
}
