import ArgumentParser
import FERCore
import FERData
import Foundation

/// Runs a checked pipeline: each stage through the same code as its ferdata command, in order, with
/// the previous stage's output as its input. A stage whose key (the previous stage's key, its
/// parameters, the seed, the ferdata format version, and for ingest the sources' contents) matches
/// the last run's and whose output still exists is skipped as up to date; a changed stage reruns and
/// so does everything after it. The state (`WORKSPACE/pipelines/NAME.json`) is saved after every
/// stage, so an interrupted run continues from the last complete one.
struct PipelineRunner {
    let file: PipelineFile
    let workspace: Workspace
    /// Rerun from the first stage of this name.
    let force: String?
    let log: (String) -> Void

    struct StageState: Codable {
        var stage: String
        var key: String
        /// A dataset name, a run folder or a report folder, relative to the workspace.
        var output: String
    }

    struct Outcome: Encodable {
        var stage: String
        var status: String  // ran or up to date
        var output: String
        var summary: String
        var seconds: Double
    }

    var name: String { URL(fileURLWithPath: file.path).deletingPathExtension().lastPathComponent }
    var stateURL: URL { workspace.root.appendingPathComponent("pipelines/\(name).json") }

    func run() throws -> [Outcome] {
        if let force, !file.stages.contains(where: { $0.name == force }) {
            throw FerError(.invalidArgument, "--force \(force): the pipeline has no such stage; its stages: \(file.stages.map(\.name).joined(separator: ", "))")
        }
        var previous = (try? JSONDecoder().decode([StageState].self, from: Data(contentsOf: stateURL))) ?? []
        var state: [StageState] = []
        var outcomes: [Outcome] = []
        var key = "ferdata-pipeline format \(RecordLayout.formatVersion)"
        var forcing = false
        var dataset: String?, run: String?, splitDataset: String?
        for (index, stage) in file.stages.enumerated() {
            forcing = forcing || stage.name == force
            key = try stageKey(stage, after: key)
            let label = "[\(index + 1)/\(file.stages.count)] \(stage.name)"
            let started = Date()
            let output: String
            let status: String
            if !forcing, index < previous.count, previous[index].key == key, exists(previous[index].output) {
                output = previous[index].output
                status = "up to date"
                log("\(label): up to date (\(output))")
            } else {
                previous = Array(previous.prefix(index))  // everything after a rerun stage reruns too
                log("\(label): running")
                output = try execute(stage, dataset: dataset, run: run, splitDataset: splitDataset)
                status = "ran"
            }
            switch stage.schema.role {
            case .ingest, .dataset:
                dataset = URL(fileURLWithPath: output).lastPathComponent
                if stage.name == "split" { splitDataset = dataset }
            case .training: run = output
            case .scoring: break
            }
            state.append(StageState(stage: stage.name, key: key, output: output))
            try saveState(state + previous.dropFirst(state.count))
            let summary = describe(stage, output: output)
            if status == "ran" { log("\(label): done in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: \(summary)") }
            outcomes.append(Outcome(stage: stage.name, status: status, output: output, summary: summary,
                                    seconds: Date().timeIntervalSince(started)))
        }
        return outcomes
    }

    // MARK: - Keys and state

    private func stageKey(_ stage: PipelineFile.Stage, after previous: String) throws -> String {
        var text = previous + "\n" + stage.name + "\n"
        for (key, values) in stage.parameters.sorted(by: { $0.key.name < $1.key.name }) {
            text += key.name + "=" + values.joined(separator: "\u{1F}") + "\n"
        }
        if stage.schema.seeded, let seed = file.seed { text += "pipeline-seed=\(seed)\n" }
        for (key, values) in stage.parameters where key.paths {
            for path in values { text += path + " " + (try contentDigest(path)) + "\n" }
        }
        return SHA256Digest.hex(Array(text.utf8))
    }

