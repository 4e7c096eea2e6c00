import FERCore

/// Finds all pairs of 64-bit hashes within a Hamming distance, sub-quadratically, by multi-index
/// hashing: each hash is cut into four 16-bit chunks and indexed by each chunk. Two hashes within
/// distance t agree within t/4 bits on at least one chunk (pigeonhole), so a query probes, per
/// chunk, the keys within that radius and checks only the hashes found there.
///
/// - Complexity: building O(n); a query probes 4 x C(16, <= t/4) buckets of n/65536 hashes on
///   average: t <= 3 about 60 candidates per query, t <= 7 about 1,000, t <= 11 about 8,000.
public struct NearDuplicateIndex: Sendable {
    public let hashes: [UInt64]
    /// Per chunk: `offsets[key]..<offsets[key + 1]` indexes `members`, sorted by key.
    private var offsets: [[Int32]] = []
    private var members: [[Int32]] = []

    public init(hashes: [UInt64]) {
        self.hashes = hashes
        for chunk in 0..<4 {
            var counts = [Int32](repeating: 0, count: 65537)
            for hash in hashes { counts[Int(Self.chunk(hash, chunk)) + 1] += 1 }
            for key in 1...65536 { counts[key] += counts[key - 1] }
            var fill = counts
            var bucketed = [Int32](repeating: 0, count: hashes.count)
            for (index, hash) in hashes.enumerated() {
                let key = Int(Self.chunk(hash, chunk))
                bucketed[Int(fill[key])] = Int32(index)
                fill[key] += 1
            }
            offsets.append(counts)
            members.append(bucketed)
        }
    }

    static func chunk(_ hash: UInt64, _ index: Int) -> UInt16 {
        UInt16(truncatingIfNeeded: hash >> UInt64(16 * index))
    }

    /// Calls `found(j, distance)` once for every indexed hash j within `threshold` of `query`.
    public func search(_ query: UInt64, threshold: Int, _ found: (Int, Int) -> Void) {
        let radius = threshold / 4
        for chunk in 0..<4 {
            let key = Self.chunk(query, chunk)
            Self.forEachKey(near: key, radius: radius) { probe in
                let bucket = Int(probe)
                for position in Int(offsets[chunk][bucket])..<Int(offsets[chunk][bucket + 1]) {
                    let candidate = Int(members[chunk][position])
                    let hash = hashes[candidate]
                    let distance = (hash ^ query).nonzeroBitCount
                    guard distance <= threshold else { continue }
                    // Report each pair once: at the first chunk that is within the radius.
                    let earlier = (0..<chunk).contains { other in
                        (Self.chunk(hash, other) ^ Self.chunk(query, other)).nonzeroBitCount <= radius
                    }
                    if !earlier { found(candidate, distance) }
                }
            }
        }
    }

    /// Every pair (i < j) within `threshold`, found on all cores.
    public func allPairs(threshold: Int) -> [(Int, Int, Int)] {
        Parallel.map(count: hashes.count, parts: 8 * Parallel.coreCount) { range in
            var pairs: [(Int, Int, Int)] = []
            for i in range {
                search(hashes[i], threshold: threshold) { j, distance in
                    if j > i { pairs.append((i, j, distance)) }
                }
            }
            return pairs
        }
    }

    /// Calls `body` with `key` and every 16-bit key within `radius` bit flips of it.
    static func forEachKey(near key: UInt16, radius: Int, _ body: (UInt16) -> Void) {
        body(key)
        guard radius >= 1 else { return }
        for a in 0..<16 {
            let one = key ^ (1 << UInt16(a))
            body(one)
            guard radius >= 2 else { continue }
            for b in (a + 1)..<16 {
                let two = one ^ (1 << UInt16(b))
                body(two)
                guard radius >= 3 else { continue }
                for c in (b + 1)..<16 { body(two ^ (1 << UInt16(c))) }
            }
        }
    }
}

/// Disjoint sets over 0..<n with path halving and union by size.
public struct UnionFind: Sendable {
    private var parent: [Int]
    private var size: [Int]

    public init(count: Int) {
        parent = Array(0..<count)
        size = [Int](repeating: 1, count: count)
    }

    public mutating func find(_ element: Int) -> Int {
        var x = element
        while parent[x] != x {
            parent[x] = parent[parent[x]]
            x = parent[x]
        }
        return x
    }

    public mutating func union(_ a: Int, _ b: Int) {
        var (ra, rb) = (find(a), find(b))
        if ra == rb { return }
        if size[ra] < size[rb] { swap(&ra, &rb) }
        parent[rb] = ra
        size[ra] += size[rb]
    }
}
