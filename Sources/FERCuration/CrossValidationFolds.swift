import FERCore
import FERData
import FERIngest
import Foundation

/// K folds for cross-validation: stratified by label, with each group of duplicates (exact or
/// pHash-near, as dedup and split find them) and each person's faces (`SubjectKey`) in one fold, so
/// no fold's model has seen a copy of a face, or its person, it is asked about.
public enum CrossValidationFolds {
    /// The fold (0..<folds) of each record, in record order. Groups are dealt class by class, in a
    /// seeded order, largest first, each to the fold that has fewest faces of that class so far.
    /// - Parameter near: group pHash-near copies (within 4, mirrored too, as dedup) as well as
    ///   identical pixels.
    public static func assign(_ records: [FaceRecord], folds: Int, seed: UInt64, near: Bool = true) -> [Int] {
        precondition(folds >= 2, "cross-validation needs at least two folds")
        let all = Array(records.indices)
        var graph = DuplicateGraph(records: records, candidates: all, threshold: 4, mirror: true, near: near, subjects: true)
        let byClass = graph.groupsByMajorityLabel(records, candidates: all)
        var random = SeededGenerator(seed: seed, stream: 0xF01D)
        var fold = [Int](repeating: 0, count: records.count)
        var totals = [Int](repeating: 0, count: folds)
        for label in byClass.keys.sorted() {
            var groups = byClass[label]!
            groups.shuffle(using: &random)
            let ordered = groups.enumerated().sorted { $0.element.count != $1.element.count ? $0.element.count > $1.element.count : $0.offset < $1.offset }
            var classCounts = [Int](repeating: 0, count: folds)
            for (_, group) in ordered {
                let target = (0..<folds).min { (classCounts[$0], totals[$0], $0) < (classCounts[$1], totals[$1], $1) }!
                for index in group { fold[index] = target }
                classCounts[target] += group.count
                totals[target] += group.count
            }
        }
        return fold
    }
}
