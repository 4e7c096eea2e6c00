import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
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

    @OptionGroup var options: IngestStage.Options
    @OptionGroup var partition: PartitionOptions
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let result = try CommandIO.run(IngestStage.self, options, input: StageInput(), workspace: workspace.resolved, output: output, partition: partition.partition)
        if output.json { return try CommandIO.printJSON(result.report) }
        guard !output.quiet else { return }
        print(SummaryTable.ingest(result.report, directory: result.directory))
        if !partition.partition.isWhole { print("\n" + partition.note(stage: "ingest")) }
    }
}
