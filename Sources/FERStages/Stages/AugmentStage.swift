import FERCore
import FERData
import FERMedia
import Foundation

/// `ferdata augment`: K augmented variants of every train record.
public enum AugmentStage: Stage {
    public static let name = "augment"
    public static let role = StageRole.dataset

    public struct Options: StageOptions {
        /// Variants per train record.
        public var copies = 1
        public var seed: UInt64 = 0
        public var augmentation = AugmentationRanges()
        /// This run's share of the input (`--partition I/N`); command line only.
        public var partition = Partition.whole

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable { case copies, seed }
        public static let keys = codingKeyNames(CodingKeys.self) + AugmentationRanges.keys

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            copies = try container.decode(Int.self, forKey: .copies)
            seed = try container.decode(UInt64.self, forKey: .seed)
            augmentation = try AugmentationRanges(from: decoder)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(copies, forKey: .copies)
            try container.encode(seed, forKey: .seed)
            try augmentation.encode(to: encoder)
        }

        public func validate() throws {
            guard copies >= 0 else { throw FerError(.invalidArgument, "copies must be 0 or more, got \(copies)") }
        }
    }

    public struct Report: Codable, Sendable {
        /// Variants added.
        public var variants: Int
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> DatasetOutput<Report> {
        try options.validate()
        let augmenter = Augmenter(copies: options.copies, policy: options.augmentation.policy, seed: options.seed)
        let source = try input.requireDataset(name)
        let (records, ordinals) = try augmenter.run(try source.allRecords(), partition: options.partition)
        let dataset = try StageIO.write(
            records, stage: name, from: source, workspace: context.workspace, parameters: augmenter.parameters,
            partition: options.partition, ordinals: ordinals)
        let variants = records.count - Set(ordinals).count
        return DatasetOutput(stage: name, dataset: dataset, partition: options.partition, report: Report(variants: variants))
    }
}
