import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERNet
import FERTestSupport
import Foundation
import Testing
import Yams

@testable import FERCommands
@testable import FERStages

/// The seam between the command line, pipelines and stages: every registered stage has a command whose
/// options are the stage's keys (both ways), choice options list their values, bad values are usage
/// errors, and errors keep their code through `ferdata run`.
@Suite struct StageSeamTests {
    let cli = CommandLineTests()

    /// A command's arguments as argument-parser describes them (`--experimental-dump-help`).
    func arguments(of command: String) throws -> [[String: Any]] {
        let dump = try cli.ferdata([command, "--experimental-dump-help"])
        #expect(dump.status == 0, "\(command): \(dump.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as! [String: Any]
        return (json["command"] as! [String: Any])["arguments"] as? [[String: Any]] ?? []
    }

    static func longName(_ argument: [String: Any]) -> String? {
        (argument["names"] as? [[String: Any]])?.first { $0["kind"] as? String == "long" }?["name"] as? String
    }

    /// Options every command shares, inputs that are not stage options (a pipeline chains them), and what
    /// a command does with the result (fail-on-collapse: its exit status).
    static let sharedOptions: Set = ["workspace", "from", "quiet", "json", "verbose", "partition", "resume", "baseline", "help", "version",
                                     "fail-on-collapse"]

    @Test func everyStageHasACommandWhoseOptionsAreItsKeysBothWays() throws {
        let table = FerdataCommand.stageCommandNames
        #expect(table.map { $0.stage.name } == StageRegistry.all.map(\.name))
        for (stage, command) in table {
            #expect(command == stage.name)
            let arguments = try arguments(of: stage.name)
            let options = Set(arguments.compactMap(Self.longName).map { $0.hasPrefix("no-") ? String($0.dropFirst(3)) : $0 })
            let positionals = arguments.filter { $0["kind"] as? String == "positional" }.compactMap { ($0["valueName"] as? String)?.lowercased() }
            for key in stage.keys {
                let positional = positionals.contains(key) || positionals.contains { $0 + "s" == key }
                #expect(options.contains(key) || positional, "\(stage.name): the key '\(key)' is no option of the command")
            }
            for option in options.subtracting(Self.sharedOptions) {
                #expect(stage.keys.contains(option), "\(stage.name): --\(option) is not a key of the stage's options")
            }
        }
    }

    /// A stage made here, as a stage author makes one: each option is one declaration in its `Options`.
    enum FixtureStage: Stage {
        static let name = "fixture"
        static let role = StageRole.dataset

        struct Options: StageOptions {
            @Option(help: "A number.") var threshold = 3
            @Flag(inversion: .prefixedNo, help: "A switch that is on.") var mirror = true
            @Flag(help: "A switch that is off.") var strict = false
            @Option(help: "A choice.") var schedule = LearningRateSchedule.constant
            @Option(help: "A list.") var names: [String] = []
            @Option(help: "Random seed.") var seed: UInt64 = 0
            @Argument(help: "Inputs.") var sources: [String] = []

            func check() throws {
                guard threshold >= 0 else { throw FerError(.invalidArgument, "threshold must be 0 or more, got \(threshold)") }
            }
        }

        static func run(_ options: Options, input: StageInput, context: StageContext) throws -> TrainOutput {
            throw FerError(.invalidArgument, "not run")
        }
    }

    struct FixtureCommand: ParsableCommand {
        @OptionGroup var options: FixtureStage.Options
    }

