/// The one error type of ferdata: a code for programs, a one-line message for people, where in the
/// input it happened, where in the code it was raised, and an optional underlying cause.
public struct FerError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable, Codable {
        case sourceMissing = "source-missing"
        case sourceUnreadable = "source-unreadable"
        case badCSVHeader = "bad-csv-header"
        case badRecord = "bad-record"
        case corruptImage = "corrupt-image"
        case imageTooLarge = "image-too-large"
        case unsupportedImage = "unsupported-image"
        case corruptArchive = "corrupt-archive"
        case corruptShard = "corrupt-shard"
        case badManifest = "bad-manifest"
        case datasetMissing = "dataset-missing"
        case writeFailed = "write-failed"
        case invalidArgument = "invalid-argument"
        case strictReject = "strict-reject"
    }

    public var code: Code
    public var message: String
    /// Where in the input: a file, an archive member, a CSV line.
    public var location: InputLocation?
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

    public var description: String {
        var text = location.map { "\($0): \(message)" } ?? message
        if let cause { text += " (\(cause))" }
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

    public init(source: String, member: String? = nil, line: Int? = nil) {
        self.source = source
        self.member = member
        self.line = line
    }

    public var description: String {
        var text = source
        if let member { text += ":" + member }
        if let line { text += ":\(line)" }
        return text
    }
}
