import FERCore
import Foundation

/// `ferdata merge`: puts the parts of a partitioned stage (`parts/STAGE/I-of-N`) back together as one
/// dataset of the workspace, record for record and reject for reject in the order a single run writes
/// them, so the merged manifest (and its hash) equals the single run's.
///
/// The parts must all be there and agree: same stage, parameters, sources, input datasets and shard
/// size. Each part's latest dataset counts (a part that was rerun replaces its earlier try). Memory:
/// one shard per part (about 20 MB each).
public struct PartMerger {
    public struct Part {
        public var partition: Partition
        public var dataset: Dataset
        public var ledger: PartLedger
    }

    public let workspace: Workspace
    public let stage: String
    public let parts: [Part]

    /// Finds the parts of `stage` (nil: the one stage that has parts) and checks that they belong together.
    public init(workspace: Workspace, stage: String?) throws {
        self.workspace = workspace
        let stages = Self.folders(in: workspace.partsDirectory)
        guard !stages.isEmpty else {
            throw FerError(
                .datasetMissing, "no parts in \(workspace.partsDirectory.path): run a stage with --partition I/N first")
        }
        if let stage {
            guard stages.contains(stage) else {
                throw FerError(.datasetMissing, "no parts of '\(stage)' in \(workspace.partsDirectory.path) (parts of: \(stages.joined(separator: ", ")))")
            }
            self.stage = stage
        } else {
            guard stages.count == 1 else {
                throw FerError(.invalidArgument, "parts of several stages (\(stages.joined(separator: ", "))): name the one to merge")
            }
            self.stage = stages[0]
        }
        parts = try Self.collect(stage: self.stage, in: workspace)
        try checkAgreement()
    }

