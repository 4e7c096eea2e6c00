// Fuzz target: archive reading (libarchive: zip, tar, gzip, xz, 7z ...) and the image decoding of
// its entries, through the Ingestor, on arbitrary bytes.
import FERData
import FERIngest
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzScratch.withFile("input.zip", Data(bytes: data, count: size)) { path, workspace in
        _ = try? Ingestor(workspace: workspace, options: FuzzScratch.ingestOptions).run([path])
    }
    return 0
}
