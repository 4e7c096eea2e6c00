import FERCore
import FERTestSupport
import Foundation
import Testing

@testable import FERCuration
@testable import FERData
@testable import FERIngest

/// `--partition I/N` and `ferdata merge`: N parts merged give byte for byte the dataset one run writes.
@Suite struct PartitionTests {
    /// A CSV with good and bad rows, an archive and a folder with good and bad images: records and
    /// rejects from every kind of source, interleaved across parts.
    static func sources(in directory: URL) throws -> [String] {
        let good = { (seed: Int) in Fixtures.face(seed: seed).map(String.init).joined(separator: " ") }
        var lines = ["emotion,pixels,Usage"]
        for row in 0..<40 {
            switch row % 9 {
            case 4: lines.append("3,1 2 3,Training")  // wrong pixel count
            case 7: lines.append("9,\(good(row)),PublicTest")  // unknown label
            default: lines.append("\(row % 7),\(good(row)),\(["Training", "PublicTest", "PrivateTest"][row % 3])")
            }
        }
        let csv = directory.appendingPathComponent("faces.csv")
        try Fixtures.write(lines.joined(separator: "\n") + "\n", to: csv)

        var entries: [(String, [UInt8])] = []
        for index in 0..<23 {
            let folder = ["angry", "happy", "sad", "contempt"][index % 4]
            entries.append(("train/\(folder)/\(index).png", Fixtures.png(Fixtures.face(seed: 100 + index))))
            if index % 5 == 0 { entries.append(("train/happy/note-\(index).txt", Array("not a face".utf8))) }
        }
        let archive = directory.appendingPathComponent("faces.zip")
        Fixtures.writeArchive(.zip, to: archive, entries: entries)

        let folder = directory.appendingPathComponent("folder")
        for (name, bytes) in entries.prefix(17) {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        return [csv.path, archive.path, folder.path]
    }

    /// Every file of a dataset folder, by name.
    static func contents(_ dataset: Dataset) throws -> [String: Data] {
        let names = try FileManager.default.contentsOfDirectory(atPath: dataset.directory.path)
        return try Dictionary(uniqueKeysWithValues: names.map { ($0, try Data(contentsOf: dataset.directory.appendingPathComponent($0))) })
    }

    func ingest(_ sources: [String], into workspace: Workspace, partition: Partition = .whole, publicTestAsVal: Bool = false) throws {
        var options = IngestOptions()
        options.shardSize = 7
        options.partition = partition
        options.layout.usageMapping = UsageMapping(publicTestAsVal: publicTestAsVal)
        try Ingestor(workspace: workspace, options: options).run(sources)
    }

    @Test func partitionsParseAndShareOutEveryOrdinalOnce() throws {
        let partition = try Partition(parsing: "2/4")
        #expect(partition.index == 2 && partition.count == 4 && partition.slotName == "2-of-4")
        #expect(Partition(slotName: "2-of-4") == partition)
        for bad in ["0/4", "5/4", "4", "a/b", "1/0", "-1/3", ""] {
            #expect(throws: FerError.self) { try Partition(parsing: bad) }
        }
        let parts = try (1...3).map { try Partition(index: $0, count: 3) }
        for ordinal in UInt64(0)..<100 {
            #expect(parts.filter { $0.owns(ordinal) }.count == 1)
        }
        #expect(Partition.whole.owns(12_345))
    }

    /// Inside a Slurm array job the part is the task's place in an array numbered 1-N (or 0-(N-1));
    /// any other numbering, a one-task rerun above all, is an error rather than the whole input.
    @Test func aSlurmArrayTaskIsItsPart() throws {
        func array(_ id: Int, _ first: Int, _ last: Int) -> [String: String] {
            ["SLURM_ARRAY_TASK_ID": "\(id)", "SLURM_ARRAY_TASK_MIN": "\(first)", "SLURM_ARRAY_TASK_MAX": "\(last)",
             "SLURM_ARRAY_TASK_COUNT": "\(last - first + 1)"]
        }
        #expect(try Partition.slurmArray([:]) == nil)
        #expect(try Partition.slurmArray(array(3, 1, 4)) == Partition(index: 3, count: 4))
        #expect(try Partition.slurmArray(array(0, 0, 7)) == Partition(index: 1, count: 8))
        #expect(try Partition(parsing: "slurm", environment: array(2, 1, 2)) == Partition(index: 2, count: 2))
        for bad in [array(3, 3, 3), array(5, 2, 5), ["SLURM_ARRAY_TASK_ID": "2"]] {
            #expect(throws: FerError.self) { try Partition.slurmArray(bad) }
        }
        var gappy = array(3, 1, 5)
        gappy["SLURM_ARRAY_TASK_COUNT"] = "3"  // --array=1,3,5
        #expect(throws: FerError.self) { try Partition.slurmArray(gappy) }
        #expect(throws: FerError.self) { try Partition(parsing: "slurm", environment: [:]) }
    }

    /// CSV lines for merging attached files: a quoted line break belongs to its field.
    @Test func csvLinesKeepQuotedLineBreaks() {
        #expect(CSVField.lines("a,b\n\"x\ny\",2\nlast") == ["a,b", "\"x\ny\",2", "last"])
        #expect(CSVField.lines("h\n1\n") == ["h", "1"])
        #expect(CSVField.lines("") == [])
        #expect(CSVField.lines("h,x\r\n1,2\r\n") == ["h,x", "1,2"], "CRLF line ends (one Character in Swift)")
    }

    @Test(arguments: [2, 3, 5])
    func ingestPartsMergeToTheSingleRun(parts: Int) throws {
        let directory = Fixtures.temporaryDirectory("\(#function)-\(parts)")
        let sources = try Self.sources(in: directory)
        let single = Workspace(root: directory.appendingPathComponent("single"))
        try ingest(sources, into: single)
        let split = Workspace(root: directory.appendingPathComponent("split"))
        for index in (1...parts).reversed() {  // any order: parts run side by side
            try ingest(sources, into: split, partition: try Partition(index: index, count: parts))
        }
        #expect(split.datasetNames().isEmpty)
        let merged = try PartMerger(workspace: split, stage: nil).merge()

        let expected = try single.latest()
        #expect(expected.manifest.rejected.values.reduce(0, +) > 10)
        #expect(expected.manifest.shards.count > 5)
        #expect(merged.name == expected.name)
        #expect(merged.manifestSHA256 == expected.manifestSHA256)
        #expect(try Self.contents(merged) == Self.contents(expected))
        #expect(DatasetVerifier.verify(merged).intact)
        #expect(!FileManager.default.fileExists(atPath: split.partsDirectory.path))
    }

    @Test func augmentPartsMergeToTheSingleRun() throws {
        let directory = Fixtures.temporaryDirectory()
        let sources = try Self.sources(in: directory)
        let single = Workspace(root: directory.appendingPathComponent("single"))
        try ingest(sources, into: single)
        let input = try single.latest()
        let records = try input.allRecords()
        let augmenter = Augmenter(copies: 2, seed: 11)

        let whole = try augmenter.run(records)
        let expected = try StageIO.write(
            whole.records, stage: "augment", from: input, workspace: single, parameters: augmenter.parameters, shardSize: 7)
        for index in 1...4 {
            let partition = try Partition(index: index, count: 4)
            let part = try augmenter.run(records, partition: partition)
            _ = try StageIO.write(
                part.records, stage: "augment", from: input, workspace: single, parameters: augmenter.parameters, shardSize: 7,
                partition: partition, ordinals: part.ordinals)
        }
        #expect(try single.latest().name == expected.name)
        let merged = try PartMerger(workspace: single, stage: "augment").merge()
        #expect(merged.manifest.recordCount == whole.records.count)
        #expect(merged.manifestSHA256 == expected.manifestSHA256)
        #expect(try Self.contents(merged) == Self.contents(expected))
    }

    @Test func aRerunPartReplacesItsEarlierTry() throws {
        let directory = Fixtures.temporaryDirectory()
        let sources = try Self.sources(in: directory)
        let single = Workspace(root: directory.appendingPathComponent("single"))
        try ingest(sources, into: single)
        let split = Workspace(root: directory.appendingPathComponent("split"))
        try ingest(sources, into: split, partition: try Partition(index: 1, count: 2), publicTestAsVal: true)
        try ingest(sources, into: split, partition: try Partition(index: 2, count: 2))
        #expect(throws: FerError.self) { try PartMerger(workspace: split, stage: "ingest") }
        try ingest(sources, into: split, partition: try Partition(index: 1, count: 2))
        let merged = try PartMerger(workspace: split, stage: "ingest").merge(keepParts: true)
        #expect(merged.manifestSHA256 == (try single.latest()).manifestSHA256)
        #expect(FileManager.default.fileExists(atPath: split.part(try Partition(index: 1, count: 2), of: "ingest").root.path))
    }

    @Test func incompleteOrMixedPartsAreClearErrors() throws {
        let directory = Fixtures.temporaryDirectory()
        let sources = try Self.sources(in: directory)
        let workspace = Workspace(root: directory.appendingPathComponent("w"))
        func mergeError(_ stage: String? = "ingest") -> String {
            do {
                try PartMerger(workspace: workspace, stage: stage).merge()
                return "merged"
            } catch let error as FerError {
                return error.message
            } catch {
                return "\(error)"
            }
        }
        #expect(mergeError().contains("no parts"))
        try ingest(sources, into: workspace, partition: try Partition(index: 1, count: 3))
        try ingest(sources, into: workspace, partition: try Partition(index: 3, count: 3))
        #expect(mergeError().contains("part 2/3 not found"))
        #expect(mergeError("augment").contains("no parts of 'augment'"))
        try ingest(sources, into: workspace, partition: try Partition(index: 2, count: 4))
        #expect(mergeError().contains("split 3 and 4 ways"))
        try FileManager.default.removeItem(at: workspace.part(try Partition(index: 2, count: 4), of: "ingest").root)
        try ingest([sources[0]], into: workspace, partition: try Partition(index: 2, count: 3))
        #expect(mergeError().contains("differs from part 1/3 in its sources"))
        #expect(workspace.datasetNames().isEmpty)
    }

    /// Parts that read different contents at one path (the CSV rewritten between part 1 and part 2)
    /// are refused: the merge would match no single run. The same contents merge.
    @Test func partsOfChangedContentsAreRefused() throws {
        let directory = Fixtures.temporaryDirectory()
        let sources = try Self.sources(in: directory)
        let workspace = Workspace(root: directory.appendingPathComponent("w"))
        try ingest(sources, into: workspace, partition: try Partition(index: 1, count: 2))
        let csv = URL(fileURLWithPath: sources[0])
        let original = try Data(contentsOf: csv)
        var changed = [UInt8](original)
        changed[changed.count - 12] = changed[changed.count - 12] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        try Data(changed).write(to: csv)
        try ingest(sources, into: workspace, partition: try Partition(index: 2, count: 2))
        let error = #expect(throws: FerError.self) { try PartMerger(workspace: workspace, stage: "ingest").merge() }
        #expect(error?.message.contains("source contents") == true && error?.message.contains("a source changed between the parts") == true,
                "\(String(describing: error))")
        #expect(workspace.datasetNames().isEmpty)
        try Data(original).write(to: csv)
        try ingest(sources, into: workspace, partition: try Partition(index: 2, count: 2))
        #expect(throws: Never.self) { try PartMerger(workspace: workspace, stage: "ingest").merge() }
    }
}
