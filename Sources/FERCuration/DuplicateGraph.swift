import FERCore
import FERData
import FERIngest
import FERMedia

/// Which records are exact or near copies of each other: union-find sets over record indexes,
/// joined for identical pixels and for perceptual hashes within a Hamming threshold (and, when
/// mirror-aware, for a hash within the threshold of another's mirrored hash). Shared by dedup and
/// split (which keeps groups on one side).
struct DuplicateGraph {
    struct Hashes {
        var plain: UInt64
        var mirrored: UInt64?
    }

    var sets: UnionFind
    /// The hashes of each candidate record, by record index.
    var hashes: [Int: Hashes]

    /// `near` false joins identical pixels only (no hashes are computed); `subjects` also joins the
    /// faces of one person (`SubjectKey`, within one source), for split and folds (never for dedup).
    init(records: [FaceRecord], candidates: [Int], threshold: Int, mirror: Bool, near: Bool = true, subjects: Bool = false) {
        sets = UnionFind(count: records.count)
        if subjects {
            var firstOfSubject: [String: Int] = [:]
            for index in candidates {
                guard let subject = SubjectKey.of(records[index]) else { continue }
                let key = "\(records[index].sourceIndex)/\(subject)"
                if let first = firstOfSubject[key] { sets.union(first, index) } else { firstOfSubject[key] = index }
            }
        }
        var exactKeys: [UInt64: Int] = [:]
        for index in candidates {
            let key = Self.fingerprint(records[index].pixels)
            if let first = exactKeys[key] {
                if records[first].pixels == records[index].pixels { sets.union(first, index) }
            } else {
                exactKeys[key] = index
            }
        }
        hashes = [:]
        guard near else { return }
        let plain = Parallel.map(count: candidates.count) { range in
            range.map { PerceptualHash.hash(records[candidates[$0]].image) }
        }
        let index = NearDuplicateIndex(hashes: plain, threshold: threshold)
        for (a, b, _) in index.allPairs() { sets.union(candidates[a], candidates[b]) }
        var mirrored: [UInt64] = []
        if mirror {
            mirrored = Parallel.map(count: candidates.count) { range in
                range.map { PerceptualHash.mirroredHash(records[candidates[$0]].image) }
            }
            let pairs = Parallel.map(count: candidates.count, parts: 8 * Parallel.coreCount) { range in
                var pairs: [(Int, Int)] = []
                for a in range {
                    index.search(mirrored[a]) { b, _ in if b != a { pairs.append((a, b)) } }
                }
                return pairs
            }
            for (a, b) in pairs { sets.union(candidates[a], candidates[b]) }
        }
        for (position, record) in candidates.enumerated() {
            hashes[record] = Hashes(plain: plain[position], mirrored: mirror ? mirrored[position] : nil)
        }
    }

    /// The groups of copies among `candidates` (record indexes, each group in candidate order, groups
    /// by their first member), keyed by each group's most common label (7: unlabeled; a tie goes to the
    /// lower label). Split and cross-validation folds deal these out class by class.
    mutating func groupsByMajorityLabel(_ records: [FaceRecord], candidates: [Int]) -> [Int: [[Int]]] {
        var groupsByRoot: [Int: [Int]] = [:]
        for index in candidates { groupsByRoot[sets.find(index), default: []].append(index) }
        var byClass: [Int: [[Int]]] = [:]
        for group in groupsByRoot.values.sorted(by: { $0[0] < $1[0] }) {
            var votes = [Int](repeating: 0, count: 8)
            for member in group { votes[Int(records[member].label?.rawValue ?? 7)] += 1 }
            byClass[votes.indices.max { votes[$0] < votes[$1] }!, default: []].append(group)
        }
        return byClass
    }

    /// FNV-1a over the pixels: a bucket key for exact matching (equality is still checked).
    static func fingerprint(_ pixels: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for value in pixels { hash = (hash ^ UInt64(value)) &* 0x100_0000_01B3 }
        return hash
    }
}
