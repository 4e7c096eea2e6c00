import FERCore

/// Reads label, split and usage from an image's path inside an archive or folder.
///
/// Layouts: `SPLIT/CLASS/file` (the Kaggle FER-2013 layout) and `CLASS/file`, under any number of
/// leading folders. The class is the file's parent folder, matched through the label vocabulary; the
/// split is the grandparent when it names one (train, val, validation, test, ...). A FER-2013 file name
/// (`PublicTest_123.jpg`) gives the original usage; without a split folder the usage decides the split,
/// and without either the record goes to train.
public struct SourceLayout: Sendable {
    public var vocabulary: LabelVocabulary
    public var usageMapping: UsageMapping
    /// False for unlabeled images (annotation): every decodable image becomes a record with no label,
    /// whatever its folders are called.
    public var readsLabels = true

    public init(vocabulary: LabelVocabulary = LabelVocabulary(), usageMapping: UsageMapping = UsageMapping()) {
        self.vocabulary = vocabulary
        self.usageMapping = usageMapping
    }

    public struct Placement: Sendable, Equatable {
        public var label: LabelVocabulary.Resolution
        /// The folder name the label was read from, for reports.
        public var labelName: String?
        public var split: Split
        public var usage: Usage
    }

    public func place(memberPath path: String) -> Placement {
        let parts = path.split(separator: "/").map(String.init).filter { $0 != "." && !$0.isEmpty }
        let fileName = parts.last ?? ""
        let usage = Usage(fileName: fileName) ?? .unspecified
        var labelName: String?
        var split: Split?
        if parts.count >= 2 {
            let parent = parts[parts.count - 2]
            if let folderSplit = Split(folderName: parent) {
                split = folderSplit
            } else {
                labelName = parent
                if parts.count >= 3 { split = Split(folderName: parts[parts.count - 3]) }
            }
        }
        let resolvedSplit: Split
        if usage == .publicTest && split == .test {
            resolvedSplit = usageMapping.split(for: usage) ?? .test
        } else {
            resolvedSplit = split ?? usageMapping.split(for: usage) ?? .train
        }
        let label = labelName.map(vocabulary.resolve) ?? .unknown
        return Placement(label: label, labelName: labelName, split: resolvedSplit, usage: usage)
    }
}
