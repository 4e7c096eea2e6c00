import FERCore
import FERData
import Foundation

/// `ferdata ingest`: CSVs, archives and folders to a new dataset, every input record ingested or
/// rejected with a reason.
public enum IngestStage: Stage {
    public static let name = "ingest"
    public static let role = StageRole.ingest

    public struct Options: StageOptions {
        /// CSV files, archives or folders, in order.
        public var sources: [String] = []
        /// A file of `name,target` lines mapping foreign label names to classes (or `ignore`).
        public var labelMap: String?
        /// PublicTest records go to val instead of test.
        public var publicTestAsVal = false
        /// Fail on the first rejected record instead of logging it.
        public var strict = false
        public var shardSize = DatasetWriter.defaultShardSize
        /// How the sources lay out faces and labels; nil detects it (`Layout`).
        public var layout: Layout?
        /// KDEF camera angles to keep (FL, HL, S, HR, FR).
        public var angles = ["S"]
        /// CK+: the last frames of each labelled sequence that carry its label.
        public var peakFrames = 3
        /// The faces' side in pixels (square); 48 is FER2013's and the CNN-RNN's.
        public var size = 48
        /// The faces' colour: gray (the CNN-RNN's input) or rgb.
        public var color = FaceColor.gray
        /// How the face is found in each picture: a layout's boxes, a face search, or the picture as a face crop.
        public var faces = FaceMode.auto
        /// The smallest face the search keeps, in pixels.
        public var minFace = 48
        /// Align found faces from their eyes: level, at FER-2013's eye distance.
        public var align = false
        /// Every face found in a picture, one record each, not only the largest.
        public var allFaces = false
        /// This run's share of the input (`--partition I/N`); command line only.
        public var partition = Partition.whole

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case sources, labelMap = "label-map", publicTestAsVal = "public-test-as-val", strict, shardSize = "shard-size"
            case layout, angles, peakFrames = "peak-frames", size, color, faces, minFace = "min-face", align, allFaces = "all-faces"
        }

        public static let keys = codingKeyNames(CodingKeys.self)

        public func validate() throws {
            guard !sources.isEmpty else { throw FerError(.invalidArgument, "sources: give at least one CSV, archive or folder") }
            guard shardSize > 0 else { throw FerError(.invalidArgument, "shard-size must be positive, got \(shardSize)") }
            if let bad = angles.first(where: { !JaffeKdefNames.kdefAngles.contains($0) }) {
                throw FerError(.invalidArgument, "angles: '\(bad)' is not a KDEF angle (\(JaffeKdefNames.kdefAngles.joined(separator: ", ")))")
            }
            guard !angles.isEmpty else { throw FerError(.invalidArgument, "angles: name at least one KDEF angle") }
            guard (8...255).contains(size) else { throw FerError(.invalidArgument, "size must be 8 to 255 pixels, got \(size)") }
            guard (20...4096).contains(minFace) else { throw FerError(.invalidArgument, "min-face must be 20 to 4096 pixels, got \(minFace)") }
            guard peakFrames >= 1 else { throw FerError(.invalidArgument, "peak-frames must be at least 1, got \(peakFrames)") }
        }

        public var inputPaths: [String] { sources + (labelMap.map { [$0] } ?? []) }
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> DatasetOutput<IngestSummary> {
        try options.validate()
        var settings = IngestOptions()
        settings.strict = options.strict
        settings.shardSize = options.shardSize
        settings.partition = options.partition
        settings.layout.layout = options.layout
        settings.layout.kdefAngles = Set(options.angles)
        settings.layout.peakFrames = options.peakFrames
        settings.layout.shape = ImageShape(height: options.size, width: options.size, channels: options.color.channels)
        settings.faces = options.faces
        settings.minFace = options.minFace
        settings.align = options.align
        settings.allFaces = options.allFaces
        settings.layout.usageMapping = UsageMapping(publicTestAsVal: options.publicTestAsVal)
        (settings.layout.vocabulary, settings.labelMapSHA256) = try LabelVocabulary.labelMap(options.labelMap)
        let ingestor = Ingestor(workspace: context.workspace, options: settings) { progress in
            context.progress(StageProgress(
                label: "ingest " + URL(fileURLWithPath: progress.source).lastPathComponent, fraction: progress.fraction,
                detail: "\(progress.records) records, \(progress.rejected) rejected"))
        }
        let (dataset, summary) = try ingestor.run(options.sources)
        return DatasetOutput(stage: name, dataset: dataset, partition: options.partition, report: summary)
    }
}

extension LabelVocabulary {
    /// A `--label-map FILE` as a vocabulary (the built-in synonyms without one), with the SHA-256 of
    /// its text for manifests; the file is read once.
    public static func labelMap(_ path: String?) throws -> (vocabulary: LabelVocabulary, sha256: String?) {
        guard let path else { return (LabelVocabulary(), nil) }
        let text = String(decoding: try FileIO.readAll(path), as: UTF8.self)
        return (try LabelVocabulary(labelMapText: text, source: path), SHA256Digest.hex(Array(text.utf8)))
    }
}
