import ArgumentParser
import FERCore
import FERStages

struct FERPlusCommand: StageCommand {
    static let stage = RegisteredStage(FERPlusStage.self)
    static let configuration = CommandConfiguration(
        commandName: "ferplus",
        abstract: "Relabel a dataset ingested from the original fer2013.csv with the FER+ crowd votes.",
        discussion: """
            The votes file (FER+'s fer2013new.csv) has one row per row of the original fer2013.csv, in that \
            order; the input dataset must be made from that one CSV (an ingest of it, or a stage after). Each \
            face gets the crowd's majority label; rows whose largest vote is unknown or not-a-face, contempt \
            (no FER2013 class), or a tie are dropped and listed in ferplus-dropped.csv with their reason. \
            --votes distribution also keeps each record's ten vote counts (ferplus-votes.csv). In a pipeline: \
            - ferplus: {file: fer2013new.csv}, after ingest.

            Examples:
              ferdata ferplus fer2013new.csv --from 0001-ingest
              ferdata ferplus fer2013new.csv --votes distribution
            """)

    @OptionGroup var options: FERPlusStage.Options
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let result = try CommandIO.run(FERPlusStage.self, options, input: try input.stageInput(), workspace: input.workspace.resolved,
                                       output: output)
        if output.json { return try CommandIO.printJSON(result) }
        guard !output.quiet else { return }
        print("ferplus: \(result.report.rows) vote rows, \(result.recordCount) faces relabelled -> \(result.directory)")
        for (reason, count) in result.report.dropped.sorted(by: { $0.key < $1.key }) { print("  dropped \(reason): \(count)") }
        print("\n" + SummaryTable.counts(result.counts))
    }
}
