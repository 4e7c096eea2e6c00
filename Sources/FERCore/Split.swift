/// Where a record belongs in an experiment.
public enum Split: UInt8, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case train = 0
    case val = 1
    case test = 2

    public var name: String {
        switch self {
        case .train: "train"
        case .val: "val"
        case .test: "test"
        }
    }

    public var description: String { name }

    /// Reads a folder or column value: train/training, val/valid/validation/dev, test/testing.
    public init?(folderName: String) {
        switch folderName.lowercased() {
        case "train", "training": self = .train
        case "val", "valid", "validation", "dev": self = .val
        case "test", "testing": self = .test
        default: return nil
        }
    }
}

/// The original FER2013 `Usage` of a record, kept beside its split so that the public and private test
/// sets stay distinguishable after any mapping.
public enum Usage: UInt8, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case unspecified = 0
    case training = 1
    case publicTest = 2
    case privateTest = 3

    public var name: String {
        switch self {
        case .unspecified: "unspecified"
        case .training: "Training"
        case .publicTest: "PublicTest"
        case .privateTest: "PrivateTest"
        }
    }

    public var description: String { name }

    /// Reads a `Usage` column value (case-insensitive).
    public init?(columnValue: String) {
        switch columnValue.lowercased() {
        case "training", "train": self = .training
        case "publictest": self = .publicTest
        case "privatetest": self = .privateTest
        default: return nil
        }
    }

    /// The usage encoded in a Kaggle FER-2013 image name (`Training_123.jpg`, `PublicTest_45.jpg`).
    public init?(fileName: String) {
        if fileName.hasPrefix("Training_") { self = .training }
        else if fileName.hasPrefix("PublicTest_") { self = .publicTest }
        else if fileName.hasPrefix("PrivateTest_") { self = .privateTest }
        else { return nil }
    }
}

/// How `Usage` values become splits. The default puts both test sets in test, as the image-folder
/// distribution of FER-2013 does; `publicTestAsVal` makes PublicTest the validation split.
public struct UsageMapping: Sendable, Codable, Equatable {
    public var publicTestAsVal: Bool

    public init(publicTestAsVal: Bool = false) {
        self.publicTestAsVal = publicTestAsVal
    }

    public func split(for usage: Usage) -> Split? {
        switch usage {
        case .unspecified: nil
        case .training: .train
        case .publicTest: publicTestAsVal ? .val : .test
        case .privateTest: .test
        }
    }
}

/// A split to score: one of the three, or all of them.
public enum SplitChoice: String, StageChoice {
    case train, val, test, all

    /// nil for all.
    public var split: Split? { Split(folderName: rawValue) }
}
