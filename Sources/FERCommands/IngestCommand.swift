import ArgumentParser
import FERCore
import FERData
import Foundation

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Read FER2013-style CSVs, image archives and folders into a new dataset.",
        discussion: """
            Sources: a CSV with emotion,pixels[,Usage] columns (plain, .gz, .xz, .bz2, .zst); an archive \
            (zip, tar, tar.gz, tar.xz, 7z) or a folder of JPEG/PNG images laid out as SPLIT/CLASS/file or \
            CLASS/file. Images of any size and colour become 48x48 grayscale. Every input record is \
            ingested or written to rejects.csv with a reason.

            Examples:
              ferdata ingest fer2013.csv.gz
              ferdata ingest fer2013-images.zip --public-test-as-val
              ferdata ingest faces/ --label-map labels.txt --strict
              ferdata ingest fer2013.csv.gz --partition 2/4   # part 2 of 4; then: ferdata merge ingest
            """)

    @Argument(help: ArgumentHelp("CSV files, archives or folders.", valueName: "SOURCE"))
    var sources: [String]

    @Option(name: .long, help: ArgumentHelp(
        "A file of 'name,target' lines mapping foreign label names to classes (or 'ignore').", valueName: "FILE"))
    var labelMap: String?

    @Flag(name: .long, help: "Put PublicTest records in val instead of test.")
    var publicTestAsVal = false

    @Flag(name: .long, help: "Fail on the first rejected record instead of logging it.")
    var strict = false

    @Option(name: .long, help: "Records per shard.")
    var shardSize = DatasetWriter.defaultShardSize

    @OptionGroup var partition: PartitionOptions
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        var options = IngestOptions()
        options.strict = strict
        options.shardSize = shardSize
        options.partition = partition.partition
        options.layout.usageMapping = UsageMapping(publicTestAsVal: publicTestAsVal)
        (options.layout.vocabulary, options.labelMapSHA256) = try CommandIO.labelMap(labelMap)
        let bar = ProgressBar(enabled: !output.quiet && !output.json)
        let ingestor = Ingestor(workspace: workspace.resolved, options: options) { progress in
            bar.update(
                label: "ingest " + URL(fileURLWithPath: progress.source).lastPathComponent, fraction: progress.fraction,
                detail: "\(progress.records) records, \(progress.rejected) rejected")
        }
        let (dataset, summary) = try CommandIO.reportingErrors { try ingestor.run(sources) }
        bar.finish()
        if output.json {
            try CommandIO.printJSON(summary)
        } else if !output.quiet {
            print(SummaryTable.ingest(summary, dataset: dataset))
            if !partition.partition.isWhole { print("\n" + partition.note(stage: "ingest")) }
        }
    }
}
