import FERCore
import FERStages
import FERTestSupport
import Foundation
import Testing


/// `ferdata run`: a pipeline runs end to end, a second run skips every stage, a changed parameter
/// reruns that stage and those after it only, and a file with errors is refused line by line.
@Suite struct PipelineTests {
    let cli = CommandLineTests()

    static func pipeline(val: String = "0.15", in folder: URL) throws -> String {
        let text = """
            seed: 3
            variables: {data: samples}
            stages:
              - ingest: {sources: ["${data}/faces.csv"]}
              - dedup
              - split: {val: \(val)}
              - train: {epochs: 1}
              - eval
              - crosseval: {others: ["${data}/foreign.zip"]}
            """
        let url = folder.appendingPathComponent("small.yaml")
        try Fixtures.write(text, to: url)
        return url.path
    }

    static func statuses(_ stdout: String) throws -> [String] {
        let outcomes = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as! [[String: Any]]
        return outcomes.map { $0["status"] as! String }
    }

    @Test func aSecondRunSkipsEverythingAndAChangeRerunsFromThatStage() throws {
        let folder = Fixtures.temporaryDirectory()
        let workspace = folder.appendingPathComponent("work").path
        let file = try Self.pipeline(in: folder)
        let first = try cli.ferdata(["run", file, "--workspace", workspace, "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try Self.statuses(first.stdout) == Array(repeating: "ran", count: 6))
        let second = try cli.ferdata(["run", file, "--workspace", workspace, "--json"])
        #expect(try Self.statuses(second.stdout) == Array(repeating: "up to date", count: 6))
        _ = try Self.pipeline(val: "0.2", in: folder)
        let changed = try cli.ferdata(["run", file, "--workspace", workspace, "--json"])
        #expect(try Self.statuses(changed.stdout) == ["up to date", "up to date", "ran", "ran", "ran", "ran"])
        let forced = try cli.ferdata(["run", file, "--workspace", workspace, "--json", "--force", "eval"])
        #expect(try Self.statuses(forced.stdout) == ["up to date", "up to date", "up to date", "up to date", "ran", "ran"])
    }

    @Test func aPipelineWithErrorsIsRefusedWithTheirLinesBeforeAnyWork() throws {
        let folder = Fixtures.temporaryDirectory()
        let url = folder.appendingPathComponent("bad.yaml")
        try Fixtures.write("""
            seed: 3
            stages:
              - dedup
              - ingest: {sources: [no-such.csv]}
              - split: {val: lots}
              - train: {epocs: 2}
              - shuffle
              - eval: {split: holdout}
            extra: 1
            """, to: url)
        let workspace = folder.appendingPathComponent("work")
        let run = try cli.ferdata(["run", url.path, "--workspace", workspace.path])
        #expect(run.status == 1)
        for expected in ["bad.yaml:3: the first stage must be ingest", "bad.yaml:4:", "no such file or folder 'no-such.csv'",
                         "bad.yaml:5:", "split.val: the value 'lots' is invalid for val", "bad.yaml:6:", "unknown key 'epocs' for train; valid: epochs",
                         "bad.yaml:7:", "unknown stage 'shuffle'; valid: ingest, ferplus, dedup", "bad.yaml:8:", "eval.split: the value 'holdout' is invalid for split. Please provide one of 'train', 'val', 'test' or 'all'",
                         "bad.yaml:9:1: unknown key 'extra'"] {
            #expect(run.stderr.contains(expected), "\(expected) in \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: workspace.path))
    }

    /// A stage whose options are wrong still holds its place: a missing source of the ingest stage is one
    /// problem, not also "the first stage must be ingest" and "eval needs a model".
    @Test func aBadOptionIsNotAlsoReportedAsAStageOutOfOrder() throws {
        let folder = Fixtures.temporaryDirectory()
        let url = folder.appendingPathComponent("order.yaml")
        try Fixtures.write("""
            stages:
              - ingest: {sources: [no-such.csv]}
              - split: {val: 0.2}
              - train: {epochs: 1, border-mix: 2}
              - eval
            """, to: url)
        let run = try cli.ferdata(["run", url.path, "--workspace", folder.appendingPathComponent("work").path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("the pipeline has 2 problem(s)"), "\(run.stderr)")
        #expect(run.stderr.contains("order.yaml:2:") && run.stderr.contains("no such file or folder 'no-such.csv'"), "\(run.stderr)")
        #expect(run.stderr.contains("border-mix must be in [0, 1]"), "\(run.stderr)")
        #expect(!run.stderr.contains("first stage") && !run.stderr.contains("needs a model"), "\(run.stderr)")
    }

    @Test func anUndefinedVariableIsAnErrorAndSetOverridesTheFile() throws {
        let folder = Fixtures.temporaryDirectory()
        let url = folder.appendingPathComponent("vars.yaml")
        try Fixtures.write("stages:\n  - ingest: {sources: [\"${data}/faces.csv\"]}\n", to: url)
        let undefined = try cli.ferdata(["run", url.path, "--workspace", folder.appendingPathComponent("w").path])
        #expect(undefined.status == 1 && undefined.stderr.contains("vars.yaml:2:") && undefined.stderr.contains("undefined variable"))
        let set = try cli.ferdata(["run", url.path, "--set", "data=samples", "--workspace", folder.appendingPathComponent("w").path, "--json"])
        #expect(set.status == 0, "\(set.stderr)")
    }

    /// Fuzzer finding (pipeline target): an empty pipeline file is refused with a clear message.
    /// One check of a pipeline reports every problem of the file, a bad value beside an unknown key
    /// of the same stage included, with its line; a byte-order mark before the first key is read as one.
    @Test func theChecksReportEveryProblemAtOnce() throws {
        let url = Fixtures.temporaryDirectory().appendingPathComponent("problems.yaml")
        let text = """
            stages:
              - ingest: {sources: [samples/faces.csv], shard-size: -5, bogus: 1}
              - dedup: {threshold: abc}
              - frobnicate
            extra: 1

            """
        try Data([0xEF, 0xBB, 0xBF] + Array(text.utf8)).write(to: url)
        let run = try cli.ferdata(["run", url.path, "--workspace", url.deletingLastPathComponent().appendingPathComponent("work").path])
        #expect(run.status == 1 && run.stderr.contains("the pipeline has 5 problem(s)"), "\(run.stderr)")
        for expected in ["problems.yaml:5:1: unknown key 'extra'", "problems.yaml:2:", "unknown key 'bogus' for ingest", "shard-size must be positive",
                         "problems.yaml:3:", "dedup.threshold", "problems.yaml:4:5: unknown stage 'frobnicate'"] {
            #expect(run.stderr.contains(expected), "\(expected): \(run.stderr)")
        }
    }

    /// A label map saved with a byte-order mark maps its first name like the others.
    @Test func aLabelMapWithAByteOrderMarkMapsItsFirstName() throws {
        let url = Fixtures.temporaryDirectory().appendingPathComponent("map.txt")
        try Data([0xEF, 0xBB, 0xBF] + Array("grumpy,angry\nbeaming,happy\n".utf8)).write(to: url)
        let (vocabulary, _) = try LabelVocabulary.labelMap(url.path)
        #expect(vocabulary.resolve("grumpy") == .emotion(.angry) && vocabulary.resolve("beaming") == .emotion(.happy))
    }

    /// Nested aliases (each level ten of the one before: a billion values from a few hundred bytes)
    /// are refused once the expansion passes its bound, with a clear error, and nothing is run; the
    /// same aliases used as a pipeline should (one level) still work.
    @Test func anAliasBombIsRefusedBeforeItIsWalked() throws {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        lines += ["stages:", "  - ingest: {sources: *a9}"]
        let url = Fixtures.temporaryDirectory().appendingPathComponent("bomb.yaml")
        try Fixtures.write(lines.joined(separator: "\n") + "\n", to: url)
        let root = url.deletingLastPathComponent().appendingPathComponent("work")
        let run = try cli.ferdata(["run", url.path, "--workspace", root.path])
        #expect(run.status == 1 && run.stderr.contains("[bad-pipeline]") && run.stderr.contains("more than 100000 YAML values"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("datasets").path))
        let fine = url.deletingLastPathComponent().appendingPathComponent("anchors.yaml")
        try Fixtures.write("""
            variables: {data: &data samples/faces.csv}
            stages:
              - ingest: {sources: [*data]}
            """, to: fine)
        #expect(throws: Never.self) { try PipelineFile(path: fine.path) }
    }

    @Test func anEmptyPipelineFileIsRefused() throws {
        let url = Fixtures.temporaryDirectory().appendingPathComponent("empty.yaml")
        try Data().write(to: url)
        let run = try cli.ferdata(["run", url.path])
        #expect(run.status == 1 && run.stderr.contains("empty.yaml: the pipeline file is empty"), "\(run.stderr)")
    }
}
