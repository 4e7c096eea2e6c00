// Fuzz target: RAF-DB's list_patition_label.txt of arbitrary bytes beside its images, through the
// whole ingest.
import FERIngest
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    let root = FuzzScratch.listedFolder(
        "RAF-DB", fixed: ["Image/original/train_00001.jpg", "Image/original/test_0001.jpg"], listPath: "EmoLabel/list_patition_label.txt", bytes)
    FuzzScratch.ingest(root.path)
    return 0
}
