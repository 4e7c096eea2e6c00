import FERCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes a new dataset into a workspace so that it is only ever complete or absent.
///
/// Everything goes into a partial folder `.partial-PID-stage-N@HOST` inside `datasets/`; shards are
/// fsynced as they fill, then the manifest, then the folder is renamed to its final `NNNN-stage`
/// name and the parent folder is synced. A crash leaves only a partial folder, which is never read
/// and is removed by the next writer on the same host.
///
/// With a partition other than the whole, the writer writes a part into `parts/STAGE/I-of-N` of the
/// workspace instead, with the ordinal of every record (`partition.json`) for `ferdata merge`.
///
/// Full shards are hashed and written on a background queue (at most two in flight), so that the
/// stage producing records is not held up by I/O.
public final class DatasetWriter {
    static let partialPrefix = ".partial-"
    /// 8,192 records of 2,504 bytes (48x48 gray): about 20 MB per shard.
    public static let defaultShardSize = 8192

    /// Where the dataset goes: the workspace given, or the part's own workspace.
    public let workspace: Workspace
    public let stage: String
    /// Records per shard. The default (8,192 records of 48x48 gray, about 20 MB) is scaled to the
    /// records' size for other shapes, so that shards stay about 20 MB.
    public private(set) var shardSize: Int
    public let partition: Partition
    private var ordinals: [UInt64] = []
    /// The records' format, set by the first record (48x48 gray for a dataset of none): every record
    /// must share it.
    private var format = RecordFormat.current
    private var rowOrdinals: [String: [UInt64]] = [:]
    private let partial: URL
    private var pending: [UInt8] = []
    private var pendingCount = 0
    /// Records per split (row) and label (column; 7 is unlabeled).
    private var tally = [Int](repeating: 0, count: Split.allCases.count * 8)
    private var recordCount = 0
    private var finished = false
    private let io = DispatchQueue(label: "ferdata.dataset-writer")
    private let inFlight = DispatchSemaphore(value: 2)
    /// Shard entries and the first I/O error, shared with the background queue (which must not
    /// hold the writer itself: its last release would run deinit on that queue).
    private let ledger = ShardLedger()

    public init(
        workspace: Workspace, stage: String, shardSize: Int = DatasetWriter.defaultShardSize, partition: Partition = .whole
    ) throws {
        guard shardSize > 0 else { throw FerError(.invalidArgument, "shard size must be positive") }
        self.workspace = partition.isWhole ? workspace : workspace.part(partition, of: stage)
        self.stage = stage
        self.shardSize = shardSize
        self.partition = partition
        let fileManager = FileManager.default
        do {
            try fileManager.createDirectory(at: self.workspace.datasetsDirectory, withIntermediateDirectories: true)
        } catch {
            throw FerError(.writeFailed, "cannot create the workspace \(self.workspace.datasetsDirectory.path)", cause: error)
        }
        self.workspace.removeAbandonedPartials()
        let unique = "\(getpid())-\(stage)-\(UInt32.random(in: 0...UInt32.max))@\(Workspace.hostName)"
        partial = self.workspace.datasetsDirectory.appendingPathComponent(Self.partialPrefix + unique)
        guard mkdir(partial.path, 0o755) == 0 else {  // (mkdir for the system's one-line reason: read-only, no space)
            throw FileIO.systemError("cannot create a dataset folder in the workspace:", partial.path)
        }
        pending.reserveCapacity(RecordLayout.shardHeaderSize + min(shardSize, 1 << 16) * format.recordSize)
    }

    deinit {
        if !finished { abandon() }
    }

    /// Adds a record; `ordinal` is its place in the stage's input, needed when writing a part.
    public func append(_ record: FaceRecord, ordinal: UInt64? = nil) throws {
        try append(EncodedRecord(record), ordinal: ordinal)
    }

    public func append(_ record: EncodedRecord, ordinal: UInt64? = nil) throws {
        if recordCount == 0 {
            format = record.format
            if shardSize == Self.defaultShardSize && format.shape != .face48 {
                shardSize = max(64, Self.defaultShardSize * RecordFormat.current.recordSize / format.recordSize)
            }
        } else if record.format != format {
            throw FerError(.invalidArgument, "a \(record.format.shape) record among \(format.shape) records: a dataset holds one image shape")
        }
        if !partition.isWhole {
            guard let ordinal else { preconditionFailure("a part's records need their ordinals") }
            ordinals.append(ordinal)
        }
        if pending.isEmpty { pending.append(contentsOf: RecordShard.header(count: 0, index: ledger.shards.count, format: format)) }
        pending.append(contentsOf: record.bytes)
        pendingCount += 1
        recordCount += 1
        tally[Int(record.split.rawValue) * 8 + Int(min(record.labelByte, 7))] += 1
        if pendingCount == shardSize { try flushShard() }
    }

    /// split name → class name → count, from the tally.
    private var counts: [String: [String: Int]] {
        var counts: [String: [String: Int]] = [:]
        for split in Split.allCases {
            for label in 0..<8 where tally[Int(split.rawValue) * 8 + label] > 0 {
                let name = label < 7 ? Emotion(rawValue: UInt8(label))!.name : "unlabeled"
                counts[split.name, default: [:]][name] = tally[Int(split.rawValue) * 8 + label]
            }
        }
        return counts
    }

