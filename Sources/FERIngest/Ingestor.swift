import FERCore
import FERData
import FERMedia
import Foundation

/// `ferdata ingest`: reads CSV, archive and folder sources into one new dataset, accounting for every
/// input record as ingested or rejected (with a reason, in `rejects.csv`).
public final class Ingestor {
    public enum SourceKind: String, Sendable {
        /// A FER2013-style CSV (emotion, pixels, Usage).
        case csv
        case archive
        case folder
        /// A CSV of `path,label[,split][,subject][,x,y,w,h]` rows naming images beside it (`ManifestList`).
        case manifest
    }

    /// Where `run` writes its dataset; none for an ingestor that only `read`s into memory.
    public let workspace: Workspace?
    public let options: IngestOptions
    private let progress: (IngestProgress) -> Void
    private var sink: RecordSink?
    /// Every input record left out so far, with its reason.
    public private(set) var rejects = RejectLog()
    private var reports: [IngestSummary.SourceReport] = []
    private var recordCount = 0
    /// The source being read's layout: the options' with its face search, decided from `--faces` when
    /// the source's first picture is seen (`decideFaces`).
    var sourceLayout = SourceLayout()
    private var facesDecided = false
    private var search: FaceSearch?

    public init(workspace: Workspace? = nil, options: IngestOptions = IngestOptions(), progress: @escaping (IngestProgress) -> Void = { _ in }) {
        self.workspace = workspace
        self.options = options
        self.progress = progress
    }

