import ArgumentParser
import FERCore
import FERData
import Foundation

/// Gold faces: faces of known label mixed into a queue unannounced, shown exactly like its other
/// faces, so each annotator's accuracy on them can be measured (`review agreement`) and a poor one
/// left out (`relabel --min-gold-accuracy`). Which faces are gold is kept in the review store, never
/// sent to the page. Used by `review` (uncertain and dataset queues) and by `active-learn`'s rounds.
public struct GoldFaces: Settings, Sendable {
    @Option(help: ArgumentHelp("A CSV of record_id,label (faces of the dataset with known labels) to mix into the queue unannounced "
        + "(uncertain and dataset queues, active-learn's rounds).", valueName: "FILE"))
    public var gold: String?
    @Option(help: ArgumentHelp("With --gold: gold faces as a share of the queue's faces.", valueName: "R"))
    public var goldRate = 0.05

    public init() {}

    public func check() throws {
        guard goldRate > 0 && goldRate <= 0.5 else { throw FerError(.invalidArgument, "gold-rate must be in (0, 0.5], got \(goldRate)") }
    }

    public var inputPaths: [String] { gold.map { [$0] } ?? [] }

    /// `items` with gold faces of the file mixed in (none without `--gold`): faces not already in the
    /// queue, `goldRate` of its size (at least one), chosen and placed at positions drawn by a
    /// generator of fixed seed, so the same queue is built every time. Returns the items and the gold
    /// faces' known labels.
    /// - Parameters:
    ///   - records: the dataset's records by id (`ReviewQueue.recordsByID`).
    ///   - show: how the queue shows faces, applied to the gold faces so they look like the others.
    public func mix(into items: [ReviewItem], records: [UInt64: FaceRecord], dataset: String,
                    show: ([FaceRecord]) throws -> [ReviewItem]) throws -> ([ReviewItem], [UInt64: String]) {
        guard let file = gold else { return (items, [:]) }
        let known = try ReviewQueue.knownLabels(file, records: records, dataset: dataset)
        let queued = Set(items.map(\.recordID))
        var candidates = known.filter { !queued.contains($0.recordID) }
        guard !candidates.isEmpty else {
            throw FerError(.invalidArgument, "every face of the gold file is already in the queue: gold faces must be faces it would not show",
                           at: InputLocation(source: file))
        }
        var generator = SeededGenerator(seed: 0x601D)
        candidates.shuffle(using: &generator)
        let chosen = candidates.prefix(min(candidates.count, max(1, Int((Double(items.count) * goldRate).rounded()))))
        var mixed = items
        for item in try show(chosen.map { records[$0.recordID]! }) {
            mixed.insert(item, at: Int.random(in: 0...mixed.count, using: &generator))
        }
        return (mixed, Dictionary(uniqueKeysWithValues: chosen.map { ($0.recordID, $0.label) }))
    }
}