    private static func folders(in directory: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Every slot's latest dataset and ledger, in part order; all N parts of one run.
    private static func collect(stage: String, in workspace: Workspace) throws -> [Part] {
        let folder = workspace.partsDirectory.appendingPathComponent(stage)
        let slots = folders(in: folder)
        let partitions = slots.compactMap(Partition.init(slotName:))
        if let stray = slots.first(where: { Partition(slotName: $0) == nil }) {
            throw FerError(.invalidArgument, "'\(stray)' in \(folder.path) is not a part folder (I-of-N): remove it")
        }
        let counts = Set(partitions.map(\.count))
        guard counts.count == 1, let count = counts.first else {
            throw FerError(
                .invalidArgument,
                "parts of runs split \(counts.sorted().map(String.init).joined(separator: " and ")) ways in \(folder.path): remove the stale ones")
        }
        let missing = (1...count).filter { index in !partitions.contains { $0.index == index } }
        guard missing.isEmpty else {
            let list = missing.map { "\($0)/\(count)" }.joined(separator: ", ")
            throw FerError(.datasetMissing, "\(stage) part \(list) not found in \(folder.path): run it with --partition \(missing[0])/\(count)")
        }
        return try partitions.sorted { $0.index < $1.index }.map { partition in
            let slot = workspace.part(partition, of: stage)
            guard let name = slot.datasetNames().last else {
                throw FerError(.datasetMissing, "\(stage) part \(partition) has not finished: no dataset in \(slot.root.path)")
            }
            let dataset = try Dataset(directory: slot.datasetsDirectory.appendingPathComponent(name))
            let ledgerPath = dataset.directory.appendingPathComponent(PartLedger.fileName).path
            let ledger: PartLedger
            do {
                ledger = try JSONDecoder().decode(PartLedger.self, from: try FileIO.readAll(ledgerPath))
            } catch {
                throw FerError(.badManifest, "unreadable part ledger", at: InputLocation(source: ledgerPath), cause: error)
            }
            try check(ledger, of: dataset, as: partition, at: ledgerPath)
            guard dataset.manifest.recordFormat?.version == RecordLayout.formatVersion else {
                throw FerError(.badManifest, "\(stage) part \(partition) was written in another record format: rerun it with this ferdata",
                               at: InputLocation(source: dataset.directory.path))
            }
            return Part(partition: partition, dataset: dataset, ledger: ledger)
        }
    }

    /// A ledger must describe its own folder: the part it sits in, one ordinal per record, all owned and in order.
    private static func check(_ ledger: PartLedger, of dataset: Dataset, as partition: Partition, at path: String) throws {
        let location = InputLocation(source: path)
        guard ledger.partition == partition, dataset.manifest.parameters["partition"] == partition.description else {
            throw FerError(.badManifest, "the ledger says part \(ledger.partition) but it sits in part \(partition)'s folder", at: location)
        }
        guard ledger.ordinals.count == dataset.manifest.recordCount else {
            throw FerError(
                .badManifest, "\(ledger.ordinals.count) ordinals for \(dataset.manifest.recordCount) records", at: location)
        }
        let ordinals = ledger.ordinals + (ledger.rejects ?? []).map(\.ordinal)
        guard ordinals.allSatisfy(partition.owns), zip(ledger.ordinals, ledger.ordinals.dropFirst()).allSatisfy({ $0 <= $1 })
        else {
            throw FerError(.badManifest, "ordinals out of order or not owned by part \(partition)", at: location)
        }
    }

    /// Parts of one run share everything but their partition.
    private func checkAgreement() throws {
        let first = parts[0]
        func shared(_ part: Part) -> [String: String] {
            var parameters = part.dataset.manifest.parameters
            parameters["partition"] = nil
            return parameters
        }
        for part in parts.dropFirst() {
            let differences = [
                part.dataset.manifest.stage != stage ? "stage" : nil,
                shared(part) != shared(first) ? "parameters" : nil,
                part.dataset.manifest.sources != first.dataset.manifest.sources ? "sources" : nil,
                part.dataset.manifest.inputs != first.dataset.manifest.inputs ? "input dataset" : nil,
                part.ledger.shardSize != first.ledger.shardSize ? "shard size" : nil,
                part.ledger.sources != first.ledger.sources
                    ? "source contents (\((part.ledger.sources ?? []).map(\.description).joined(separator: "; ")) against "
                        + "\((first.ledger.sources ?? []).map(\.description).joined(separator: "; ")): a source changed between the parts)" : nil,
                Set((part.ledger.rowOrdinals ?? [:]).keys) != Set((first.ledger.rowOrdinals ?? [:]).keys) ? "attached files" : nil,
            ].compactMap { $0 }
            guard differences.isEmpty else {
                throw FerError(
                    .invalidArgument,
                    "\(stage) part \(part.partition) differs from part \(first.partition) in its \(differences.joined(separator: ", ")): rerun the parts of one command")
            }
        }
    }

    /// Writes the merged dataset into the workspace and, unless `keepParts`, removes the parts.
    @discardableResult
    public func merge(keepParts: Bool = false) throws -> Dataset {
        let first = parts[0]
        let writer = try DatasetWriter(workspace: workspace, stage: stage, shardSize: first.ledger.shardSize)
        let dataset: Dataset
        do {
            var cursors = parts.map { Cursor(part: $0) }
            while true {
                var next: Int?
                for index in cursors.indices {
                    guard let ordinal = cursors[index].ordinal else { continue }
                    if next == nil || ordinal < cursors[next!].ordinal! { next = index }
                }
                guard let next else { break }
                try writer.append(try cursors[next].take())
            }
            for name in (first.ledger.rowOrdinals ?? [:]).keys.sorted() {
                try writer.attach(name, contents: Data(try mergedRows(of: name).utf8))
            }
            var parameters = first.dataset.manifest.parameters
            parameters["partition"] = nil
            var rejects: RejectLog?
            if parts.contains(where: { $0.ledger.rejects != nil }) {
                var log = RejectLog()
                for part in parts { log.add(contentsOf: part.ledger.rejects ?? []) }
                rejects = log
            }
            dataset = try writer.commit(
                parameters: parameters, inputs: first.dataset.manifest.inputs, sources: first.dataset.manifest.sources,
                rejects: rejects)
        } catch {
            writer.abandon()
            throw error
        }
        if !keepParts {
            try? FileManager.default.removeItem(at: workspace.partsDirectory.appendingPathComponent(stage))
            if Self.folders(in: workspace.partsDirectory).isEmpty {
                try? FileManager.default.removeItem(at: workspace.partsDirectory)
            }
        }
        return dataset
    }

    /// A CSV file attached to every part, its lines interleaved by ordinal under the first part's header.
    private func mergedRows(of name: String) throws -> String {
        var header: Substring?
        var rows: [(ordinal: UInt64, line: Substring)] = []
        for part in parts {
            let path = part.dataset.directory.appendingPathComponent(name).path
            guard let ordinals = part.ledger.rowOrdinals?[name], let data = try? FileIO.readAll(path) else {
                throw FerError(.badManifest, "part \(part.partition) lacks \(name) or its line ordinals", at: InputLocation(source: path))
            }
            let lines = CSVField.lines(String(decoding: data, as: UTF8.self))
            guard let first = lines.first, lines.count - 1 == ordinals.count, header == nil || header == first else {
                throw FerError(
                    .badManifest, "\(name) of part \(part.partition) has \(max(0, lines.count - 1)) lines for \(ordinals.count) ordinals",
                    at: InputLocation(source: path))
            }
            header = first
            rows += zip(ordinals, lines.dropFirst()).map { (ordinal: $0, line: $1) }
        }
        rows.sort { $0.ordinal < $1.ordinal }
        return ([header!] + rows.map(\.line)).joined(separator: "\n") + "\n"
    }

    /// Reads one part's records in order, one shard in memory at a time.
    private struct Cursor {
        let part: Part
        var position = 0
        var shardIndex = 0
        var shard: ShardRecords?
        var offset = 0

        /// The ordinal of the next record, nil at the end.
        var ordinal: UInt64? {
            position < part.ledger.ordinals.count ? part.ledger.ordinals[position] : nil
        }

        mutating func take() throws -> EncodedRecord {
            while shard == nil || offset == shard!.count {
                shard = try part.dataset.load(part.dataset.manifest.shards[shardIndex])
                shardIndex += 1
                offset = 0
            }
            let format = shard!.format
            let record = shard!.withRecordBytes(offset) { EncodedRecord(copying: $0, format: format) }
            offset += 1
            position += 1
            return record
        }
    }
}
