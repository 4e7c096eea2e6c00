import FERCore
import FERData
import FERMedia

/// The colour of a dataset's faces (`ingest --color`).
public enum FaceColor: String, StageChoice {
    /// One channel, BT.601 luma of colour sources: FER2013's, and the CNN-RNN's input.
    case gray
    /// Three channels, red, green and blue (gray sources repeated).
    case rgb

    public var channels: Int { self == .gray ? 1 : 3 }
}

/// Reads label, split and usage from an image's path inside an archive or folder, and holds how the
/// listed layouts are read (`Layout`).
///
/// Folders: `SPLIT/CLASS/file` (the Kaggle FER-2013 layout) and `CLASS/file`, under any number of
/// leading folders. The class is the file's parent folder, matched through the label vocabulary; the
/// split is the grandparent when it names one (train, val, validation, test, ...). A FER-2013 file name
/// (`PublicTest_123.jpg`) gives the original usage; without a split folder the usage decides the split,
/// and without either the record goes to train. JAFFE and KDEF file names carry the label: with
/// `layout` jaffe or kdef the name decides; without a layout a name of theirs is read when no class
/// folder is above the file.
public struct SourceLayout: Sendable {
    public var vocabulary: LabelVocabulary
    public var usageMapping: UsageMapping
    /// False for unlabeled images (annotation): every decodable image becomes a record with no label,
    /// whatever its folders are called.
    public var readsLabels = true
    /// `--layout`: nil detects it.
    public var layout: Layout?
    /// KDEF camera angles to keep (`--angles`); the others are rejected as excluded angles.
    public var kdefAngles: Set<String> = ["S"]
    /// CK+: how many last frames of a labelled sequence carry its label (`--peak-frames`).
    public var peakFrames = 3
    /// The records' image shape (`--size`, `--color`): 48x48 gray by default.
    public var shape = ImageShape.face48
    /// Whether `shape` is the largest a face is kept at rather than the shape of every face: a face
    /// smaller than it stays at its own side and a gray picture stays gray. For faces held in memory
    /// for a model that brings each face to its input (an ONNX model): growing and repeating the planes
    /// there gives the same values, and a dataset's records, which share one shape, are never read so.
    public var shapeIsLargest = false

    /// A decoded image (one plane for gray, three for RGB, as `shape.channels` asked) as a record's
    /// pixels: each plane centre-cropped to square and resized to the shape's side; a gray plane is
    /// repeated for an RGB shape (FER2013 CSV rows). With `shapeIsLargest`, see there.
    public func facePixels(_ planes: [GrayImage]) -> (pixels: [UInt8], shape: ImageShape) {
        // A gray picture decoded as colour is one plane three times: resized once.
        let distinct = planes.count == 3 && planes[1] == planes[0] && planes[2] == planes[0] ? [planes[0]] : planes
        let side = shapeIsLargest ? min(shape.height, distinct[0].width, distinct[0].height) : shape.height
        var sized = distinct.map { $0.faceSized(side) }
        if shape.channels == 3 && sized.count == 1 && !shapeIsLargest { sized = [sized[0], sized[0], sized[0]] }
        return FaceRecord.pixels(of: sized)
    }

    /// The face search of the source being read (set per source by the ingestor from `--faces`); nil:
    /// the image is a face crop.
    public var faceSearch: FaceSearch?

    public init(vocabulary: LabelVocabulary = LabelVocabulary(), usageMapping: UsageMapping = UsageMapping(), readsLabels: Bool = true,
                layout: Layout? = nil, kdefAngles: Set<String> = ["S"], peakFrames: Int = 3, shape: ImageShape = .face48) {
        self.vocabulary = vocabulary
        self.readsLabels = readsLabels
        self.usageMapping = usageMapping
        self.layout = layout
        self.kdefAngles = kdefAngles
        self.peakFrames = peakFrames
        self.shape = shape
    }

    public struct Placement: Sendable, Equatable {
        public var label: LabelVocabulary.Resolution
        /// The folder name the label was read from, for reports.
        public var labelName: String?
        public var split: Split
        public var usage: Usage
        /// The person, when the file name says (JAFFE, KDEF).
        public var subject: String?
        /// Why a face of a known dataset is left out on purpose (a KDEF angle not chosen).
        public var excluded: String?
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
        let byFolder = Placement(label: label, labelName: labelName, split: resolvedSplit, usage: usage)
        switch layout {
        case .jaffe?: return byName(JaffeKdefNames.jaffe(fileName), fileName, split ?? .train) ?? byFolder
        case .kdef?: return byName(JaffeKdefNames.kdef(fileName), fileName, split ?? .train) ?? byFolder
        case nil:
            if case .emotion = label { return byFolder }
            let face = JaffeKdefNames.jaffe(fileName) ?? JaffeKdefNames.kdef(fileName)
            return byName(face, fileName, split ?? .train) ?? byFolder
        default: return byFolder
        }
    }

    private func byName(_ face: JaffeKdefNames.Face?, _ fileName: String, _ split: Split) -> Placement? {
        guard let face, case .emotion(let emotion) = face.label else { return nil }
        var placement = Placement(label: .emotion(emotion), labelName: emotion.name, split: split, usage: .unspecified,
                                  subject: face.subject)
        if let angle = face.angle, !kdefAngles.contains(angle) {
            placement.excluded = "KDEF angle \(angle) (kept: \(kdefAngles.sorted().joined(separator: ", ")); choose with --angles)"
        }
        return placement
    }
}
