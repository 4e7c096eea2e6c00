import FERCore
@testable import FERCommands
import FERTestSupport
import Foundation
import Testing

/// Runs the real `ferdata` binary, as a user would, and checks its output and exit codes.
@Suite struct CommandLineTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Reads a pipe to its end on a thread of its own.
    final class PipeReader: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }
        }

        func wait() -> Data {
            done.wait()
            return data
        }
    }

    static var repositoryRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }

    /// The `ferdata` built beside this test bundle.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ferdata")
    }

    func ferdata(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        try Self.run(Self.executable, arguments, environment: environment)
    }

    /// A Python script of the repository run with `python3` (or `$FERDATA_PYTHON`), from the repository root.
    func python(_ arguments: [String]) throws -> Run {
        try Self.run(URL(fileURLWithPath: "/usr/bin/env"), [ProcessInfo.processInfo.environment["FERDATA_PYTHON"] ?? "python3"] + arguments)
    }

    /// Runs a program from the repository root to its end, with both of its outputs.
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Both pipes drained at once: a process that fills one while the other is read would block.
        let stderrReader = PipeReader(err.fileHandleForReading)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = stderrReader.wait()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test func helpListsEveryCommandWithAnExample() throws {
        let help = try ferdata(["--help"])
        #expect(help.status == 0)
        let commands = FerdataCommand.configuration.subcommands.compactMap { $0.configuration.commandName }
        for command in commands {
            #expect(help.stdout.contains(command))
            let commandHelp = try ferdata([command, "--help"])
            #expect(commandHelp.status == 0)
            #expect(commandHelp.stdout.contains("Example"))
        }
    }

    @Test func ingestingTheSamplesAccountsForEveryRecord() throws {
        let workspace = Fixtures.temporaryDirectory()
        let run = try ferdata(["ingest", "samples/faces.csv", "samples/foreign.zip", "--json"],
                              environment: ["FERDATA_WORKSPACE": workspace.path])
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        let sources = summary["sources"] as! [[String: Any]]
        #expect(sources[0]["ingested"] as? Int == 280)
        #expect(sources[1]["ingested"] as? Int == 84)
        #expect((sources[1]["unknownLabels"] as? [String: Int]) == ["contempt": 12])
        #expect(summary["records"] as? Int == 364)
        #expect(FileManager.default.fileExists(
            atPath: workspace.appendingPathComponent("datasets/0001-ingest/rejects.csv").path))
    }

    /// Split groups copies as dedup did, reading dedup's settings from the lineage: a dataset of the
    /// lineage that is gone is an error naming it, not a silent fall back to other settings.
    @Test func splitRefusesALineageWithADatasetGone() throws {
        let workspace = Fixtures.temporaryDirectory()
        let environment = ["FERDATA_WORKSPACE": workspace.path]
        for arguments in [["ingest", "samples/faces.csv", "-q"], ["dedup", "--threshold", "1", "-q"], ["augment", "--copies", "0", "-q"]] {
            #expect(try ferdata(arguments, environment: environment).status == 0, "\(arguments)")
        }
        try FileManager.default.removeItem(at: workspace.appendingPathComponent("datasets/0002-dedup"))
        let split = try ferdata(["split", "--from", "0003-augment", "-q"], environment: environment)
        #expect(split.status == 1 && split.stderr.contains("[dataset-missing]") && split.stderr.contains("0002-dedup cannot be read"),
                "\(split.stderr)")
    }

    @Test func theCurationChainRunsOnTheSamples() throws {
        let environment = ["FERDATA_WORKSPACE": Fixtures.temporaryDirectory().path]
        let sheet = Fixtures.temporaryDirectory().appendingPathComponent("sheet.png").path
        for arguments in [["ingest", "samples/faces.csv", "-q"], ["dedup", "-q"], ["split", "--val", "0.2", "-q"],
                          ["balance", "--target", "40", "-q"], ["augment", "--copies", "1", "-q"],
                          ["show", "--per-class", "4", "--out", sheet]] {
            let run = try ferdata(arguments, environment: environment)
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
        }
        let stats = try ferdata(["stats", "0004-balance", "--json"], environment: environment)
        let counts = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as! [String: [String: Int]]
        #expect(counts["train"]?.values.allSatisfy { $0 == 40 } == true)
        #expect(counts["train"]?.count == 7)
        #expect(FileManager.default.fileExists(atPath: sheet))
        let bad = try ferdata(["balance", "--target", "lots"], environment: environment)
        #expect(bad.status == 64 && bad.stderr.contains("--target"), "a bad value is a usage error: \(bad.stderr)")
    }

    @Test func aMissingSourceIsOneLineAndExitStatusOne() throws {
        let run = try ferdata(["ingest", "no-such.csv", "--workspace", Fixtures.temporaryDirectory().path])
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("ferdata: error: [source-missing] no-such.csv: no such file or folder"))
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    /// Train a few epochs on the synthetic samples, then eval, crosseval on the foreign sample set
    /// (other label names, colour, contempt) and annotate: each writes its report.
    @Test func trainEvalCrossevalAndAnnotateRunOnTheSamples() throws {
        let workspace = Fixtures.temporaryDirectory()
        let environment = ["FERDATA_WORKSPACE": workspace.path]
        for arguments in [["ingest", "samples/faces.csv", "-q"], ["split", "--val", "0.15", "-q"],
                          ["train", "--epochs", "2", "-q"]] {
            let run = try ferdata(arguments, environment: environment)
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
        }
        let model = workspace.appendingPathComponent("runs/0001-train/best.safetensors").path
        #expect(FileManager.default.fileExists(atPath: workspace.appendingPathComponent("runs/0001-train/report/report.html").path))
        let eval = try ferdata(["eval", model, "--json"], environment: environment)
        #expect(eval.status == 0, "\(eval.stderr)")
        let cross = try ferdata(["crosseval", model, "samples/foreign.zip", "--baseline", "0002-split", "--json"], environment: environment)
        #expect(cross.status == 0, "\(cross.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(cross.stdout.utf8)) as! [[String: Any]]
        #expect(rows.count == 2)
        #expect(rows[1]["scored"] as? Int == 84)
        #expect(rows[1]["excludedLabels"] as? [String: Int] == ["contempt": 12])
        for name in ["eval-0002-split-test", "crosseval-foreign.zip"] {
            #expect(FileManager.default.fileExists(atPath: workspace.appendingPathComponent("reports/\(name)/confusion.png").path))
        }
        let annotate = try ferdata(["annotate", model, "samples/foreign.zip", "--ingest", "--min-confidence", "0", "--json"],
                                   environment: environment)
        #expect(annotate.status == 0, "\(annotate.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(annotate.stdout.utf8)) as! [String: Any]
        #expect(summary["faces"] as? Int == 96 && summary["kept"] as? Int == 96)
        let missing = try ferdata(["annotate"], environment: environment)
        #expect(missing.status == 64 && missing.stderr.contains("MODEL"), "a missing argument is a usage error: \(missing.stderr)")

        // Every score carries its interval; a second model compared with the first on the same faces.
        let scores = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
        let intervals = scores["intervals"] as! [String: Any]
        #expect(intervals["unit"] as? String == "face" && intervals["resamples"] as? Int == 2000)
        #expect(try ferdata(["train", "--epochs", "2", "--seed", "7", "--from", "0002-split", "-q"], environment: environment).status == 0)
        let second = workspace.appendingPathComponent("runs/0002-train/best.safetensors").path
        let compare = try ferdata(["compare", model, second, "0002-split", "--json"], environment: environment)
        #expect(compare.status == 0, "\(compare.stderr)")
        let comparison = try JSONSerialization.jsonObject(with: Data(compare.stdout.utf8)) as! [String: Any]
        let accuracy = comparison["accuracy"] as! [String: Any]
        #expect(abs((accuracy["b"] as! Double) - (accuracy["a"] as! Double) - (accuracy["difference"] as! Double)) < 1e-12)
        let report = workspace.appendingPathComponent("reports/compare-0002-split-test")
        let disagreements = try String(contentsOf: report.appendingPathComponent("disagreements.csv"), encoding: .utf8)
        #expect(disagreements.split(separator: "\n").count - 1 == (comparison["onlyA"] as! Int) + (comparison["onlyB"] as! Int))
        let itself = try ferdata(["compare", model, model, "0002-split", "--json"], environment: environment)
        let same = try JSONSerialization.jsonObject(with: Data(itself.stdout.utf8)) as! [String: Any]
        #expect(same["mcnemarP"] as? Double == 1 && (same["accuracy"] as! [String: Any])["difference"] as? Double == 0)
    }
}

