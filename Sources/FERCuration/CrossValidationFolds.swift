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

    /// Folds of people: each person's faces (`SubjectKey`) in one fold, every person in exactly one.
    /// With as many folds as people, each person is a fold (leave-one-subject-out); with fewer, people
    /// are dealt in a seeded order, most faces first, each to the fold with the fewest faces of that
    /// person's commonest label so far (then the fewest faces): stratified by label as far as the
    /// people allow.
    /// - Returns: the fold of each record.
    /// - Throws: `.datasetUnfit` when a face names no person or there are fewer than two people;
    ///   `.invalidArgument` for more folds than people.
    public static func bySubject(_ records: [FaceRecord], folds: Int?, seed: UInt64) throws -> [Int] {
        let subjects = records.map(SubjectKey.of)
        let unnamed = subjects.filter { $0 == nil }.count
        guard unnamed == 0 else {
            throw FerError(.datasetUnfit, "\(unnamed) of \(records.count) faces name no person: folds by subject need every face's person "
                + "(JAFFE, KDEF and CK+ file names, a manifest's subject column); use --by face")
        }
        var facesOf: [String: [Int]] = [:]
        for (index, subject) in subjects.enumerated() { facesOf[subject!, default: []].append(index) }
        let people = facesOf.keys.sorted()
        guard people.count >= 2 else { throw FerError(.datasetUnfit, "folds by subject need two people or more; the faces name \(people.count)") }
        let count = folds ?? people.count
        guard (2...people.count).contains(count) else {
            throw FerError(.invalidArgument, "folds must be between 2 and the number of people (\(people.count)), got \(count)")
        }
        var fold = [Int](repeating: 0, count: records.count)
        if count == people.count {
            for (index, person) in people.enumerated() { for face in facesOf[person]! { fold[face] = index } }
            return fold
        }
        var random = SeededGenerator(seed: seed, stream: 0x5B1)
        var order = people
        order.shuffle(using: &random)
        order = order.enumerated().sorted { facesOf[$0.element]!.count != facesOf[$1.element]!.count
            ? facesOf[$0.element]!.count > facesOf[$1.element]!.count : $0.offset < $1.offset }.map(\.element)
        var byLabel = [[Int]](repeating: [Int](repeating: 0, count: count), count: 8)
        var totals = [Int](repeating: 0, count: count)
        for person in order {
            let faces = facesOf[person]!
            var labels = [Int](repeating: 0, count: 8)
            for face in faces { labels[Int(records[face].label?.rawValue ?? 7)] += 1 }
            let commonest = labels.indices.max { labels[$0] < labels[$1] }!
            let target = (0..<count).min { (byLabel[commonest][$0], totals[$0], $0) < (byLabel[commonest][$1], totals[$1], $1) }!
            for face in faces { fold[face] = target }
            for label in 0..<8 { byLabel[label][target] += labels[label] }
            totals[target] += faces.count
        }
        return fold
    }
}
