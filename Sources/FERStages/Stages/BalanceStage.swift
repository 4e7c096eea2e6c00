import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERMedia
import Foundation

/// `ferdata balance`: every train class to a target count.
public enum BalanceStage: Stage {
    public static let name = "balance"
    public static let role = StageRole.dataset

    public struct Options: StageOptions {
        @Option(help: ArgumentHelp("Records per class: a number, max or median (required).", valueName: "N|max|median"))
        public var target: Balancer.Target?
        @Option(help: "Random seed.")
        public var seed: UInt64 = 0
        @OptionGroup(title: "Augmentation of the added variants")
        public var augmentation: AugmentationRanges

        public init() {}

        public func check() throws {
            guard target != nil else { throw FerError(.invalidArgument, "target is required: a number of records per class, max or median") }
        }
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> DatasetOutput<Balancer.Report> {
        try options.check()
        let balancer = Balancer(target: options.target!, policy: options.augmentation.policy, seed: options.seed)
        return try Curation.run(name, input: input, context: context, parameters: balancer.parameters) { records, _ in
            let (balanced, report) = try balancer.run(records)
            return (balanced, report, [("balance.json", try StageIO.json(report))])
        }
    }
}

extension Balancer.Target: Codable, ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }

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
