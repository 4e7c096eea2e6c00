import ArgumentParser
import FERCore
import FERData
import FERIngest
import FERMedia
import Foundation

/// `ferdata dedup`: removes exact and near duplicates, train/val copies of test faces (leakage),
/// label-conflicting duplicate groups, and degenerate (near-constant) images.
public struct Deduplicator: Sendable {
    public enum ConflictPolicy: String, StageChoice {
        /// Drop every train/val member of a group whose labels disagree.
        case drop
        /// Keep one member with the group's majority label (a tie drops the group).
        case majority
    }

    /// Which faces count as copies and what becomes of them: dedup's options.
    public struct Options: Settings, Sendable {
        @Option(help: "Largest pHash Hamming distance of a near duplicate (0-15); see docs/dedup.md.")
        public var threshold = 4
        @Flag(inversion: .prefixedNo, help: "Count a mirrored copy as a duplicate.")
        public var mirror = true
        @Option(help: "Label conflicts within a group: drop them, or keep the majority label.")
        public var conflicts = ConflictPolicy.drop
        @Flag(help: "Keep near-constant (degenerate) images.")
        public var keepDegenerate = false
        @Option(help: "Images whose pixel standard deviation is below this are degenerate (0-255 units).")
        public var degenerateDeviation: Float = 4

        public init() {}

        public func check() throws {
            guard (0...15).contains(threshold) else { throw FerError(.invalidArgument, "threshold must be 0-15 (pHash bits), got \(threshold)") }
            guard degenerateDeviation >= 0 else {
                throw FerError(.invalidArgument, "degenerate-deviation must be 0 or more, got \(degenerateDeviation)")
            }
        }
    }

    /// What happened to one record.
    public enum Action: String, Sendable, Codable {
        case kept
        case exactDuplicate = "exact-duplicate"
        case nearDuplicate = "near-duplicate"
        case leakIntoTest = "leak-into-test"
        case leakIntoVal = "leak-into-val"
        case labelConflict = "label-conflict"
        case degenerate
    }

    public struct Report: Sendable, Codable {
        public var input: Int
        public var kept: Int
        public var removed: [String: Int]
        public var exactGroups: Int
        public var nearGroups: Int
        /// Groups whose members span two splits, by pair ("train-test", "val-test", "train-val").
        public var leakageGroups: [String: Int]
        /// Records removed as leakage, by the split they were removed from.
        public var leakedRecords: [String: Int]
        public var labelConflictGroups: Int
        public var relabelled: Int
        public var degenerateBySplit: [String: Int]
        public var threshold: Int
        public var mirror: Bool
    }

    /// A duplicate group, for duplicates.csv and the contact sheet.
    public struct Group: Sendable {
        public var id: Int
        public var members: [Int]
        public var distances: [Int]
        public var actions: [Action]
        public var exact: Bool
    }

    public let options: Options

    public init(options: Options = .defaults) {
        self.options = options
    }

    /// Decides the fate of every record. Records are returned in input order.
    public func run(_ records: [FaceRecord]) throws -> (kept: [FaceRecord], groups: [Group], report: Report) {
        try options.check()
        let count = records.count
        var actions = [Action](repeating: .kept, count: count)
        var labels = records.map(\.label)

        // Degenerate images leave first and take no part in grouping.
        let deviations = Parallel.map(count: count) { range in range.map { Self.deviation(records[$0].pixels) } }
        var degenerateBySplit: [String: Int] = [:]
        for index in 0..<count where deviations[index] < options.degenerateDeviation {
            degenerateBySplit[records[index].split.name, default: 0] += 1
            if !options.keepDegenerate { actions[index] = .degenerate }
        }
        let candidates = (0..<count).filter { actions[$0] == .kept }

        let graph = DuplicateGraph(records: records, candidates: candidates, threshold: options.threshold, mirror: options.mirror)
        var sets = graph.sets
        let hashOf = graph.hashes

        // Groups of two or more, each in input order.
        var membersByRoot: [Int: [Int]] = [:]
        for record in candidates { membersByRoot[sets.find(record), default: []].append(record) }
        var groups: [Group] = []
        var report = Report(
            input: count, kept: 0, removed: [:], exactGroups: 0, nearGroups: 0, leakageGroups: [:], leakedRecords: [:],
            labelConflictGroups: 0, relabelled: 0, degenerateBySplit: degenerateBySplit,
            threshold: options.threshold, mirror: options.mirror)
        for members in membersByRoot.values.filter({ $0.count > 1 }).sorted(by: { $0[0] < $1[0] }) {
            let exact = members.dropFirst().allSatisfy { records[$0].pixels == records[members[0]].pixels }
            if exact { report.exactGroups += 1 } else { report.nearGroups += 1 }
            settle(group: members, records: records, actions: &actions, labels: &labels, report: &report)
            let representative = hashOf[members[0]]!
            let distances = members.map { member -> Int in
                if records[member].pixels == records[members[0]].pixels { return 0 }
                let hash = hashOf[member]!.plain
                var distance = PerceptualHash.distance(hash, representative.plain)
                if let mirror = representative.mirrored { distance = min(distance, PerceptualHash.distance(hash, mirror)) }
                return distance
            }
            groups.append(Group(id: groups.count + 1, members: members, distances: distances,
                                actions: members.map { actions[$0] }, exact: exact))
        }

        var kept: [FaceRecord] = []
        for index in 0..<count {
            if actions[index] == .kept {
                var record = records[index]
                record.label = labels[index]
                kept.append(record)
            } else {
                report.removed[actions[index].rawValue, default: 0] += 1
            }
        }
        report.kept = kept.count
        return (kept, groups, report)
    }

