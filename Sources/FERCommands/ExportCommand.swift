import ArgumentParser
import FERCore
import FERData
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a dataset as WebDataset tar shards, NumPy .npz, a FER2013-style CSV or class folders of PNGs.",
        discussion: """
            webdataset: SPLIT-000000.tar shards of KEY.png, KEY.cls and KEY.json (readable by the webdataset \
            package); npz: SPLIT.npz with x (uint8 [N,48,48]) and y (int64, -1 unlabeled); csv: fer2013.csv \
            (emotion,pixels,Usage); folder: SPLIT/CLASS/KEY.png. OUT must not exist; it appears complete or not \
            at all.

            Examples:
              ferdata export --format webdataset --out fer2013-wds
              ferdata export 0003-split --format npz --out fer2013-npz --split test
            """)

    @Argument(help: ArgumentHelp("A dataset name, number, stage or folder (default: the latest).", valueName: "DATASET"))
    var dataset: String?
    @Option(help: "webdataset, npz, csv or folder.") var format: String
    @Option(help: ArgumentHelp("The folder to write.", valueName: "OUT")) var out: String
    @Option(help: "Only this split (train, val or test).") var split: String?
    @Option(help: "Faces per WebDataset tar shard.") var shardSize = 10_000
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try CommandIO.reportingErrors {
            guard let chosen = Exporter.Format(rawValue: format) else {
                throw FerError(.invalidArgument, "--format must be webdataset, npz, csv or folder, got '\(format)'")
            }
            let summary = try Exporter.export(try workspace.resolved.dataset(dataset), format: chosen, to: URL(fileURLWithPath: out),
                                              split: try CommandIO.split(split), shardSize: max(1, shardSize))
            if output.json { return try CommandIO.printJSON(summary) }
            guard !output.quiet else { return }
            print("exported \(summary.records) faces as \(chosen.rawValue) to \(summary.output)"
                  + (summary.skipped > 0 ? " (\(summary.skipped) unlabeled faces have no CSV row)" : ""))
        }
    }
}
