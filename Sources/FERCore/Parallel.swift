import Dispatch
import Foundation

/// Data-parallel loops over the machine's cores.
public enum Parallel {
    /// Cores available to this process, read once (Foundation reads cgroup files on every call).
    public static let coreCount: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Maps `0..<count` in `parts` contiguous ranges on separate threads and concatenates the
    /// results in order, so the output is the same as a sequential map.
    public static func map<T>(count: Int, parts: Int = coreCount, _ body: (Range<Int>) -> [T]) -> [T] {
        map(count: count, parts: parts) { _, range in body(range) }
    }

    /// `map` whose body is also told which part (0..<parts, at most `count`) its range is, for work
    /// that keeps one resource per part (a network per core).
    public static func map<T>(count: Int, parts: Int = coreCount, _ body: (_ part: Int, Range<Int>) -> [T]) -> [T] {
        let parts = max(1, min(parts, count))
        if parts == 1 { return count == 0 ? [] : body(0, 0..<count) }
        var results = [[T]](repeating: [], count: parts)
        results.withUnsafeMutableBufferPointer { slots in
            let slots = slots
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let lower = count * part / parts, upper = count * (part + 1) / parts
                slots[part] = body(part, lower..<upper)
            }
        }
        return results.flatMap { $0 }
    }
}
