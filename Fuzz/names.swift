// Fuzz target: the labels and subjects in file names (JAFFE's KA.AN1.39.tiff, KDEF's AF01ANS.JPG,
// CK+'s frames) and layout detection, on arbitrary bytes as a name.
@testable import FERIngest
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    let name = String(decoding: bytes, as: UTF8.self)
    _ = JaffeKdefNames.jaffe(name)
    _ = JaffeKdefNames.kdef(name)
    _ = SubjectKey.of(name)
    _ = Layout.detect(members: name.split(separator: "\n").map(String.init))
    return 0
}
