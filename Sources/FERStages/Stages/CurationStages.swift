import FERCore
import FERData
import FERMedia
import Foundation

/// What every curation stage shares: read the input dataset whole, compute, write the new dataset
/// with the stage's attachments.
enum Curation {
    static func run<Report>(
        _ stage: String, input: StageInput, context: StageContext, parameters: [String: String],
        _ body: (_ records: [FaceRecord], _ input: Dataset) throws -> (records: [FaceRecord], report: Report, attachments: [(name: String, contents: Data)])
    ) throws -> DatasetOutput<Report> {
        let source = try input.requireDataset(stage)
        let (records, report, attachments) = try body(try source.allRecords(), source)
        let dataset = try StageIO.write(records, stage: stage, from: source, workspace: context.workspace, parameters: parameters,
                                        attachments: attachments)
        return DatasetOutput(stage: stage, dataset: dataset, report: report)
    }
}

/// `ferdata split`: a stratified share of train to val, duplicate groups kept whole.
public enum SplitStage: Stage {
    public static let name = "split"
    public static let role = StageRole.dataset

    public struct Options: StageOptions {
        /// Share of each class of train that goes to val.
        public var val = 0.1
        public var seed: UInt64 = 0

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable { case val, seed }
        public static let keys = codingKeyNames(CodingKeys.self)

        public func validate() throws {
            guard val > 0 && val < 1 else { throw FerError(.invalidArgument, "val must be between 0 and 1 (exclusive), got \(val)") }
        }
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> DatasetOutput<StratifiedSplit.Report> {
        try options.validate()
        var settings = StratifiedSplit.Options()
        settings.valFraction = options.val
        settings.seed = options.seed
        return try Curation.run(name, input: input, context: context, parameters: settings.parameters) { records, _ in
            let (split, report) = try StratifiedSplit(options: settings).run(records)
            return (split, report, [("split.json", try StageIO.json(report))])
        }
    }
}

/// The augmentation ranges of balance and augment (defaults: `AugmentationPolicy.standard`).
public struct AugmentationRanges: Codable, Sendable, Equatable {
    /// Probability of a horizontal flip.
    public var flip = AugmentationPolicy.standard.flipProbability
    /// Rotation range, ± degrees.
    public var rotation = AugmentationPolicy.standard.rotationDegrees
    /// Translation range, ± pixels per axis.
    public var translate = AugmentationPolicy.standard.translatePixels
    /// Scale range: 1 ± this.
    public var scale = AugmentationPolicy.standard.scaleRange
    /// Brightness range, ± (0-255 units).
    public var brightness = AugmentationPolicy.standard.brightness
    /// Contrast range: 1 ± this.
    public var contrast = AugmentationPolicy.standard.contrast
    /// Largest Gaussian noise sigma (0-255 units).
    public var noise = AugmentationPolicy.standard.noiseSigma
    /// Probability of random erasing.
    public var erase = AugmentationPolicy.standard.eraseProbability

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable { case flip, rotation, translate, scale, brightness, contrast, noise, erase }
    static let keys = codingKeyNames(CodingKeys.self)

    public var policy: AugmentationPolicy {
        AugmentationPolicy(
            flipProbability: flip, rotationDegrees: rotation, translatePixels: translate, scaleRange: scale,
            brightness: brightness, contrast: contrast, noiseSigma: noise, eraseProbability: erase,
            eraseMaxSide: AugmentationPolicy.standard.eraseMaxSide)
    }
}

/// `ferdata balance`: every train class to a target count.
public enum BalanceStage: Stage {
    public static let name = "balance"
    public static let role = StageRole.dataset

    public struct Options: StageOptions {
        /// Records per class: a number, `max` or `median`; required.
        public var target: Balancer.Target?
        public var seed: UInt64 = 0
        public var augmentation = AugmentationRanges()

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable { case target, seed }
        public static let keys = codingKeyNames(CodingKeys.self) + AugmentationRanges.keys

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            target = try container.decodeIfPresent(Balancer.Target.self, forKey: .target)
            seed = try container.decode(UInt64.self, forKey: .seed)
            augmentation = try AugmentationRanges(from: decoder)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(target, forKey: .target)
            try container.encode(seed, forKey: .seed)
            try augmentation.encode(to: encoder)
        }

        public func validate() throws {
            guard target != nil else { throw FerError(.invalidArgument, "target is required: a number of records per class, max or median") }
        }
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> DatasetOutput<Balancer.Report> {
        try options.validate()
        let balancer = Balancer(target: options.target!, policy: options.augmentation.policy, seed: options.seed)
        return try Curation.run(name, input: input, context: context, parameters: balancer.parameters) { records, _ in
            let (balanced, report) = try balancer.run(records)
            return (balanced, report, [("balance.json", try StageIO.json(report))])
        }
    }
}

extension Balancer.Target: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try (try? container.decode(String.self)) ?? String(container.decode(Int.self))
        guard let target = Balancer.Target(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a positive number, max or median, got '\(text)'")
        }
        self = target
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

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
