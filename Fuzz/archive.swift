// Fuzz target: archive reading (libarchive: zip, tar, gzip, xz, 7z ...) and the image decoding of
// its entries, through the Ingestor, on arbitrary bytes.
import FERData
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzScratch.withFile("input.zip", Data(bytes: data, count: size)) { path, workspace in
        var options = IngestOptions()
        options.maxEntryBytes = 1 << 20
        options.maxImagePixels = 1 << 22
        _ = try? Ingestor(workspace: workspace, options: options).run([path])
    }
    return 0
}
