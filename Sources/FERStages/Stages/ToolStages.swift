import FERCore
import FERData
import Foundation

/// `ferdata merge`: the parts of a partitioned stage run as one dataset, equal to a single run's.
public enum MergeStage: Stage {
    public static let name = "merge"
    public static let role = StageRole.tool

    public struct Options: StageOptions {
        /// The stage whose parts to join (default: the only one with parts).
        public var stage: String?
        /// Leave the parts in place after merging.
        public var keepParts = false

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable { case stage, keepParts = "keep-parts" }
        public static let keys = codingKeyNames(CodingKeys.self)
    }

    public struct Report: Codable, Sendable {
        public var stage: String
        public var parts: Int
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> DatasetOutput<Report> {
        let merger = try PartMerger(workspace: context.workspace, stage: options.stage)
        let dataset = try merger.merge(keepParts: options.keepParts)
        return DatasetOutput(stage: merger.stage, dataset: dataset, report: Report(stage: merger.stage, parts: merger.parts.count))
    }
}

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

/// `ferdata verify`: datasets checked against their manifests, each problem with its shard and record.
public enum VerifyStage: Stage {
    public static let name = "verify"
    public static let role = StageRole.tool

    public struct Options: StageOptions {
        /// Check every dataset of the workspace rather than the input one.
        public var all = false

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable { case all }
        public static let keys = codingKeyNames(CodingKeys.self)
    }

    public struct Output: StageOutput {
        public var reports: [DatasetVerifier.Report]
        public var intact: Bool { reports.allSatisfy(\.intact) }
        public var location: String { "datasets" }
        public var summary: String { "\(reports.count) datasets, \(reports.filter { !$0.intact }.count) damaged" }
        public func exists(in workspace: Workspace) -> Bool { true }
        public func feed(_ input: inout StageInput, workspace: Workspace) throws {}
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> Output {
        let workspace = context.workspace
        let datasets = options.all ? try workspace.datasetNames().map { try workspace.dataset($0) } : [try input.requireDataset(name)]
        return Output(reports: datasets.map(DatasetVerifier.verify))
    }
}
