// Fuzz target: the pipeline-file reader (Yams parsing, the schema checks, variable substitution)
// on arbitrary bytes.
@testable import FERCommands
import FERData
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzScratch.withFile("input.yaml", Data(bytes: data, count: size)) { path, _ in
        _ = try? PipelineFile(path: path, overrides: ["data": "samples"], environment: [:])
    }
    return 0
}
