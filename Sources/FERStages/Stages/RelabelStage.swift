import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERReview
import Foundation

/// `ferdata relabel`: a new dataset with the review decisions of the workspace's annotation store
/// applied (`ferdata review`): relabelled records flagged, with their original labels and the
/// decisions in `relabelled.csv`; records decided unusable left out and listed in `removed.csv`.
/// Decisions of several annotators are combined by an explicit rule.
public enum RelabelStage: Stage {
    public static let name = "relabel"
    public static let role = StageRole.dataset

    public struct Options: StageOptions {
        @Option(help: ArgumentHelp("Only this queue's decisions (default: every queue's).", valueName: "NAME"))
        public var queue: String?
        @Option(help: "How several annotators' decisions on a face become one.")
        public var combine = DecisionCombiner.Rule.majority
        @Option(help: ArgumentHelp("With combine adjudicator: whose decision wins.", valueName: "NAME"))
        public var adjudicator: String?
        @Option(help: ArgumentHelp("Leave out the decisions of annotators whose accuracy on gold faces (review --gold) is below this.", valueName: "A"))
        public var minGoldAccuracy: Double?

        public init() {}

        public func check() throws {
            _ = try DecisionCombiner(rule: combine, adjudicator: adjudicator)
            if let minGoldAccuracy, !(0...1).contains(minGoldAccuracy) {
                throw FerError(.invalidArgument, "min-gold-accuracy must be in [0, 1], got \(minGoldAccuracy)")
            }
        }
    }

    /// The dataset written, and the state of the store it was made from: a pipeline reruns relabel
    /// when decisions were added or undone since.
    public struct Output: StageOutput {
        public var written: DatasetOutput<Relabeller.Report>
        public var storeFingerprint: String

        public var location: String { written.location }
        public var summary: String {
            let report = written.report
            return written.summary + ": \(report.relabelled) relabelled, \(report.removed) removed, \(report.ties) ties"
                + (report.excludedAnnotators.isEmpty ? "" : "; left out: \(report.excludedAnnotators.joined(separator: ", "))")
        }

        public func exists(in workspace: Workspace) -> Bool {
            guard written.exists(in: workspace), let store = try? ReviewStore(workspace: workspace) else { return false }
            return (try? store.fingerprint()) == storeFingerprint
        }

        public func feed(_ input: inout StageInput, workspace: Workspace) throws { try written.feed(&input, workspace: workspace) }
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> Output {
        try options.check()
        let store = try ReviewStore(workspace: context.workspace)
        let fingerprint = try store.fingerprint()
        var decisions = try store.decisions(queue: options.queue)
        let gold = try store.gold()
        var excluded: [String] = [], unchecked: [String] = []
        if let minimum = options.minGoldAccuracy {
            for quality in AnnotatorQuality.of(decisions, gold: gold) {
                guard let accuracy = quality.goldAccuracy else { unchecked.append(quality.annotator); continue }
                if accuracy < minimum { excluded.append(quality.annotator) }
            }
            decisions.removeAll { excluded.contains($0.annotator) }
        }
        // Gold faces are there to check people: what they said of them changes no label.
        decisions.removeAll { gold[$0.queue]?[$0.recordID] != nil }
        guard !decisions.isEmpty else {
            throw FerError(.nothingRead, "the review store \(store.path) holds no decision"
                + (options.queue.map { " in queue \($0)" } ?? "") + ": review faces with `ferdata review` first")
        }
        // An adjudicator with no decision of their own would silently fall back to the majority everywhere.
        if let adjudicator = options.adjudicator, !decisions.contains(where: { $0.annotator == adjudicator && !$0.undone }) {
            let annotators = Set(decisions.map(\.annotator)).sorted().joined(separator: ", ")
            throw FerError(.invalidArgument, "adjudicator \(adjudicator) made no decision"
                + (options.queue.map { " in queue \($0)" } ?? "") + " (the store's annotators: \(annotators))")
        }
        let relabeller = Relabeller(combiner: try DecisionCombiner(rule: options.combine, adjudicator: options.adjudicator))
        var parameters = ["combine": options.combine.rawValue, "store": fingerprint]
        if let queue = options.queue { parameters["queue"] = queue }
        if let adjudicator = options.adjudicator { parameters["adjudicator"] = adjudicator }
        if let minimum = options.minGoldAccuracy { parameters["minGoldAccuracy"] = String(minimum) }
        let written = try Curation.run(name, input: input, context: context, parameters: parameters) { records, _ in
            var result = try relabeller.apply(decisions, to: records)
            result.report.excludedAnnotators = excluded
            result.report.uncheckedAnnotators = unchecked
            return (result.records, result.report, [
                ("relabel.json", try StageIO.json(result.report)),
                ("relabelled.csv", Data(result.relabelledCSV.utf8)),
                ("removed.csv", Data(result.removedCSV.utf8)),
            ])
        }
        return Output(written: written, storeFingerprint: fingerprint)
    }
}
