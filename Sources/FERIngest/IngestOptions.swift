import FERCore
import FERData
import FERMedia

/// How `ferdata ingest` reads its sources.
public struct IngestOptions: Sendable {
    public var layout = SourceLayout()
    /// Fail on the first rejected record instead of logging it and going on.
    public var strict = false
    /// Read paths a list names outside the list's folder, and links leading out of a source folder.
    public var allowOutside = false
    public var shardSize = DatasetWriter.defaultShardSize
    /// Images with more pixels are refused from their header.
    public var maxImagePixels = ImageDecoder.defaultMaxPixels
    /// Archive members larger than this are refused unread.
    public var maxEntryBytes = ArchiveReader.defaultMaxEntryBytes
    /// CSV rows longer than this are refused (a FER2013 row is under 10 KB).
    public var maxRowBytes = 1 << 20
    /// SHA-256 of the `--label-map` file's text, recorded so that runs with different maps differ (parts of one
    /// partitioned run must share it).
    public var labelMapSHA256: String?
    /// This run's share of the input (`--partition I/N`); the whole by default.
    public var partition = Partition.whole
    /// How faces are found in pictures.
    public var face = FaceOptions.defaults

    public init(layout: SourceLayout = SourceLayout(), strict: Bool = false, shardSize: Int = DatasetWriter.defaultShardSize,
                partition: Partition = .whole, face: FaceOptions = .defaults) {
        self.layout = layout
        self.strict = strict
        self.shardSize = shardSize
        self.partition = partition
        self.face = face
    }

    /// Parameters as recorded in the manifest.
    var manifestParameters: [String: String] {
        var parameters = [
            "publicTestAsVal": String(layout.usageMapping.publicTestAsVal),
            "strict": String(strict),
            "maxImagePixels": String(maxImagePixels),
        ]
        parameters["labelMapSHA256"] = labelMapSHA256
        if let forced = layout.layout { parameters["layout"] = forced.rawValue }
        if layout.kdefAngles != ["S"] { parameters["angles"] = layout.kdefAngles.sorted().joined(separator: ",") }
        if layout.peakFrames != 3 { parameters["peakFrames"] = String(layout.peakFrames) }
        if layout.shape != .face48 { parameters["shape"] = layout.shape.description }
        if face.faces != .auto { parameters["faces"] = face.faces.rawValue }
        if face.detector != .auto { parameters["detector"] = face.detector.rawValue }
        if face.minFace != 48 { parameters["minFace"] = String(face.minFace) }
        if face.minScore != 0.8 { parameters["minScore"] = String(face.minScore) }
        if face.align { parameters["align"] = "true" }
        if face.allFaces { parameters["allFaces"] = "true" }
        if allowOutside { parameters["allowOutside"] = "true" }
        return parameters
    }
}

/// What ingest did with each source and in total.
public struct IngestSummary: Sendable, Codable {
    public struct SourceReport: Sendable, Codable {
        public var path: String
        public var kind: String
        public var ingested = 0
        public var rejected: [String: Int] = [:]
        /// Label names that matched no class, with their record counts.
        public var unknownLabels: [String: Int] = [:]
        /// A dataset's own labels outside the seven classes (AffectNet's contempt, say), with counts.
        public var excludedLabels: [String: Int] = [:]
        /// The layout it was read as (`Layout`), for folders and archives.
        public var layout: String?
        /// Set when the source ended early (a truncated archive or stream).
        public var damage: String?
        /// A listed layout whose list file was seen inside an archive (listed layouts are read from folders).
        public var listedLayoutInArchive: String?
        /// How faces were found in this source's pictures (`--faces`) and why: `detect: the first image is
        /// 640x490, larger than a face crop`.
        public var faces: String?

        public var rejectedCount: Int { rejected.values.reduce(0, +) }
    }

    public var dataset: String
    public var records: Int
    public var rejected: Int
    public var counts: [String: [String: Int]]
    public var sources: [SourceReport]
    public var seconds: Double
}

/// Progress of a running ingest, for the CLI's progress bar.
public struct IngestProgress: Sendable {
    public var source: String
    /// Fraction of the current source read, 0-1, when known.
    public var fraction: Double?
    public var records: Int
    public var rejected: Int
}
