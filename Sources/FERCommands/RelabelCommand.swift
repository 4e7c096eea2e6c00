import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERReview
import FERStages
import Foundation

struct RelabelCommand: StageCommand {
    static let stage = RegisteredStage(RelabelStage.self)
    static let configuration = CommandConfiguration(
        commandName: "relabel",
        abstract: "Apply the review decisions (ferdata review) to a dataset: a new dataset with faces relabelled or removed.",
        discussion: """
            Reads every standing decision (undone ones left out) of the workspace's annotation store, \
            review/decisions.sqlite, combines several annotators' decisions on a face by --combine, and \
            writes a new dataset: a relabelled record is flagged, its original label and the decisions are \
            in relabelled.csv; a face decided unusable is left out and listed in removed.csv; a tie leaves \
            the face as it was. A decision applies to the augmented copies of its face too.

            Examples:
              ferdata relabel
              ferdata relabel 0003-split --queue suspects@0003-split
              ferdata relabel --combine adjudicator --adjudicator alice
            """)

    @Argument(help: ArgumentHelp("The dataset to relabel (default: --from, else the latest).", valueName: "DATASET"))
    var dataset: String?
    @OptionGroup var options: RelabelStage.Options
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if dataset != nil && input.from != nil { throw ValidationError("give the dataset as DATASET or --from, not both") }
    }

    func run() throws {
        let workspace = input.workspace.resolved
        let stageInput = StageInput(dataset: try workspace.dataset(dataset ?? input.from))
        let result = try CommandIO.run(RelabelStage.self, options, input: stageInput, workspace: workspace, output: output)
        let report = result.written.report
        if output.json { return try CommandIO.printJSON(result) }
        guard !output.quiet else { return }
        print("relabel: \(report.decisions) decisions (\(report.rule)\(report.adjudicator.map { ", adjudicator " + $0 } ?? "")): "
            + "\(report.relabelled) relabelled, \(report.removed) removed, \(report.confirmed) confirmed, \(report.ties) ties, "
            + "\(report.notInDataset) decided faces not in this dataset"
            + (report.excludedAnnotators.isEmpty ? "" : "; left out: \(report.excludedAnnotators.joined(separator: ", ")) (gold accuracy below the minimum)")
            + (report.uncheckedAnnotators.isEmpty ? "" : "; no gold face decided: \(report.uncheckedAnnotators.joined(separator: ", "))")
            + " -> \(result.written.directory)\n")
        print(SummaryTable.counts(result.written.counts))
    }
}

