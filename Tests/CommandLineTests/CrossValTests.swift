import FERCore
import FERTestSupport
import Foundation
import Testing

/// `ferdata crossval` on a JAFFE-named folder of four people: leave-one-subject-out from a model given
/// with --init, every face scored exactly once, each person a fold of their own; fewer folds deal whole
/// people; a rerun keeps the finished folds; data without people and too many folds are clear errors.
@Suite struct CrossValTests {
    let cli = CommandLineTests()

    @Test func leaveOneSubjectOutScoresEveryFaceOnceAndNoPersonOnBothSides() throws {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let people = ["KA", "KL", "KM", "YM"]
        let codes = ["AN", "DI", "FE", "HA", "NE", "SA", "SU"]
        for (n, person) in people.enumerated() {
            for (c, code) in codes.enumerated() {
                for take in 1...2 {
                    let url = folder.appendingPathComponent("jaffe/\(person).\(code)\(take).\(100 + 20 * n + 2 * c + take).tiff")
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(ImageFiles.tiff(Fixtures.face(seed: 100 * n + 10 * c + take), width: 48, height: 48, compression: .packBits)).write(to: url)
                }
            }
        }
        let work = ["FERDATA_WORKSPACE": folder.appendingPathComponent("work").path]
        #expect(try cli.ferdata(["ingest", "samples/faces.csv", "-q"], environment: work).status == 0)
        #expect(try cli.ferdata(["train", "--epochs", "1", "-q"], environment: work).status == 0)
        let base = folder.appendingPathComponent("work/runs/0001-train/last.safetensors").path
        #expect(try cli.ferdata(["ingest", folder.appendingPathComponent("jaffe").path, "-q"], environment: work).status == 0)

        func crossval(_ arguments: [String]) throws -> [String: Any] {
            let run = try cli.ferdata(["crossval", "0002-ingest", "--epochs", "1", "--batch-size", "16", "--bootstrap", "200", "--json"] + arguments,
                                      environment: work)
            #expect(run.status == 0, "\(run.stderr)")
            return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        }
        let loso = try crossval(["--init", base, "--lr-pretrained", "1e-4", "--report", folder.appendingPathComponent("loso").path])
        let folds = loso["folds"] as! [[String: Any]]
        #expect(folds.map { $0["people"] as! [String] } == people.map { [$0] })
        #expect(folds.allSatisfy { $0["faces"] as? Int == 14 && $0["reused"] as? Bool == false })
        let evaluation = loso["evaluation"] as! [String: Any]
        #expect(evaluation["scored"] as? Int == 56 && (evaluation["intervals"] as? [String: Any])?["unit"] as? String == "subject")
        let predictions = try String(contentsOf: folder.appendingPathComponent("loso/report/predictions.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst()
        let scoredPeople = predictions.map { $0.split(separator: ",")[0].split(separator: "/").last!.prefix(2) }
        #expect(predictions.count == 56 && Set(predictions.map { $0.split(separator: ",")[2] }).count == 56, "each face scored once")
        #expect(Dictionary(grouping: scoredPeople, by: { $0 }).mapValues(\.count) == Dictionary(uniqueKeysWithValues: people.map { (Substring($0), 14) }))
        for file in ["crossval.json", "folds.csv", "report/metrics.json", "report/confusion.png"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("loso/" + file).path), "\(file)")
        }
        // The fold runs started from the model given: each run.json says so.
        let runs = folder.appendingPathComponent("loso/folds/work/runs")
        for run in try FileManager.default.contentsOfDirectory(atPath: runs.path) {
            let runFile = try JSONSerialization.jsonObject(with: Data(contentsOf: runs.appendingPathComponent(run + "/run.json"))) as! [String: Any]
            #expect((runFile["initialisation"] as? [String: Any])?["model"] as? String == base)
        }
        // A rerun keeps every finished fold and gives the same scores.
        let again = try crossval(["--init", base, "--lr-pretrained", "1e-4", "--report", folder.appendingPathComponent("loso").path])
        #expect((again["folds"] as! [[String: Any]]).allSatisfy { $0["reused"] as? Bool == true })
        #expect(((again["evaluation"] as! [String: Any])["metrics"] as! NSDictionary) == (evaluation["metrics"] as! NSDictionary))

        // Two folds deal whole people, two each.
        let two = try crossval(["--folds", "2", "--report", folder.appendingPathComponent("two").path])
        let pairs = (two["folds"] as! [[String: Any]]).map { $0["people"] as! [String] }
        #expect(pairs.count == 2 && pairs.allSatisfy { $0.count == 2 } && Set(pairs.flatMap { $0 }) == Set(people), "\(pairs)")

        // A pipeline stage too: ingest, then crossval; a second run finds it up to date.
        let pipeline = folder.appendingPathComponent("loso.yaml")
        try Data("""
            workspace: \(folder.appendingPathComponent("pipeline").path)
            stages:
              - ingest:
                  sources: ["\(folder.appendingPathComponent("jaffe").path)"]
              - crossval: {folds: 2, epochs: 1, bootstrap: 0}
            """.utf8).write(to: pipeline)
        let first = try cli.ferdata(["run", pipeline.path, "-q"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("pipeline/reports/crossval-0001-ingest/crossval.json").path))
        let second = try cli.ferdata(["run", pipeline.path])
        #expect(second.status == 0 && second.stdout.contains("crossval") && !second.stdout.contains("crossval     ran"), "\(second.stdout)")

        // Folds by face on data that names no person; folds by subject there, and more folds than people, are refused.
        let byFace = try cli.ferdata(["crossval", "0001-ingest", "--by", "face", "--folds", "3", "--epochs", "1", "--bootstrap", "0", "--json"],
                                     environment: work)
        #expect(byFace.status == 0, "\(byFace.stderr)")
        let noPeople = try cli.ferdata(["crossval", "0001-ingest", "--epochs", "1"], environment: work)
        #expect(noPeople.status == 1 && noPeople.stderr.contains("[dataset-unfit]") && noPeople.stderr.contains("name no person"))
        let tooMany = try cli.ferdata(["crossval", "0002-ingest", "--folds", "9", "--epochs", "1"], environment: work)
        #expect(tooMany.status == 1 && tooMany.stderr.contains("[invalid-argument]") && tooMany.stderr.contains("number of people (4)"))
    }
}