extension CommandLineTests {
    /// Every export format, read back by its standard reader (python/check_exports.py: the ferdata
    /// shard reader and the CSV always; NumPy, Pillow and webdataset where installed; set
    /// FERDATA_PYTHON to a Python that has them).
    @Test func exportsAreReadBackByTheirStandardReaders() throws {
        let folder = Fixtures.temporaryDirectory()
        let environment = ["FERDATA_WORKSPACE": folder.appendingPathComponent("work").path]
        for arguments in [["ingest", "samples/faces.csv", "samples/foreign.zip", "-q"], ["split", "--val", "0.2", "-q"]] {
            #expect(try ferdata(arguments, environment: environment).status == 0)
        }
        for format in ["webdataset", "npz", "csv", "folder"] {
            let run = try ferdata(["export", "--format", format, "--out", folder.appendingPathComponent("exports/\(format)").path,
                                   "--shard-size", "100", "-q"], environment: environment)
            #expect(run.status == 0, "\(format): \(run.stderr)")
        }
        let again = try ferdata(["export", "--format", "csv", "--out", folder.appendingPathComponent("exports/csv").path], environment: environment)
        #expect(again.status == 1 && again.stderr.contains("exists"))
        let python = try python(["python/check_exports.py", folder.appendingPathComponent("work/datasets/0002-split").path,
                                 folder.appendingPathComponent("exports").path])
        let text = python.stdout + python.stderr
        #expect(python.status == 0, "\(text)")
        #expect(text.contains("reader: ok, 364 records") && text.contains("csv: 364 rows checked"), "\(text)")
    }

