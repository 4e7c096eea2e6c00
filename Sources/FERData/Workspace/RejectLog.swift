import FERCore
import Foundation

/// Why an input record was left out. The raw values appear in `rejects.csv` and summaries.
public enum RejectReason: String, Sendable, Codable, CaseIterable {
    case wrongFieldCount = "wrong-field-count"
    case wrongPixelCount = "wrong-pixel-count"
    case pixelOutOfRange = "pixel-out-of-range"
    case badPixelValue = "bad-pixel-value"
    case missingLabel = "missing-label"
    case unknownLabel = "unknown-label"
    case ignoredLabel = "ignored-label"
    case unknownUsage = "unknown-usage"
    case unbalancedQuote = "unbalanced-quote"
    case lineTooLong = "line-too-long"
    case undecodableImage = "undecodable-image"
    case imageTooLarge = "image-too-large"
    case notAnImage = "not-an-image"
    case entryTooLarge = "entry-too-large"
    case truncatedArchive = "truncated-archive"
    case unreadableEntry = "unreadable-entry"
    /// A dataset's own label outside the seven classes (contempt, none, uncertain, non-face).
    case excludedLabel = "excluded-label"
    /// A face a layout leaves out on purpose (a KDEF angle not chosen).
    case excludedView = "excluded-view"
    /// A listed face whose image is not in the folder.
    case missingImage = "missing-image"
    /// A listed face whose box lies outside its image or is empty.
    case badBox = "bad-box"
    /// A picture in which the face search (`--faces detect`) found no face of at least `--min-face` pixels.
    case noFace = "no-face"
    /// A path that leads outside its source: an absolute or `..` path in a list, a link pointing out of
    /// the folder (`--allow-outside` reads them).
    case outsideSource = "outside-source"
    /// A FIFO, socket, device or folder where a file was expected (never opened), or a link to one.
    case specialFile = "special-file"
    /// A symbolic or hard link inside an archive: links are not followed in archives.
    case archiveLink = "archive-link"
    /// A line of a list file (a manifest, AffectNet's or ExpW's CSV, RAF-DB's list, a CK+ emotion file)
    /// that cannot be read as a face; the rest of the list is read.
    case badListLine = "bad-list-line"

    /// The FER2013 CSV column a row reject is about, for its location.
    package var csvField: String? {
        switch self {
        case .wrongPixelCount, .pixelOutOfRange, .badPixelValue: "pixels"
        case .missingLabel, .unknownLabel, .ignoredLabel: "emotion"
        case .unknownUsage: "Usage"
        default: nil
        }
    }
}

/// One input record left out, with where it was and why.
public struct Reject: Sendable, Equatable, Codable {
    public var location: InputLocation
    public var reason: RejectReason
    public var detail: String
    /// The record's place in the input (`Partition.ordinal`): rejects.csv is in this order.
    public var ordinal: UInt64

    public init(location: InputLocation, reason: RejectReason, detail: String, ordinal: UInt64) {
        self.location = location
        self.reason = reason
        self.detail = detail
        self.ordinal = ordinal
    }
}

/// The rejects of a stage, written to `rejects.csv` (source, member, line, reason, detail) in input
/// order, however the work was scheduled.
public struct RejectLog: Sendable {
    public private(set) var rejects: [Reject] = []

    public init() {}

    public mutating func add(_ reject: Reject) {
        rejects.append(reject)
    }

    public mutating func add(contentsOf other: [Reject]) {
        rejects.append(contentsOf: other)
    }

    public var count: Int { rejects.count }

    public var countsByReason: [String: Int] {
        rejects.reduce(into: [:]) { $0[$1.reason.rawValue, default: 0] += 1 }
    }

    public func csv() -> Data {
        var text = "source,member,line,reason,detail\n"
        let ordered = rejects.enumerated().sorted { ($0.element.ordinal, $0.offset) < ($1.element.ordinal, $1.offset) }
        for (_, reject) in ordered {
            let fields = [
                reject.location.source, reject.location.member ?? "", reject.location.line.map(String.init) ?? "",
                reject.reason.rawValue, reject.detail,
            ]
            text += CSVField.line(fields) + "\n"
        }
        return Data(text.utf8)
    }
}
