import FERCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Durable file writes: write all bytes, fsync, close. Directory entries are made durable with
/// `syncDirectory`. Errors name the path and the system's reason (disk full, read-only, ...).
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

    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw systemError("cannot open folder", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw systemError("cannot sync folder", path) }
    }

    static func readAll(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FerError(.sourceUnreadable, "cannot read", at: InputLocation(source: path))
        }
        return data
    }

    static func systemError(_ what: String, _ path: String) -> FerError {
        let reason = String(cString: strerror(errno))
        return FerError(.writeFailed, "\(what) \(path): \(reason)")
    }
}