    /// SHA-256 of a file's bytes; for a folder, of its files' names, sizes and modification times.
    private func contentDigest(_ path: String) throws -> String {
        var digest = SHA256Digest()
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            for member in Ingestor.regularFiles(under: URL(fileURLWithPath: path)) {
                let attributes = try FileManager.default.attributesOfItem(atPath: path + "/" + member)
                let size = (attributes[.size] as? Int) ?? 0
                let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                digest.update(Array("\(member) \(size) \(modified)\n".utf8))
            }
        } else {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw FerError(.sourceUnreadable, "cannot read", at: InputLocation(source: path))
            }
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 22), !chunk.isEmpty {
                chunk.withUnsafeBytes { digest.update($0) }
            }
        }
        return digest.finalizeHex()
    }

    private func exists(_ output: String) -> Bool {
        let url = workspace.root.appendingPathComponent(output)
        let marker = output.hasPrefix("datasets/") ? "manifest.json" : output.hasPrefix("runs/") ? "best.safetensors" : ""
        return FileManager.default.fileExists(atPath: url.appendingPathComponent(marker).path)
    }

    private func saveState(_ state: [StageState]) throws {
        try FileManager.default.createDirectory(at: stateURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileIO.writeDurably(try StageIO.json(state), to: stateURL.path)
    }

    // MARK: - Running a stage

    /// The command line of a stage, as a user would type it.
    func arguments(_ stage: PipelineFile.Stage, dataset: String?, run: String?, splitDataset: String?) -> [String] {
        var positional: [String] = [], options: [String] = []
        for (key, values) in stage.parameters {
            if key.positional {
                positional += values
            } else if key.kind == .flag {
                if values == ["true"] { options.append("--" + key.name) } else if key.name == "mirror" { options.append("--no-mirror") }
            } else {
                options += ["--" + key.name, values[0]]
            }
        }
        if stage.schema.seeded, let seed = file.seed, !stage.parameters.contains(where: { $0.key.name == "seed" }) {
            options += ["--seed", String(seed)]
        }
        let model = run.map { workspace.root.appendingPathComponent($0).appendingPathComponent("best.safetensors").path } ?? ""
        let where_ = ["--workspace", workspace.root.path, "-q"]
        switch stage.name {
        case "ingest": return ["ingest"] + positional + options + where_
        case "eval":
            return ["eval", model, dataset ?? "", "--report", reportPath(stage)] + options + where_
        case "crosseval":
            return ["crosseval", model] + positional + options + (splitDataset.map { ["--baseline", $0] } ?? [])
                + ["--reports", reportPath(stage)] + where_
        case "annotate":
            return ["annotate", model] + positional + options + ["--out", reportPath(stage)] + where_
        default:
            return [stage.name] + positional + options + ["--from", dataset ?? ""] + where_
        }
    }

    private func reportPath(_ stage: PipelineFile.Stage) -> String {
        workspace.root.appendingPathComponent("reports/\(name)-\(stage.name)").path
    }

    private func execute(_ stage: PipelineFile.Stage, dataset: String?, run: String?, splitDataset: String?) throws -> String {
        let before = Set(workspace.datasetNames())
        let runsBefore = Set(runFolders())
        let arguments = arguments(stage, dataset: dataset, run: run, splitDataset: splitDataset)
        if stage.schema.role == .scoring {  // a rerun replaces the reports: none of the last run's may linger
            try? FileManager.default.removeItem(atPath: reportPath(stage))
        }
        do {
            var command = try FerdataCommand.parseAsRoot(arguments)
            try command.run()
        } catch let exit as ExitCode where exit == .success {
        } catch {
            throw FerError(.invalidArgument, "stage \(stage.name) (\(file.path):\(stage.line)) failed: ferdata \(arguments.joined(separator: " "))"
                + (error is ExitCode ? "" : ": \(FerdataCommand.message(for: error))"))
        }
        switch stage.schema.role {
        case .ingest, .dataset:
            guard let new = workspace.datasetNames().last(where: { !before.contains($0) }) else {
                throw FerError(.writeFailed, "stage \(stage.name) wrote no dataset")
            }
            return "datasets/" + new
        case .training:
            guard let new = runFolders().last(where: { !runsBefore.contains($0) }) else {
                throw FerError(.writeFailed, "stage train wrote no run folder")
            }
            return "runs/" + new
        case .scoring:
            return "reports/\(name)-\(stage.name)"
        }
    }

    private func runFolders() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: workspace.root.appendingPathComponent("runs").path)) ?? []).sorted()
    }

    // MARK: - Summaries

    /// One line on what a stage's output holds: counts, training figures, scores.
    func describe(_ stage: PipelineFile.Stage, output: String) -> String {
        let url = workspace.root.appendingPathComponent(output)
        switch stage.schema.role {
        case .ingest, .dataset:
            guard let dataset = try? Dataset(directory: url) else { return output }
            let splits = Split.allCases.map(\.name).compactMap { split in
                dataset.manifest.counts[split].map { "\(split) \($0.values.reduce(0, +))" }
            }
            return "\(dataset.name): \(dataset.manifest.recordCount) records (\(splits.joined(separator: ", ")))"
        case .training:
            let epochs = ((try? String(contentsOf: url.appendingPathComponent("metrics.csv"), encoding: .utf8)) ?? "")
                .split(separator: "\n").count - 1
            guard let data = try? Data(contentsOf: url.appendingPathComponent("test.json")),
                  let test = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return "\(output): \(epochs) epochs" }
            return "\(output): \(epochs) epochs; best model on test: " + String(format: "accuracy %.4f, weighted F1 %.4f",
                                                                                test["accuracy"] as? Double ?? 0, test["weightedF1"] as? Double ?? 0)
        case .scoring:
            let folders = [url] + ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
                .map { url.appendingPathComponent($0) }
            let scores = folders.compactMap { folder -> String? in
                guard let data = try? Data(contentsOf: folder.appendingPathComponent("metrics.json")),
                      let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let metrics = json["metrics"] as? [String: Any] else { return nil }
                let name = URL(fileURLWithPath: json["data"] as? String ?? "").lastPathComponent
                return name + String(format: ": accuracy %.4f, weighted F1 %.4f", metrics["accuracy"] as? Double ?? 0,
                                     metrics["weightedF1"] as? Double ?? 0)
            }
            return scores.isEmpty ? output : scores.joined(separator: "; ")
        }
    }
}
