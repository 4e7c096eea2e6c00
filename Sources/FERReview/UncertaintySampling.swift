import Foundation
import FERCore
import FERCuration
import FERData
import FEREval

/// Faces of a pool ranked by how unsure a model is of them (active learning's uncertainty sampling),
/// in batches that hold no two near-duplicates, so that one batch of a person's answers does not go
/// to one face twice.
public enum UncertaintySampling {
    /// How a face's uncertainty is read from the model's probabilities (higher: less sure).
    public enum Measure: String, StageChoice {
        /// 1 - the largest probability.
        case leastConfidence = "least-confidence"
        /// 1 - (the largest probability - the second largest).
        case margin
        /// -sum p log p (natural logarithm).
        case entropy
    }

    /// `probabilities`' uncertainty by `measure`.
    public static func uncertainty(_ probabilities: [Float], by measure: Measure) -> Double {
        let sorted = probabilities.map(Double.init).sorted(by: >)
        switch measure {
        case .leastConfidence: return 1 - (sorted.first ?? 0)
        case .margin: return 1 - ((sorted.first ?? 0) - (sorted.count > 1 ? sorted[1] : 0))
        case .entropy: return -sorted.reduce(0) { $0 + ($1 > 0 ? $1 * Foundation.log($1) : 0) }
        }
    }

    /// The order in which to show the faces: the most uncertain first (equal ones by record id),
    /// cut into batches of `batch` in which no face is within `threshold` bits (dedup's perceptual hash,
    /// its mirror image included) of another; a face with a near-duplicate in the batch being filled
    /// waits for the next one.
    /// - Returns: indexes into `uncertainties`, every one once.
    public static func order(uncertainties: [Double], recordIDs: [UInt64], hashes: [(plain: UInt64, mirrored: UInt64)],
                             batch: Int, threshold: Int = 4) -> [Int] {
        precondition(batch > 0 && uncertainties.count == recordIDs.count && hashes.count == recordIDs.count)
        var waiting = uncertainties.indices.sorted {
            uncertainties[$0] != uncertainties[$1] ? uncertainties[$0] > uncertainties[$1] : recordIDs[$0] < recordIDs[$1]
        }
        var order: [Int] = []
        order.reserveCapacity(waiting.count)
        while !waiting.isEmpty {
            var taken: [Int] = [], deferred: [Int] = []
            for index in waiting {
                guard taken.count < batch else { deferred.append(index); continue }
                let nearDuplicate = taken.contains { other in
                    min(PerceptualHash.distance(hashes[index].plain, hashes[other].plain),
                        PerceptualHash.distance(hashes[index].plain, hashes[other].mirrored)) <= threshold
                }
                if nearDuplicate { deferred.append(index) } else { taken.append(index) }
            }
            order += taken
            waiting = deferred
        }
        return order
    }
}
