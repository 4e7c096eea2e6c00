// Fuzz target: the safetensors reader (header length, JSON header, offsets, shapes, dtypes) on
// arbitrary bytes: every model file a model hub can serve.
import FERData
import FERNet
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    FuzzScratch.withFile("input.safetensors", bytes) { path, _ in
        _ = try? SafeTensors.read(path)
    }
    return 0
}
