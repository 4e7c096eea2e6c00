import FERTestSupport
import Foundation
import Testing

/// The newcomer's first run: pipelines/sample.yaml learns for any seed, not for a chosen one. Three
/// fixed seeds (none of them the file's), each reaching at least 0.8 accuracy on the sample test faces
/// with no model collapsed; and a rate far too high is reported as a collapse, with exit status 3
/// under --fail-on-collapse.
@Suite(.serialized) struct SampleRecipeTests {
    let cli = CommandLineTests()

    /// sample.yaml with its seed replaced and the workspace in a fresh folder.
    static func recipe(seed: Int, lr: String? = nil) throws -> (file: String, workspace: String) {
        let folder = Fixtures.temporaryDirectory()
        var text = try String(contentsOf: CommandLineTests.repositoryRoot.appendingPathComponent("pipelines/sample.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: #"(?m)^seed: \d+"#, with: "seed: \(seed)", options: .regularExpression)
        if let lr { text = text.replacingOccurrences(of: #"(?m)^(\s+)lr: [0-9.e-]+"#, with: "$1lr: \(lr)", options: .regularExpression) }
        let file = folder.appendingPathComponent("sample.yaml")
        try Fixtures.write(text, to: file)
        return (file.path, folder.appendingPathComponent("work").path)
    }

    static func outcomes(_ stdout: String) throws -> [String: [String: Any]] {
        let list = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as! [[String: Any]]
        return Dictionary(uniqueKeysWithValues: list.map { ($0["stage"] as! String, $0) })
    }

    @Test(arguments: [1, 2, 3])
    func theSampleRecipeLearnsForEverySeed(seed: Int) throws {
        let (file, workspace) = try Self.recipe(seed: seed)
        let run = try cli.ferdata(["run", file, "--workspace", workspace, "--json", "--fail-on-collapse"])
        #expect(run.status == 0, "seed \(seed): \(run.stderr)")
        let outcomes = try Self.outcomes(run.stdout)
        let report = workspace + "/reports/sample-eval/metrics.json"
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as! [String: Any]
        let accuracy = (metrics["metrics"] as! [String: Any])["accuracy"] as! Double
        #expect(accuracy >= 0.8, "seed \(seed): test accuracy \(accuracy)")
        #expect(metrics["collapse"] == nil, "seed \(seed)")
        #expect((outcomes["train"]?["collapses"] as? [Any])?.isEmpty == true, "seed \(seed)")
    }

    @Test func aRateFarTooHighIsReportedAsCollapsed() throws {
        let (file, workspace) = try Self.recipe(seed: 1, lr: "1.0")
        let run = try cli.ferdata(["run", file, "--workspace", workspace, "--fail-on-collapse"])
        #expect(run.status == 3, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("stage train: COLLAPSED"), "\(run.stdout)")
        #expect(run.stdout.contains("Likely causes"))
        let runJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: workspace + "/runs/0001-train/run.json"))) as! [String: Any]
        #expect(runJSON["collapse"] != nil)
        let train = try cli.ferdata(["train", "--from", "0005-augment", "--workspace", workspace, "--epochs", "3", "--lr", "1.0",
                                     "--batch-size", "16", "--fail-on-collapse"])
        #expect(train.status == 3, "\(train.stderr)")
        #expect(train.stdout.contains("COLLAPSED"))
    }
}
