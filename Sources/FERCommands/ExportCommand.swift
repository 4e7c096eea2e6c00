import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERStages
import Foundation

struct ExportCommand: StageCommand {
    static let stage = RegisteredStage(ExportStage.self)
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

    @OptionGroup var input: DatasetArgument
    @OptionGroup var options: ExportStage.Options
    @OptionGroup var output: OutputOptions

    func run() throws {
        let root = input.workspace.resolved
        let summary = try CommandIO.run(ExportStage.self, options, input: try input.stageInput(),
                                        workspace: root, output: output)
        if output.json { return try CommandIO.printJSON(summary) }
        guard !output.quiet else { return }
        print("exported \(summary.records) faces as \(summary.format.rawValue) to \(summary.output)"
              + (summary.skipped > 0 ? " (\(summary.skipped) unlabeled faces have no CSV row)" : ""))
    }
}
