import ArgumentParser
import FERCore
import FERData
import Foundation

/// Shared command plumbing: user-facing errors as one line and a non-zero exit.
enum CommandIO {
    /// Runs `body`; a `FerError` becomes a one-line message on stderr and exit status 1.
    static func reportingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FerError {
            FileHandle.standardError.write(Data("ferdata: error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Writes a user-named output file atomically (temporary name, then rename).
    static func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw FerError(.writeFailed, "cannot write \(path)", cause: error)
        }
    }

    static func readText(_ path: String) throws -> String {
        try reportingErrors {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw FerError(.sourceMissing, "cannot read", at: InputLocation(source: path))
            }
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// A `--label-map FILE` as a vocabulary (the built-in synonyms without one), with the SHA-256 of
    /// its text for manifests; the file is read once.
    static func labelMap(_ path: String?) throws -> (vocabulary: LabelVocabulary, sha256: String?) {
        guard let path else { return (LabelVocabulary(), nil) }
        let text = try readText(path)
        return (try LabelVocabulary(labelMapText: text, source: path), SHA256Digest.hex(Array(text.utf8)))
    }

    /// A `--split` value (train, val or test, and their usual spellings); nil for none, or for `all`
    /// where the command takes it.
    static func split(_ name: String?, allowingAll: Bool = false) throws -> Split? {
        guard let name, !(allowingAll && name == "all") else { return nil }
        guard let split = Split(folderName: name) else {
            throw FerError(.invalidArgument, "--split must be train, val\(allowingAll ? ", test or all" : " or test"), got '\(name)'")
        }
        return split
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        print(String(decoding: try json(value), as: UTF8.self))
    }

    static func json<T: Encodable>(_ value: T) throws -> Data {
        try StageIO.json(value)
    }
}
