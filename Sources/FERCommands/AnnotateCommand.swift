import ArgumentParser
import FERCore
import FERData
import FERStages
import Foundation

struct AnnotateCommand: StageCommand {
    static let stage = RegisteredStage(AnnotateStage.self)
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Label faces with a model (pseudo-labels), find likely label noise, or import the FER+ votes.",
        discussion: """
            ferdata annotate MODEL SOURCE: labels the images of a folder or archive (their folders are not read \
            as labels) and writes labels.csv (source, predicted class, confidence, every class probability); \
            --min-confidence keeps the confident ones; --ingest also writes them as a labelled dataset whose \
            records are flagged as pseudo-labels. A large collection can be labelled as N parts on N machines \
            (--ingest --partition I/N, or inside a Slurm array job), then joined in input order with ferdata \
            merge annotate (the merged dataset holds labels.csv).

            ferdata annotate MODEL --suspects [--from DATASET]: lists the labelled records whose label the model \
            contradicts with at least --min-confidence (suspects.csv) with a contact sheet (suspects.png).

            ferdata annotate --ferplus VOTES.csv [--from DATASET]: relabels a dataset ingested from the original \
            fer2013.csv with the FER+ crowd votes, matched by row order: the majority label, dropping rows whose \
            largest vote is unknown or not-a-face, contempt, or a tie (ferplus-dropped.csv); --votes distribution \
            also keeps each record's ten vote counts (ferplus-votes.csv).

            Examples:
              ferdata annotate best.safetensors unlabeled.zip --min-confidence 0.8 --ingest
              ferdata annotate best.safetensors unlabeled.zip --ingest --partition 2/8   # then: ferdata merge annotate
              ferdata annotate best.safetensors --suspects --min-confidence 0.9
              ferdata annotate --ferplus fer2013new.csv --from 0001-ingest
            """)

    @Argument(help: ArgumentHelp("The model file (.safetensors).", valueName: "MODEL")) var model: String?
    @OptionGroup var options: AnnotateStage.Options
    @OptionGroup var partition: PartitionOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if options.ferplus == nil && model == nil { throw ValidationError("give a MODEL (or --ferplus VOTES.csv)") }
    }

    func run() throws {
        let needsDataset = options.ferplus != nil || options.suspects
        let stageInput = StageInput(dataset: needsDataset ? try input.stageInput().dataset : nil, model: model)
        let summary = try CommandIO.run(AnnotateStage.self, options, input: stageInput, workspace: input.workspace.resolved, output: output,
                                       partition: partition.partition)
        if output.json { return try CommandIO.printJSON(summary) }
        guard !output.quiet else { return }
        print("\(summary.mode): \(summary.faces) faces, \(summary.kept) kept")
        for (reason, count) in (summary.dropped ?? [:]).sorted(by: { $0.key < $1.key }) { print("  dropped \(reason): \(count)") }
        if let dataset = summary.dataset { print("dataset: \(dataset)") }
        for file in summary.files { print("wrote \(file)") }
        if !partition.partition.isWhole { print("\n" + partition.note(stage: "annotate")) }
    }
}
