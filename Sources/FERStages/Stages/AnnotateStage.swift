import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FEREval
import Foundation

/// `ferdata annotate`: pseudo-labels for unlabeled images, or label-noise suspects of a dataset.
public enum AnnotateStage: Stage {
    public static let name = "annotate"
    public static let role = StageRole.scoring

    public struct Options: StageOptions {
        @Argument(help: ArgumentHelp("Unlabeled images: a folder or an archive.", valueName: "SOURCE"))
        public var source: String?
        @Option(help: "Keep predictions (or suspects) at or above this confidence (0-1).")
        public var minConfidence: Float = 0
        @Flag(help: "Write the kept predictions as a labelled dataset in the workspace (pseudo-labels).")
        public var ingest = false
        @Flag(help: "List labelled records of the input dataset that the model confidently contradicts.")
        public var suspects = false
        @Option(help: ArgumentHelp("Where labels.csv or the suspects go (default WORKSPACE/reports/annotate-NAME).", valueName: "DIR"))
        public var out: String?
        @OptionGroup(title: "Faces in pictures")
        public var face: FaceOptions

        public init() {}

        public func check() throws {
            guard (0...1).contains(minConfidence) else {
                throw FerError(.invalidArgument, "min-confidence must be between 0 and 1, got \(minConfidence)")
            }
            guard suspects || source != nil else {
                throw FerError(.invalidArgument, "give the SOURCE to label (or suspects)")
            }
            try face.check()
        }

        public var inputPaths: [String] { [source].compactMap { $0 } }
    }

    public struct Output: StageOutput {
        /// annotate or suspects.
        public var mode: String
        public var faces: Int
        public var kept: Int
        public var files: [String]
        public var dataset: String?
        public var folder: String

        public var location: String { folder }
        public var summary: String { "\(mode): \(faces) faces, \(kept) kept" }
        public func exists(in workspace: Workspace) -> Bool { files.allSatisfy { FileManager.default.fileExists(atPath: $0) } }
        public func feed(_ input: inout StageInput, workspace: Workspace) throws {}
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> Output {
        try options.check()
        guard context.partition.isWhole || (options.source != nil && options.ingest && !options.suspects) else {
            throw FerError(
                .invalidArgument,
                "a partition labels a part of a SOURCE into a part dataset: it needs a SOURCE and ingest (and not suspects)")
        }
        let classifier = try Classifier(path: try input.requireModel(name))
        if options.suspects { return try findSuspects(classifier, options: options, input: input, context: context) }
        return try label(options.source!, classifier: classifier, options: options, context: context)
    }

    private static func folder(_ name: String, _ options: Options, _ context: StageContext) -> URL {
        options.out.map { URL(fileURLWithPath: $0) } ?? context.reports
            ?? context.workspace.root.appendingPathComponent("reports/annotate-" + name)
    }

    private static func write(_ contents: Data, _ name: String, in folder: URL) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try FileIO.writeAtomically(contents, to: path)
        return path
    }

    /// Pseudo-labels for the images of `source`. With a partition, only its share of the files, into
    /// a part dataset (`parts/annotate/I-of-N`, labels.csv attached) that `ferdata merge annotate`
    /// joins, in input order, into what one run writes.
    private static func label(_ source: String, classifier: Classifier, options: Options, context: StageContext) throws -> Output {
        let foreign = try ForeignDataset(path: source, labeled: false, partition: context.partition, face: options.face,
                                         shape: classifier.inputShape)
        let predictions = try classifier.predict(foreign.records)
        let text = Annotation.labelsCSV(predictions, classes: classifier.classes, minConfidence: options.minConfidence)
        let ordinals = foreign.ordinals
        var files: [String] = []
        let target = folder(URL(fileURLWithPath: source).lastPathComponent, options, context)
        if context.partition.isWhole {
            files.append(try write(Data(text.utf8), "labels.csv", in: target))
            if !foreign.rejected.isEmpty { files.append(try write(foreign.rejectLog, "rejected.csv", in: target)) }
        }
        var datasetName: String?
        var kept = 0
        if options.ingest {
            let writer = try DatasetWriter(workspace: context.workspace, stage: name, partition: context.partition)
            do {
                for (index, prediction) in predictions.enumerated() {
                    guard let record = Annotation.pseudoLabel(foreign.records[index], prediction, classifier: classifier,
                                                              minConfidence: options.minConfidence) else { continue }
                    try writer.append(record, ordinal: ordinals[index])
                    kept += 1
                }
                let rows = predictions.indices.filter { predictions[$0].confidence >= options.minConfidence }.map { ordinals[$0] }
                try writer.attach("labels.csv", csv: text, rowOrdinals: rows)
                let dataset = try writer.commit(
                    parameters: ["model": classifier.path, "minConfidence": String(options.minConfidence), "labels": "pseudo"],
                    inputs: [], sources: foreign.sources, rejects: foreign.rejects)
                datasetName = dataset.name
                if !context.partition.isWhole { files.append(dataset.directory.appendingPathComponent("labels.csv").path) }
            } catch {
                writer.abandon()
                throw error
            }
        } else {
            kept = predictions.filter { $0.confidence >= options.minConfidence }.count
        }
        return Output(mode: "annotate", faces: foreign.records.count, kept: kept, files: files, dataset: datasetName,
                      folder: context.partition.isWhole ? target.path : context.workspace.partsDirectory.path)
    }

    private static func findSuspects(_ classifier: Classifier, options: Options, input: StageInput, context: StageContext) throws -> Output {
        let dataset = try input.requireModelSizedDataset(name)
        let records = try dataset.allRecords().filter { $0.label != nil }
        let predictions = try classifier.predict(records)
        let found = Annotation.suspects(predictions, classes: classifier.classes, minConfidence: options.minConfidence)
        let target = folder("suspects-" + dataset.name, options, context)
        var files = [try write(Data(Annotation.suspectsCSV(found, predictions: predictions, records: records, dataset: dataset.name).utf8), "suspects.csv", in: target)]
        if let sheet = Annotation.suspectSheet(found, records: records) {
            files.append(try write(Data(try sheet.png()), "suspects.png", in: target))
        }
        return Output(mode: "suspects", faces: records.count, kept: found.count, files: files, folder: target.path)
    }
}
