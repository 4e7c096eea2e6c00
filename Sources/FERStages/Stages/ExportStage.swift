import FERCore
import FERData
import Foundation

/// `ferdata export`: a dataset as WebDataset shards, NumPy arrays, a FER2013 CSV or PNG folders.
public enum ExportStage: Stage {
    public static let name = "export"
    public static let role = StageRole.tool

    public struct Options: StageOptions {
        public var format = Exporter.Format.webdataset
        /// The folder to write; it must not exist.
        public var out = ""
        /// Only this split.
        public var split = SplitChoice.all
        /// Faces per WebDataset tar shard.
        public var shardSize = 10_000

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable { case format, out, split, shardSize = "shard-size" }
        public static let keys = codingKeyNames(CodingKeys.self)

        public func validate() throws {
            guard !out.isEmpty else { throw FerError(.invalidArgument, "out: name the folder to write") }
            guard shardSize > 0 else { throw FerError(.invalidArgument, "shard-size must be positive, got \(shardSize)") }
        }
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> Exporter.Summary {
        try options.validate()
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