    /// Applies the split, duplicate and label policies to one group.
    private func settle(
        group members: [Int], records: [FaceRecord], actions: inout [Action], labels: inout [Emotion?], report: inout Report
    ) {
        let splits = Set(members.map { records[$0].split })
        for (a, b) in [(Split.train, Split.test), (.val, .test), (.train, .val)] where splits.contains(a) && splits.contains(b) {
            report.leakageGroups["\(a.name)-\(b.name)", default: 0] += 1
        }
        let distinctLabels = Set(members.compactMap { records[$0].label })
        let conflict = distinctLabels.count > 1
        if conflict { report.labelConflictGroups += 1 }
        if splits.contains(.test) {
            // Test copies stay as they are (the benchmark set is not edited); train/val copies leak.
            for member in members where records[member].split != .test {
                actions[member] = .leakIntoTest
                report.leakedRecords[records[member].split.name, default: 0] += 1
            }
            return
        }
        let keptSplit: Split = splits.contains(.val) ? .val : .train
        for member in members where records[member].split != keptSplit {
            actions[member] = .leakIntoVal
            report.leakedRecords[records[member].split.name, default: 0] += 1
        }
        let survivors = members.filter { records[$0].split == keptSplit }
        let exactCopy = { (member: Int) in records[member].pixels == records[survivors[0]].pixels }
        for member in survivors.dropFirst() { actions[member] = exactCopy(member) ? .exactDuplicate : .nearDuplicate }
        guard conflict else { return }
        switch options.conflicts {
        case .drop:
            actions[survivors[0]] = .labelConflict
        case .majority:
            var votes: [Emotion: Int] = [:]
            for member in members { if let label = records[member].label { votes[label, default: 0] += 1 } }
            let ranked = votes.sorted { $0.value > $1.value }
            if ranked.count > 1 && ranked[0].value == ranked[1].value {
                actions[survivors[0]] = .labelConflict
            } else if labels[survivors[0]] != ranked[0].key {
                labels[survivors[0]] = ranked[0].key
                report.relabelled += 1
            }
        }
    }

    /// Pixel standard deviation, 0-255 units.
    static func deviation(_ pixels: [UInt8]) -> Float {
        var sum = 0, squares = 0
        for value in pixels {
            sum += Int(value)
            squares += Int(value) * Int(value)
        }
        let n = Float(pixels.count), mean = Float(sum) / n
        return max(0, Float(squares) / n - mean * mean).squareRoot()
    }

    /// duplicates.csv: one line per group member.
    public static func duplicatesCSV(_ groups: [Group], records: [FaceRecord], sources: [DatasetManifest.Source]) -> Data {
        var text = "group,record_id,source,member,locator,split,label,distance,action\n"
        for group in groups {
            for (position, member) in group.members.enumerated() {
                let record = records[member]
                let source = record.sourceIndex < sources.count ? sources[Int(record.sourceIndex)].path : ""
                let fields = [String(group.id), String(record.recordID), source, record.sourceName, String(record.locator), record.split.name,
                              record.label?.name ?? "", String(group.distances[position]), group.actions[position].rawValue]
                text += CSVField.line(fields) + "\n"
            }
        }
        return Data(text.utf8)
    }
}
