import FERCore
import FERCuration
import FERData
import FERIngest
import FERNet
import Foundation

/// Runs a checked pipeline: each stage's own `run` with its decoded options, in order, with what the
/// stages before made (`StageInput`) as its input. A stage whose key (the previous stage's key, its
/// options, the ferdata format version, and the contents of the files it reads) matches the last run's
/// and whose output still exists is skipped as up to date, its typed output read back from the state
/// file; a changed stage reruns and so does everything after it. The state
/// (`WORKSPACE/pipelines/NAME.json`) is saved after every stage, so an interrupted run continues from
/// the last complete one. A failing stage's error keeps its code; its message says which stage.
public struct PipelineRunner {
    public let file: PipelineFile
    public let workspace: Workspace
    /// Rerun from the first stage of this name.
    public let force: String?
    public let log: (String) -> Void
    public let progress: (StageProgress) -> Void

    public init(file: PipelineFile, workspace: Workspace, force: String? = nil, log: @escaping (String) -> Void = { _ in },
                progress: @escaping (StageProgress) -> Void = { _ in }) {
        self.file = file
        self.workspace = workspace
        self.force = force
        self.log = log
        self.progress = progress
    }

    struct StageState: Codable {
        var stage: String
        var key: String
        /// The stage's typed output, as JSON text.
        var output: String
    }

    public struct Outcome: Encodable {
        public var stage: String
        /// ran or up to date
        public var status: String
        /// Where the output is (a dataset, a run folder, a report folder).
        public var output: String
        public var summary: String
        public var seconds: Double
        /// Models that learned nothing among what the stage trained or scored.
        public var collapses: [Collapse]
    }

    var name: String { URL(fileURLWithPath: file.path).deletingPathExtension().lastPathComponent }
    var stateURL: URL { workspace.root.appendingPathComponent("pipelines/\(name).json") }

    public func run() throws -> [Outcome] {
        if let force, !file.stages.contains(where: { $0.name == force }) {
            throw FerError(.invalidArgument, "--force \(force): the pipeline has no such stage; its stages: \(file.stages.map(\.name).joined(separator: ", "))")
        }
        var previous = (try? JSONDecoder().decode([StageState].self, from: FileIO.readAll(stateURL.path))) ?? []
        var state: [StageState] = []
        var outcomes: [Outcome] = []
        var key = "ferdata-pipeline format \(RecordLayout.formatVersion)"
        var forcing = false
        var input = StageInput()
        for (index, stage) in file.stages.enumerated() {
            forcing = forcing || stage.name == force
            key = try stageKey(stage, after: key)
            let label = "[\(index + 1)/\(file.stages.count)] \(stage.name)"
            let started = Date()
            let output: any StageOutput
            let status: String
            if !forcing, index < previous.count, previous[index].key == key,
               let saved = try? stage.decodeOutput(Data(previous[index].output.utf8)), saved.exists(in: workspace) {
                output = saved
                status = "up to date"
                log("\(label): up to date (\(output.location))")
            } else {
                previous = Array(previous.prefix(index))  // everything after a rerun stage reruns too
                log("\(label): running")
                output = try execute(stage, input: input)
                status = "ran"
            }
            try output.feed(&input, workspace: workspace)
            state.append(StageState(stage: stage.name, key: key, output: String(decoding: try StageIO.json(output), as: UTF8.self)))
            try saveState(state + previous.dropFirst(state.count))
            if status == "ran" { log("\(label): done in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: \(output.summary)") }
            outcomes.append(Outcome(stage: stage.name, status: status, output: output.location, summary: output.summary,
                                    seconds: Date().timeIntervalSince(started), collapses: output.collapses))
        }
        return outcomes
    }

    /// Runs one stage; a scoring stage writes into `reports/PIPELINE-STAGE`, emptied first so that none
    /// of the last run's reports linger.
    private func execute(_ stage: PipelineStage, input: StageInput) throws -> any StageOutput {
        var context = StageContext(workspace: workspace, progress: progress)
        if stage.role == .scoring {
            let reports = workspace.root.appendingPathComponent("reports/\(name)-\(stage.name)")
            try? FileManager.default.removeItem(at: reports)
            context.reports = reports
        }
        do {
            return try stage.run(input, context)
        } catch let error as FerError {
            throw error.within("stage \(stage.name) (\(file.path):\(stage.line))")
        }
    }

    // MARK: - Keys and state

    private func stageKey(_ stage: PipelineStage, after previous: String) throws -> String {
        var text = previous + "\n" + stage.name + "\n" + String(decoding: stage.optionsJSON, as: UTF8.self) + "\n"
        for path in stage.inputPaths { text += path + " " + (try contentDigest(path)) + "\n" }
        return SHA256Digest.hex(Array(text.utf8))
    }

    /// SHA-256 of a file's bytes; for a folder, of its entries' names, sizes and modification times.
    private func contentDigest(_ path: String) throws -> String {
        try Ingestor.content(of: path).sha256
    }

    private func saveState(_ state: [StageState]) throws {
        try FileManager.default.createDirectory(at: stateURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileIO.writeAtomically(try StageIO.json(state), to: stateURL.path)
    }
}
