import FERCore
import FERData
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A source's folder (a folder given to ingest, or the folder of a list file such as a manifest)
/// and the one policy for every file it names, whether by walking it or from a list
/// (docs/reliability.md, "Files from strangers"):
///
/// - a regular file is read;
/// - a symbolic link is followed when it leads to a regular file inside the folder; one leading
///   outside is an `outside-source` reject, one to a folder, a FIFO or a device a `special-file`
///   reject, one to nothing an `unreadable-entry` reject;
/// - FIFOs, sockets and devices are `special-file` rejects and are never opened (opening a FIFO
///   blocks until someone writes to it);
/// - a path a list names resolves inside the list's folder: an absolute path, a `..` past the folder,
///   or a link leading out is an `outside-source` reject, unless `allowOutside` (`--allow-outside`).
///
/// Every entry of a walked folder is counted (hidden names aside): ingested or rejected with its reason.
struct SourceFolder: Sendable {
    let root: URL
    let allowOutside: Bool
    /// The folder with its own links resolved, for containment.
    private let realRoot: String

    init(root: URL, allowOutside: Bool = false) {
        self.root = root
        self.allowOutside = allowOutside
        realRoot = Self.realPath(root.path) ?? root.standardizedFileURL.path
    }

    /// Relative paths of every entry under the folder that is not a folder (regular files, links,
    /// FIFOs, sockets, devices), sorted; hidden files and folders are left out.
    func members() -> [String] {
        let base = root.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles]) else {
            return []
        }
        var members: [String] = []
        for case let url as URL in walker {
            var status = stat()
            guard lstat(url.path, &status) == 0, status.st_mode & S_IFMT != S_IFDIR else { continue }
            var relative = url.standardizedFileURL.path
            if relative.hasPrefix(base) { relative.removeFirst(base.count) }
            while relative.hasPrefix("/") { relative.removeFirst() }
            members.append(relative)
        }
        return members.sorted()
    }

    /// Whether anything (even a dangling link) is at the path, looked at without following it.
    func exists(_ relative: String) -> Bool {
        var status = stat()
        return lstat(path(of: relative), &status) == 0
    }

    /// The path of a name relative to the folder (an absolute name stays itself).
    func path(of relative: String) -> String {
        relative.hasPrefix("/") ? relative : root.appendingPathComponent(relative).path
    }

    /// The real path of a regular file the folder may read, or why not; nothing is opened.
    func resolve(_ relative: String) -> Result<String, Ingestor.Refusal> {
        if !allowOutside {
            if relative.hasPrefix("/") {
                return .failure(.init(reason: .outsideSource, detail: "\(relative) is an absolute path, outside the source folder (--allow-outside reads it)"))
            }
            var depth = 0
            for component in relative.split(separator: "/") {
                depth += component == ".." ? -1 : (component == "." ? 0 : 1)
                if depth < 0 {
                    return .failure(.init(reason: .outsideSource, detail: "\(relative) leads out of the source folder (--allow-outside reads it)"))
                }
            }
        }
        let path = path(of: relative)
        var status = stat()
        guard lstat(path, &status) == 0 else {
            return .failure(.init(reason: .missingImage, detail: "\(relative) is not in the folder"))
        }
        let isLink = status.st_mode & S_IFMT == S_IFLNK
        guard let real = Self.realPath(path) else {
            return .failure(.init(reason: .unreadableEntry, detail: "\(relative) is a link to nothing"))
        }
        if !allowOutside, real != realRoot, !real.hasPrefix(realRoot == "/" ? "/" : realRoot + "/") {
            return .failure(.init(reason: .outsideSource, detail: "\(relative) leads to \(real), outside the source folder (--allow-outside reads it)"))
        }
        guard stat(real, &status) == 0 else { return .failure(.init(reason: .unreadableEntry, detail: "cannot look at \(relative)")) }
        let kind = status.st_mode & S_IFMT
        guard kind == S_IFREG else {
            let what = Self.kindName(kind)
            return .failure(.init(reason: .specialFile, detail: isLink ? "\(relative) is a link to \(what), not a file" : "\(relative) is \(what), not a file; never opened"))
        }
        return .success(real)
    }

    /// The bytes of a regular file the folder may read (`resolve`), at most `maxBytes`.
    func read(_ relative: String, maxBytes: Int) -> Result<Data, Ingestor.Refusal> {
        resolve(relative).flatMap { Self.readRegularFile($0, maxBytes: maxBytes) }
    }

    /// Reads a file only if it is a regular one: opened without blocking (a FIFO put in its place
    /// after it was looked at cannot hang the read), checked again once open, and refused over `maxBytes`.
    static func readRegularFile(_ path: String, maxBytes: Int) -> Result<Data, Ingestor.Refusal> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            return .failure(.init(reason: .unreadableEntry, detail: "cannot read: \(String(cString: strerror(errno)))"))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            return .failure(.init(reason: .specialFile, detail: "\(kindName(status.st_mode & S_IFMT)), not a file; not read"))
        }
        guard status.st_size <= maxBytes else {
            return .failure(.init(reason: .entryTooLarge, detail: "file is \(status.st_size) bytes, over the \(maxBytes)-byte limit"))
        }
        guard let data = FileIO.readContents(descriptor: descriptor, size: Int(status.st_size)) else {
            return .failure(.init(reason: .unreadableEntry, detail: "cannot read: \(String(cString: strerror(errno)))"))
        }
        return .success(data)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func kindName(_ kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: "a folder"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFLNK: "a link"
        default: "not a regular file"
        }
    }
}

extension Ingestor {
    /// What a source holds: a file's size and SHA-256; a folder's total size and the SHA-256 of its
    /// entries' names, sizes and modification times (`members(under:)`), which changes whenever a
    /// picture is added, removed or rewritten, without reading every picture.
    public static func content(of path: String) throws -> SourceContent {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            return SourceContent(bytes: Int64(size ?? 0), sha256: try FileIO.sha256(ofFile: path))
        }
        var digest = SHA256Digest()
        var bytes: Int64 = 0
        for member in members(under: URL(fileURLWithPath: path)) {
            let attributes = (try? FileManager.default.attributesOfItem(atPath: path + "/" + member)) ?? [:]
            let size = (attributes[.size] as? Int) ?? 0
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            bytes += Int64(size)
            digest.update(Array("\(member) \(size) \(modified)\n".utf8))
        }
        return SourceContent(bytes: bytes, sha256: digest.finalizeHex())
    }
}
