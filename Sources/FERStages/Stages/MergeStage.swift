import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import Foundation

/// `ferdata merge`: the parts of a partitioned stage run as one dataset, equal to a single run's.
public enum MergeStage: Stage {
    public static let name = "merge"
    public static let role = StageRole.tool

    public struct Options: StageOptions {
        @Argument(help: ArgumentHelp("The stage whose parts to join (default: the only one with parts).", valueName: "STAGE"))
        public var stage: String?
        @Flag(help: "Leave the parts in place after merging.")
        public var keepParts = false

        public init() {}
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
