import FERTestSupport
import Foundation
import Testing

/// SIGKILL at random points during ingest, a curation stage and training, several times each; after
/// each kill a rerun must finish, every dataset in the workspace must verify, and the result must
/// equal an uninterrupted run's (same manifest bytes; training resumes from its checkpoint and ends
/// with the same weights).
@Suite(.serialized) struct KillAndRerunTests {
    let cli = CommandLineTests()

    /// A FER2013-style CSV large enough that ingest takes a noticeable time (about 6,000 rows).
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

    /// Starts `ferdata arguments` and kills it with SIGKILL after `delay` seconds (if still running).
    /// Returns whether the kill landed.
    @discardableResult
    func killed(_ arguments: [String], after delay: Double, workspace: URL) throws -> Bool {
        let process = Process()
        process.executableURL = CommandLineTests.executable
        process.arguments = arguments + ["--workspace", workspace.path, "-q"]
        process.currentDirectoryURL = CommandLineTests.repositoryRoot
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: delay)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal
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
        let reference = folder.appendingPathComponent("reference")
        var started = Date()
        #expect(try run(["ingest", csv, "-q"], workspace: reference).status == 0)
        let ingestSeconds = Date().timeIntervalSince(started)
        started = Date()
        #expect(try run(["dedup", "-q"], workspace: reference).status == 0)
        let dedupSeconds = Date().timeIntervalSince(started)
        let ingestManifest = try latestManifest(reference, stage: "ingest")
        let dedupManifest = try latestManifest(reference, stage: "dedup")

        var random = SystemRandomNumberGenerator()
        var kills = 0
        for attempt in 0..<4 {
            let workspace = folder.appendingPathComponent("attempt-\(attempt)")
            // At a random point of the uninterrupted run's duration (or a little past it).
            if try killed(["ingest", csv], after: ingestSeconds * Double.random(in: 0.1...1.1, using: &random), workspace: workspace) { kills += 1 }
            #expect(try run(["ingest", csv, "-q"], workspace: workspace).status == 0)
            if try killed(["dedup"], after: dedupSeconds * Double.random(in: 0.1...1.1, using: &random), workspace: workspace) { kills += 1 }
            #expect(try run(["dedup", "--from", "ingest", "-q"], workspace: workspace).status == 0)
            let verify = try run(["verify", "--all"], workspace: workspace)
            #expect(verify.status == 0, "attempt \(attempt): \(verify.stdout)")
            #expect(try latestManifest(workspace, stage: "ingest") == ingestManifest, "attempt \(attempt)")
            #expect(try latestManifest(workspace, stage: "dedup") == dedupManifest, "attempt \(attempt)")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: workspace.appendingPathComponent("datasets").path)
                .filter { $0.contains("partial") }
            #expect(leftovers.isEmpty, "attempt \(attempt): \(leftovers)")
        }
        #expect(kills >= 2)
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
        let started = Date()
        #expect(try run(train + ["-q"], workspace: reference).status == 0)
        let seconds = Date().timeIntervalSince(started)
        let expected = try Data(contentsOf: reference.appendingPathComponent("runs/0001-train/last.safetensors"))

        var random = SystemRandomNumberGenerator()
        var resumed = 0
        for attempt in 0..<3 {
            let workspace = folder.appendingPathComponent("attempt-\(attempt)")
            try prepare(workspace)
            // Between the first epoch's checkpoint (about a quarter in) and the end, mostly.
            try killed(train, after: seconds * Double.random(in: 0.15...0.95, using: &random), workspace: workspace)
            let runFolder = workspace.appendingPathComponent("runs/0001-train")
            let resumable = FileManager.default.fileExists(atPath: runFolder.appendingPathComponent("checkpoint.safetensors").path)
                && !FileManager.default.fileExists(atPath: runFolder.appendingPathComponent("test.json").path)
            if resumable { resumed += 1 }
            let rerun = resumable ? ["train", "--resume", "0001-train", "-q"] : train + ["-q"]
            #expect(try run(rerun, workspace: workspace).status == 0, "attempt \(attempt)")
            let finished = resumable ? runFolder : workspace.appendingPathComponent("runs/0002-train")
            let weights = try Data(contentsOf: finished.appendingPathComponent("last.safetensors"))
            #expect(weights == expected, "attempt \(attempt) (resumed: \(resumable))")
            let metrics = try String(contentsOf: finished.appendingPathComponent("metrics.csv"), encoding: .utf8)
            let epochs = metrics.split(separator: "\n").dropFirst().map { $0.prefix { $0 != "," } }
            #expect(epochs == ["1", "2", "3", "4"], "attempt \(attempt): \(epochs)")
        }
        #expect(resumed >= 1, "no kill landed between the first checkpoint and the end")
    }
}
