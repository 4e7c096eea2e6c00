import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import Foundation

/// `ferdata export`: a dataset as WebDataset shards, NumPy arrays, a FER2013 CSV or PNG folders.
public enum ExportStage: Stage {
    public static let name = "export"
    public static let role = StageRole.tool

    public struct Options: StageOptions {
        @Option(help: "The format to write.")
        public var format = Exporter.Format.webdataset
        @Option(help: ArgumentHelp("The folder to write; it must not exist.", valueName: "OUT"))
        public var out = ""
        @Option(help: "Only this split.")
        public var split = SplitChoice.all
        @Option(help: "Faces per WebDataset tar shard.")
        public var shardSize = 10_000

        public init() {}

        public func check() throws {
            guard !out.isEmpty else { throw FerError(.invalidArgument, "out: name the folder to write") }
            guard shardSize > 0 else { throw FerError(.invalidArgument, "shard-size must be positive, got \(shardSize)") }
        }
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> Exporter.Summary {
        try options.check()
        return try Exporter.export(try input.requireDataset(name), format: options.format, to: URL(fileURLWithPath: options.out),
                                   split: options.split.split, shardSize: options.shardSize)
    }
}

extension Exporter.Summary: StageOutput {
    public var location: String { output }
    public var summary: String { "\(records) faces as \(format.rawValue) in \(output)" }
    public func exists(in workspace: Workspace) -> Bool { FileManager.default.fileExists(atPath: output) }
    public func feed(_ input: inout StageInput, workspace: Workspace) throws {}
}
