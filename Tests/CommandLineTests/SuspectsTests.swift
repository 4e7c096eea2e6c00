import FERCore
import FERTestSupport
import Foundation
import Testing

/// `ferdata suspects` end to end through the binary: planted label flips found, an interrupted run
/// resumed to the same result, out-of-fold probabilities from a file (CSV and .npy), the FER+ crowd
/// comparison, and `--apply`.
@Suite(.serialized) struct SuspectsTests {
    let cli = CommandLineTests()
    static let classes = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]

    func run(_ arguments: [String], workspace: URL) throws -> CommandLineTests.Run {
        try cli.ferdata(arguments + ["--workspace", workspace.path])
    }

    static func rows(_ csv: URL) throws -> [[String: String]] {
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = CSVField.split(lines[0])
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, CSVField.split($0))) }
    }

    /// 10% of the train labels of 1,050 synthetic faces flipped (seeded) to another class: the
    /// out-of-fold suspects hold most of them, and most suspects are flips.
    @Test func findsMostPlantedFlipsOfSyntheticFaces() throws {
        let seed: UInt64 = 2026
        let folder = Fixtures.temporaryDirectory()
        #expect(try cli.ferdata(["synth", folder.path, "--per-class", "150", "--foreign-per-class", "1", "--seed", "11", "-q"]).status == 0)
        var lines = try String(contentsOf: folder.appendingPathComponent("faces.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        var random = SeededGenerator(seed: seed)
        let train = lines.indices.filter { lines[$0].hasSuffix(",Training") }
        var flipped = Set<Int>()
        for line in train.shuffled(using: &random).prefix(train.count / 10) {
            let emotion = Int(lines[line].prefix { $0 != "," })!
            let other = (emotion + 1 + Int(random.next() % 6)) % 7
            lines[line] = String(other) + lines[line].drop { $0 != "," }
            flipped.insert(line + 1)  // the CSV line number ingest records as the locator
        }
        let noisy = folder.appendingPathComponent("noisy.csv")
        try Fixtures.write(lines.joined(separator: "\n") + "\n", to: noisy)
        let workspace = folder.appendingPathComponent("work")
        #expect(try run(["ingest", noisy.path, "-q"], workspace: workspace).status == 0)
        let suspects = try run(["suspects", "--folds", "3", "--copies", "exact", "--epochs", "25", "--batch-size", "32", "--lr", "3e-3",
                                "--dropout", "0.1", "--augment", "none", "--hidden", "64", "--seed", "2", "--out", folder.appendingPathComponent("report").path],
                               workspace: workspace)
        #expect(suspects.status == 0, "\(suspects.stderr)")
        let found = Set(try Self.rows(folder.appendingPathComponent("report/suspects.csv")).map { Int($0["locator"]!)! })
        let hits = found.intersection(flipped).count
        let (recall, precision) = (Double(hits) / Double(flipped.count), Double(hits) / Double(max(1, found.count)))
        print("planted flips: \(hits) of \(flipped.count) among \(found.count) suspects (recall \(recall), precision \(precision))")
        #expect(recall > 0.7 && precision > 0.5,
                "seed \(seed): \(hits) of \(flipped.count) flips among \(found.count) suspects (recall \(recall), precision \(precision))")
    }

    static let quick = ["suspects", "--folds", "3", "--copies", "exact", "--epochs", "2", "--hidden", "16", "--batch-size", "32", "--seed", "1"]

    /// Killed after the checkpoint of fold 1's last epoch (before its probabilities were written) and
    /// in the middle of fold 2: each rerun keeps what was finished, resumes the rest, and ends with
    /// the uninterrupted run's probabilities and suspects, byte for byte.
    @Test func anInterruptedRunResumesToTheSameSuspects() throws {
        let folder = Fixtures.temporaryDirectory()
        let reference = folder.appendingPathComponent("reference")
        #expect(try run(["ingest", "samples/faces.csv", "-q"], workspace: reference).status == 0)
        #expect(try run(Self.quick + ["-q"], workspace: reference).status == 0)
        let report = reference.appendingPathComponent("reports/suspects-0001-ingest")
        let expected = try ["probabilities.csv", "suspects.csv"].map { try Data(contentsOf: report.appendingPathComponent($0)) }

        for checkpoint in [2, 3] {
            let workspace = folder.appendingPathComponent("killed-at-\(checkpoint)")
            #expect(try run(["ingest", "samples/faces.csv", "-q"], workspace: workspace).status == 0)
            #expect(try KillAndRerunTests().killed(Self.quick, at: "checkpoint", count: checkpoint, workspace: workspace))
            let rerun = try run(Self.quick, workspace: workspace)
            #expect(rerun.status == 0, "\(rerun.stderr)")
            if checkpoint == 3 { #expect(rerun.stdout.contains("fold 1: 156 faces predicted, 2 epochs") || rerun.stdout.contains("kept from an earlier run")) }
            let folder = workspace.appendingPathComponent("reports/suspects-0001-ingest")
            let files = try ["probabilities.csv", "suspects.csv"].map { try Data(contentsOf: folder.appendingPathComponent($0)) }
            #expect(files == expected, "killed at checkpoint \(checkpoint)")
        }
    }

    /// The sample faces with hand-made probabilities: every tenth train face is predicted as the
    /// next class with 0.9, the rest as their own. The FER+ votes agree with the prediction for half
    /// of those faces and with the given label for the rest.
    func handMadeCase(_ folder: URL) throws -> (workspace: URL, probabilities: URL, votes: URL, planted: Set<Int>, agreeing: Set<Int>) {
        let workspace = folder.appendingPathComponent("work")
        #expect(try run(["ingest", "samples/faces.csv", "-q"], workspace: workspace).status == 0)
        let lines = try String(contentsOf: CommandLineTests.repositoryRoot.appendingPathComponent("samples/faces.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map(String.init)
        var probabilities = "record_id," + Self.classes.joined(separator: ",") + "\n"
        var votes = "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\n"
        let voteColumn = [4, 5, 6, 1, 3, 2, 0]  // FER2013 class -> FER+ column
        var planted = Set<Int>(), agreeing = Set<Int>()
        for (index, line) in lines.enumerated() {
            let locator = index + 2
            let label = Int(line.prefix { $0 != "," })!
            let training = line.hasSuffix(",Training")
            let predicted = training && index % 10 == 0 ? (label + 1) % 7 : label
            if predicted != label { planted.insert(locator) }
            var row = [Double](repeating: 0.1 / 6, count: 7)
            row[predicted] = 0.9
            let id = (UInt64(1) << 40) | UInt64(locator)
            probabilities += "\(id)," + row.map { "\($0)" }.joined(separator: ",") + "\n"
            var counts = [Int](repeating: 0, count: 10)
            let crowd = predicted != label && planted.count % 2 == 0 ? predicted : label
            if predicted != label && crowd == predicted { agreeing.insert(locator) }
            counts[voteColumn[crowd]] = 10
            votes += "\(training ? "Training" : "PublicTest"),fer\(index).png," + counts.map(String.init).joined(separator: ",") + "\n"
        }
        let probabilitiesURL = folder.appendingPathComponent("oof.csv")
        let votesURL = folder.appendingPathComponent("votes.csv")
        try Fixtures.write(probabilities, to: probabilitiesURL)
        try Fixtures.write(votes, to: votesURL)
        return (workspace, probabilitiesURL, votesURL, planted, agreeing)
    }

    @Test func probabilitiesFromAFileFindThePlantedIssuesAndTheCrowdIsCompared() throws {
        let folder = Fixtures.temporaryDirectory()
        let (workspace, probabilities, votes, planted, agreeing) = try handMadeCase(folder)
        let out = folder.appendingPathComponent("report")
        let result = try run(["suspects", "--probabilities", probabilities.path, "--filter", "confident-learning", "--ferplus", votes.path,
                              "--out", out.path], workspace: workspace)
        #expect(result.status == 0, "\(result.stderr)")
        let suspects = try Self.rows(out.appendingPathComponent("suspects.csv"))
        #expect(Set(suspects.map { Int($0["locator"]!)! }) == planted)
        #expect(suspects.allSatisfy { Self.classes.firstIndex(of: $0["likely"]!)! == (Self.classes.firstIndex(of: $0["given"]!)! + 1) % 7 })
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("suspects.json"))) as! [String: Any]
        let crowd = report["crowd"] as! [String: Any]
        #expect(crowd["suspectsWithMajority"] as? Int == planted.count)
        #expect(crowd["majorityIsLikely"] as? Int == agreeing.count)
        #expect(crowd["majorityIsGiven"] as? Int == planted.count - agreeing.count)
        #expect(report["faces"] as? Int == 224)
        #expect((report["notExamined"] as? [String: Int])?["test split"] == 56)
        for file in ["noise-matrix.png", "suspects.png", "probabilities.csv"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }

        // The same probabilities as a float64 .npy, rows in probabilities.csv's order: the same suspects.
        let written = try Self.rows(out.appendingPathComponent("probabilities.csv"))
        var data: [UInt8] = []
        for row in written {
            for name in Self.classes { withUnsafeBytes(of: Double(row["p_" + name]!)!.bitPattern.littleEndian) { data += $0 } }
        }
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(written.count), 7), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        let npy = folder.appendingPathComponent("oof.npy")
        try Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8) + data).write(to: npy)
        let fromNumPy = folder.appendingPathComponent("report-npy")
        #expect(try run(["suspects", "--probabilities", npy.path, "--filter", "confident-learning", "--ferplus", votes.path,
                         "--out", fromNumPy.path, "-q"], workspace: workspace).status == 0)
        #expect(try Data(contentsOf: fromNumPy.appendingPathComponent("suspects.csv")) == Data(contentsOf: out.appendingPathComponent("suspects.csv")))
    }

    @Test func aProbabilitiesFileMissingARecordIsAClearError() throws {
        let folder = Fixtures.temporaryDirectory()
        let (workspace, probabilities, _, _, _) = try handMadeCase(folder)
        var lines = try String(contentsOf: probabilities, encoding: .utf8).split(separator: "\n")
        lines.remove(at: 5)
        try Fixtures.write(lines.joined(separator: "\n") + "\n", to: probabilities)
        let result = try run(["suspects", "--probabilities", probabilities.path], workspace: workspace)
        #expect(result.status == 1)
        #expect(result.stderr.contains("[bad-data-row]") && result.stderr.contains("no row for record"), "\(result.stderr)")
        #expect(try run(["suspects", "--folds", "1"], workspace: workspace).status == 64)
    }

    /// Rows that are no distribution (all zeros, logits squashed into 0-1, a class set of another
    /// size) are a clear error naming the row, not "0 label issues"; nothing is written.
    @Test func probabilityRowsThatDoNotSumToOneAreRefused() throws {
        let folder = Fixtures.temporaryDirectory()
        let (workspace, probabilities, _, _, _) = try handMadeCase(folder)
        let lines = try String(contentsOf: probabilities, encoding: .utf8).split(separator: "\n").map(String.init)
        let id = lines[3].prefix { $0 != "," }
        for row in ["0,0,0,0,0,0,0", "0.9,0.9,0.9,0.9,0.9,0.9,0.9", "0.5,0.5,0.5,0,0,0,0"] {
            var changed = lines
            changed[3] = "\(id),\(row)"
            try Fixtures.write(changed.joined(separator: "\n") + "\n", to: probabilities)
            let result = try run(["suspects", "--probabilities", probabilities.path], workspace: workspace)
            #expect(result.status == 1 && result.stderr.contains("[bad-data-row]") && result.stderr.contains(":4")
                    && result.stderr.contains("not 1"), "\(row): \(result.stderr)")
            let reports = (try? FileManager.default.contentsOfDirectory(atPath: workspace.appendingPathComponent("reports").path)) ?? []
            #expect(reports.isEmpty, "\(row): \(reports)")
        }
    }

    /// --apply relabel changes exactly the issues (train and val; the test split is not examined)
    /// and lists them; --apply drop leaves them out.
    @Test func applyRelabelsOrDropsTheIssuesOnly() throws {
        let folder = Fixtures.temporaryDirectory()
        let (workspace, probabilities, _, planted, _) = try handMadeCase(folder)
        let base = ["suspects", "--probabilities", probabilities.path, "--filter", "confident-learning", "--json"]
        let relabel = try run(base + ["--apply", "relabel"], workspace: workspace)
        #expect(relabel.status == 0, "\(relabel.stderr)")
        let relabelled = folder.appendingPathComponent("relabelled")
        #expect(try run(["export", "0002-suspects", "--format", "csv", "--out", relabelled.path, "-q"], workspace: workspace).status == 0,
                "export")
        let original = try String(contentsOf: CommandLineTests.repositoryRoot.appendingPathComponent("samples/faces.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { Int($0.prefix { $0 != "," })! }
        let exported = try String(contentsOf: relabelled.appendingPathComponent("fer2013.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { Int($0.prefix { $0 != "," })! }
        #expect(exported.count == original.count)
        for (index, label) in exported.enumerated() {
            #expect(label == (planted.contains(index + 2) ? (original[index] + 1) % 7 : original[index]), "CSV line \(index + 2)")
        }
        let applied = try Self.rows(workspace.appendingPathComponent("datasets/0002-suspects/suspects-applied.csv"))
        #expect(Set(applied.map { Int($0["locator"]!)! }) == planted)
        #expect(applied.allSatisfy { $0["action"] == "relabel" && $0["label"] != $0["given"] })

        let drop = try run(base + ["--apply", "drop", "0001-ingest"], workspace: workspace)
        #expect(drop.status == 0, "\(drop.stderr)")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: workspace.appendingPathComponent("datasets/0003-suspects/manifest.json"))) as! [String: Any]
        #expect(manifest["recordCount"] as? Int == 280 - planted.count)
    }
}

extension SuspectsTests {
    /// In a pipeline, suspects decodes the train keys beside its own, hands its applied dataset to
    /// the stage after it, and is up to date on a second run.
    @Test func aPipelineRunsSuspectsAndTrainsOnItsAppliedDataset() throws {
        let folder = Fixtures.temporaryDirectory()
        let file = folder.appendingPathComponent("noise.yaml")
        try Fixtures.write("""
            seed: 4
            stages:
              - ingest: {sources: [samples/faces.csv]}
              - suspects: {folds: 2, copies: exact, epochs: 1, hidden: 8, batch-size: 32, filter: both, apply: drop}
              - train: {epochs: 1, hidden: 8}
            """, to: file)
        let workspace = folder.appendingPathComponent("work")
        let first = try cli.ferdata(["run", file.path, "--workspace", workspace.path, "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try PipelineTests.statuses(first.stdout) == ["ran", "ran", "ran"])
        let run = try JSONSerialization.jsonObject(with: Data(contentsOf: workspace.appendingPathComponent("runs/0001-train/run.json"))) as! [String: Any]
        #expect(run["dataset"] as? String == "0002-suspects")
        let second = try cli.ferdata(["run", file.path, "--workspace", workspace.path, "--json"])
        #expect(try PipelineTests.statuses(second.stdout) == ["up to date", "up to date", "up to date"])
    }
}
