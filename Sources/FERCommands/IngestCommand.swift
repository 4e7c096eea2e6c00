import ArgumentParser
import FERCore
import FERData
import FERStages
import Foundation

struct IngestCommand: StageCommand {
    static let stage = RegisteredStage(IngestStage.self)
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Read FER2013-style CSVs, image archives and folders into a new dataset.",
        discussion: """
            Sources: a CSV with emotion,pixels[,Usage] columns (plain, .gz, .xz, .bz2, .zst); an archive \
            (zip, tar, tar.gz, tar.xz, 7z) or a folder of JPEG, PNG, TIFF, WebP or BMP images (known by their \
            bytes, not their names) laid out as SPLIT/CLASS/file or CLASS/file, or as a public FER dataset \
            ships: JAFFE and KDEF (labels in file names), and from their unpacked folders RAF-DB, AffectNet, \
            ExpW and CK+ (labels in list files; boxes cropped), or a manifest CSV \
            (path,label[,split][,subject][,x,y,w,h]). The layout is detected; --layout names it. Labels \
            outside the seven classes are counted as excluded. Images of any size and colour become square \
            faces of --size pixels (48) in --color gray or rgb (gray). Every input record is ingested or written to rejects.csv with a reason; see \
            docs/datasets.md.

            Examples:
              ferdata ingest fer2013.csv.gz
              ferdata ingest fer2013-images.zip --public-test-as-val
              ferdata ingest faces/ --label-map labels.txt --strict
              ferdata ingest RAF-DB/basic/          # EmoLabel/ and Image/aligned/ detected
              ferdata ingest KDEF/ --angles S,HL,HR
              ferdata ingest AffectNet/ --size 112 --color rgb   # for a ResNet-sized model
              ferdata ingest fer2013.csv.gz --partition 2/4   # part 2 of 4; then: ferdata merge ingest
            """)

    private static let defaults = IngestStage.Options()
    @Argument(help: ArgumentHelp("CSV files, archives or folders.", valueName: "SOURCE")) var sources: [String]
    @Option(help: ArgumentHelp("A file of 'name,target' lines mapping foreign label names to classes (or 'ignore').", valueName: "FILE"))
    var labelMap: String?
    @Flag(help: "Put PublicTest records in val instead of test.") var publicTestAsVal = defaults.publicTestAsVal
    @Flag(help: "Fail on the first rejected record instead of logging it.") var strict = defaults.strict
    @Option(help: "Records per shard.") var shardSize = defaults.shardSize
    @Option(help: ArgumentHelp("How the sources lay out faces and labels (default: detected).", valueName: "NAME")) var layout: Layout?
    @Option(help: ArgumentHelp("KDEF camera angles to keep, comma-separated (FL, HL, S, HR, FR).", valueName: "LIST"))
    var angles = defaults.angles.joined(separator: ",")
    @Option(help: "CK+: the last frames of each labelled sequence that carry its label.") var peakFrames = defaults.peakFrames
    @Option(help: "The faces' side in pixels, 8-255 (48: FER2013's and the CNN-RNN's input).") var size = defaults.size
    @Option(help: "The faces' colour (gray: the CNN-RNN's input).") var color = defaults.color
    @OptionGroup var faces: FaceOptions
    @OptionGroup var partition: PartitionOptions
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    var options: IngestStage.Options {
        var options = IngestStage.Options()
        options.sources = sources
        options.labelMap = labelMap
        options.publicTestAsVal = publicTestAsVal
        options.strict = strict
        options.shardSize = shardSize
        options.layout = layout
        options.angles = angles.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
        options.peakFrames = peakFrames
        options.size = size
        options.color = color
        options.faces = faces.faces
        options.minFace = faces.minFace
        options.align = faces.align
        options.allFaces = faces.allFaces
        options.partition = partition.partition
        return options
    }

    func validate() throws { try CommandIO.validate(options) }

    func run() throws {
        let result = try CommandIO.run(IngestStage.self, options, input: StageInput(), workspace: workspace.resolved, output: output)
        if output.json { return try CommandIO.printJSON(result.report) }
        guard !output.quiet else { return }
        print(SummaryTable.ingest(result.report, directory: result.directory))
        if !partition.partition.isWhole { print("\n" + partition.note(stage: "ingest")) }
    }
}
