// Fuzz target: ExpW's label.lst of arbitrary bytes (boxes as top left right bottom, labels) beside
// its images, through the whole ingest and the crop by box.
import FERIngest
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    let root = FuzzScratch.listedFolder("ExpW", fixed: ["image/origin/a.jpg", "image/origin/b.jpg"], listPath: "label/label.lst", bytes)
    FuzzScratch.ingest(root.path)
    return 0
}
