import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERStages
import Foundation

struct AnnotateCommand: StageCommand {
    static let stage = RegisteredStage(AnnotateStage.self)
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Label faces with a model (pseudo-labels), or find likely label noise.",
        discussion: """
            ferdata annotate MODEL SOURCE: labels the images of a folder or archive (their folders are not read \
            as labels) and writes labels.csv (source, predicted class, confidence, every class probability); \
            --min-confidence keeps the confident ones; --ingest also writes them as a labelled dataset whose \
            records are flagged as pseudo-labels. A large collection can be labelled as N parts on N machines \
            (--ingest --partition I/N, or inside a Slurm array job), then joined in input order with ferdata \
            merge annotate (the merged dataset holds labels.csv).

            ferdata annotate MODEL --suspects [--from DATASET]: lists the labelled records whose label the model \
            contradicts with at least --min-confidence (suspects.csv) with a contact sheet (suspects.png).

            The FER+ crowd votes as labels are a stage of their own: ferdata ferplus VOTES.csv.

            Examples:
              ferdata annotate best.safetensors unlabeled.zip --min-confidence 0.8 --ingest
              ferdata annotate best.safetensors unlabeled.zip --ingest --partition 2/8   # then: ferdata merge annotate
              ferdata annotate best.safetensors --suspects --min-confidence 0.9
            """)

    @Argument(help: CommandIO.modelHelp) var model: String?
    @OptionGroup var options: AnnotateStage.Options
    @OptionGroup var partition: PartitionOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if model == nil { throw ValidationError("give the MODEL file") }
    }

    func run() throws {
        let needsDataset = options.suspects
        let stageInput = StageInput(dataset: needsDataset ? try input.stageInput().dataset : nil, model: model)
        let summary = try CommandIO.run(AnnotateStage.self, options, input: stageInput, workspace: input.workspace.resolved, output: output,
                                       partition: partition.partition)
        if output.json { return try CommandIO.printJSON(summary) }
        guard !output.quiet else { return }
        print("\(summary.mode): \(summary.faces) faces, \(summary.kept) kept")
        if let dataset = summary.dataset { print("dataset: \(dataset)") }
        for file in summary.files { print("wrote \(file)") }
        if !partition.partition.isWhole { print("\n" + partition.note(stage: "annotate")) }
    }
}
