import Foundation

/// Maps label names found in folders, CSVs and foreign datasets onto `Emotion`, through a built-in
/// synonym table and an optional user label map.
///
/// A user map is a text file of `name,target` lines (`#` starts a comment), where target is a class
/// name or id, or `ignore` to leave that name out on purpose. User entries take precedence.
public struct LabelVocabulary: Sendable {
    /// What a name resolves to.
    public enum Resolution: Sendable, Equatable {
        case emotion(Emotion)
        /// The user map says to leave this name out.
        case ignored
        /// Nothing matches: counted and reported.
        case unknown
    }

    private var table: [String: Emotion?]
    /// What "0" to "6" resolve to, for the byte-level fast path of CSV ingest.
    private var idResolutions: [Resolution] = []

    public static let synonyms: [String: Emotion] = {
        var table: [String: Emotion] = [:]
        let words: [(Emotion, [String])] = [
            (.angry, ["angry", "anger", "mad", "an"]),
            (.disgust, ["disgust", "disgusted", "disgusting", "di"]),
            (.fear, ["fear", "fearful", "afraid", "scared", "fe"]),
            (.happy, ["happy", "happiness", "joy", "joyful", "ha"]),
            (.sad, ["sad", "sadness", "sa"]),
            (.surprise, ["surprise", "surprised", "su"]),
            (.neutral, ["neutral", "neutrality", "calm", "ne"]),
        ]
        for (emotion, names) in words {
            for name in names { table[name] = emotion }
        }
        return table
    }()

    public init() {
        table = [:]
        idResolutions = Self.idResolutions(of: self)
    }

    /// Parses a user label map (see the type's documentation).
    public init(labelMapText text: String, source: String) throws(FerError) {
        self.init()
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            let location = InputLocation(source: source, line: index + 1)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw FerError(.badDataRow, "expected 'name,target' in the label map", at: location)
            }
            let target = parts[1].lowercased()
            if target == "ignore" {
                table[Self.normalise(parts[0])] = .some(nil)
            } else if let emotion = Self.builtIn(target) ?? UInt8(target).flatMap(Emotion.init(rawValue:)) {
                table[Self.normalise(parts[0])] = emotion
            } else {
                throw FerError(
                    .badDataRow,
                    "unknown target '\(parts[1])'; valid: \(Emotion.names.joined(separator: ", ")), 0-6, ignore",
                    at: location)
            }
        }
        idResolutions = Self.idResolutions(of: self)
    }

    /// Resolves a one-byte label ("0"-"6", the FER2013 ids) without building a string; nil for any other byte.
    public func resolve(idByte: UInt8) -> Resolution? {
        let id = Int(idByte) - 0x30
        return id >= 0 && id < idResolutions.count ? idResolutions[id] : nil
    }

    private static func idResolutions(of vocabulary: LabelVocabulary) -> [Resolution] {
        Emotion.allCases.map { vocabulary.resolve(String($0.rawValue)) }
    }

    public func resolve(_ name: String) -> Resolution {
        let key = Self.normalise(name)
        if let entry = table[key] {
            return entry.map(Resolution.emotion) ?? .ignored
        }
        return Self.builtIn(key).map(Resolution.emotion) ?? .unknown
    }

    private static func builtIn(_ key: String) -> Emotion? {
        synonyms[normalise(key)] ?? UInt8(key).flatMap(Emotion.init(rawValue:))
    }

    /// Lower case, with a leading `NN_` or `NN-` ordering prefix (`3_happy`) removed.
    static func normalise(_ name: String) -> String {
        var key = Substring(name.lowercased().trimmingCharacters(in: .whitespaces))
        if let separator = key.firstIndex(where: { $0 == "_" || $0 == "-" }),
           key[..<separator].allSatisfy(\.isNumber), separator != key.startIndex {
            key = key[key.index(after: separator)...]
        }
        return String(key)
    }
}