    /// Decides how to read a path: a folder, a CSV (plain or compressed: the name contains `.csv`),
    /// or an archive.
    /// - Throws: `.sourceMissing` or `.sourceUnreadable`, before any work starts.
    public static func kind(of path: String) throws -> SourceKind {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FerError(.sourceMissing, "no such file or folder", at: InputLocation(source: path))
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw FerError(.sourceUnreadable, "permission denied", at: InputLocation(source: path))
        }
        if isDirectory.boolValue { return .folder }
        let name = URL(fileURLWithPath: path).lastPathComponent.lowercased()
        if name.hasSuffix(".csv") && ManifestList.isManifest(path) { return .manifest }
        return name.hasSuffix(".csv") || name.contains(".csv.") ? .csv : .archive
    }

    /// Ingests `paths` in order into a new dataset of the workspace, or, with a partition in the
    /// options, that part's share of them into `parts/ingest/I-of-N` for `ferdata merge`.
    @discardableResult
    public func run(_ paths: [String]) throws -> (Dataset, IngestSummary) {
        guard let workspace else { preconditionFailure("an ingestor without a workspace only reads into memory") }
        let kinds = try Self.kinds(of: paths)
        let started = Date()
        // A part records what its sources held, so that `merge` refuses parts that read different contents.
        let contents = options.partition.isWhole ? nil : try paths.map { path in
            do { return try Self.content(of: path) } catch {
                throw FerError(.sourceUnreadable, "cannot read the source to record what it holds", at: InputLocation(source: path), cause: error)
            }
        }
        let writer = try DatasetWriter(
            workspace: workspace, stage: "ingest", shardSize: options.shardSize, partition: options.partition)
        writer.sourceContents = contents
        do {
            try read(paths, kinds: kinds, into: writer)
            let sources = zip(paths, kinds).map { DatasetManifest.Source(path: $0, kind: $1.rawValue) }
            let dataset = try writer.commit(
                parameters: options.manifestParameters, inputs: [], sources: sources, rejects: rejects)
            let summary = IngestSummary(
                dataset: dataset.name, records: recordCount, rejected: rejects.count,
                counts: dataset.manifest.counts, sources: reports, seconds: Date().timeIntervalSince(started))
            return (dataset, summary)
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Reads `paths` exactly as `run` ingests them, keeping the faces in memory, in input order, instead
    /// of writing a dataset (a foreign dataset scored as it ships); the workspace is not touched.
    /// - Parameter each: called with each face as it is read, in order (to score faces while reading).
    /// - Returns: the faces, and each source's report.
    public func read(_ paths: [String], each: @escaping (FaceRecord) -> Void = { _ in }) throws
        -> (records: [FaceRecord], sources: [IngestSummary.SourceReport]) {
        let collector = RecordCollector(each: each)
        try read(paths, kinds: try Self.kinds(of: paths), into: collector)
        return (collector.records, reports)
    }

    private static func kinds(of paths: [String]) throws -> [SourceKind] {
        guard !paths.isEmpty else { throw FerError(.invalidArgument, "no source given") }
        return try paths.map { path throws in try kind(of: path) }
    }

    private func read(_ paths: [String], kinds: [SourceKind], into sink: RecordSink) throws {
        self.sink = sink
        defer { self.sink = nil }
        for (index, (path, kind)) in zip(paths, kinds).enumerated() {
            reports.append(IngestSummary.SourceReport(path: path, kind: kind.rawValue))
            sourceLayout = options.layout
            facesDecided = false
            switch kind {
            case .csv:
                guard options.face.faces == .auto || options.face.faces == .none else {
                    throw FerError(.invalidArgument, "faces \(options.face.faces.rawValue) finds faces in pictures; a FER2013 CSV holds 48x48 face crops",
                                   at: InputLocation(source: path))
                }
                try ingestCSV(path: path, sourceIndex: UInt32(index))
            case .archive: try ingestArchive(path: path, sourceIndex: UInt32(index))
            case .folder: try ingestFolder(path: path, sourceIndex: UInt32(index))
            case .manifest:
                let folder = SourceFolder(root: URL(fileURLWithPath: path).deletingLastPathComponent(), allowOutside: options.allowOutside)
                let faces = try ManifestList.faces(listPath: path, vocabulary: options.layout.vocabulary)
                try ingestListed(faces, layout: .manifest, folder: folder, sourceIndex: UInt32(index))
            }
        }
        try checkEverySourceGaveRecords()
    }

    // MARK: - Faces

    /// Decides once per source how faces are found (`--faces`), from whether its layout gives boxes
    /// and, for `auto`, the size of its first picture (`firstPicture`, read whatever part of the input
    /// this run owns, so every part of a partitioned run decides alike). Notes the decision and why.
    func decideFaces(boxes: Bool, firstPicture: () -> (width: Int, height: Int)?) throws {
        guard !facesDecided else { return }
        facesDecided = true
        let decision: String
        switch options.face.faces {
        case .none:
            decision = "none: --faces none"
        case .box:
            guard boxes else {
                throw FerError(.invalidArgument, "faces box crops by a layout's boxes, and this source's layout gives none "
                    + "(AffectNet, ExpW and a manifest with x,y,w,h do): use faces detect or auto", at: InputLocation(source: reports.last?.path ?? ""))
            }
            decision = "box: the layout's boxes"
        case .detect:
            sourceLayout.faceSearch = try faceSearch()
            decision = "detect: --faces detect"
        case .auto:
            if boxes {
                decision = "box: the layout's list gives boxes"
            } else if let size = firstPicture() {
                // Face crops as datasets ship them (FER-2013's 48 px, RAF-DB's aligned 100 px) stay crops.
                let cropSide = max(Self.largestFaceCrop, 2 * options.layout.shape.height)
                if min(size.width, size.height) > cropSide {
                    sourceLayout.faceSearch = try faceSearch()
                    decision = "detect: the first picture is \(size.width)x\(size.height), larger than a face crop (over \(cropSide) px)"
                } else {
                    decision = "none: the first picture is \(size.width)x\(size.height), a face crop already"
                }
            } else {
                decision = "none: no picture could be read to decide"
            }
        }
        noteSource { $0.faces = decision }
    }

    /// `--faces auto` takes pictures up to this side (or twice the face size, if larger) as face crops.
    static let largestFaceCrop = 128

    private func faceSearch() throws -> FaceSearch {
        if search == nil { search = try FaceSearch(options: options.face) }
        return search!
    }

    /// The size of a picture's bytes, decoding it (nil: not a picture ferdata reads).
    static func pictureSize(_ bytes: UnsafeRawBufferPointer) -> (width: Int, height: Int)? {
        guard let image = try? ImageDecoder.decodeGray(bytes) else { return nil }
        return (image.width, image.height)
    }

    // MARK: - Accounting

    /// Reading nothing is an error, not a report of zeros: a source of which not one record was
    /// ingested fails the run with the reasons its records were rejected, the commonest first
    /// (`0 of 203 records read: 203 not-an-image`). A part of a partitioned run may own only rejects of
    /// a source, so parts are not checked.
    private func checkEverySourceGaveRecords() throws {
        guard options.partition.isWhole else { return }
        for report in reports where report.ingested == 0 {
            let reasons = report.rejected.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            let detail = reasons.isEmpty ? "the source holds no records"
                : "0 of \(report.rejectedCount) records read: " + reasons.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            var hint = report.rejected[RejectReason.notAnImage.rawValue] != nil ? " (ferdata reads \(ImageDecoder.formatNames))" : ""
            if let listed = report.listedLayoutInArchive {
                hint += "; this archive holds \(listed)'s label list: unpack it and ingest the folder"
            }
            throw FerError(.nothingRead, detail + hint, at: InputLocation(source: report.path))
        }
    }

    /// Whether this run (or part) handles the input record at `ordinal`.
    func owns(_ ordinal: UInt64) -> Bool {
        options.partition.owns(ordinal)
    }

    func accept(_ record: EncodedRecord, ordinal: UInt64) throws {
        try sink!.append(record, ordinal: ordinal)
        recordCount += 1
        reports[reports.count - 1].ingested += 1
    }

    func reject(_ reject: Reject, unknownLabel: String? = nil) throws {
        if options.strict {
            throw FerError(.strictReject, "\(reject.reason.rawValue): \(reject.detail) (strict)", at: reject.location)
        }
        rejects.add(reject)
        reports[reports.count - 1].rejected[reject.reason.rawValue, default: 0] += 1
        if let unknownLabel { reports[reports.count - 1].unknownLabels[unknownLabel, default: 0] += 1 }
    }

    /// Notes something about the source being read in its report.
    func noteSource(_ update: (inout IngestSummary.SourceReport) -> Void) {
        update(&reports[reports.count - 1])
    }

    func markDamaged(_ detail: String) {
        reports[reports.count - 1].damage = detail
    }

    func report(source: String, fraction: Double?) {
        progress(IngestProgress(source: source, fraction: fraction, records: recordCount, rejected: rejects.count))
    }

    /// What became of one input record.
    enum ItemOutcome {
        /// Encoded on the worker thread that decoded it, with its ordinal.
        case face(EncodedRecord, ordinal: UInt64)
        /// Left out; `unknownLabel` names a label that matched no class, for the summary.
        case rejected(Reject, unknownLabel: String?)
    }

    func settle(_ outcome: ItemOutcome) throws {
        switch outcome {
        case .face(let record, let ordinal):
            try accept(record, ordinal: ordinal)
        case .rejected(let bad, let unknownLabel): try reject(bad, unknownLabel: unknownLabel)
        }
    }

    /// Builds the record from a label resolution, or the reject that explains why there is none.
    static func outcome(
        _ resolution: LabelVocabulary.Resolution, name: String?, location: InputLocation, ordinal: UInt64,
        record: (Emotion) -> FaceRecord
    ) -> ItemOutcome {
        switch resolution {
        case .emotion(let emotion):
            return .face(EncodedRecord(record(emotion)), ordinal: ordinal)
        case .ignored:
            let bad = Reject(
                location: location, reason: .ignoredLabel, detail: "label '\(name ?? "")' is mapped to ignore", ordinal: ordinal)
            return .rejected(bad, unknownLabel: nil)
        case .unknown:
            guard let name else {
                let bad = Reject(location: location, reason: .missingLabel, detail: "no class folder above the file", ordinal: ordinal)
                return .rejected(bad, unknownLabel: nil)
            }
            let bad = Reject(
                location: location, reason: .unknownLabel,
                detail: "'\(name)' is not a FER2013 class (map it with --label-map)", ordinal: ordinal)
            return .rejected(bad, unknownLabel: name)
        }
    }
}

/// Where an ingestor puts the faces it reads: a dataset being written, or memory.
protocol RecordSink: AnyObject {
    func append(_ record: EncodedRecord, ordinal: UInt64?) throws
}

extension DatasetWriter: RecordSink {}

/// Faces kept in memory, in the order they are read (`Ingestor.read`).
private final class RecordCollector: RecordSink {
    var records: [FaceRecord] = []
    let each: (FaceRecord) -> Void

    init(each: @escaping (FaceRecord) -> Void) {
        self.each = each
    }

    func append(_ record: EncodedRecord, ordinal: UInt64?) throws {
        let face = try record.decoded()
        records.append(face)
        each(face)
    }
}
