import FERCore
import FERData
import FERIngest
import Foundation
import GRDB

/// The annotation store: every review decision, one row each, in SQLite (WAL mode, `synchronous =
/// FULL`, so a decision is on disk when `record` returns and a killed server or machine loses none),
/// and each queue's items, so a restarted review shows the same faces in the same order.
/// It lives in the workspace (`WORKSPACE/review/decisions.sqlite`); nothing is ever deleted: undo
/// marks decisions as undone.
public final class ReviewStore: Sendable {
    public let path: String
    private let pool: DatabasePool

    /// The store's folder in a workspace.
    public static func folder(in workspace: Workspace) -> URL { workspace.root.appendingPathComponent("review") }

    /// Opens (creating if needed) the workspace's store.
    public convenience init(workspace: Workspace) throws {
        let folder = Self.folder(in: workspace)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw FerError(.reviewStore, "cannot create the review store folder \(folder.path)", cause: error)
        }
        try self.init(path: folder.appendingPathComponent("decisions.sqlite").path)
    }

    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        configuration.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw FerError(.reviewStore, "cannot open the review store \(path): \(Self.describe(error))", cause: error)
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE decision (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    record_id INTEGER NOT NULL,
                    dataset TEXT NOT NULL,
                    queue TEXT NOT NULL,
                    annotator TEXT NOT NULL,
                    old_label TEXT,
                    new_label TEXT NOT NULL,
                    time TEXT NOT NULL,
                    batch INTEGER NOT NULL,
                    undone INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX decision_by_queue ON decision(queue, annotator, id);
                CREATE INDEX decision_by_record ON decision(record_id);
                CREATE TABLE queue (
                    name TEXT PRIMARY KEY,
                    dataset TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    created TEXT NOT NULL
                );
                CREATE TABLE queue_item (
                    queue TEXT NOT NULL REFERENCES queue(name),
                    position INTEGER NOT NULL,
                    record_id INTEGER NOT NULL,
                    given TEXT,
                    suggested TEXT,
                    score REAL,
                    neighbours TEXT,
                    PRIMARY KEY (queue, position)
                );
                """)
        }
        migrator.registerMigration("v2") { db in
            try db.execute(sql: """
                CREATE TABLE gold (
                    queue TEXT NOT NULL REFERENCES queue(name),
                    record_id INTEGER NOT NULL,
                    label TEXT NOT NULL,
                    PRIMARY KEY (queue, record_id)
                );
                """)
        }
        return migrator
    }

    // MARK: - Queues

    /// The queue under its name: the stored one when it holds the same faces, values and order as
    /// `queue`, built now from its source (a restarted review continues it); else `queue`, stored now.
    /// A stored queue that differs from what its source gives now (a newer suspects.csv, another
    /// --file) is a `queue-changed` error, or with `replacing` is replaced by `queue`; decisions
    /// are kept either way (they name their record and queue).
    public func open(_ queue: ReviewQueue, replacing: Bool = false) throws -> ReviewQueue {
        let stored = try guarded("read queue \(queue.name)") { try pool.read { db in try Self.queue(named: queue.name, db) } }
        if let stored, stored == queue { return stored }
        if let stored, !replacing {
            let position = zip(stored.items, queue.items).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(stored.items.count, queue.items.count)
            throw FerError(.queueChanged, "the stored queue \(queue.name) (\(stored.items.count) faces) differs from what its source gives now "
                + "(\(queue.items.count) faces; first at position \(position + 1)): --new-queue replaces it, decisions kept")
        }
        return try guarded("store queue \(queue.name)") {
            try pool.write { db in
                try db.execute(sql: "DELETE FROM queue_item WHERE queue = ?", arguments: [queue.name])
                try db.execute(sql: "DELETE FROM gold WHERE queue = ?", arguments: [queue.name])
                try db.execute(sql: "DELETE FROM queue WHERE name = ?", arguments: [queue.name])
                try db.execute(sql: "INSERT INTO queue (name, dataset, kind, created) VALUES (?, ?, ?, ?)",
                               arguments: [queue.name, queue.dataset, queue.kind, Self.now()])
                for (position, item) in queue.items.enumerated() {
                    try db.execute(
                        sql: "INSERT INTO queue_item (queue, position, record_id, given, suggested, score, neighbours) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        arguments: [queue.name, position, Int64(bitPattern: item.recordID), item.given, item.suggested, item.score,
                                    item.neighbours])
                }
                for (recordID, label) in queue.gold {
                    try db.execute(sql: "INSERT INTO gold (queue, record_id, label) VALUES (?, ?, ?)",
                                   arguments: [queue.name, Int64(bitPattern: recordID), label])
                }
                return queue
            }
        }
    }

    public func queue(named name: String) throws -> ReviewQueue? {
        try guarded("read queue \(name)") { try pool.read { db in try Self.queue(named: name, db) } }
    }

    /// The names of the stored queues, oldest first.
    public func queueNames() throws -> [String] {
        try guarded("list queues") { try pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM queue ORDER BY created, name") } }
    }

    private static func queue(named name: String, _ db: Database) throws -> ReviewQueue? {
        guard let row = try Row.fetchOne(db, sql: "SELECT dataset, kind FROM queue WHERE name = ?", arguments: [name]) else { return nil }
        let items = try Row.fetchAll(
            db, sql: "SELECT record_id, given, suggested, score, neighbours FROM queue_item WHERE queue = ? ORDER BY position", arguments: [name]
        ).map { row in
            ReviewItem(recordID: UInt64(bitPattern: row["record_id"] as Int64), given: row["given"], suggested: row["suggested"],
                       score: row["score"], neighbours: row["neighbours"])
        }
        return ReviewQueue(name: name, kind: row["kind"], dataset: row["dataset"], items: items, gold: try gold(queue: name, db))
    }

    private static func gold(queue: String, _ db: Database) throws -> [UInt64: String] {
        try Row.fetchAll(db, sql: "SELECT record_id, label FROM gold WHERE queue = ?", arguments: [queue]).reduce(into: [:]) { gold, row in
            gold[UInt64(bitPattern: row["record_id"] as Int64)] = row["label"]
        }
    }

    /// The known labels of each queue's gold faces, by queue name (queues without gold left out).
    public func gold() throws -> [String: [UInt64: String]] {
        try guarded("read the gold faces") {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT queue, record_id, label FROM gold").reduce(into: [:]) { gold, row in
                    gold[row["queue"] as String, default: [:]][UInt64(bitPattern: row["record_id"] as Int64)] = row["label"]
                }
            }
        }
    }

    // MARK: - Decisions

    /// Stores decisions as one batch in one transaction; returns them with their ids, batch and time.
    /// When it returns they are on disk.
    public func record(_ decisions: [Decision]) async throws -> [Decision] {
        try await guardedAsync("store \(decisions.count) decision(s)") {
            try await pool.write { db in try Self.insert(decisions, db) }
        }
    }

    /// `record` for a caller that is not async (the oracle of `ferdata active-learn`): the same rows.
    public func record(_ decisions: [Decision]) throws -> [Decision] {
        try guarded("store \(decisions.count) decision(s)") {
            try pool.write { db in try Self.insert(decisions, db) }
        }
    }

    /// Inserts `decisions` as one batch, stamped with the time.
    private static func insert(_ decisions: [Decision], _ db: Database) throws -> [Decision] {
        let batch = (try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(batch), 0) + 1 FROM decision")) ?? 1
        let time = now()
        return try decisions.map { decision in
            var stored = decision
            (stored.time, stored.batch) = (time, batch)
            try stored.insert(db)
            return stored
        }
    }

    /// Takes back the annotator's latest batch of decisions in the queue (marked undone, kept);
    /// returns them, or nothing when there is none.
    public func undo(queue: String, annotator: String) async throws -> [Decision] {
        try await guardedAsync("undo in \(queue)") {
            try await pool.write { db in
                guard let batch = try Int64.fetchOne(
                    db, sql: "SELECT MAX(batch) FROM decision WHERE queue = ? AND annotator = ? AND undone = 0",
                    arguments: [queue, annotator]) else { return [] }
                let taken = try Self.decisions(db, where: "batch = ? AND queue = ? AND annotator = ?", [batch, queue, annotator])
                try db.execute(sql: "UPDATE decision SET undone = 1 WHERE batch = ? AND queue = ? AND annotator = ?",
                               arguments: [batch, queue, annotator])
                return taken
            }
        }
    }

    /// Every decision, in the order stored; undone ones only when asked.
    public func decisions(queue: String? = nil, annotator: String? = nil, includeUndone: Bool = false) throws -> [Decision] {
        try guarded("read decisions") {
            try pool.read { db in
                var conditions: [String] = []
                var arguments: [any DatabaseValueConvertible] = []
                if let queue { conditions.append("queue = ?"); arguments.append(queue) }
                if let annotator { conditions.append("annotator = ?"); arguments.append(annotator) }
                if !includeUndone { conditions.append("undone = 0") }
                return try Self.decisions(db, where: conditions.isEmpty ? "1" : conditions.joined(separator: " AND "), arguments)
            }
        }
    }

    /// Each record's standing decision by one annotator in one queue: the latest not undone.
    public func standing(queue: String, annotator: String) throws -> [UInt64: Decision] {
        Decision.standing(try decisions(queue: queue, annotator: annotator))[annotator] ?? [:]
    }

    /// A short fingerprint of everything stored (rows, latest id, undone rows): a relabel made from
    /// the store is current while this is unchanged.
    public func fingerprint() throws -> String {
        try guarded("read the store") {
            try pool.read { db in
                let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last, COALESCE(SUM(undone), 0) AS undone FROM decision")!
                return "\(row["n"] as Int64)-\(row["last"] as Int64)-\(row["undone"] as Int64)"
            }
        }
    }

    private static func decisions(_ db: Database, where condition: String, _ arguments: [any DatabaseValueConvertible]) throws -> [Decision] {
        try Decision.fetchAll(db, sql: "SELECT * FROM decision WHERE \(condition) ORDER BY id", arguments: StatementArguments(arguments))
    }

    // MARK: - Helpers

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    private func guarded<T>(_ doing: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FerError {
            throw error
        } catch {
            throw FerError(.reviewStore, "\(doing) in \(path): \(Self.describe(error))", cause: error)
        }
    }

    private func guardedAsync<T>(_ doing: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as FerError {
            throw error
        } catch {
            throw FerError(.reviewStore, "\(doing) in \(path): \(Self.describe(error))", cause: error)
        }
    }

    private static func describe(_ error: any Error) -> String {
        (error as? DatabaseError).map { $0.message ?? $0.description } ?? String(describing: error)
    }
}

/// A decision as a row of the `decision` table (a GRDB record): the record id keeps all 64 bits in
/// SQLite's signed integer, the label is stored by name and checked when read.
extension Decision: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "decision"

    public init(row: Row) throws {
        let name: String = row["new_label"]
        guard let label = ReviewLabel(name: name) else {
            throw FerError(.badDataRow, "decision \(row["id"] as Int64) has the unknown label '\(name)'",
                           at: InputLocation(source: "review/decisions.sqlite", field: "new_label"))
        }
        self.init(id: row["id"], recordID: UInt64(bitPattern: row["record_id"]), dataset: row["dataset"], queue: row["queue"],
                  annotator: row["annotator"], oldLabel: row["old_label"], newLabel: label, time: row["time"], batch: row["batch"],
                  undone: row["undone"])
    }

    public func encode(to container: inout PersistenceContainer) {
        container["id"] = id == 0 ? nil : id  // a new decision gets the next id
        container["record_id"] = Int64(bitPattern: recordID)
        container["dataset"] = dataset
        container["queue"] = queue
        container["annotator"] = annotator
        container["old_label"] = oldLabel
        container["new_label"] = newLabel.name
        container["time"] = time
        container["batch"] = batch
        container["undone"] = undone
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
