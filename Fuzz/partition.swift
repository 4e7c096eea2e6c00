// Fuzz target, differential: an archive of arbitrary bytes ingested once whole and once as two parts
// merged must give the same dataset files (manifest, shards, rejects.csv), or the target traps.
import FERData
import FERIngest
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzScratch.withFile("input.zip", Data(bytes: data, count: size)) { path, workspace in
        var options = FuzzScratch.ingestOptions
        options.shardSize = 3
        let single = Workspace(root: workspace.root.appendingPathComponent("single"))
        guard let (whole, _) = try? Ingestor(workspace: single, options: options).run([path]) else { return }
        let split = Workspace(root: workspace.root.appendingPathComponent("split"))
        for index in 1...2 {
            options.partition = try! Partition(index: index, count: 2)
            _ = try! Ingestor(workspace: split, options: options).run([path])
        }
        let merged = try! PartMerger(workspace: split, stage: "ingest").merge()
        for name in try! FileManager.default.contentsOfDirectory(atPath: whole.directory.path) {
            let expected = FileManager.default.contents(atPath: whole.directory.appendingPathComponent(name).path)
            let found = FileManager.default.contents(atPath: merged.directory.appendingPathComponent(name).path)
            precondition(expected == found, "merged \(name) differs from the single run's")
        }
    }
    return 0
}
