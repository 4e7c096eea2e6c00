import ArgumentParser
/// The seven FER2013 expression classes, with the ids the FER2013 CSV uses.
public enum Emotion: UInt8, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case angry = 0
    case disgust = 1
    case fear = 2
    case happy = 3
    case sad = 4
    case surprise = 5
    case neutral = 6

    /// The class names in id order, as written in manifests and model files.
    public static let names: [String] = allCases.map(\.name)

    public var name: String {
        switch self {
        case .angry: "angry"
        case .disgust: "disgust"
        case .fear: "fear"
        case .happy: "happy"
        case .sad: "sad"
        case .surprise: "surprise"
        case .neutral: "neutral"
        }
    }

    public var description: String { name }

    /// The class of a name in `names` (`happy`), nil for any other text.
    public init?(name: String) {
        guard let index = Self.names.firstIndex(of: name) else { return nil }
        self.init(rawValue: UInt8(index))
    }
}

extension Emotion: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { names }
}
