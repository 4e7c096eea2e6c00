// Fuzz target: a CK+ emotion file of arbitrary bytes beside its sequence's frames, through the
// whole ingest (label parsing, peak frames, rejects).
import FERIngest
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    let root = FuzzScratch.listedFolder(
        "CK+", fixed: ["cohn-kanade-images/S005/001/S005_001_00000001.png", "cohn-kanade-images/S005/001/S005_001_00000002.png"],
        listPath: "Emotion/S005/001/S005_001_00000002_emotion.txt", bytes)
    FuzzScratch.ingest(root.path)
    return 0
}
