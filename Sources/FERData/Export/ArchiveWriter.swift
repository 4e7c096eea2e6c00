import CArchive
import FERCore
import Foundation

/// Writes archives with libarchive: zip, tar (optionally gzip or xz compressed) and 7z.
public final class ArchiveWriter {
    public enum Format: String, CaseIterable, Sendable {
        case zip, tar, tarGzip = "tar.gz", tarXz = "tar.xz", sevenZip = "7z"

        public var fileExtension: String { rawValue }
    }

    private let archive: OpaquePointer
    private let path: String
    private var closed = false

    public init(path: String, format: Format) throws {
        guard let archive = archive_write_new() else { throw FerError(.writeFailed, "libarchive failed to start") }
        self.archive = archive
        self.path = path
        switch format {
        case .zip: archive_write_set_format_zip(archive)
        case .tar: archive_write_set_format_pax_restricted(archive)
        case .tarGzip:
            archive_write_set_format_pax_restricted(archive)
            archive_write_add_filter_gzip(archive)
        case .tarXz:
            archive_write_set_format_pax_restricted(archive)
            archive_write_add_filter_xz(archive)
        case .sevenZip: archive_write_set_format_7zip(archive)
        }
        guard archive_write_open_filename(archive, path) == ARCHIVE_OK else {
            throw FerError(.writeFailed, "cannot create \(path): \(LibArchive.errorText(archive))")
        }
    }

    deinit {
        if !closed { archive_write_close(archive) }
        archive_write_free(archive)
    }

    /// Adds a regular file.
    public func add(_ name: String, _ bytes: [UInt8]) throws {
        let entry = archive_entry_new()
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, name)
        archive_entry_set_size(entry, la_int64_t(bytes.count))
        archive_entry_set_filetype(entry, 0o100000)
        archive_entry_set_perm(entry, 0o644)
        archive_entry_set_mtime(entry, 0, 0)
        guard archive_write_header(archive, entry) == ARCHIVE_OK else {
            throw FerError(.writeFailed, "cannot add \(name) to \(path): \(LibArchive.errorText(archive))")
        }
        let written = bytes.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw FerError(.writeFailed, "cannot write \(name) to \(path): \(LibArchive.errorText(archive))")
        }
    }

    public func close() throws {
        closed = true
        guard archive_write_close(archive) == ARCHIVE_OK else {
            throw FerError(.writeFailed, "cannot finish \(path): \(LibArchive.errorText(archive))")
        }
    }
}

/// libarchive's own words for its last error on an archive handle.
public enum LibArchive {
    public static func errorText(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}
