import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Named points in ferdata's work where crash tests kill the process, deterministically: with
/// `FERDATA_KILL_AT=NAME:N` in its environment, a process sends itself SIGKILL the N-th time it
/// passes the point NAME. Points: `shard` (a dataset shard written and synced), `checkpoint` (a
/// training checkpoint written), `queue` and `decisions` (`active-learn`: a round's queue stored, the
/// oracle's answers stored). Without the variable a point costs one comparison.
public enum FaultPoint {
    public static let environmentVariable = "FERDATA_KILL_AT"

    private static let target: (name: String, count: Int)? = {
        guard let value = ProcessInfo.processInfo.environment[environmentVariable],
              let colon = value.lastIndex(of: ":"), let count = Int(value[value.index(after: colon)...]), count > 0
        else { return nil }
        return (String(value[..<colon]), count)
    }()

    private static let passes = Counter()

    /// Marks that the work passed `name`; kills the process if this is the pass the environment names.
    public static func pass(_ name: String) {
        guard let target, target.name == name else { return }
        if passes.increment() == target.count { kill(getpid(), SIGKILL) }
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() -> Int { lock.withLock { value += 1; return value } }
    }
}
