import FERCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Every file ferdata reads or writes whole goes through here. Durable writes: write all bytes,
/// fsync, close; `writeAtomically` also writes beside the final name and renames, so a reader sees the
/// old file or the new one, never half of one. Errors name the path and the system's reason (disk
/// full, read-only, ...).
public enum FileIO {
    static func writeDurably(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw systemError("cannot create", path) }
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                let error = systemError("cannot write", path)
                close(fd)
                throw error
            }
            offset += written
        }
        guard fsync(fd) == 0 else {
            let error = systemError("cannot sync", path)
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw systemError("cannot close", path) }
    }

    public static func writeDurably(_ data: Data, to path: String) throws {
        try data.withUnsafeBytes { try writeDurably($0, to: path) }
    }

    /// Writes `data` under a temporary name beside `path`, fsyncs it, renames it over `path` and
    /// fsyncs the folder: model files, checkpoints, reports and run files, crash-safe like datasets.
    public static func writeAtomically(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".partial-\(getpid())"
        do {
            try writeDurably(data, to: temporary)
            guard rename(temporary, path) == 0 else { throw systemError("cannot rename into", path) }
            try syncDirectory(folder)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Builds a folder under a hidden name beside `folder` and renames it into place when `body`
    /// returns, so the folder appears complete or not at all; a failure removes what was written.
    /// An existing `folder` is replaced.
    public static func writeFolder<T>(_ folder: URL, _ body: (URL) throws -> T) throws -> T {
        let partial = folder.deletingLastPathComponent().appendingPathComponent(".\(folder.lastPathComponent).partial-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
        do {
            let result = try body(partial)
            try syncDirectory(partial.path)
            if FileManager.default.fileExists(atPath: folder.path) { try FileManager.default.removeItem(at: folder) }
            try FileManager.default.moveItem(at: partial, to: folder)
            return result
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
    }

    public static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw systemError("cannot open folder", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw systemError("cannot sync folder", path) }
    }

    /// The whole file. Read with open/fstat/read: Foundation's `contents(atPath:)` leaks a 4 KB
    /// buffer on every empty file (found by the shard and pipeline fuzzers).
    public static func readAll(_ path: String) throws -> Data {
        let unreadable = { FerError(.sourceUnreadable, "cannot read: \(String(cString: strerror(errno)))", at: InputLocation(source: path)) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw unreadable() }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw unreadable() }
        guard let data = readContents(descriptor: fd, size: Int(status.st_size)) else { throw unreadable() }
        return data
    }

    /// Up to `size` bytes from an open file, from where it stands: fewer when the file ends sooner;
    /// nil on a read error (errno says which). A read that would block is retried.
    public static func readContents(descriptor fd: Int32, size: Int) -> Data? {
        guard size > 0 else { return Data() }
        var data = Data(count: size)
        var offset = 0
        let failed = data.withUnsafeMutableBytes { buffer -> Bool in
            while offset < buffer.count {
                let count = Glibc.read(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                if count < 0 { return true }
                if count == 0 { break }
                offset += count
            }
            return false
        }
        guard !failed else { return nil }
        return offset == data.count ? data : data.prefix(offset)
    }

    /// SHA-256 of a file's bytes, read 4 MB at a time (a pipeline's source of any size).
    public static func sha256(ofFile path: String) throws -> String {
        let unreadable = { FerError(.sourceUnreadable, "cannot read: \(String(cString: strerror(errno)))", at: InputLocation(source: path)) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw unreadable() }
        defer { close(fd) }
        var digest = SHA256Digest()
        var buffer = [UInt8](repeating: 0, count: 1 << 22)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw unreadable() }
            if count == 0 { break }
            buffer.withUnsafeBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
        }
        return digest.finalizeHex()
    }

    /// A failed system call's `write-failed` error, with errno's reason.
    public static func systemError(_ what: String, _ path: String) -> FerError {
        let reason = String(cString: strerror(errno))
        return FerError(.writeFailed, "\(what) \(path): \(reason)")
    }
}
