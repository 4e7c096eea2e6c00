// Fuzz target: the pipeline-file reader (Yams parsing, decoding into the stages' options, variable substitution)
// on arbitrary bytes.
@testable import FERStages
import FERData
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzScratch.withFile("input.yaml", Data(bytes: data, count: size)) { path, _ in
        _ = try? PipelineFile(path: path, overrides: ["data": "samples"], environment: [:])
    }
    return 0
}
