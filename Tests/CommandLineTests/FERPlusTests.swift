import FERCore
import FERTestSupport
import Foundation
import Testing

/// `ferdata ferplus`: the FER+ crowd votes as labels, a dataset stage of its own, on the command line
/// and in a pipeline after ingest.
@Suite struct FERPlusTests {
    let cli = CommandLineTests()

    /// Six faces of a fer2013.csv-like file (all labelled angry), and FER+ votes for them: three with a
    /// clear majority (happiness, neutral, fear), one not a face, one contempt, one tie.
    static func files(in folder: URL) throws -> (csv: URL, votes: URL) {
        let csv = folder.appendingPathComponent("fer2013.csv")
        let rows = (0..<6).map { Fixtures.csvRow(emotion: "0", pixels: Fixtures.face(seed: $0 + 1), usage: $0 < 4 ? "Training" : "PublicTest") }
        try Fixtures.write((["emotion,pixels,Usage"] + rows).joined(separator: "\n") + "\n", to: csv)
        let votes = folder.appendingPathComponent("fer2013new.csv")
        let counts = [
            "0,10,0,0,0,0,0,0,0,0", "10,0,0,0,0,0,0,0,0,0", "0,0,0,0,0,0,9,1,0,0",
            "0,0,0,0,0,0,0,0,0,10", "0,0,0,0,0,0,0,10,0,0", "5,5,0,0,0,0,0,0,0,0",
        ]
        let usages = ["Training", "Training", "Training", "Training", "PublicTest", "PublicTest"]
        let lines = ["Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF"]
            + counts.indices.map { "\(usages[$0]),fer\(String(format: "%07d", $0)).png,\(counts[$0])" }
        try Fixtures.write(lines.joined(separator: "\n") + "\n", to: votes)
        return (csv, votes)
    }

    @Test func theVotesRelabelAnIngestedCSVOnTheCommandLineAndInAPipelineAlike() throws {
        let folder = Fixtures.temporaryDirectory()
        let (csv, votes) = try Self.files(in: folder)
        let work = folder.appendingPathComponent("cli").path
        #expect(try cli.ferdata(["ingest", csv.path, "--workspace", work, "-q"]).status == 0)
        let run = try cli.ferdata(["ferplus", votes.path, "--workspace", work, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let output = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        #expect(output["recordCount"] as? Int == 3)
        #expect((output["report"] as? [String: Any])?["dropped"] as? [String: Int] == ["not-a-face": 1, "contempt": 1, "tie": 1])
        let counts = output["counts"] as? [String: [String: Int]]
        #expect(counts?["train"] == ["happy": 1, "neutral": 1, "fear": 1], "\(String(describing: counts))")

        let pipeline = folder.appendingPathComponent("p.yaml")
        try Fixtures.write("""
            stages:
              - ingest: {sources: ["\(csv.path)"]}
              - ferplus: {file: "\(votes.path)", votes: distribution}

            """, to: pipeline)
        let piped = folder.appendingPathComponent("pipe")
        let result = try cli.ferdata(["run", pipeline.path, "--workspace", piped.path, "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        let a = try Data(contentsOf: URL(fileURLWithPath: work + "/datasets/0002-ferplus/ferplus-dropped.csv"))
        let b = try Data(contentsOf: piped.appendingPathComponent("datasets/0002-ferplus/ferplus-dropped.csv"))
        #expect(a == b && String(decoding: a, as: UTF8.self).contains(",tie\n"))
        #expect(FileManager.default.fileExists(atPath: piped.appendingPathComponent("datasets/0002-ferplus/ferplus-votes.csv").path))

        let missing = try cli.ferdata(["ferplus", "--workspace", work])
        #expect(missing.status == 64 && missing.stderr.contains("give the FER+ votes file"), "\(missing.stderr)")
    }
}
