import ArgumentParser
import FERCore
import FERCuration
import FERData
import FEREval
import FERNet
import FERReview
import Foundation

/// `ferdata active-learn`: the annotation loop. From `--start` labelled training faces, each round
/// trains a model, scores it on the test split, and queues the `--per-round` pool faces a strategy
/// picks (the model's most uncertain, or at random) for review; the faces decided in the review
/// store join the labelled set for the next round. A person answers each round's queue in the
/// browser (`ferdata review`, then run again); for measurement an oracle (`--oracle`, the labels held
/// back) answers it through the store exactly as the page records a person's decisions.
public enum ActiveLearningStage: Stage {
    public static let name = "active-learn"
    public static let role = StageRole.training

    /// How a round picks the faces to label.
    public enum Strategy: String, StageChoice {
        case random
        case leastConfidence = "least-confidence"
        case margin
        case entropy

        var measure: UncertaintySampling.Measure? { UncertaintySampling.Measure(rawValue: rawValue) }
    }

    public struct Options: StageOptions {
        @Option(help: "How each round picks the pool faces to label: at random, or the model's most uncertain.")
        public var by = Strategy.margin
        @Option(help: ArgumentHelp("Labelled training faces to start from (drawn by --seed; the rest of the training split is the pool).", valueName: "N"))
        public var start = 1000
        @Option(help: ArgumentHelp("Faces queued for labelling each round.", valueName: "N"))
        public var perRound = 1000
        @Option(help: ArgumentHelp("Rounds of labelling (rounds + 1 models are trained).", valueName: "R"))
        public var rounds = 9
        @Option(help: ArgumentHelp("A CSV of record_id,label answering every queue at once, as a person would (the labels held back from the loop).",
                                   valueName: "FILE"))
        public var oracle: String?
        @Option(help: ArgumentHelp("The report folder (default WORKSPACE/reports/active-learn-STRATEGY-DATASET).", valueName: "DIR"))
        public var report: String?
        @OptionGroup(title: "Gold faces")
        public var goldFaces: GoldFaces
        @OptionGroup(title: "Each round's training")
        public var training: Trainer.Options

        public init() {}

        public func check() throws {
            guard start > 0, perRound > 0, rounds >= 0 else {
                throw FerError(.invalidArgument, "start and per-round must be positive and rounds at least 0")
            }
            try goldFaces.check()
            try training.check()
        }

        public var inputPaths: [String] { training.inputPaths + (oracle.map { [$0] } ?? []) + goldFaces.inputPaths }
    }

    /// One round: the labelled faces its model was trained on, the model's test scores, and the
    /// queue it filled (none after the last round).
    public struct Round: Codable, Sendable, Equatable {
        public var round: Int
        public var labelled: Int
        public var accuracy: Double
        public var macroF1: Double
        public var model: String
        public var queue: String?
        /// Faces of the queue decided (a class: added to the labelled set; unusable: left out of the pool).
        public var decided: Int?
    }

    public struct Output: StageOutput {
        public var folder: String
        public var strategy: Strategy
        public var rounds: [Round]
        /// The queue waiting for a person's decisions before the next round (none when the loop is done).
        public var waiting: String?

        public var location: String { folder }
        public var summary: String {
            let last = rounds.last.map { String(format: "round %d: %d labelled, test accuracy %.4f", $0.round, $0.labelled, $0.accuracy) } ?? "no round"
            return "\(strategy.rawValue), \(last)" + (waiting.map { "; waiting for decisions on queue \($0) (ferdata review stored --name '\($0)')" } ?? "")
        }
        public func exists(in workspace: Workspace) -> Bool {
            guard let data = try? FileIO.readAll(folder + "/active-learn.json"),
                  let output = try? JSONDecoder().decode(Output.self, from: data) else { return false }
            return output.waiting == nil
        }
        public func feed(_ input: inout StageInput, workspace: Workspace) throws {}
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> Output {
        try options.check()
        let dataset = try input.requireModelSizedDataset(name)
        let folder = options.report.map { URL(fileURLWithPath: $0) } ?? context.reports
            ?? context.workspace.root.appendingPathComponent("reports/active-learn-\(options.by.rawValue)-\(dataset.name)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let loop = try ActiveLearningLoop(options: options, dataset: dataset, store: ReviewStore(workspace: context.workspace),
                                          folder: folder, context: context)
        let (rounds, waiting) = try loop.run()
        let output = Output(folder: folder.path, strategy: options.by, rounds: rounds, waiting: waiting)
        var csv = CSVField.line(["round", "labelled", "accuracy", "macro_f1", "queue", "decided"]) + "\n"
        for round in rounds {
            csv += CSVField.line([String(round.round), String(round.labelled), String(format: "%.4f", round.accuracy),
                                  String(format: "%.4f", round.macroF1), round.queue ?? "", round.decided.map(String.init) ?? ""]) + "\n"
        }
        try FileIO.writeAtomically(Data(csv.utf8), to: folder.appendingPathComponent("rounds.csv").path)
        try FileIO.writeAtomically(try StageIO.json(output), to: folder.appendingPathComponent("active-learn.json").path)
        return output
    }
}
