import FERCore
import FERData
import FERIngest
import Foundation

/// `ferdata split`: moves a stratified fraction of the train split to val, keeping each group of
/// duplicates (exact or pHash-near, as dedup finds them) on one side. Test is untouched, and
/// records already in val stay there.
public struct StratifiedSplit: Sendable {
    public struct Options: Sendable {
        public var valFraction: Double
        public var seed: UInt64
        /// Duplicate grouping, as in dedup (its defaults unless the split stage finds dedup's own).
        public var threshold: Int
        public var mirror: Bool

        public init(valFraction: Double = 0.1, seed: UInt64 = 0, threshold: Int = Deduplicator.Options.defaults.threshold,
                    mirror: Bool = Deduplicator.Options.defaults.mirror) {
            self.valFraction = valFraction
            self.seed = seed
            self.threshold = threshold
            self.mirror = mirror
        }

        public var parameters: [String: String] {
            ["val": String(valFraction), "seed": String(seed), "threshold": String(threshold), "mirror": String(mirror)]
        }
    }

    public struct Report: Sendable, Codable {
        /// class → [train, val] after the split.
        public var counts: [String: [Int]]
        public var movedToVal: Int
        /// Groups of two or more records kept together.
        public var groupsKeptTogether: Int
    }

    public let options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    public func run(_ records: [FaceRecord]) throws -> (records: [FaceRecord], report: Report) {
        guard options.valFraction > 0, options.valFraction < 1 else {
            throw FerError(.invalidArgument, "val must be between 0 and 1 (exclusive), got \(options.valFraction)")
        }
        let train = records.indices.filter { records[$0].split == .train }
        guard !train.isEmpty else { throw FerError(.datasetUnfit, "the dataset has no train records to split") }
        var graph = DuplicateGraph(records: records, candidates: train, threshold: options.threshold, mirror: options.mirror,
                                   subjects: true)
        // A group counts for its most common label; groups of each class are shuffled and taken
        // into val until the class reaches its share.
        let byClass = graph.groupsByMajorityLabel(records, candidates: train)
        var random = SeededGenerator(seed: options.seed, stream: 0x5B17)
        var output = records
        var moved = 0
        for label in byClass.keys.sorted() {
            var classGroups = byClass[label]!
            classGroups.shuffle(using: &random)
            let total = classGroups.reduce(0) { $0 + $1.count }
            let target = Int((Double(total) * options.valFraction).rounded())
            var taken = 0
            for group in classGroups where taken + group.count <= target {
                for member in group { output[member].split = .val }
                taken += group.count
            }
            moved += taken
        }
        var counts: [String: [Int]] = [:]
        for record in output where record.split != .test {
            let name = record.label?.name ?? "unlabeled"
            counts[name, default: [0, 0]][record.split == .train ? 0 : 1] += 1
        }
        return (output, Report(counts: counts, movedToVal: moved, groupsKeptTogether: byClass.values.joined().filter { $0.count > 1 }.count))
    }
}
