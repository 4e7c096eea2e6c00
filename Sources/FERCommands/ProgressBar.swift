import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on stderr, drawn only when stderr is a terminal, at most ten times a second.
final class ProgressBar {
    private let enabled: Bool
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(enabled: Bool) {
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
    }

    func update(label: String, fraction: Double?, detail: String) {
        guard enabled, Date().timeIntervalSince(started) > 0.5, Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        var line = "\r" + label
        if let fraction {
            let width = 30
            let done = Int((min(1, max(0, fraction)) * Double(width)).rounded())
            line += " [" + String(repeating: "#", count: done) + String(repeating: ".", count: width - done) + "]"
            line += " \(Int(fraction * 100))%"
        }
        line += " " + detail + "\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    func finish() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
    }
}
