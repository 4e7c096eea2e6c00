import FERCore
import Foundation

/// One of N copies of a stage run side by side (`--partition I/N`, I from 1 to N): a Slurm array task,
/// a Kubernetes indexed pod, a GNU parallel job. Each copy reads the whole input and does the work
/// for every N-th input record only; `ferdata merge` puts the parts back in input order.
///
/// Input records are numbered by an *ordinal* that grows through the input: for ingest the source
/// index above a CSV line or archive entry number, for augment the record's place in its dataset.
/// Copy I owns the ordinals that leave remainder I-1 when divided by N.
public struct Partition: Sendable, Hashable, Codable, CustomStringConvertible {
    /// 1-based.
    public let index: Int
    public let count: Int

    public static let whole = Partition(validIndex: 1, count: 1)

    private init(validIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    public init(index: Int, count: Int) throws {
        guard count >= 1, (1...count).contains(index) else {
            throw FerError(.invalidArgument, "partition \(index)/\(count): need 1 <= I <= N (I counts from 1)")
        }
        self.init(validIndex: index, count: count)
    }

    /// Reads `I/N`, as in `--partition 3/8`, or `slurm`: this task's place in its Slurm array job
    /// (`Partition.slurmArray`).
    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        if text == "slurm" {
            guard let partition = try Self.slurmArray(environment) else {
                throw FerError(.invalidArgument, "--partition slurm outside a Slurm array job (no SLURM_ARRAY_TASK_ID): submit it with sbatch --array=1-N")
            }
            self = partition
            return
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw FerError(.invalidArgument, "partition '\(text)': expected I/N, as in 3/8")
        }
        try self.init(index: index, count: count)
    }

    public var isWhole: Bool { count == 1 }

    /// The part a task of a Slurm array job is: task I of an array numbered 1-N is part I/N (an
    /// array numbered 0-(N-1) works too), read from `SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_MIN`,
    /// `SLURM_ARRAY_TASK_MAX` and `SLURM_ARRAY_TASK_COUNT`; nil outside an array job. Any other
    /// numbering is an error rather than a guess: an array of one task, `sbatch --array=3`, would
    /// otherwise pass for the whole input. A single task is rerun with `scontrol requeue JOB_3`, which
    /// keeps its array's numbering, or with `--partition 3/N`.
    public static func slurmArray(_ environment: [String: String]) throws -> Partition? {
        guard let id = environment["SLURM_ARRAY_TASK_ID"] else { return nil }
        func number(_ name: String) throws -> Int {
            guard let text = environment[name], let value = Int(text) else {
                throw FerError(.invalidArgument, "a Slurm array task without a numeric \(name) ('\(environment[name] ?? "")')")
            }
            return value
        }
        let task = try number("SLURM_ARRAY_TASK_ID"), first = try number("SLURM_ARRAY_TASK_MIN")
        let last = try number("SLURM_ARRAY_TASK_MAX"), count = try number("SLURM_ARRAY_TASK_COUNT")
        guard first == 0 || first == 1, last - first + 1 == count, count > 1 else {
            throw FerError(
                .invalidArgument,
                "Slurm array task \(id) of an array numbered \(first)-\(last) (\(count) tasks): a partitioned run needs an array numbered 1-N; rerun one task with scontrol requeue, or give --partition I/N")
        }
        return try Partition(index: task - first + 1, count: count)
    }

    public func owns(_ ordinal: UInt64) -> Bool {
        ordinal % UInt64(count) == UInt64(index - 1)
    }

    public var description: String { "\(index)/\(count)" }

    /// The folder of this part under `parts/STAGE/`: `3-of-8`.
    public var slotName: String { "\(index)-of-\(count)" }

    /// Reads a slot name back; nil for anything else in the parts folder.
    public init?(slotName: String) {
        let pieces = slotName.components(separatedBy: "-of-")
        guard pieces.count == 2, let index = Int(pieces[0]), let count = Int(pieces[1]),
              let partition = try? Partition(index: index, count: count)
        else { return nil }
        self = partition
    }

    /// The ordinal of record `position` (a CSV line, an entry number) of source `sourceIndex`.
    public static func ordinal(source sourceIndex: UInt32, position: Int) -> UInt64 {
        UInt64(sourceIndex) << 40 | UInt64(position)
    }
}

/// `partition.json` of a part dataset: which part it is, and the ordinal of every record and reject in
/// it, in order, so that the merge can interleave the parts exactly as one run would have written them.
public struct PartLedger: Codable, Sendable {
    public static let fileName = "partition.json"

    public var partition: Partition
    public var shardSize: Int
    public var ordinals: [UInt64]
    /// Ingest's rejects with their ordinals; nil for stages that reject nothing.
    public var rejects: [Reject]?
    /// CSV files attached to the part whose lines after the header each belong to an input record
    /// (annotate's labels.csv): the ordinal of every line, so that the merge interleaves them too.
    public var rowOrdinals: [String: [UInt64]]?
    /// What each source held when the part read it (ingest's parts): parts of one run must have read
    /// the same contents, not only the same paths.
    public var sources: [SourceContent]?
}

/// A source's size and content digest: a file's bytes (SHA-256), or for a folder its entries' names,
/// sizes and modification times.
public struct SourceContent: Codable, Sendable, Equatable, CustomStringConvertible {
    public var bytes: Int64
    public var sha256: String

    public init(bytes: Int64, sha256: String) {
        self.bytes = bytes
        self.sha256 = sha256
    }

    public var description: String { "\(bytes) bytes, SHA-256 \(sha256.prefix(12))" }
}
