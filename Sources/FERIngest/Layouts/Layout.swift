import FERCore
import FERData
import FERMedia
import Foundation

/// How a source lays out its faces and their labels: `ferdata ingest --layout NAME`, else detected
/// from the source's file names and list files (`Layout.detect`).
///
/// - `folders`: `CLASS/file` and `SPLIT/CLASS/file` (and a FER2013 CSV, which is read by its columns).
/// - `jaffe`, `kdef`: the label is in each file's name (`JaffeKdefNames`).
/// - `raf-db`, `affectnet`, `expw`, `ck+`, `manifest`: the labels are in list files beside the images;
///   each listed face is an input record (`ListedFace`), read from the unpacked folder.
public enum Layout: String, StageChoice {
    case folders
    case jaffe
    case kdef
    case rafdb = "raf-db"
    case affectnet
    case expw
    case ckplus = "ck+"
    case manifest

    /// Whether the labels are in list files (read from a folder) rather than in paths.
    public var isListed: Bool {
        switch self {
        case .folders, .jaffe, .kdef: false
        case .rafdb, .affectnet, .expw, .ckplus, .manifest: true
        }
    }

    /// The listed layout whose list file this member path is, if any.
    static func listedLayout(ofListFile member: String) -> Layout? {
        if member.hasSuffix(RAFDBList.listPath) { return .rafdb }
        if member.hasSuffix(ExpWList.listPath) { return .expw }
        if AffectNetList.listFiles.contains(where: { member == $0 || member.hasSuffix("/" + $0) }) { return .affectnet }
        if member.contains(CKPlusList.emotionFolder + "/") && member.hasSuffix("_emotion.txt") { return .ckplus }
        return nil
    }

    /// The layout of a folder or archive, from its member paths (relative, `/`-separated): the list
    /// files of a listed layout, else file names that are mostly JAFFE's or KDEF's, else class folders.
    public static func detect(members: [String]) -> Layout {
        let names = Set(members)
        if names.contains(RAFDBList.listPath) { return .rafdb }
        if names.contains(ExpWList.listPath) { return .expw }
        if names.contains(ManifestList.fileName) { return .manifest }
        if AffectNetList.listFiles.contains(where: names.contains) { return .affectnet }
        if members.contains(where: { $0.hasPrefix(CKPlusList.emotionFolder + "/") && $0.hasSuffix("_emotion.txt") }) { return .ckplus }
        let files = members.map { $0.split(separator: "/").last.map(String.init) ?? $0 }
        let images = files.filter { !$0.hasPrefix(".") && !$0.lowercased().hasSuffix(".txt") }
        guard !images.isEmpty else { return .folders }
        if images.filter({ JaffeKdefNames.jaffe($0) != nil }).count * 2 > images.count { return .jaffe }
        if images.filter({ JaffeKdefNames.kdef($0) != nil }).count * 2 > images.count { return .kdef }
        return .folders
    }
}

/// A face as a listed layout describes it: which image, its label as the dataset gives it, and what
/// else the list knows.
public struct ListedFace: Sendable, Equatable {
    /// The image's path relative to the dataset folder.
    public var image: String
    public var label: LayoutLabel
    public var split: Split
    /// The person (JAFFE, KDEF, CK+, a manifest's subject column), when the dataset says.
    public var subject: String?
    /// The face's box in the image, when the image holds more than the face.
    public var box: FaceBox?
    /// The list file and line the face comes from, for rejects.
    public var location: InputLocation
    /// AffectNet's valence and arousal.
    public var valence: Float?
    public var arousal: Float?

    public init(image: String, label: LayoutLabel, split: Split, subject: String? = nil, box: FaceBox? = nil, location: InputLocation) {
        self.image = image
        self.label = label
        self.split = split
        self.subject = subject
        self.box = box
        self.location = location
    }
}

/// A dataset's own label, mapped onto the seven classes or excluded with the dataset's name for it.
public enum LayoutLabel: Sendable, Equatable {
    case emotion(Emotion)
    /// A label outside the seven classes (contempt, none, uncertain, non-face): counted, never ingested.
    case excluded(String)
}

/// What one line of a list file gives: a face, or why the line gives none (a `bad-list-line` reject
/// naming the file and line; the rest of the list is read).
public enum ListedItem: Sendable, Equatable {
    case face(ListedFace)
    case badLine(InputLocation, String)
}

/// Reading list files: text with the location of each line, and errors that name the file and line.
enum ListFile {
    /// The largest list file read (a FER list of a million faces is under 100 MB).
    static let maxBytes = 1 << 30

    static func lines(_ path: String) throws -> [(number: Int, text: Substring)] {
        let data: Data
        switch SourceFolder.readRegularFile(path, maxBytes: maxBytes) {
        case .success(let bytes): data = bytes
        case .failure(let refusal):
            throw FerError(.sourceUnreadable, "cannot read the list file: \(refusal.detail)", at: InputLocation(source: path))
        }
        // "\r\n" is one Character in Swift, and a newline: Windows line ends split like Unix ones.
        let text = String(utf8Text: data)
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated().compactMap { index, line in
            line.allSatisfy(\.isWhitespace) ? nil : (index + 1, line)
        }
    }

    static func bad(_ what: String, _ path: String, line: Int) -> FerError {
        FerError(.badDataRow, what, at: InputLocation(source: path, line: line))
    }

    /// The faces of each line, a line that throws `bad` becoming a `badLine` item (other errors
    /// still end the read).
    static func items<Lines: Sequence>(
        _ lines: Lines, _ faces: (Int, Substring) throws -> [ListedFace]
    ) throws -> [ListedItem] where Lines.Element == (number: Int, text: Substring) {
        var items: [ListedItem] = []
        for (number, line) in lines {
            do {
                items += try faces(number, line).map(ListedItem.face)
            } catch let error as FerError where error.code == .badDataRow {
                items.append(.badLine(error.location ?? InputLocation(source: "?", line: number), error.message))
            }
        }
        return items
    }

    /// The largest coordinate or side a list's face box may give, in pixels: far past any picture
    /// ingest decodes, and small enough that every sum of box values fits an integer.
    static let largestBoxValue = 1 << 24

    /// A list's face box, its values bounded first: a value no picture could have (past ±2^24) is an
    /// error naming the line, not an overflow later. A box of no area, or outside its picture, is the
    /// face's `bad-box` reject, as before.
    static func box(x: Int, y: Int, width: Int, height: Int, _ path: String, line: Int) throws -> FaceBox {
        let limit = largestBoxValue
        guard [x, y, width, height].allSatisfy({ $0 >= -limit && $0 <= limit }) else {
            throw bad("the face box \(x),\(y) \(width)x\(height) is no box a picture can hold (every value within ±\(limit) pixels)",
                      path, line: line)
        }
        return FaceBox(x: x, y: y, width: width, height: height)
    }
}
