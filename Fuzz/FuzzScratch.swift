// Shared by the fuzz targets: each input goes to a file in one scratch folder, with a fresh
// workspace folder for targets that write datasets.
import FERData
import FERIngest
import FERMedia
import Foundation

enum FuzzScratch {
    static let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ferdata-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Ingest options with small limits, so that one input stays fast.
    static var ingestOptions: IngestOptions {
        var options = IngestOptions()
        options.maxEntryBytes = 1 << 20
        options.maxImagePixels = 1 << 22
        return options
    }

    static func withFile(_ name: String, _ bytes: Data, _ body: (String, Workspace) -> Void) {
        let file = folder.appendingPathComponent(name)
        let workspace = folder.appendingPathComponent("work")
        try? bytes.write(to: file)
        body(file.path, Workspace(root: workspace))
        try? FileManager.default.removeItem(at: workspace)
    }

    /// Ingests `path` (a folder, archive or list file) into a fresh workspace, which is removed after.
    static func ingest(_ path: String) {
        let workspace = folder.appendingPathComponent("work")
        _ = try? Ingestor(workspace: Workspace(root: workspace), options: ingestOptions).run([path])
        try? FileManager.default.removeItem(at: workspace)
    }

    /// A 64x64 gray picture, PNG bytes, whatever name it goes by (ferdata reads by content).
    static let picture: [UInt8] = {
        let pixels = (0..<(64 * 64)).map { UInt8(truncatingIfNeeded: ($0 % 64) * 3 + ($0 / 64)) }
        return try! ImageEncoder.png(pixels, width: 64, height: 64, channels: 1)
    }()

    /// A dataset folder of a listed layout: `fixed` files (written once per process) and the input's
    /// bytes as its list file at `listPath`, rewritten for each input.
    static func listedFolder(_ name: String, fixed: [String], listPath: String, _ bytes: Data) -> URL {
        let root = folder.appendingPathComponent(name)
        for path in fixed where !FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path) {
            let url = root.appendingPathComponent(path)
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? Data(picture).write(to: url)
        }
        let list = root.appendingPathComponent(listPath)
        try? FileManager.default.createDirectory(at: list.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? bytes.write(to: list)
        return root
    }

    /// Three faces ingested once per process into a workspace of their own, for readers that check
    /// what they read against a dataset.
    static let smallDataset: (Dataset, [FaceRecord]) = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferdata-fuzz-dataset-\(getpid())")
        let csv = root.appendingPathComponent("faces.csv")
        try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let pixels = (0..<2304).map { String($0 % 256) }.joined(separator: " ")
        try? Data("emotion,pixels,Usage\n3,\(pixels),Training\n4,\(pixels),Training\n0,\(pixels),PublicTest\n".utf8).write(to: csv)
        let (dataset, _) = try! Ingestor(workspace: Workspace(root: root.appendingPathComponent("work")), options: ingestOptions).run([csv.path])
        return (dataset, try! dataset.allRecords())
    }()
}
