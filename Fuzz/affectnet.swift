// Fuzz target: AffectNet's training.csv of arbitrary bytes (header, boxes, codes, valence and
// arousal) beside its images, through the whole ingest and the crop by box.
import FERIngest
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    let root = FuzzScratch.listedFolder(
        "AffectNet", fixed: ["Manually_Annotated_Images/101/a.jpg", "Manually_Annotated_Images/101/b.png"], listPath: "training.csv", bytes)
    FuzzScratch.ingest(root.path)
    return 0
}
