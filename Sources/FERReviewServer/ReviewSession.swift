import FERCore
import FERData
import FERIngest
import FERMedia
import FERReview
import Foundation
import Hummingbird

/// One annotator's review of one queue: the faces, the standing decisions (the store's, kept in step
/// as decisions are stored), and the answers the page's requests get. Record ids travel as strings:
/// they exceed JavaScript's exact integers.
actor ReviewSession {
    let queue: ReviewQueue
    let store: ReviewStore
    let annotator: String
    nonisolated let faces: [UInt64: FaceRecord]
    nonisolated let positions: [UInt64: Int]
    /// Record ids by neighbour key (`group:N` from the queue, `subject:S` from the whole dataset).
    nonisolated let neighbourhoods: [String: [UInt64]]
    private var standing: [UInt64: ReviewLabel]

    init(queue: ReviewQueue, dataset: Dataset, store: ReviewStore, annotator: String) throws {
        self.queue = queue
        self.store = store
        self.annotator = annotator
        var faces: [UInt64: FaceRecord] = [:]
        var neighbourhoods: [String: [UInt64]] = [:]
        try dataset.forEachRecord { record in
            guard !record.flags.contains(.augmented) else { return }
            faces[record.recordID] = record
            if let subject = record.subject { neighbourhoods["subject:" + subject, default: []].append(record.recordID) }
        }
        var positions: [UInt64: Int] = [:]
        for (position, item) in queue.items.enumerated() {
            guard faces[item.recordID] != nil else {
                throw FerError(.badManifest, "queue \(queue.name) names record \(item.recordID), which \(dataset.name) does not hold")
            }
            positions[item.recordID] = position
            if let key = item.neighbours, key.hasPrefix("group:") { neighbourhoods[key, default: []].append(item.recordID) }
        }
        self.faces = faces
        self.positions = positions
        self.neighbourhoods = neighbourhoods
        standing = try store.standing(queue: queue.name, annotator: annotator).mapValues(\.newLabel)
    }

    struct Item: Codable {
        var id: String
        var given: String?
        var suggested: String?
        var score: Double?
        var neighbours: String?
    }

    struct State: Codable {
        var queue: String
        var dataset: String
        var annotator: String
        /// Key 1-7 then 0: the classes then `unusable`.
        var labels: [String]
        var items: [Item]
        /// This annotator's standing decision per record id.
        var decisions: [String: ReviewLabel]
        /// The first face without a decision (the count when all are done).
        var resume: Int
        var done: Int
        var total: Int
    }

    func state() -> State {
        let items = queue.items.map {
            Item(id: String($0.recordID), given: $0.given, suggested: $0.suggested, score: $0.score, neighbours: $0.neighbours)
        }
        let resume = queue.items.firstIndex { standing[$0.recordID] == nil } ?? queue.items.count
        return State(queue: queue.name, dataset: queue.dataset, annotator: annotator, labels: ReviewLabel.names, items: items,
                     decisions: Dictionary(uniqueKeysWithValues: standing.map { (String($0.key), $0.value) }),
                     resume: resume, done: standing.count, total: queue.items.count)
    }

    struct DecisionRequest: Codable {
        var ids: [String]
        var label: String
    }

    struct Saved: Codable {
        var id: String
        /// The standing label now (nil: none, after an undo).
        var label: ReviewLabel?
        var decision: Int64?
    }

    struct Answer: Codable {
        var saved: [Saved]
        var done: Int
        var total: Int
    }

    /// Stores the decisions (one batch) and answers once they are on disk.
    func decide(_ request: DecisionRequest) async throws -> Answer {
        guard let label = ReviewLabel(name: request.label) else {
            throw HTTPError(.badRequest, message: "unknown label '\(request.label)': expected one of \(ReviewLabel.names.joined(separator: ", "))")
        }
        guard !request.ids.isEmpty else { throw HTTPError(.badRequest, message: "no record id") }
        guard Set(request.ids).count == request.ids.count else {
            throw HTTPError(.badRequest, message: "a record id is given twice in one request: each face is decided once per batch")
        }
        let decisions = try request.ids.map { text -> Decision in
            guard let id = UInt64(text), let position = positions[id] else {
                throw HTTPError(.badRequest, message: "record \(text) is not in queue \(queue.name)")
            }
            return Decision(recordID: id, dataset: queue.dataset, queue: queue.name, annotator: annotator,
                            oldLabel: queue.items[position].given, newLabel: label)
        }
        let stored = try await store.record(decisions)
        for decision in stored { standing[decision.recordID] = decision.newLabel }
        return Answer(saved: stored.map { Saved(id: String($0.recordID), label: $0.newLabel, decision: $0.id) },
                      done: standing.count, total: queue.items.count)
    }

    /// Takes back this annotator's latest batch; answers with the faces' standing labels now.
    func undo() async throws -> Answer {
        let taken = try await store.undo(queue: queue.name, annotator: annotator)
        standing = try store.standing(queue: queue.name, annotator: annotator).mapValues(\.newLabel)
        return Answer(saved: taken.map { Saved(id: String($0.recordID), label: standing[$0.recordID], decision: nil) },
                      done: standing.count, total: queue.items.count)
    }

    nonisolated func facePNG(_ id: UInt64) throws -> [UInt8] {
        guard let record = faces[id] else { throw HTTPError(.notFound, message: "no face \(id)") }
        return try ImageEncoder.png(record.pixels, width: record.shape.width, height: record.shape.height,
                                    channels: record.shape.channels, compressionLevel: 1)
    }

    struct Neighbours: Codable {
        var key: String?
        var faces: [Item]
    }

    /// The faces that share the record's duplicate group or subject (at most 60), itself first.
    nonisolated func neighbours(of id: UInt64) throws -> Neighbours {
        guard let position = positions[id] else { throw HTTPError(.badRequest, message: "record \(id) is not in queue \(queue.name)") }
        guard let key = queue.items[position].neighbours else { return Neighbours(key: nil, faces: []) }
        let ids = [id] + (neighbourhoods[key] ?? []).filter { $0 != id }.prefix(59)
        return Neighbours(key: key, faces: ids.map { Item(id: String($0), given: faces[$0]?.label?.name) })
    }
}
