import FERCore
import FERCuration
import FERData
import FERIngest
import Foundation

/// A dataset from elsewhere (a folder, an archive or a FER2013-style CSV, in any layout ingest reads),
/// read through exactly ingest's preprocessing (any size and colour to the model's face shape, the
/// synonym table and label map) into memory: the user's workspace is not touched. Nothing is
/// deduplicated: a foreign set is scored as it is.
public struct ForeignDataset {
    public let path: String
    /// Every readable face with a label ferdata knows, in source order.
    public let records: [FaceRecord]
    /// Labels with no FER2013 class (a folder's or a dataset's own, such as contempt), with counts.
    public let unknownLabels: [String: Int]
    /// Files or rows that could not be read, by reason (unknown labels not included).
    public let rejected: [String: Int]
    /// Every skipped file with its reason (ingest's rejects.csv).
    public let rejects: RejectLog
    public var rejectLog: Data { rejects.csv() }
    /// The sources the records' `sourceIndex` refers to, for a dataset written from them.
    public let sources: [DatasetManifest.Source]

    /// Each record's place in the input, as `--partition` numbers input records.
    public var ordinals: [UInt64] {
        records.map { Partition.ordinal(source: $0.sourceIndex, position: Int($0.locator)) }
    }

    /// - Parameters:
    ///   - labeled: false for unlabeled images (annotation), which keeps every decodable image.
    ///   - partition: reads only this part's share of the files (every N-th, as `ingest --partition`);
    ///     a part may own no face, so reading none is then not an error.
    ///   - shape: the faces' shape; with `shapeIsLargest`, the largest a face is kept at (for a model that
    ///     brings each face to its input: `SourceLayout.shapeIsLargest`).
    ///   - each: called with each face as it is read, in order (a `FaceScorer`'s `add`, so that faces are
    ///     scored while the rest are read).
    public init(
        path: String, vocabulary: LabelVocabulary = LabelVocabulary(), labeled: Bool = true, partition: Partition = .whole,
        layout: Layout? = nil, face: FaceOptions = .defaults, shape: ImageShape = .face48,
        shapeIsLargest: Bool = false, each: @escaping (FaceRecord) -> Void = { _ in }
    ) throws {
        self.path = path
        var sourceLayout = SourceLayout(vocabulary: vocabulary, readsLabels: labeled, layout: layout)
        sourceLayout.shape = shape
        sourceLayout.shapeIsLargest = shapeIsLargest
        let options = IngestOptions(layout: sourceLayout, partition: partition, face: face)
        let ingestor = Ingestor(options: options)
        let (records, reports) = try ingestor.read([path], each: each)
        self.records = records
        unknownLabels = reports.reduce(into: [:]) { total, source in
            total.merge(source.unknownLabels, uniquingKeysWith: +)
            total.merge(source.excludedLabels, uniquingKeysWith: +)
        }
        var rejected = reports.reduce(into: [String: Int]()) { total, source in total.merge(source.rejected, uniquingKeysWith: +) }
        rejected[RejectReason.unknownLabel.rawValue] = nil
        rejected[RejectReason.excludedLabel.rawValue] = nil
        self.rejected = rejected
        rejects = ingestor.rejects
        sources = reports.map { DatasetManifest.Source(path: $0.path, kind: $0.kind) }
    }
}
