import FERCore
import FERData

/// Labels in file names: JAFFE and KDEF.
public enum JaffeKdefNames {
    /// What a file name says about its face.
    public struct Face: Sendable, Equatable {
        public var label: LayoutLabel
        public var subject: String
        /// KDEF's camera angle (FL, HL, S, HR, FR); nil for JAFFE.
        public var angle: String?
    }

    private static let jaffeCodes: [String: Emotion] = [
        "AN": .angry, "DI": .disgust, "FE": .fear, "HA": .happy, "NE": .neutral, "SA": .sad, "SU": .surprise,
    ]
    private static let kdefCodes: [String: Emotion] = [
        "AF": .fear, "AN": .angry, "DI": .disgust, "HA": .happy, "NE": .neutral, "SA": .sad, "SU": .surprise,
    ]
    public static let kdefAngles = ["FL", "HL", "S", "HR", "FR"]

    /// JAFFE: `KA.AN1.39.tiff`, subject, expression code with its index, image id, extension.
    public static func jaffe(_ fileName: String) -> Face? {
        let parts = fileName.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, parts[0].count == 2, parts[0].allSatisfy(\.isLetter),
              parts[1].count >= 3, let emotion = jaffeCodes[String(parts[1].prefix(2)).uppercased()],
              parts[1].dropFirst(2).allSatisfy(\.isNumber), !parts[2].isEmpty, parts[2].allSatisfy(\.isNumber)
        else { return nil }
        return Face(label: .emotion(emotion), subject: parts[0].uppercased(), angle: nil)
    }

    /// KDEF: `AF01ANS.JPG`, session A/B, F/M, subject 01-35, expression, angle, extension. The subject
    /// key is sex and number (`F01`): the same person in both sessions.
    public static func kdef(_ fileName: String) -> Face? {
        let stem = fileName.split(separator: ".").first.map { String($0).uppercased() } ?? ""
        let characters = Array(stem)
        guard characters.count >= 7, characters.count <= 8, "AB".contains(characters[0]), "FM".contains(characters[1]),
              characters[2].isNumber, characters[3].isNumber,
              let emotion = kdefCodes[String(characters[4...5])]
        else { return nil }
        let angle = String(characters[6...])
        guard kdefAngles.contains(angle) else { return nil }
        return Face(label: .emotion(emotion), subject: String(characters[1...3]), angle: angle)
    }
}
