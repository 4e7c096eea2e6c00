import FERTestSupport
import Foundation
import Testing

/// SIGKILL at chosen points during ingest, a curation stage and training (after the N-th shard is
/// written, after the N-th training checkpoint: `FaultPoint`); after each kill a rerun must finish,
/// every dataset in the workspace must verify, and the result must equal an uninterrupted run's (same
/// manifest bytes; training resumes from its checkpoint and ends with the same weights). The points
/// are exact, so every kill lands where the test says, on any machine and under any load.
@Suite(.serialized) struct KillAndRerunTests {
    let cli = CommandLineTests()

    /// A FER2013-style CSV of 6,000 rows: with 1,000-record shards, six shards of ingest.
    static func largeCSV(in folder: URL) throws -> String {
        let url = folder.appendingPathComponent("large.csv")
        var text = "emotion,pixels,Usage\n"
        for row in 0..<6000 {
            text += Fixtures.csvRow(emotion: String(row % 7), pixels: Fixtures.face(seed: row % 1500 + row / 1500 * 7919),
                                    usage: row % 10 == 0 ? "PublicTest" : "Training") + "\n"
        }
        try Fixtures.write(text, to: url)
        return url.path
    }

    /// Runs `ferdata arguments` so that it kills itself (SIGKILL) the `count`-th time it passes `point`.
    /// Returns whether it died by the signal.
    @discardableResult
    func killed(_ arguments: [String], at point: String, count: Int, workspace: URL) throws -> Bool {
        let process = Process()
        process.executableURL = CommandLineTests.executable
        process.arguments = arguments + ["--workspace", workspace.path, "-q"]
        process.currentDirectoryURL = CommandLineTests.repositoryRoot
        process.environment = ProcessInfo.processInfo.environment.merging(["FERDATA_KILL_AT": "\(point):\(count)"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    func run(_ arguments: [String], workspace: URL) throws -> CommandLineTests.Run {
        try cli.ferdata(arguments + ["--workspace", workspace.path])
    }

    /// The newest manifest of a stage, less the input datasets' names (a rerun after a kill that came
    /// too late may find its input under the next number; the input's manifest hash stays).
    func latestManifest(_ workspace: URL, stage: String) throws -> NSDictionary {
        let names = try FileManager.default.contentsOfDirectory(atPath: workspace.appendingPathComponent("datasets").path)
            .filter { $0.hasSuffix("-" + stage) }.sorted()
        let data = try Data(contentsOf: workspace.appendingPathComponent("datasets/\(names.last!)/manifest.json"))
        var manifest = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        manifest["inputs"] = (manifest["inputs"] as! [[String: Any]]).map { $0.filter { $0.key != "name" } }
        return manifest as NSDictionary
    }

    @Test func killedStagesRerunToTheUninterruptedResult() throws {
        let folder = Fixtures.temporaryDirectory()
        let csv = try Self.largeCSV(in: folder)
        let ingest = ["ingest", csv, "--shard-size", "1000"]
        let reference = folder.appendingPathComponent("reference")
        #expect(try run(ingest + ["-q"], workspace: reference).status == 0)
        #expect(try run(["dedup", "-q"], workspace: reference).status == 0)
        let ingestManifest = try latestManifest(reference, stage: "ingest")
        let dedupManifest = try latestManifest(reference, stage: "dedup")
        let ingestShards = (ingestManifest["shards"] as! [Any]).count
        #expect(ingestShards == 6)

        // Ingest killed after its first, third and last shard; dedup after its first.
        for shard in [1, 3, ingestShards] {
            let workspace = folder.appendingPathComponent("after-shard-\(shard)")
            #expect(try killed(ingest, at: "shard", count: shard, workspace: workspace), "ingest, shard \(shard)")
            #expect(try run(ingest + ["-q"], workspace: workspace).status == 0)
            #expect(try killed(["dedup"], at: "shard", count: 1, workspace: workspace), "dedup, shard \(shard)")
            #expect(try run(["dedup", "--from", "ingest", "-q"], workspace: workspace).status == 0)
            let verify = try run(["verify", "--all"], workspace: workspace)
            #expect(verify.status == 0, "shard \(shard): \(verify.stdout)")
            #expect(try latestManifest(workspace, stage: "ingest") == ingestManifest, "shard \(shard)")
            #expect(try latestManifest(workspace, stage: "dedup") == dedupManifest, "shard \(shard)")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: workspace.appendingPathComponent("datasets").path)
                .filter { $0.contains("partial") }
            #expect(leftovers.isEmpty, "shard \(shard): \(leftovers)")
        }
    }

    @Test func killedTrainingResumesFromItsCheckpointToTheSameWeights() throws {
        let folder = Fixtures.temporaryDirectory()
        let train = ["train", "--epochs", "4", "--batch-size", "16", "--seed", "5"]
        func prepare(_ workspace: URL) throws {
            #expect(try run(["ingest", "samples/faces.csv", "-q"], workspace: workspace).status == 0)
            #expect(try run(["split", "--val", "0.2", "-q"], workspace: workspace).status == 0)
        }
        let reference = folder.appendingPathComponent("reference")
        try prepare(reference)
        #expect(try run(train + ["-q"], workspace: reference).status == 0)
        let expected = try Data(contentsOf: reference.appendingPathComponent("runs/0001-train/last.safetensors"))

        // Killed right after the checkpoint of epoch 1, 2 and 3 of 4: each run resumes from there.
        for epoch in 1...3 {
            let workspace = folder.appendingPathComponent("after-epoch-\(epoch)")
            try prepare(workspace)
            #expect(try killed(train, at: "checkpoint", count: epoch, workspace: workspace), "epoch \(epoch)")
            let runFolder = workspace.appendingPathComponent("runs/0001-train")
            #expect(!FileManager.default.fileExists(atPath: runFolder.appendingPathComponent("report/metrics.json").path))
            #expect(try run(["train", "--resume", "0001-train", "-q"], workspace: workspace).status == 0, "epoch \(epoch)")
            let weights = try Data(contentsOf: runFolder.appendingPathComponent("last.safetensors"))
            #expect(weights == expected, "killed after epoch \(epoch)")
            let metrics = try String(contentsOf: runFolder.appendingPathComponent("metrics.csv"), encoding: .utf8)
            let epochs = metrics.split(separator: "\n").dropFirst().map { $0.prefix { $0 != "," } }
            #expect(epochs == ["1", "2", "3", "4"], "killed after epoch \(epoch): \(epochs)")
        }
    }
}
