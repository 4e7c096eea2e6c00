/// The one error type of ferdata: a code for programs, a one-line message for people, where in the
/// input it happened, where in the code it was raised, and an optional underlying cause.
///
/// `description` is the line people see: `[code] location: message`; `verboseDescription` adds the
/// cause and the throw site (`--verbose`).
public struct FerError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable, Codable {
        case sourceMissing = "source-missing"
        case sourceUnreadable = "source-unreadable"
        case badCSVHeader = "bad-csv-header"
        /// A CSV or votes row whose fields cannot be read.
        case badDataRow = "bad-data-row"
        /// A compressed text stream (a .csv.gz, .csv.xz, ...) that is damaged or truncated.
        case corruptStream = "corrupt-stream"
        case badRecord = "bad-record"
        case corruptImage = "corrupt-image"
        case imageTooLarge = "image-too-large"
        case unsupportedImage = "unsupported-image"
        case corruptArchive = "corrupt-archive"
        case corruptShard = "corrupt-shard"
        case badManifest = "bad-manifest"
        /// A model file (safetensors) that cannot be read or does not fit the network.
        case badModelFile = "bad-model-file"
        /// A training run's checkpoint or run.json that cannot be resumed from.
        case badCheckpoint = "bad-checkpoint"
        /// A pipeline file that cannot be run as written.
        case badPipeline = "bad-pipeline"
        case datasetMissing = "dataset-missing"
        case writeFailed = "write-failed"
        case invalidArgument = "invalid-argument"
        case strictReject = "strict-reject"
        /// A source from which not one record could be read.
        case nothingRead = "nothing-read"
        /// The review decisions database (SQLite) cannot be opened, read or written.
        case reviewStore = "review-store"
    }

    public var code: Code
    public var message: String
    /// Where in the input: a file, an archive member, a CSV line and field.
    public var location: InputLocation?
    /// What ferdata was doing, put before the location (`stage train (pipelines/x.yaml:12)`).
    public var context: String?
    public var fileID: String
    public var line: Int
    public var cause: String?

    public init(
        _ code: Code, _ message: String, at location: InputLocation? = nil, cause: (any Error)? = nil,
        fileID: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.location = location
        self.cause = cause.map { String(describing: $0) }
        self.fileID = fileID
        self.line = line
    }

    /// The same error (code, location, message, cause and throw site kept) said to happen in
    /// `context`: how `ferdata run` says which stage failed.
    public func within(_ context: String) -> FerError {
        var copy = self
        copy.context = self.context.map { context + ": " + $0 } ?? context
        return copy
    }

    public var description: String {
        "[\(code.rawValue)] " + (context.map { $0 + ": " } ?? "") + (location.map { "\($0): \(message)" } ?? message)
    }

    /// The description with the underlying cause and the throw site.
    public var verboseDescription: String {
        var text = description
        if let cause { text += "\n  cause: \(cause)" }
        text += "\n  raised at: \(fileID):\(line)"
        return text
    }
}

/// A place in the input data that a message can point at.
public struct InputLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The source as the user named it (a file, archive or folder).
    public var source: String
    /// An archive member or file inside a folder, if any.
    public var member: String?
    /// A 1-based line in a text source, if any.
    public var line: Int?
    /// A record's index in a binary shard, if any.
    public var record: Int?
    /// A field of that line (a CSV column such as `pixels`), if any.
    public var field: String?

    public init(source: String, member: String? = nil, line: Int? = nil, record: Int? = nil, field: String? = nil) {
        self.source = source
        self.member = member
        self.line = line
        self.record = record
        self.field = field
    }

    public var description: String {
        var text = source
        if let member { text += ":" + member }
        if let line { text += ":\(line)" }
        if let record { text += " record \(record)" }
        if let field { text += " (\(field))" }
        return text
    }
}