    /// Two ONNX models of different inputs (gray 48x48, RGB 32x32) on two datasets: one matrix report,
    /// models by datasets, every cell with its intervals and per-class recall, as JSON, Markdown and HTML.
    @Test func crossevalOfSeveralModelsWritesOneMatrix() throws {
        let workspace = Fixtures.temporaryDirectory()
        let onnx = Self.repositoryRoot.appendingPathComponent("Tests/FEREvalTests/Fixtures/onnx")
        let run = try ferdata(["crosseval", onnx.appendingPathComponent("gray48.onnx").path, "samples/foreign.zip", "samples/faces.csv",
                               "--also", onnx.appendingPathComponent("rgb32.onnx").path, "--bootstrap", "200", "--workspace", workspace.path, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let folder = workspace.appendingPathComponent("reports/crosseval-matrix")
        let matrix = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("matrix.json"))) as! [String: Any]
        #expect((matrix["models"] as! [String]).map { URL(fileURLWithPath: $0).lastPathComponent } == ["gray48.onnx", "rgb32.onnx"])
        #expect(matrix["datasets"] as? [String] == ["samples/foreign.zip", "samples/faces.csv"])
        let cells = matrix["cells"] as! [[[String: Any]]]
        #expect(cells.count == 2 && cells.allSatisfy { $0.count == 2 })
        #expect(cells[1][0]["faces"] as? Int == 84 && (cells[1][1]["intervals"] as? [String: Any])?["resamples"] as? Int == 200)
        #expect((cells[0][1]["recall"] as? [String: Double])?.count == 7)
        let markdown = try String(contentsOf: folder.appendingPathComponent("matrix.md"), encoding: .utf8)
        #expect(markdown.contains("| gray48.onnx | 0.") && markdown.contains("## Recall per class"))
        let html = try String(contentsOf: folder.appendingPathComponent("matrix.html"), encoding: .utf8)
        #expect(html.contains("<th>model</th>") && html.contains("<td>rgb32.onnx</td>"))
        for name in ["crosseval-gray48-foreign.zip", "crosseval-rgb32-faces.csv"] {
            #expect(FileManager.default.fileExists(atPath: workspace.appendingPathComponent("reports/\(name)/report.html").path), "\(name)")
        }
    }

