import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERMedia
import Foundation

/// `ferdata augment`: K augmented variants of every train record.
public enum AugmentStage: Stage {
    public static let name = "augment"
    public static let role = StageRole.dataset

    public struct Options: StageOptions {
        @Option(help: "Variants per train record.")
        public var copies = 1
        @Option(help: "Random seed.")
        public var seed: UInt64 = 0
        @OptionGroup(title: "Augmentation")
        public var augmentation: AugmentationRanges

        public init() {}

        public func check() throws {
            guard copies >= 0 else { throw FerError(.invalidArgument, "copies must be 0 or more, got \(copies)") }
        }
    }

    public struct Report: Codable, Sendable {
        /// Variants added.
        public var variants: Int
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> DatasetOutput<Report> {
        try options.check()
        let augmenter = Augmenter(copies: options.copies, policy: options.augmentation.policy, seed: options.seed)
        let source = try input.requireDataset(name)
        let (records, ordinals) = try augmenter.run(try source.allRecords(), partition: context.partition)
        let dataset = try StageIO.write(
            records, stage: name, from: source, workspace: context.workspace, parameters: augmenter.parameters,
            partition: context.partition, ordinals: ordinals)
        let variants = records.count - Set(ordinals).count
        return DatasetOutput(stage: name, dataset: dataset, partition: context.partition, report: Report(variants: variants))
    }
}
