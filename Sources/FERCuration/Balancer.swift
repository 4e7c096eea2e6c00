import FERCore
import FERData
import FERIngest
import FERMedia
import Foundation

/// `ferdata balance --target N|max|median`: brings every class of the train split to the target:
/// larger classes are randomly downsampled, smaller ones filled with augmented variants of their own
/// records (never byte-identical copies). Val and test are untouched.
public struct Balancer: Sendable {
    public enum Target: Sendable, Equatable, CustomStringConvertible {
        case count(Int)
        case max
        case median

        /// Reads `5000`, `max` or `median`.
        public init?(_ text: String) {
            switch text.lowercased() {
            case "max": self = .max
            case "median": self = .median
            default:
                guard let value = Int(text), value > 0 else { return nil }
                self = .count(value)
            }
        }

        public var description: String {
            switch self {
            case .count(let value): String(value)
            case .max: "max"
            case .median: "median"
            }
        }
    }

    public struct Report: Sendable, Codable {
        public var target: Int
        /// class → train count before and after.
        public var before: [String: Int]
        public var after: [String: Int]
        public var generated: Int
        public var dropped: Int
    }

    public var target: Target
    public var policy: AugmentationPolicy
    public var seed: UInt64

    public init(target: Target, policy: AugmentationPolicy = .standard, seed: UInt64 = 0) {
        self.target = target
        self.policy = policy
        self.seed = seed
    }

    public var parameters: [String: String] {
        policy.parameters.merging(["target": target.description, "seed": String(seed)]) { $1 }
    }

    public func run(_ records: [FaceRecord]) throws -> (records: [FaceRecord], report: Report) {
        var byClass = [[Int]](repeating: [], count: Emotion.allCases.count)
        for (index, record) in records.enumerated() where record.split == .train {
            if let label = record.label { byClass[Int(label.rawValue)].append(index) }
        }
        let sizes = byClass.map(\.count)
        if let empty = Emotion.allCases.first(where: { sizes[Int($0.rawValue)] == 0 }) {
            throw FerError(.invalidArgument,
                           "class '\(empty.name)' has no train records: nothing to balance it from (train counts: \(Self.describe(sizes)))")
        }
        let goal: Int
        switch target {
        case .count(let value): goal = value
        case .max: goal = sizes.max()!
        case .median: goal = sizes.sorted()[sizes.count / 2]
        }
        var keep = [Bool](repeating: true, count: records.count)
        var additions: [[FaceRecord]] = Array(repeating: [], count: records.count)
        var generated = 0, dropped = 0
        for label in Emotion.allCases {
            let members = byClass[Int(label.rawValue)]
            var random = SeededGenerator(seed: seed, stream: 0xBA1 + UInt64(label.rawValue))
            if members.count > goal {
                let chosen = Set(members.shuffled(using: &random).prefix(goal))
                for member in members where !chosen.contains(member) { keep[member] = false }
                dropped += members.count - goal
            } else if members.count < goal {
                // Parents in a shuffled round robin: each original gets an equal share of variants.
                let parents = members.shuffled(using: &random)
                let needed = goal - members.count
                let (policy, seed) = (self.policy, self.seed)
                let variants = Parallel.map(count: needed) { range in
                    range.map { k in
                        Variants.make(from: records[parents[k % parents.count]], variant: k / parents.count,
                                      policy: policy, seed: seed, stage: "balance")
                    }
                }
                for (k, variant) in variants.enumerated() { additions[parents[k % parents.count]].append(variant) }
                generated += needed
            }
        }
        var output: [FaceRecord] = []
        output.reserveCapacity(records.count + generated)
        for index in records.indices {
            if keep[index] { output.append(records[index]) }
            output.append(contentsOf: additions[index])
        }
        var after = [Int](repeating: 0, count: Emotion.allCases.count)
        for record in output where record.split == .train { if let label = record.label { after[Int(label.rawValue)] += 1 } }
        let names = Emotion.names
        let report = Report(
            target: goal, before: Dictionary(uniqueKeysWithValues: zip(names, sizes)),
            after: Dictionary(uniqueKeysWithValues: zip(names, after)), generated: generated, dropped: dropped)
        return (output, report)
    }

    static func describe(_ sizes: [Int]) -> String {
        zip(Emotion.names, sizes).map { "\($0) \($1)" }.joined(separator: ", ")
    }
}
