import FERCore
import Foundation

/// The folder a user works in (default `./ferdata-work`, or `--workspace`, or `FERDATA_WORKSPACE`).
/// Each stage writes a new dataset folder `datasets/NNNN-stage`; the next stage reads the latest.
public struct Workspace: Sendable {
    public static let environmentVariable = "FERDATA_WORKSPACE"
    public static let defaultPath = "ferdata-work"

    public let root: URL

    public var datasetsDirectory: URL { root.appendingPathComponent("datasets") }

    /// `parts/`: where `--partition I/N` runs write, one folder per stage, until `ferdata merge`.
    public var partsDirectory: URL { root.appendingPathComponent("parts") }

    /// The workspace of one part, `parts/STAGE/I-of-N`: only that part's runs write in it.
    public func part(_ partition: Partition, of stage: String) -> Workspace {
        Workspace(root: partsDirectory.appendingPathComponent(stage).appendingPathComponent(partition.slotName))
    }

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    /// The workspace named by `path`, else by the environment, else `./ferdata-work`.
    public init(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let chosen = path ?? environment[Self.environmentVariable] ?? Self.defaultPath
        self.init(root: URL(fileURLWithPath: chosen))
    }

    /// Dataset folder names in creation order. Partial folders of interrupted writes are not listed.
    public func datasetNames() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: datasetsDirectory.path)) ?? []
        return names.filter { Self.sequenceNumber(of: $0) != nil }.sorted {
            Self.sequenceNumber(of: $0)! < Self.sequenceNumber(of: $1)!
        }
    }

    /// The newest dataset.
    public func latest() throws -> Dataset {
        guard let name = datasetNames().last else {
            throw FerError(
                .datasetMissing, "the workspace \(root.path) holds no dataset yet; start with 'ferdata ingest SOURCE'")
        }
        return try Dataset(directory: datasetsDirectory.appendingPathComponent(name))
    }

    /// A dataset by folder name (`0002-dedup`), number (`2`) or stage (`dedup`, the latest of that stage);
    /// nil means the latest. A path to a dataset folder elsewhere works too.
    public func dataset(_ reference: String?) throws -> Dataset {
        guard let reference else { return try latest() }
        let names = datasetNames()
        if let name = names.last(where: { $0 == reference || Self.stage(of: $0) == reference })
            ?? Int(reference).flatMap({ number in names.first { Self.sequenceNumber(of: $0) == number } }) {
            return try Dataset(directory: datasetsDirectory.appendingPathComponent(name))
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: reference, isDirectory: &isDirectory), isDirectory.boolValue {
            return try Dataset(directory: URL(fileURLWithPath: reference))
        }
        let known = names.isEmpty ? "none" : names.joined(separator: ", ")
        throw FerError(.datasetMissing, "no dataset '\(reference)' in \(root.path) (datasets: \(known))")
    }

    /// The name the next dataset of `stage` gets.
    func nextName(stage: String) -> String {
        let next = (datasetNames().compactMap(Self.sequenceNumber).max() ?? 0) + 1
        let number = String(next)
        return String(repeating: "0", count: max(0, 4 - number.count)) + number + "-" + stage
    }

    static func sequenceNumber(of name: String) -> Int? {
        guard let dash = name.firstIndex(of: "-"), dash != name.startIndex else { return nil }
        return Int(name[..<dash])
    }

    static func stage(of name: String) -> String? {
        name.firstIndex(of: "-").map { String(name[name.index(after: $0)...]) }
    }

    /// Removes partial folders left by writers of this host that no longer run (crashes, kills). On a
    /// workspace shared between machines, another host's partial folder may belong to a live writer:
    /// it is left alone (and never read).
    public func removeAbandonedPartials() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: datasetsDirectory.path)) ?? []
        for name in names where name.hasPrefix(DatasetWriter.partialPrefix) {
            let writer = name.dropFirst(DatasetWriter.partialPrefix.count)
            if let at = writer.lastIndex(of: "@"), writer[writer.index(after: at)...] != Self.hostName { continue }
            let parts = writer.split(separator: "-")
            if let pid = parts.first.flatMap({ Int32($0) }), kill(pid, 0) == 0 || errno == EPERM { continue }
            try? FileManager.default.removeItem(at: datasetsDirectory.appendingPathComponent(name))
        }
    }

    /// This machine's name, as partial folders record it ('@' and '/' replaced).
    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(cString: buffer).map { $0 == "@" || $0 == "/" ? "_" : $0 }
        return name.isEmpty ? "localhost" : String(name)
    }()
}
