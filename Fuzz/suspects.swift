// Fuzz target: the suspects file reader of the review queue (record ids, class names, finite
// scores, each record once) and the probabilities reader of `suspects --probabilities` (CSV or
// .npy, rows summing to one), on arbitrary bytes, against a small dataset built once.
@testable import FERReview
import FERCore
import FERData
import FEREval
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    let (dataset, records) = FuzzScratch.smallDataset
    FuzzScratch.withFile("input.csv", bytes) { path, _ in
        _ = try? ReviewQueue.suspects(path, dataset: dataset)
        _ = try? ProbabilityTable.read(path, records: records, classes: Emotion.allCases.map(\.name))
    }
    return 0
}