    @Test func verifyExitsWithOneOnADamagedDataset() throws {
        let folder = Fixtures.temporaryDirectory()
        let environment = ["FERDATA_WORKSPACE": folder.path]
        // A workspace with nothing to verify is an error, not "0 datasets, 0 damaged".
        let empty = try ferdata(["verify", "--all"], environment: environment)
        #expect(empty.status == 1 && empty.stderr.contains("[dataset-missing]") && empty.stderr.contains("no dataset to verify"), "\(empty.stderr)")
        #expect(try ferdata(["ingest", "samples/faces.csv", "-q"], environment: environment).status == 0)
        let intact = try ferdata(["verify"], environment: environment)
        #expect(intact.status == 0 && intact.stdout.contains("intact"))
        let shard = folder.appendingPathComponent("datasets/0001-ingest/shard-00000.frs")
        var bytes = [UInt8](try Data(contentsOf: shard))
        bytes[64 + 7 * 2504 + 10] ^= 0xFF
        try Data(bytes).write(to: shard)
        let damaged = try ferdata(["verify", "--all"], environment: environment)
        #expect(damaged.status == 1 && damaged.stdout.contains("shard-00000.frs record 7: CRC mismatch"), "\(damaged.stdout)")
    }

    /// Three `ferdata ingest --partition I/3` processes at once (GNU parallel style) on one workspace, then
    /// `ferdata merge`: the same dataset as one process, and it verifies.
    @Test func partsRunSideBySideMergeToTheSingleRun() throws {
        let folder = Fixtures.temporaryDirectory()
        let sources = ["samples/faces.csv", "samples/foreign.zip", "--shard-size", "50", "-q"]
        let single = ["FERDATA_WORKSPACE": folder.appendingPathComponent("single").path]
        #expect(try ferdata(["ingest"] + sources, environment: single).status == 0)
        let split = ["FERDATA_WORKSPACE": folder.appendingPathComponent("split").path]
        let parts = try (1...3).map { index -> Process in
            let process = Process()
            process.executableURL = Self.executable
            process.arguments = ["ingest"] + sources + ["--partition", "\(index)/3"]
            process.currentDirectoryURL = Self.repositoryRoot
            process.environment = ProcessInfo.processInfo.environment.merging(split) { $1 }
            try process.run()
            return process
        }
        for part in parts {
            part.waitUntilExit()
            #expect(part.terminationStatus == 0)
        }
        let merge = try ferdata(["merge"], environment: split)
        #expect(merge.status == 0 && merge.stdout.contains("3 parts of ingest"), "\(merge.stderr)")
        #expect(try ferdata(["verify"], environment: split).status == 0)
        let manifests = try ["single", "split"].map {
            try Data(contentsOf: folder.appendingPathComponent("\($0)/datasets/0001-ingest/manifest.json"))
        }
        #expect(manifests[0] == manifests[1])
        let bad = try ferdata(["ingest", "samples/faces.csv", "--partition", "4/3"], environment: split)
        #expect(bad.status != 0 && bad.stderr.contains("1 <= I <= N"), "\(bad.stderr)")

        // Parts made with different label maps do not merge.
        let labelMap = folder.appendingPathComponent("labels.txt")
        try Fixtures.write("anger,angry\n", to: labelMap)
        #expect(try ferdata(["ingest", "samples/faces.csv", "-q", "--partition", "1/2", "--label-map", labelMap.path],
                            environment: split).status == 0)
        #expect(try ferdata(["ingest", "samples/faces.csv", "-q", "--partition", "2/2"], environment: split).status == 0)
        let mixed = try ferdata(["merge", "ingest"], environment: split)
        #expect(mixed.status == 1 && mixed.stderr.contains("part 2/2 differs from part 1/2 in its parameters"), "\(mixed.stderr)")
    }

    /// Pseudo-labelling as the three tasks of a Slurm array job (the part read from SLURM_ARRAY_TASK_*,
    /// as sbatch sets them), then `ferdata merge annotate`: the faces, their order and labels.csv's lines
    /// are one run's. Probabilities agree to float rounding: BLAS sums a face's products in an order that
    /// depends on its place in its batch, and a part's batches hold other faces.
    @Test func annotatePartsOfASlurmArrayMergeToTheSingleRun() throws {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("model.safetensors").path
        let work = ["FERDATA_WORKSPACE": folder.appendingPathComponent("work").path]
        #expect(try ferdata(["ingest", "samples/faces.csv", "-q"], environment: work).status == 0)
        #expect(try ferdata(["train", "--epochs", "1", "-q"], environment: work).status == 0)
        let runs = folder.appendingPathComponent("work/runs")
        let run = try FileManager.default.contentsOfDirectory(atPath: runs.path).sorted().last!
        try FileManager.default.copyItem(atPath: runs.appendingPathComponent("\(run)/last.safetensors").path, toPath: model)

        let label = ["annotate", model, "samples/foreign.zip", "--ingest", "-q"]
        let single = ["FERDATA_WORKSPACE": folder.appendingPathComponent("single").path]
        #expect(try ferdata(label, environment: single).status == 0)
        let parts = ["FERDATA_WORKSPACE": folder.appendingPathComponent("parts").path]
        for task in 1...3 {
            let slurm = ["SLURM_ARRAY_TASK_ID": "\(task)", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "3",
                         "SLURM_ARRAY_TASK_COUNT": "3"]
            let part = try ferdata(Array(label.dropLast()), environment: parts.merging(slurm) { $1 })
            #expect(part.status == 0 && part.stdout.contains("part \(task)/3 of annotate done"), "\(part.stderr)")
        }
        let merge = try ferdata(["merge", "annotate"], environment: parts)
        #expect(merge.status == 0 && merge.stdout.contains("3 parts of annotate"), "\(merge.stderr)")
        #expect(try ferdata(["verify"], environment: parts).status == 0)

        func labels(_ workspace: String) throws -> [[String]] {
            let text = try String(contentsOf: folder.appendingPathComponent("\(workspace)/datasets/0001-annotate/labels.csv"), encoding: .utf8)
            return text.split(separator: "\n").map { CSVField.split(String($0)) }
        }
        let (one, merged) = (try labels("single"), try labels("parts"))
        #expect(one.count == 97 && merged.count == one.count && merged[0] == one[0])
        for (a, b) in zip(one.dropFirst(), merged.dropFirst()) {
            #expect(a[0...1] == b[0...1])
            let gap = zip(a[4...], b[4...]).map { abs(Double($0)! - Double($1)!) }.max()!
            #expect(gap <= 2e-4, "\(a) against \(b)")
        }
        let manifests = try ["single", "parts"].map {
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("\($0)/datasets/0001-annotate/manifest.json"))) as! [String: Any]
        }
        #expect(manifests[0]["recordCount"] as? Int == 96 && manifests[1]["recordCount"] as? Int == 96)
        let bad = try ferdata(["annotate", model, "samples/foreign.zip", "--partition", "1/2"], environment: parts)
        #expect(bad.status != 0 && bad.stderr.contains("needs a SOURCE and ingest"), "\(bad.stderr)")
    }
}
