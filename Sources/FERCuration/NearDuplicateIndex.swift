import FERCore
import FERData
import FERIngest

/// Finds all pairs of 64-bit hashes within a Hamming distance, sub-quadratically, by multi-index
/// hashing: each hash is cut into m chunks and indexed by each chunk. Two hashes within distance t
/// differ in at most t/m bits on some chunk (pigeonhole), so a query probes, per chunk, the keys
/// within that radius and checks only the hashes found there. m (4 to 8) is chosen for the
/// threshold and the number of hashes to balance random probes against bucket scans.
///
/// - Complexity: building O(m n); a query makes m x C(64/m, <= t/m) probes of n / 2^(64/m) hashes
///   on average. For a million hashes: t = 4 about 5 probes of 120, t = 7 about 68 probes of 15.
public struct NearDuplicateIndex: Sendable {
    public let hashes: [UInt64]
    public let threshold: Int
    /// Bit offset and width of each chunk.
    private let chunks: [(shift: UInt64, width: Int)]
    private let radius: Int
    /// Chunk c's bucket for key k is positions `offsets[tables[c] + k] ..< offsets[tables[c] + k + 1]`
    /// of the chunk's slice of `members` (record indexes) and `bucketed` (their hashes, in bucket
    /// order so that a probe scans contiguous memory).
    private let tables: [Int]
    private let offsets: [Int32]
    private let members: [Int32]
    private let bucketed: [UInt64]

    /// - Parameter threshold: 0-15 bits.
    public init(hashes: [UInt64], threshold: Int) {
        precondition((0...15).contains(threshold), "threshold must be 0-15")
        self.hashes = hashes
        self.threshold = threshold
        let n = hashes.count
        let m = Self.chunkCount(threshold: threshold, count: n)
        var chunks: [(shift: UInt64, width: Int)] = []
        var shift = 0
        for c in 0..<m {
            let width = 64 / m + (c < 64 % m ? 1 : 0)
            chunks.append((UInt64(shift), width))
            shift += width
        }
        self.chunks = chunks
        self.radius = threshold / m
        var tables: [Int] = []
        var total = 0
        for chunk in chunks {
            tables.append(total)
            total += (1 << chunk.width) + 1
        }
        self.tables = tables
        var offsets = [Int32](repeating: 0, count: total)
        var members = [Int32](repeating: 0, count: m * n)
        var bucketed = [UInt64](repeating: 0, count: m * n)
        for (c, chunk) in chunks.enumerated() {
            let base = tables[c], keys = 1 << chunk.width
            for hash in hashes { offsets[base + Self.key(hash, chunk) + 1] += 1 }
            for key in 1...keys { offsets[base + key] += offsets[base + key - 1] }
            var fill = Array(offsets[base..<(base + keys)])
            for (index, hash) in hashes.enumerated() {
                let key = Self.key(hash, chunk)
                let position = c * n + Int(fill[key])
                members[position] = Int32(index)
                bucketed[position] = hash
                fill[key] += 1
            }
        }
        self.offsets = offsets
        self.members = members
        self.bucketed = bucketed
    }

    /// The chunk count with the lowest estimated cost: probes x (a cache miss + a bucket scan).
    static func chunkCount(threshold: Int, count: Int) -> Int {
        func probes(_ width: Int, _ radius: Int) -> Double {
            (0...radius).reduce(0.0) { total, k in total + (0..<k).reduce(1.0) { $0 * Double(width - $1) / Double($1 + 1) } }
        }
        return (4...8).min { a, b in
            func cost(_ m: Int) -> Double {
                let width = 64 / m
                return Double(m) * probes(width, threshold / m) * (100 + Double(count) / Double(1 << width))
            }
            return cost(a) < cost(b)
        }!
    }

    @inline(__always)
    private static func key(_ hash: UInt64, _ chunk: (shift: UInt64, width: Int)) -> Int {
        Int((hash >> chunk.shift) & ((1 << UInt64(chunk.width)) - 1))
    }

    /// Calls `found(j, distance)` once for every indexed hash j within the threshold of `query`.
    public func search(_ query: UInt64, _ found: (Int, Int) -> Void) {
        let (n, radius, threshold) = (hashes.count, self.radius, self.threshold)
        offsets.withUnsafeBufferPointer { offsets in
            members.withUnsafeBufferPointer { members in
                bucketed.withUnsafeBufferPointer { bucketed in
                    for (c, chunk) in chunks.enumerated() {
                        Self.forEachKey(near: Self.key(query, chunk), width: chunk.width, radius: radius) { probe in
                            let bucket = tables[c] + probe
                            let base = c * n
                            for position in (base + Int(offsets[bucket]))..<(base + Int(offsets[bucket + 1])) {
                                let hash = bucketed[position]
                                let distance = (hash ^ query).nonzeroBitCount
                                guard distance <= threshold else { continue }
                                // Report each pair once: at the first chunk that is within the radius.
                                var earlier = false
                                for other in chunks[0..<c] where (Self.key(hash, other) ^ Self.key(query, other)).nonzeroBitCount <= radius {
                                    earlier = true
                                }
                                if !earlier { found(Int(members[position]), distance) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Every pair (i < j) within the threshold, found on all cores.
    public func allPairs() -> [(Int, Int, Int)] {
        Parallel.map(count: hashes.count, parts: 8 * Parallel.coreCount) { range in
            var pairs: [(Int, Int, Int)] = []
            for i in range {
                search(hashes[i]) { j, distance in
                    if j > i { pairs.append((i, j, distance)) }
                }
            }
            return pairs
        }
    }

    /// Calls `body` with `key` and every `width`-bit key within `radius` (0-3) bit flips of it.
    static func forEachKey(near key: Int, width: Int, radius: Int, _ body: (Int) -> Void) {
        body(key)
        guard radius >= 1 else { return }
        for a in 0..<width {
            let one = key ^ (1 << a)
            body(one)
            guard radius >= 2 else { continue }
            for b in (a + 1)..<width {
                let two = one ^ (1 << b)
                body(two)
                guard radius >= 3 else { continue }
                for c in (b + 1)..<width { body(two ^ (1 << c)) }
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
