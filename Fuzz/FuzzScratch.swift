// Shared by the fuzz targets: each input goes to a file in one scratch folder, with a fresh
// workspace folder for targets that write datasets.
import FERData
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
}
