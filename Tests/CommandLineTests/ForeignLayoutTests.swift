import FERCore
import FERTestSupport
import Foundation
import Testing

/// `ferdata crosseval` on foreign datasets as they ship: a folder of JAFFE-named TIFFs and a CK+-shaped
/// tree, every face scored, with per-subject groups.
@Suite struct ForeignLayoutTests {
    let cli = CommandLineTests()

    @Test func crossevalScoresJaffeTIFFsAndACKPlusTreePerSubject() throws {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ path: String, _ bytes: [UInt8]) throws {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        let codes = ["AN", "DI", "FE", "HA", "NE", "SA", "SU"]
        for (n, subject) in ["KA", "KL", "YM"].enumerated() {
            for (c, code) in codes.enumerated() {
                try write("jaffe/\(subject).\(code)\(c % 3 + 1).\(100 + 10 * n + c).tiff",
                          ImageFiles.tiff(Fixtures.face(seed: 10 * n + c), width: 48, height: 48, compression: .packBits))
            }
        }
        for (subject, sequence, label) in [("S005", "001", "3.0000000e+00"), ("S010", "002", "5.0000000e+00"), ("S011", "004", "2.0000000e+00")] {
            for frame in 1...5 {
                try write("ck/cohn-kanade-images/\(subject)/\(sequence)/\(subject)_\(sequence)_0000000\(frame).png",
                          Fixtures.png(Fixtures.face(seed: frame + Int(subject.dropFirst())!)))
            }
            try write("ck/Emotion/\(subject)/\(sequence)/\(subject)_\(sequence)_00000005_emotion.txt", Array("   \(label)\n".utf8))
        }
        let work = ["FERDATA_WORKSPACE": folder.appendingPathComponent("work").path]
        #expect(try cli.ferdata(["ingest", "samples/faces.csv", "-q"], environment: work).status == 0)
        #expect(try cli.ferdata(["train", "--epochs", "1", "-q"], environment: work).status == 0)
        let runs = folder.appendingPathComponent("work/runs")
        let model = runs.appendingPathComponent(try FileManager.default.contentsOfDirectory(atPath: runs.path).sorted().last! + "/last.safetensors")

        let run = try cli.ferdata(["crosseval", model.path, folder.appendingPathComponent("jaffe").path,
                                   folder.appendingPathComponent("ck").path, "--groups", "subject", "--json"], environment: work)
        #expect(run.status == 0, "\(run.stderr)")
        let evaluations = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [[String: Any]]
        #expect(evaluations.count == 2)
        let jaffe = evaluations[0], ck = evaluations[1]
        #expect(jaffe["scored"] as? Int == 21)
        let jaffeGroups = (jaffe["groups"] as? [[String: Any]] ?? []).map { ($0["group"] as! String, $0["count"] as! Int) }
        #expect(jaffeGroups.map(\.0) == ["KA", "KL", "YM"] && jaffeGroups.allSatisfy { $0.1 == 7 })
        // CK+: each labelled sequence's first frame (neutral) and last 3 frames; S011's contempt excluded.
        #expect(ck["scored"] as? Int == 2 * 4 + 1)
        let ckGroups = (ck["groups"] as? [[String: Any]] ?? []).map { ($0["group"] as! String, $0["count"] as! Int) }
        #expect(ckGroups.map(\.0) == ["S005", "S010", "S011"] && ckGroups.map(\.1) == [4, 4, 1])
        #expect((ck["excludedLabels"] as? [String: Int])?["contempt"] == 3)
    }
}
