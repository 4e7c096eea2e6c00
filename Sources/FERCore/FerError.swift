/// The one error type of ferdata: a code for programs, a one-line message for people, where in the
/// input it happened, where in the code it was raised, and an optional underlying cause.
///
/// `description` is the line people see: `[code] location: message`; `verboseDescription` adds the
/// cause and the throw site (`--verbose`).
public struct FerError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, for programs; `summary` says it for people (the table of `ferdata --help` and
    /// docs/architecture.md).
    public enum Code: String, Sendable, Codable, CaseIterable {
        case sourceMissing = "source-missing"
        case sourceUnreadable = "source-unreadable"
        case badCSVHeader = "bad-csv-header"
        case badDataRow = "bad-data-row"
        case corruptStream = "corrupt-stream"
        case corruptImage = "corrupt-image"
        case imageTooLarge = "image-too-large"
        case unsupportedImage = "unsupported-image"
        case corruptShard = "corrupt-shard"
        case badManifest = "bad-manifest"
        case badModelFile = "bad-model-file"
        case badCheckpoint = "bad-checkpoint"
        case badPipeline = "bad-pipeline"
        case datasetMissing = "dataset-missing"
        case datasetUnfit = "dataset-unfit"
        case writeFailed = "write-failed"
        case invalidArgument = "invalid-argument"
        case strictReject = "strict-reject"
        case nothingRead = "nothing-read"
        case reviewStore = "review-store"
        case queueChanged = "queue-changed"

        public var summary: String {
            switch self {
            case .sourceMissing: "A named input file or folder that does not exist."
            case .sourceUnreadable: "An input that exists but cannot be opened or read."
            case .badCSVHeader: "A CSV whose header lacks the columns its kind needs."
            case .badDataRow: "A CSV or votes row whose fields cannot be read."
            case .corruptStream: "A compressed text stream (a .csv.gz, .csv.xz, ...) that is damaged or truncated."
            case .corruptImage: "An image file that cannot be decoded."
            case .imageTooLarge: "An image larger than ferdata decodes (40 megapixels), refused from its header."
            case .unsupportedImage: "A file in no image format ferdata reads."
            case .corruptShard: "A shard whose bytes do not match its header, its manifest or its records' CRCs."
            case .badManifest: "A dataset's manifest.json that cannot be read or does not match its shards."
            case .badModelFile: "A model file (safetensors) that cannot be read or does not fit the network."
            case .badCheckpoint: "A training run's checkpoint or run.json that cannot be resumed from."
            case .badPipeline: "A pipeline file that cannot be run as written."
            case .datasetMissing: "No dataset of that name, number or stage in the workspace (or no dataset at all)."
            case .datasetUnfit: "A dataset that does not fit the stage: no records of the split it needs, faces of another size or colour than the model's, or made by another stage than it reads."
            case .writeFailed: "A file or folder that cannot be written (a full disk, a read-only workspace)."
            case .invalidArgument: "A setting out of its range, or settings that do not go together."
            case .strictReject: "`--strict`: the first input record that would have been rejected."
            case .nothingRead: "A source from which not one record could be read."
            case .reviewStore: "The review decisions database (SQLite) cannot be opened, read or written."
            case .queueChanged: "A stored review queue whose source (a suspects file, a dataset) gives other faces now: `--new-queue` replaces it, decisions kept."
            }
        }
    }

    /// The table of codes, one line each: `code  summary`.
    public static var codeTable: String {
        let width = Code.allCases.map(\.rawValue.count).max() ?? 0
        return Code.allCases.map { $0.rawValue + String(repeating: " ", count: width - $0.rawValue.count + 2) + $0.summary }
            .joined(separator: "\n")
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
