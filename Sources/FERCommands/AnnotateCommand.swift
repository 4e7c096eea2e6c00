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

    private static let defaults = AnnotateStage.Options()
    @Argument(help: ArgumentHelp("The model file (.safetensors).", valueName: "MODEL")) var model: String?
    @Argument(help: ArgumentHelp("Unlabeled images: a folder or an archive.", valueName: "SOURCE")) var source: String?
    @Option(help: "Keep predictions (or suspects) at or above this confidence (0-1).") var minConfidence = defaults.minConfidence
    @Flag(help: "Write the kept predictions as a labelled dataset in the workspace (pseudo-labels).") var ingest = defaults.ingest
    @Flag(help: "List labelled records of the input dataset that the model confidently contradicts.") var suspects = defaults.suspects
    @Option(help: ArgumentHelp("Import FER+ votes onto the input dataset.", valueName: "VOTES.csv")) var ferplus: String?
    @Option(help: "With --ferplus: the majority label only, or also the vote counts.") var votes = defaults.votes
    @Option(help: ArgumentHelp("Where labels.csv or the suspects go (default WORKSPACE/reports/annotate-NAME).", valueName: "DIR"))
    var out: String?
    @OptionGroup var faces: FaceOptions
    @OptionGroup var partition: PartitionOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    var options: AnnotateStage.Options {
        var options = AnnotateStage.Options()
        options.source = source
        options.minConfidence = minConfidence
        options.ingest = ingest
        options.suspects = suspects
        options.ferplus = ferplus
        options.votes = votes
        options.faces = faces.faces
        options.minFace = faces.minFace
        options.align = faces.align
        options.allFaces = faces.allFaces
        options.out = out
        options.partition = partition.partition
        return options
    }

    func validate() throws {
        if ferplus == nil && model == nil { throw ValidationError("give a MODEL (or --ferplus VOTES.csv)") }
        try CommandIO.validate(options)
    }

    func run() throws {
        let needsDataset = ferplus != nil || suspects
        let stageInput = StageInput(dataset: needsDataset ? try input.stageInput().dataset : nil, model: model)
        let summary = try CommandIO.run(AnnotateStage.self, options, input: stageInput, workspace: input.workspace.resolved, output: output)
        if output.json { return try CommandIO.printJSON(summary) }
        guard !output.quiet else { return }
        print("\(summary.mode): \(summary.faces) faces, \(summary.kept) kept")
        for (reason, count) in (summary.dropped ?? [:]).sorted(by: { $0.key < $1.key }) { print("  dropped \(reason): \(count)") }
        if let dataset = summary.dataset { print("dataset: \(dataset)") }
        for file in summary.files { print("wrote \(file)") }
        if !partition.partition.isWhole { print("\n" + partition.note(stage: "annotate")) }
    }
}
