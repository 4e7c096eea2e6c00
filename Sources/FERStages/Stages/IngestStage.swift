import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import Foundation

/// `ferdata ingest`: CSVs, archives and folders to a new dataset, every input record ingested or
/// rejected with a reason.
public enum IngestStage: Stage {
    public static let name = "ingest"
    public static let role = StageRole.ingest

    public struct Options: StageOptions {
        @Argument(help: ArgumentHelp("CSV files, archives or folders, in order.", valueName: "SOURCE"))
        public var sources: [String] = []
        @Option(help: ArgumentHelp("A file of 'name,target' lines mapping foreign label names to classes (or 'ignore').", valueName: "FILE"))
        public var labelMap: String?
        @Flag(help: "Put PublicTest records in val instead of test.")
        public var publicTestAsVal = false
        @Flag(help: "Fail on the first rejected record (a bad list line included) instead of logging it.")
        public var strict = false
        @Flag(help: "Read what a list names outside its folder (absolute and ../ paths) and links leading out of a source folder; refused as outside-source rejects otherwise.")
        public var allowOutside = false
        @Option(help: "Records per shard.")
        public var shardSize = DatasetWriter.defaultShardSize
        @Option(help: ArgumentHelp("How the sources lay out faces and labels (default: detected).", valueName: "NAME"))
        public var layout: Layout?
        @Option(help: ArgumentHelp("KDEF camera angles to keep (FL, HL, S, HR, FR): comma-separated, or the option repeated.", valueName: "LIST"))
        public var angles = ["S"]
        @Option(help: "CK+: the last frames of each labelled sequence that carry its label.")
        public var peakFrames = 3
        @Option(help: "The faces' side in pixels, 8-255 (48: FER2013's and the CNN-RNN's input).")
        public var size = 48
        @Option(help: "The faces' colour (gray: the CNN-RNN's input).")
        public var color = FaceColor.gray
        @OptionGroup(title: "Faces in pictures")
        public var face: FaceOptions

        public init() {}

        /// The KDEF angles named, each of a comma-separated list.
        var kdefAngles: [String] {
            angles.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
        }

        public func check() throws {
            guard !sources.isEmpty else { throw FerError(.invalidArgument, "sources: give at least one CSV, archive or folder") }
            guard shardSize > 0 else { throw FerError(.invalidArgument, "shard-size must be positive, got \(shardSize)") }
            if let bad = kdefAngles.first(where: { !JaffeKdefNames.kdefAngles.contains($0) }) {
                throw FerError(.invalidArgument, "angles: '\(bad)' is not a KDEF angle (\(JaffeKdefNames.kdefAngles.joined(separator: ", ")))")
            }
            guard !kdefAngles.isEmpty else { throw FerError(.invalidArgument, "angles: name at least one KDEF angle") }
            guard (8...255).contains(size) else { throw FerError(.invalidArgument, "size must be 8 to 255 pixels, got \(size)") }
            guard peakFrames >= 1 else { throw FerError(.invalidArgument, "peak-frames must be at least 1, got \(peakFrames)") }
            try face.check()
        }

        public var inputPaths: [String] { sources + (labelMap.map { [$0] } ?? []) }
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> DatasetOutput<IngestSummary> {
        try options.check()
        let (vocabulary, labelMapSHA256) = try LabelVocabulary.labelMap(options.labelMap)
        let layout = SourceLayout(
            vocabulary: vocabulary, usageMapping: UsageMapping(publicTestAsVal: options.publicTestAsVal), layout: options.layout,
            kdefAngles: Set(options.kdefAngles), peakFrames: options.peakFrames,
            shape: ImageShape(height: options.size, width: options.size, channels: options.color.channels))
        var settings = IngestOptions(layout: layout, strict: options.strict, shardSize: options.shardSize, partition: context.partition,
                                     face: options.face)
        settings.labelMapSHA256 = labelMapSHA256
        settings.allowOutside = options.allowOutside
        let ingestor = Ingestor(workspace: context.workspace, options: settings) { progress in
            context.progress(StageProgress(
                label: "ingest " + URL(fileURLWithPath: progress.source).lastPathComponent, fraction: progress.fraction,
                detail: "\(progress.records) records, \(progress.rejected) rejected"))
        }
        let (dataset, summary) = try ingestor.run(options.sources)
        return DatasetOutput(stage: name, dataset: dataset, partition: context.partition, report: summary)
    }
}

extension LabelVocabulary {
    /// A `--label-map FILE` as a vocabulary (the built-in synonyms without one), with the SHA-256 of
    /// its text for manifests; the file is read once.
    public static func labelMap(_ path: String?) throws -> (vocabulary: LabelVocabulary, sha256: String?) {
        guard let path else { return (LabelVocabulary(), nil) }
        let text = String(utf8Text: try FileIO.readAll(path))
        return (try LabelVocabulary(labelMapText: text, source: path), SHA256Digest.hex(Array(text.utf8)))
    }
}