    public func append(contentsOf records: some Sequence<FaceRecord>) throws {
        for record in records { try append(record) }
    }

    /// Adds a file to the dataset folder (rejects.csv, duplicates.csv, a report).
    public func attach(_ name: String, contents: Data) throws {
        try FileIO.writeDurably(contents, to: partial.appendingPathComponent(name).path)
    }

    /// Adds a CSV file whose lines after the header each belong to an input record, `rowOrdinals`
    /// giving their ordinals: a part's ledger keeps them so that `ferdata merge` joins the parts'
    /// files line by line in input order.
    public func attach(_ name: String, csv: String, rowOrdinals: [UInt64]) throws {
        try attach(name, contents: Data(csv.utf8))
        if !partition.isWhole { self.rowOrdinals[name] = rowOrdinals }
    }

    /// What the sources held, for a part's ledger (ingest sets it; `ferdata merge` compares the parts').
    public var sourceContents: [SourceContent]?

    /// Writes the manifest (and `rejects.csv` when a log is given) and makes the dataset visible under
    /// its final name.
    @discardableResult
    public func commit(
        parameters: [String: String], inputs: [DatasetManifest.Input], sources: [DatasetManifest.Source],
        rejects: RejectLog? = nil
    ) throws -> Dataset {
        if pendingCount > 0 { try flushShard() }
        io.sync {}
        try throwIOError()
        if let rejects { try attach("rejects.csv", contents: rejects.csv()) }
        var parameters = parameters
        if !partition.isWhole {
            parameters["partition"] = partition.description
            let ledger = PartLedger(
                partition: partition, shardSize: shardSize, ordinals: ordinals, rejects: rejects?.rejects,
                rowOrdinals: rowOrdinals.isEmpty ? nil : rowOrdinals, sources: sourceContents)
            try attach(PartLedger.fileName, contents: try StageIO.json(ledger))
        }
        var manifest = DatasetManifest(
            stage: stage, parameters: parameters, inputs: inputs, sources: sources,
            recordCount: recordCount, counts: counts, shards: ledger.shards, rejected: rejects?.countsByReason ?? [:])
        manifest.recordSize = format.recordSize
        manifest.shape = format.shape
        try FileIO.writeDurably(try manifest.encoded(), to: partial.appendingPathComponent("manifest.json").path)
        try FileIO.syncDirectory(partial.path)
        for _ in 0..<100 {
            let final = workspace.datasetsDirectory.appendingPathComponent(workspace.nextName(stage: stage))
            if rename(partial.path, final.path) == 0 {
                finished = true
                try FileIO.syncDirectory(workspace.datasetsDirectory.path)
                return try Dataset(directory: final)
            }
            guard errno == EEXIST || errno == ENOTEMPTY else {
                throw FileIO.systemError("cannot rename the finished dataset to", final.path)
            }
        }
        throw FerError(.writeFailed, "could not find a free dataset name in \(workspace.datasetsDirectory.path)")
    }

    /// Removes everything written so far.
    public func abandon() {
        io.sync {}
        finished = true
        try? FileManager.default.removeItem(at: partial)
    }

    private func flushShard() throws {
        try throwIOError()
        let ledger = self.ledger
        let index = ledger.shards.count
        var shard = pending
        pending = []
        shard.replaceSubrange(0..<RecordLayout.shardHeaderSize, with: RecordShard.header(count: pendingCount, index: index, format: format))
        let name = RecordShard.fileName(index: index)
        let path = partial.appendingPathComponent(name).path
        ledger.append(DatasetManifest.Shard(file: name, records: pendingCount, bytes: shard.count, sha256: ""))
        pending = ledger.takeSpareBuffer() ?? []
        pending.removeAll(keepingCapacity: true)
        pending.reserveCapacity(RecordLayout.shardHeaderSize + min(shardSize, 1 << 16) * format.recordSize)
        pendingCount = 0
        inFlight.wait()
        let bytes = shard
        let inFlight = self.inFlight
        io.async {
            defer { inFlight.signal() }
            do {
                try bytes.withUnsafeBytes { try FileIO.writeDurably($0, to: path) }
                ledger.setDigest(SHA256Digest.hex(bytes), at: index)
                ledger.returnSpareBuffer(bytes)
                FaultPoint.pass("shard")
            } catch {
                ledger.fail(error as? FerError ?? FerError(.writeFailed, "\(error)"))
            }
        }
    }

    private func throwIOError() throws {
        if let error = ledger.error { throw error }
    }
}

private final class ShardLedger: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [DatasetManifest.Shard] = []
    private var firstError: FerError?

    var shards: [DatasetManifest.Shard] { lock.withLock { entries } }
    var error: FerError? { lock.withLock { firstError } }

    func append(_ shard: DatasetManifest.Shard) {
        lock.withLock { entries.append(shard) }
    }

    func setDigest(_ digest: String, at index: Int) {
        lock.withLock { entries[index].sha256 = digest }
    }

    /// Written shard buffers, reused so that each shard does not fault in fresh pages.
    private var spares: [[UInt8]] = []

    func takeSpareBuffer() -> [UInt8]? {
        lock.withLock { spares.popLast() }
    }

    func returnSpareBuffer(_ buffer: [UInt8]) {
        lock.withLock { if spares.count < 2 { spares.append(buffer) } }
    }

    func fail(_ error: FerError) {
        lock.withLock { if firstError == nil { firstError = error } }
    }
}
