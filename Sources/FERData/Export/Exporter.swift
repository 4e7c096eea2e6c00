import FERCore
import FERMedia
import Foundation

/// `ferdata export`: a dataset in formats other tools read.
///
/// - `webdataset`: tar shards per split (`SPLIT-000000.tar`, up to `shardSize` faces each) with
///   `KEY.png`, `KEY.cls` (the class index, labelled faces only) and `KEY.json` (label, split, record
///   and parent ids, source, flags) per face; KEY is the record id in hex.
/// - `npz`: `SPLIT.npz` per split with `x` (uint8 [N, H, W] for gray, [N, H, W, 3] for colour) and
///   `y` (int64 [N], -1 unlabeled).
/// - `csv`: `fer2013.csv` in the FER2013 layout (emotion, pixels, Usage), for 48x48 gray datasets only;
///   Usage is the record's original one, else Training / PublicTest / PrivateTest for train / val /
///   test. Unlabeled faces have no row there and are counted as skipped.
///
/// Images keep the dataset's size and colour (PNG gray or RGB).
/// - `folder`: `SPLIT/CLASS/KEY.png` (`unlabeled` for faces without a label).
///
/// The output folder is written beside its final name and renamed when complete (`FileIO.writeFolder`).
public enum Exporter {
    public enum Format: String, StageChoice {
        case webdataset, npz, csv, folder
    }

    public struct Summary: Sendable, Codable {
        public var format: Format
        public var output: String
        public var records: Int
        public var skipped: Int
        public var files: [String]
    }

    public static func export(_ dataset: Dataset, format: Format, to output: URL, split: Split? = nil, shardSize: Int = 10_000) throws -> Summary {
        guard !FileManager.default.fileExists(atPath: output.path) else {
            throw FerError(.invalidArgument, "\(output.path) exists: export writes a new folder")
        }
        let shape = dataset.manifest.recordFormat?.shape ?? .face48
        if format == .csv && shape != .face48 {
            throw FerError(.datasetUnfit, "the FER2013 CSV holds 48x48 gray faces and \(dataset.name) holds \(shape): export it as webdataset, npz or folder")
        }
        func png(_ record: FaceRecord) throws -> [UInt8] {
            try ImageEncoder.png(record.pixels, width: shape.width, height: shape.height, channels: shape.channels)
        }
        return try FileIO.writeFolder(output) { partial in
            var records: [FaceRecord] = []
            try dataset.forEachRecord { if split == nil || $0.split == split { records.append($0) } }
            let bySplit = Dictionary(grouping: records, by: \.split)
            var files: [String] = []
            var skipped = 0
            switch format {
            case .webdataset:
                for (split, faces) in bySplit.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    for (index, start) in stride(from: 0, to: faces.count, by: shardSize).enumerated() {
                        let name = String(format: "%@-%06d.tar", split.name, index)
                        let writer = try ArchiveWriter(path: partial.appendingPathComponent(name).path, format: .tar)
                        for record in faces[start..<min(faces.count, start + shardSize)] {
                            let key = String(format: "%016llx", record.recordID)
                            try writer.add(key + ".png", try png(record))
                            if let label = record.label { try writer.add(key + ".cls", Array(String(label.rawValue).utf8)) }
                            try writer.add(key + ".json", [UInt8](try StageIO.json(Metadata(record, sources: dataset.manifest.sources))))
                        }
                        try writer.close()
                        files.append(name)
                    }
                }
            case .npz:
                for (split, faces) in bySplit.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    let name = split.name + ".npz"
                    let writer = try ArchiveWriter(path: partial.appendingPathComponent(name).path, format: .zip)
                    let dimensions = shape.channels == 1 ? [faces.count, shape.height, shape.width]
                        : [faces.count, shape.height, shape.width, shape.channels]
                    try writer.add("x.npy", NumPy.array(faces.flatMap(\.pixels), type: "|u1", shape: dimensions))
                    let labels = faces.map { Int64($0.label.map { Int($0.rawValue) } ?? -1) }
                    try writer.add("y.npy", NumPy.array(labels.flatMap(NumPy.littleEndianBytes), type: "<i8", shape: [faces.count]))
                    try writer.close()
                    files.append(name)
                }
            case .csv:
                var text = "emotion,pixels,Usage\n"
                for record in records {
                    guard let label = record.label else { skipped += 1; continue }
                    text += "\(label.rawValue),\(record.pixels.map(String.init).joined(separator: " ")),\(usage(record).name)\n"
                }
                try FileIO.writeDurably(Data(text.utf8), to: partial.appendingPathComponent("fer2013.csv").path)
                files.append("fer2013.csv")
            case .folder:
                for record in records {
                    let folder = partial.appendingPathComponent(record.split.name).appendingPathComponent(record.label?.name ?? "unlabeled")
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    let name = String(format: "%016llx.png", record.recordID)
                    try FileIO.writeDurably(Data(try png(record)), to: folder.appendingPathComponent(name).path)
                }
                files = bySplit.keys.map(\.name).sorted()
            }
            return Summary(format: format, output: output.path, records: records.count - skipped, skipped: skipped, files: files)
        }
    }

    /// The FER2013 Usage a record goes under in a CSV export.
    static func usage(_ record: FaceRecord) -> Usage {
        if record.usage != .unspecified { return record.usage }
        switch record.split {
        case .train: return .training
        case .val: return .publicTest
        case .test: return .privateTest
        }
    }

    /// The `KEY.json` of a WebDataset sample.
    struct Metadata: Encodable {
        var label: String?
        var split: String
        var usage: String
        var recordID: String
        var parentID: String?
        var source: String
        var member: String
        var augmented: Bool
        var pseudoLabel: Bool
        var subject: String?
        /// Where the face was cut from a larger picture (`FaceFrame`), when it was.
        var face: Face?

        struct Face: Encodable {
            var method: String
            /// The detector that found it (haar, mtcnn) and its score, where it did and gave one.
            var detector: String?
            var score: Float?
            /// x, y, width, height in the picture.
            var box: [Int]
            /// The cut: its centre, side and turn (detect and aligned; zero for a layout's box, cut as is).
            var centre: [Float]
            var side: Int
            var angleDegrees: Float
            var rank: Int
        }

        init(_ record: FaceRecord, sources: [DatasetManifest.Source]) {
            label = record.label?.name
            split = record.split.name
            usage = record.usage.name
            recordID = String(record.recordID)
            parentID = record.parentID == 0 ? nil : String(record.parentID)
            source = Int(record.sourceIndex) < sources.count ? sources[Int(record.sourceIndex)].path : ""
            member = record.sourceName
            augmented = record.flags.contains(.augmented)
            pseudoLabel = record.flags.contains(.pseudoLabel)
            subject = record.subject
            face = record.face.map { frame in
                Face(method: frame.method.name, detector: frame.detector?.name, score: frame.score, box: [frame.box.x, frame.box.y, frame.box.width, frame.box.height], centre: [frame.centreX, frame.centreY],
                     side: frame.side, angleDegrees: frame.angle * 180 / .pi, rank: frame.rank)
            }
        }
    }
}
