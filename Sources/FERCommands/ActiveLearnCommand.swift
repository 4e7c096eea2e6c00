import ArgumentParser
import FERCore
import FERStages
import Foundation

struct ActiveLearnCommand: StageCommand {
    static let stage = RegisteredStage(ActiveLearningStage.self)
    static let configuration = CommandConfiguration(
        commandName: "active-learn",
        abstract: "The annotation loop: train, queue the faces that pay most for labelling, add the decided ones, repeat.",
        discussion: """
            From --start labelled training faces of the dataset (drawn by --seed; the rest of its training split is the \
            pool, its labels held back), each round trains a model (the training options), scores it on the test split, \
            and queues the --per-round pool faces --by picks (the model's most uncertain by margin, least-confidence or \
            entropy, with no near-duplicates in one queue; or random) in the review store as active-learn-R:BY:seedS@DATASET. \
            The faces decided there (ferdata review, any annotators, combined by majority) join the labelled set, faces \
            decided unusable leave the pool, and the next round trains again; --rounds rounds, rounds + 1 models. \
            Without --oracle the loop stops at each queue until it is decided: review it (ferdata review stored \
            --name QUEUE), then run again. With \
            --oracle FILE (record_id,label: the labels held back) the oracle answers every queue at once through the \
            store, as the page records a person's decisions, for measuring a strategy. --gold FILE mixes faces of \
            known label into each queue, shown like the others, to measure the annotators (review agreement); \
            decisions on them never join the labelled set. A rerun keeps finished \
            rounds and resumes an interrupted one. Writes WORKSPACE/reports/active-learn-BY-DATASET: rounds.csv \
            (round, labelled faces, test accuracy and macro F1, queue, decided), active-learn.json, work/ (the rounds' \
            datasets and runs).

            Examples:
              ferdata active-learn 0002-split --start 1000 --per-round 1000 --rounds 9 --by margin --oracle labels.csv --epochs 8
              ferdata active-learn --by entropy --rounds 3      # then: ferdata review ...; run again
            """)

    @OptionGroup var options: ActiveLearningStage.Options
    @OptionGroup var input: DatasetArgument
    @OptionGroup var output: OutputOptions

    func run() throws {
        let root = input.workspace.resolved
        CommandIO.noteKernels(output)
        let result = try CommandIO.run(ActiveLearningStage.self, options, input: try input.stageInput(), workspace: root, output: output)
        if output.json { return try CommandIO.printJSON(result) }
        guard !output.quiet else { return }
        let rows = result.rounds.map { round in
            [String(round.round), String(round.labelled), ScoreTables.number(round.accuracy), ScoreTables.number(round.macroF1),
             round.queue ?? "", round.decided.map(String.init) ?? ""]
        }
        print(SummaryTable.render(header: ["round", "labelled", "accuracy", "macro F1", "queue", "decided"], rows: rows))
        if let waiting = result.waiting {
            print("waiting: queue \(waiting) needs its decisions: ferdata review stored --name '\(waiting)', then run again")
        }
        print("report: \(result.folder)")
    }
}
