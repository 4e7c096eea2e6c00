// Benchmarks that are programs rather than tests (run through scripts/bench-*).
//   ferdata-bench near-duplicates [--count N] [--threshold T]
import FERCore
import FERData
import Foundation

func nearDuplicates(count: Int, threshold: Int) {
    var random = SeededGenerator(seed: 42)
    var hashes = (0..<count).map { _ in random.next() }
    // Plant 10,000 near copies at distances 0...threshold.
    var planted: [(Int, Int)] = []
    for index in 0..<10_000 {
        let original = Int.random(in: 0..<count, using: &random)
        var copy = hashes[original]
        var flipped = Set<Int>()
        while flipped.count < index % (threshold + 1) { flipped.insert(Int.random(in: 0..<64, using: &random)) }
        for bit in flipped { copy ^= 1 << UInt64(bit) }
        planted.append((original, hashes.count))
        hashes.append(copy)
    }
    let start = Date()
    let index = NearDuplicateIndex(hashes: hashes, threshold: threshold)
    let built = Date()
    let pairs = index.allPairs()
    let done = Date()
    let found = Set(pairs.map { "\(min($0.0, $0.1))-\(max($0.0, $0.1))" })
    let missing = planted.filter { !found.contains("\(min($0.0, $0.1))-\(max($0.0, $0.1))") }.count
    print("""
        near-duplicate search: \(hashes.count) random 64-bit hashes, \(planted.count) planted near copies, threshold \(threshold)
          index built in \(String(format: "%.2f", built.timeIntervalSince(start))) s, all pairs in \(String(format: "%.2f", done.timeIntervalSince(built))) s on \(Parallel.coreCount) cores
          pairs found: \(pairs.count); planted pairs missed: \(missing)
        """)
    if missing > 0 { exit(1) }
}

let arguments = CommandLine.arguments.dropFirst()
func option(_ name: String, _ fallback: Int) -> Int {
    guard let position = arguments.firstIndex(of: name), position + 1 < arguments.endIndex else { return fallback }
    return Int(arguments[position + 1]) ?? fallback
}
switch arguments.first {
case "near-duplicates":
    nearDuplicates(count: option("--count", 1_000_000), threshold: option("--threshold", 4))
default:
    print("usage: ferdata-bench near-duplicates [--count N] [--threshold T]")
    exit(2)
}
