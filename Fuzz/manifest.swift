// Fuzz target: a manifest CSV of arbitrary bytes (header, paths, labels, splits, subjects, boxes)
// given as a file beside its pictures, through the whole ingest: containment, links, the crop by box.
import FERIngest
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    let root = FuzzScratch.listedFolder("mine", fixed: ["a.png", "photos/b.jpg"], listPath: "manifest.csv", bytes)
    FuzzScratch.ingest(root.appendingPathComponent("manifest.csv").path)
    return 0
}
