import CArchive
import FERCore
import FERData
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads the entries of any archive libarchive understands (zip, tar, tar.gz, tar.xz, 7z, ...),
/// one at a time, with a size limit per entry so that a member claiming terabytes is refused
/// before anything is allocated.
final class ArchiveReader {
    /// Bytes per entry read into memory at most; larger entries are skipped with a reject.
    static let defaultMaxEntryBytes = 64 << 20

    let path: String
    let maxEntryBytes: Int
    private let archive: OpaquePointer
    private var buffer: [UInt8] = []

    enum Entry {
        /// A regular file and its bytes.
        case file(name: String, bytes: ArraySlice<UInt8>)
        /// An entry refused without reading (too large, a link, a special file), with the reason.
        case refused(name: String, reason: RejectReason, detail: String)
        /// The archive ended early or is damaged from here on; what was read stays valid.
        case damaged(name: String?, detail: String)
    }

    /// Opens `path` as an archive. (Once every property is set, a throwing init still runs deinit,
    /// which frees the libarchive handle.)
    /// - Throws: `.sourceUnreadable` when the file is missing or not an archive libarchive reads.
    init(path: String, maxEntryBytes: Int = defaultMaxEntryBytes) throws {
        guard let archive = archive_read_new() else { throw FerError(.sourceUnreadable, "libarchive failed to start") }
        self.archive = archive
        self.path = path
        self.maxEntryBytes = maxEntryBytes
        archive_read_support_filter_all(archive)
        archive_read_support_format_all(archive)
        guard archive_read_open_filename(archive, path, 1 << 20) == ARCHIVE_OK else {
            let reason = LibArchive.errorText(archive)
            throw FerError(.sourceUnreadable, "not an archive ferdata can read: \(reason)", at: InputLocation(source: path))
        }
    }

    deinit {
        archive_read_free(archive)
    }

    /// Compressed bytes consumed so far, for progress.
    var bytesConsumed: Int64 { archive_filter_bytes(archive, -1) }

    /// The next entry that is not a folder, or nil at the end.
    func next() -> Entry? {
        while true {
            var entry: OpaquePointer?
            let status = archive_read_next_header(archive, &entry)
            if status == ARCHIVE_EOF { return nil }
            if status == ARCHIVE_FATAL || entry == nil {
                return .damaged(name: nil, detail: LibArchive.errorText(archive))
            }
            let name = archive_entry_pathname_utf8(entry).map { String(cString: $0) }
                ?? archive_entry_pathname(entry).map { String(cString: $0) } ?? "?"
            // Every entry but a folder is counted: links and special files are refused with a reason
            // (a hard link is GNU tar's entry for a second name of a file already in the archive).
            let type = archive_entry_filetype(entry)
            if let target = archive_entry_hardlink(entry).map({ String(cString: $0) }) {
                archive_read_data_skip(archive)
                return .refused(name: name, reason: .archiveLink, detail: "a hard link to \(target) (links in archives are not followed)")
            }
            if type == Self.folderType { continue }
            guard type == Self.regularFileType else {
                archive_read_data_skip(archive)
                if type == Self.symbolicLinkType {
                    let target = archive_entry_symlink(entry).map { String(cString: $0) } ?? "?"
                    return .refused(name: name, reason: .archiveLink, detail: "a symbolic link to \(target) (links in archives are not followed)")
                }
                return .refused(name: name, reason: .specialFile, detail: "\(SourceFolder.kindName(type)) entry, not a file")
            }
            if archive_entry_size_is_set(entry) != 0 {
                let size = Int64(archive_entry_size(entry))
                if size > maxEntryBytes {
                    archive_read_data_skip(archive)
                    return .refused(
                        name: name, reason: .entryTooLarge,
                        detail: "entry claims \(size) bytes, over the \(maxEntryBytes)-byte limit")
                }
            }
            return readData(name: name)
        }
    }

    private func readData(name: String) -> Entry {
        var used = 0
        if buffer.count < 1 << 16 { buffer = [UInt8](repeating: 0, count: 1 << 16) }
        while true {
            if used == buffer.count {
                guard buffer.count < maxEntryBytes else {
                    archive_read_data_skip(archive)
                    return .refused(name: name, reason: .entryTooLarge, detail: "entry exceeds the \(maxEntryBytes)-byte limit")
                }
                buffer.append(contentsOf: repeatElement(0, count: min(buffer.count, maxEntryBytes - buffer.count)))
            }
            let read = buffer.withUnsafeMutableBytes { raw in
                archive_read_data(archive, raw.baseAddress! + used, raw.count - used)
            }
            if read == 0 { return .file(name: name, bytes: Array(buffer[0..<used])[...]) }
            if read < 0 {
                if read == ARCHIVE_WARN || read == ARCHIVE_RETRY { continue }
                return .damaged(name: name, detail: LibArchive.errorText(archive))
            }
            used += read
        }
    }

    /// libarchive's AE_IFREG, AE_IFDIR and AE_IFLNK, macros Swift does not import.
    private static let regularFileType: mode_t = 0o100000
    private static let folderType: mode_t = 0o040000
    private static let symbolicLinkType: mode_t = 0o120000
}

/// A stream of bytes read in chunks.
protocol ByteStream: AnyObject {
    /// Reads up to `buffer.count` bytes; 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Bytes of the underlying file consumed so far, for progress.
    var bytesConsumed: Int64 { get }
}

/// The decompressed bytes of a compressed file, through libarchive's raw format.
final class DecompressedStream: ByteStream {
    let path: String
    private let archive: OpaquePointer

    init(path: String) throws {
        guard let archive = archive_read_new() else { throw FerError(.sourceUnreadable, "libarchive failed to start") }
        self.archive = archive
        self.path = path
        archive_read_support_filter_all(archive)
        archive_read_support_format_raw(archive)
        var entry: OpaquePointer?
        guard archive_read_open_filename(archive, path, 1 << 20) == ARCHIVE_OK else {
            let reason = LibArchive.errorText(archive)
            throw FerError(.sourceUnreadable, "cannot read: \(reason)", at: InputLocation(source: path))
        }
        let status = archive_read_next_header(archive, &entry)
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN || status == ARCHIVE_EOF else {
            let reason = LibArchive.errorText(archive)
            throw FerError(.sourceUnreadable, "cannot read: \(reason)", at: InputLocation(source: path))
        }
    }

    deinit {
        archive_read_free(archive)
    }

    /// Whether any decompression filter is active.
    var isCompressed: Bool {
        (0..<archive_filter_count(archive)).contains { archive_filter_code(archive, $0) != ARCHIVE_FILTER_NONE }
    }

    var bytesConsumed: Int64 { archive_filter_bytes(archive, -1) }

    /// - Throws: `.corruptStream` when the compressed stream is damaged or truncated.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let read = archive_read_data(archive, buffer.baseAddress, buffer.count)
            if read >= 0 { return read }
            if read == ARCHIVE_WARN || read == ARCHIVE_RETRY { continue }
            throw FerError(.corruptStream, "compressed data is damaged or truncated: \(LibArchive.errorText(archive))",
                           at: InputLocation(source: path))
        }
    }
}

/// An uncompressed file mapped into memory: rows are parsed where they lie, with no copy.
final class MappedFile: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer

    /// nil when the file cannot be mapped (a pipe, an empty file); read it as a stream instead.
    init?(path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size > 0 else { return nil }
        let size = Int(status.st_size)
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else { return nil }
        madvise(address, size, MADV_SEQUENTIAL)
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
    }
}
