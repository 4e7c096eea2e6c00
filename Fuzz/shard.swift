// Fuzz target: the shard reader (header checks, record CRCs, record decoding) on arbitrary bytes.
import FERData
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzScratch.withFile("input.frs", Data(bytes: data, count: size)) { path, _ in
        if let shard = try? ShardRecords(path: path) { _ = try? shard.records() }
    }
    return 0
}