    /// The fixture's one declaration per option gives its command's options, its pipeline keys and the
    /// library's properties, with the same values from either side; adding an option to `Options` is
    /// all it takes (the keys are read from the declarations, not listed).
    @Test func anOptionDeclaredOnceIsACommandOptionAndAPipelineKey() throws {
        #expect(FixtureStage.Options.keys == ["threshold", "mirror", "strict", "schedule", "names", "seed", "sources"])
        #expect(RegisteredStage(FixtureStage.self).keys == FixtureStage.Options.keys)
        let cli = try FixtureCommand.parse(["--threshold", "5", "--no-mirror", "--strict", "--schedule", "cosine",
                                            "--names", "a", "--names", "b", "--seed", "9", "x.csv", "y.csv"]).options
        let yaml = """
            fixture:
              threshold: 5
              mirror: false
              strict: true
              schedule: cosine
              names: [a, b]
              sources: [x.csv, y.csv]
            """
        let entry = try #require(try Yams.compose(yaml: yaml)?.mapping?.first)
        var problems = PipelineFile.Problems(path: "p.yaml")
        let stage = try #require(PipelineStage.decode(FixtureStage.self, nameNode: entry.key, body: entry.value.mapping, seed: 9,
                                                      variables: [:], problems: &problems), "\(problems.messages)")
        #expect(stage.optionsJSON == (try StageIO.json(cli)))
        #expect(cli.threshold == 5 && !cli.mirror && cli.strict && cli.schedule == .cosine && cli.names == ["a", "b"] && cli.sources == ["x.csv", "y.csv"])
        var library = FixtureStage.Options.defaults
        #expect(library.threshold == 3 && library.mirror && !library.strict && library.names.isEmpty)
        library.threshold = 5
        #expect(library.threshold == 5)

        // A bad value is refused by both, naming the option; the check runs on both.
        #expect(throws: (any Error).self) { try FixtureCommand.parse(["--schedule", "sometimes"]) }
        for (body, wanted) in [("{schedule: sometimes}", "sometimes"), ("{threshold: -1}", "threshold must be 0 or more"),
                               ("{names: {a: 1}}", "expected a value or a list"), ("{thresold: 1}", "unknown key 'thresold'")] {
            let bad = try #require(try Yams.compose(yaml: "fixture: \(body)")?.mapping?.first)
            var found = PipelineFile.Problems(path: "p.yaml")
            #expect(PipelineStage.decode(FixtureStage.self, nameNode: bad.key, body: bad.value.mapping, seed: nil, variables: [:],
                                         problems: &found) == nil)
            #expect(found.messages.contains { $0.contains(wanted) }, "\(body): \(found.messages)")
        }
        do {
            _ = try FixtureCommand.parse(["--threshold=-1"])
            Issue.record("--threshold=-1 was accepted")
        } catch {
            #expect(FixtureCommand.message(for: error).contains("threshold must be 0 or more"), "\(FixtureCommand.message(for: error))")
            #expect(FixtureCommand.exitCode(for: error) == .validationFailure)
        }
    }

    @Test func everyChoiceOptionListsItsValuesInHelp() throws {
        var choices = 0
        for command in FerdataCommand.configuration.subcommands.map({ $0.configuration.commandName! }) {
            let help = try cli.ferdata([command, "--help"])
            let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            for argument in try arguments(of: command) {
                guard let values = argument["allValues"] as? [String], !values.isEmpty else { continue }
                choices += 1
                #expect(text.contains("values: " + values.joined(separator: ", ")), "\(command) --\(Self.longName(argument) ?? "?")")
            }
        }
        // The command tree has choice options (optimizer, schedule, tta, layout, faces, ...): each was checked above.
        #expect(choices > 0)
    }

    @Test func aBadChoiceIsAUsageErrorThatNamesTheValues() throws {
        let run = try cli.ferdata(["train", "--optimizer", "foo"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("'adam'") && run.stderr.contains("'sgd'") && run.stderr.contains("Usage: ferdata train"), "\(run.stderr)")
        let split = try cli.ferdata(["split", "--val", "1.5"])
        #expect(split.status == 64 && split.stderr.contains("val must be between 0 and 1"), "\(split.stderr)")
    }

    @Test func errorsShowTheirCodeAndVerboseShowsWhereTheyWereRaised() throws {
        let missing = try cli.ferdata(["ingest", "/no/such.csv"])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("ferdata: error: [source-missing] /no/such.csv: "), "\(missing.stderr)")
        let verbose = try cli.ferdata(["ingest", "/no/such.csv", "--verbose"])
        #expect(verbose.stderr.contains("raised at: FERIngest/"), "\(verbose.stderr)")
    }

    @Test func everyErrorCodeIsInTheHelpAndTheArchitectureTable() throws {
        let help = try cli.ferdata(["--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let doc = try String(contentsOf: CommandLineTests.repositoryRoot.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        for code in FerError.Code.allCases {
            #expect(help.contains(code.rawValue + " " + code.summary), "ferdata --help lacks \(code.rawValue)")
            #expect(doc.contains("| `\(code.rawValue)` | \(code.summary) |"), "docs/architecture.md lacks \(code.rawValue)")
        }
    }

    /// Flips one byte inside the first train record of the dataset's first shard.
    static func damageFirstTrainRecord(of dataset: URL) throws -> (shard: String, record: Int) {
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: dataset.appendingPathComponent("manifest.json"))) as! [String: Any]
        let shard = ((manifest["shards"] as! [[String: Any]])[0]["file"] as! String)
        let url = dataset.appendingPathComponent(shard)
        var bytes = [UInt8](try Data(contentsOf: url))
        let record = 0, header = 64, size = (manifest["recordSize"] as! Int)
        bytes[header + record * size + size / 2] ^= 0xFF
        try Data(bytes).write(to: url)
        return (shard, record)
    }

    @Test func aDamagedShardStopsTrainingWithTheSameErrorOnTheCommandLineAndInAPipeline() throws {
        let folder = Fixtures.temporaryDirectory()
        let workspace = folder.appendingPathComponent("work")
        let stages = """
            stages:
              - ingest: {sources: [samples/faces.csv]}
              - split: {val: 0.2}

            """
        try Fixtures.write(stages, to: folder.appendingPathComponent("p.yaml"))
        #expect(try cli.ferdata(["run", folder.appendingPathComponent("p.yaml").path, "--workspace", workspace.path, "-q"]).status == 0)
        let (shard, record) = try Self.damageFirstTrainRecord(of: workspace.appendingPathComponent("datasets/0002-split"))

        let train = try cli.ferdata(["train", "--epochs", "1", "--workspace", workspace.path, "-q"])
        #expect(train.status == 1)
        #expect(train.stderr.contains("[corrupt-shard]") && train.stderr.contains(shard) && train.stderr.contains("record \(record)"),
                "\(train.stderr)")

        try Fixtures.write(stages + "  - train: {epochs: 1}\n", to: folder.appendingPathComponent("p.yaml"))
        let run = try cli.ferdata(["run", folder.appendingPathComponent("p.yaml").path, "--workspace", workspace.path, "-q"])
        #expect(run.status == train.status)
        let detail = train.stderr.replacingOccurrences(of: "ferdata: error: [corrupt-shard] ", with: "")
        #expect(run.stderr.hasPrefix("ferdata: error: [corrupt-shard] stage train (") && run.stderr.hasSuffix(detail), "\(run.stderr)")
    }
}
