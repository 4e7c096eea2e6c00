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
