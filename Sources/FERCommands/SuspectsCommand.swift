import ArgumentParser
import FERCore
import FEREval
import FERStages
import Foundation

struct SuspectsCommand: StageCommand {
    static let stage = RegisteredStage(SuspectsStage.self)
    static let configuration = CommandConfiguration(
        commandName: "suspects",
        abstract: "Find label-noise suspects by confident learning on out-of-fold probabilities.",
        discussion: """
            Trains --folds models (the train command's options; --max-minutes is the budget of all folds), \
            each on the other folds (stratified by label, duplicate groups and each person kept in one fold), and predicts the \
            fold it did not see. From those out-of-fold probabilities, confident learning (Northcutt et al., \
            JAIR 2021; computed as the cleanlab library does) estimates the noise matrix and finds the label \
            issues (--filter), ranked worst first (--rank). The train and val splits are examined; the test \
            split only with --include-test. --probabilities FILE takes out-of-fold probabilities made \
            elsewhere (CSV with record_id and a column per class, or .npy in probabilities.csv's row order).

            The report folder (default WORKSPACE/reports/suspects-DATASET) gets suspects.csv (the ranked issues \
            with given and likely labels: the review queue), suspects.json (thresholds, confident joint, noise \
            matrix, estimated errors per class), noise-matrix.png, suspects.png (top suspects of each confused \
            pair) and probabilities.csv. Each fold's probabilities are kept as it finishes (folds/): a rerun \
            with the same options resumes. Flagged faces are candidates for a person's review, not for deletion; \
            --apply drop|relabel writes a new dataset with them dropped or relabelled, listed in \
            suspects-applied.csv.

            Examples:
              ferdata suspects --folds 5 --epochs 12 --max-minutes 30
              ferdata suspects 0002-dedup --folds 5 --copies exact
              ferdata suspects --probabilities oof.npy --filter both --rank self-confidence
              ferdata suspects --folds 5 --apply relabel --ferplus fer2013new.csv
            """)

    @OptionGroup var input: DatasetArgument
    @OptionGroup var options: SuspectsStage.Options
    @OptionGroup var output: OutputOptions

    func run() throws {
        let root = input.workspace.resolved
        let result = try CommandIO.run(SuspectsStage.self, options, input: try input.stageInput(),
                                       workspace: root, output: output)
        if output.json { return try CommandIO.printJSON(result) }
        guard !output.quiet else { return }
        let report = result.report
        for fold in result.folds {
            print(String(format: "fold %d: %d faces predicted, %d epochs, %.0f s%@", fold.fold, fold.faces, fold.epochs, fold.seconds,
                         fold.reused ? " (kept from an earlier run)" : ""))
        }
        print("examined \(report.faces) labelled faces of \(report.dataset) (\(report.probabilities))"
            + (report.notExamined.isEmpty ? "" : "; not examined: "
                + report.notExamined.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")))
        let rows = report.classes.indices.map { k in
            [report.classes[k], String(report.labelCounts[k]), String(report.estimatedErrors[report.classes[k]] ?? 0),
             String(format: "%.3f", report.thresholds[k])]
        }
        print(SummaryTable.render(header: ["given label", "faces", "est. errors", "threshold"], rows: rows))
        print("estimated label issues: \(report.estimatedIssueCount); found (\(report.filter)): \(report.issues), ranked by \(report.rank)")
        if let crowd = report.crowd {
            print("FER+ crowd majority on \(crowd.suspectsWithMajority) suspects: the likely label \(crowd.majorityIsLikely), "
                + "the given label \(crowd.majorityIsGiven)")
        }
        if let dataset = result.dataset { print("dataset: \(dataset)") }
        for file in result.files { print("wrote \(file)") }
    }
}
