import CArchive
import CZlib
import FERCore
import FERData
import FERIngest
import FERMedia
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Test data built in code: faces, CSV text, archives, hand-made PNGs.
package enum Fixtures {
    /// A deterministic 48x48 pattern that differs per seed.
    package static func face(seed: Int) -> [UInt8] {
        (0..<FaceSize.pixelCount).map { index in
            let x = index % 48, y = index / 48
            return UInt8(truncatingIfNeeded: (x * 5 + y * 3 + seed * 37 + (x * y * (seed + 1)) / 7) & 0xFF)
        }
    }

    /// One FER2013 CSV row.
    package static func csvRow(emotion: String, pixels: [UInt8], usage: String = "Training") -> String {
        "\(emotion),\(pixels.map(String.init).joined(separator: " ")),\(usage)"
    }

    /// A fresh empty folder under this test process's own temporary folder, which is removed when the
    /// process exits (`FERDATA_KEEP_TEST_FILES=1` keeps it, to look at what a failing test wrote).
    package static func temporaryDirectory(_ name: String = #function) -> URL {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        let url = processFolder.appendingPathComponent("\(safe)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A Unix socket bound at `path` (a special file for the file-type policy's tests); close the
    /// returned descriptor when done.
    package static func unixSocket(at path: String) -> CInt {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            let bytes = Array(path.utf8.prefix(buffer.count - 1))
            buffer.copyBytes(from: bytes + [0])
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        precondition(bound == 0, "cannot bind a Unix socket at \(path)")
        return descriptor
    }

    private static let processFolder: URL = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferdata-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if ProcessInfo.processInfo.environment["FERDATA_KEEP_TEST_FILES"] != "1" {
            atexit { try? FileManager.default.removeItem(at: FileManager.default.temporaryDirectory.appendingPathComponent("ferdata-tests-\(getpid())")) }
        }
        return folder
    }()

    package static func write(_ text: String, to url: URL) throws {
        try Data(text.utf8).write(to: url)
    }

    package static func jpeg(_ pixels: [UInt8], width: Int = 48, height: Int = 48, channels: Int = 1, quality: Int = 95) -> [UInt8] {
        try! ImageEncoder.jpeg(pixels, width: width, height: height, channels: channels, quality: quality)
    }

    package static func png(_ pixels: [UInt8], width: Int = 48, height: Int = 48, channels: Int = 1) -> [UInt8] {
        try! ImageEncoder.png(pixels, width: width, height: height, channels: channels)
    }

    /// Writes an archive with the library's writer.
    package static func writeArchive(_ format: ArchiveWriter.Format, to url: URL, entries: [(String, [UInt8])]) {
        let writer = try! ArchiveWriter(path: url.path, format: format)
        for (name, bytes) in entries { try! writer.add(name, bytes) }
        try! writer.close()
    }

    /// An archive entry of any kind, for the file-type policy's tests.
    package enum ArchiveEntry {
        case file(String, [UInt8])
        case folder(String)
        case symbolicLink(String, to: String)
        case hardLink(String, to: String)
        /// A FIFO, character device or block device (`S_IFIFO`, `S_IFCHR`, `S_IFBLK`).
        case special(String, type: mode_t)
    }

    /// Writes a tar (pax) or zip archive holding entries of every kind, through libarchive.
    package static func writeArchive(zip: Bool, to url: URL, entries: [ArchiveEntry]) {
        let archive = archive_write_new()!
        defer { archive_write_free(archive) }
        _ = zip ? archive_write_set_format_zip(archive) : archive_write_set_format_pax_restricted(archive)
        precondition(archive_write_open_filename(archive, url.path) == ARCHIVE_OK)
        for item in entries {
            let entry = archive_entry_new()!
            defer { archive_entry_free(entry) }
            archive_entry_set_perm(entry, 0o644)
            var payload: [UInt8] = []
            switch item {
            case .file(let name, let bytes):
                archive_entry_set_pathname(entry, name)
                archive_entry_set_filetype(entry, UInt32(Glibc.S_IFREG))
                payload = bytes
            case .folder(let name):
                archive_entry_set_pathname(entry, name)
                archive_entry_set_filetype(entry, UInt32(Glibc.S_IFDIR))
            case .symbolicLink(let name, let target):
                archive_entry_set_pathname(entry, name)
                archive_entry_set_filetype(entry, UInt32(Glibc.S_IFLNK))
                archive_entry_set_symlink(entry, target)
            case .hardLink(let name, let target):
                archive_entry_set_pathname(entry, name)
                archive_entry_set_filetype(entry, UInt32(Glibc.S_IFREG))
                archive_entry_set_hardlink(entry, target)
            case .special(let name, let type):
                archive_entry_set_pathname(entry, name)
                archive_entry_set_filetype(entry, UInt32(type))
            }
            archive_entry_set_size(entry, Int64(payload.count))
            precondition(archive_write_header(archive, entry) >= ARCHIVE_WARN, "cannot write the entry header")
            if !payload.isEmpty { _ = payload.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) } }
        }
        archive_write_close(archive)
    }

    /// Compresses bytes with gzip (through libarchive's raw writer).
    package static func gzip(_ bytes: [UInt8], to url: URL) {
        let archive = archive_write_new()!
        defer { archive_write_free(archive) }
        archive_write_set_format_raw(archive)
        archive_write_add_filter_gzip(archive)
        precondition(archive_write_open_filename(archive, url.path) == ARCHIVE_OK)
        let entry = archive_entry_new()!
        archive_entry_set_pathname(entry, "data")
        archive_entry_set_filetype(entry, 0o100000)
        archive_write_header(archive, entry)
        _ = bytes.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) }
        archive_entry_free(entry)
        archive_write_close(archive)
    }

    /// A PNG assembled chunk by chunk, for colour types and bit depths the encoder does not write.
    /// `scanlines` are the raw rows without filter bytes.
    package static func handMadePNG(
        width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, scanlines: [[UInt8]],
        palette: [UInt8]? = nil
    ) -> [UInt8] {
        func be32(_ value: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            let crc = body.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
            return be32(data.count) + body + be32(Int(crc))
        }
        var raw: [UInt8] = []
        for line in scanlines { raw += [0] + line }
        var compressedSize = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedSize))
        compress(&compressed, &compressedSize, raw, uLong(raw.count))
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += chunk("IHDR", be32(width) + be32(height) + [bitDepth, colorType, 0, 0, 0])
        if let palette { png += chunk("PLTE", palette) }
        png += chunk("IDAT", Array(compressed[0..<Int(compressedSize)]))
        png += chunk("IEND", [])
        return png
    }

    /// The real FER-2013 data, if this checkout sits beside `shared/data`.
    package static var sharedData: URL? {
        var directory = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { directory.deleteLastPathComponent() }  // the repository root
        let data = directory.deletingLastPathComponent().appendingPathComponent("shared/data")
        return FileManager.default.fileExists(atPath: data.appendingPathComponent("fer2013.csv.gz").path) ? data : nil
    }
}
