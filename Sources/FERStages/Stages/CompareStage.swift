import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERMedia
import FERNet
import FEREval
import Foundation

/// `ferdata compare A B`: two models on the same faces of a dataset's split: the differences of
/// their scores with paired bootstrap intervals, McNemar's exact test, and the faces they disagree on.
public enum CompareStage: Stage {
    public static let name = "compare"
    public static let role = StageRole.tool

    public struct Options: StageOptions {
        @Argument(help: ArgumentHelp("The model compared against.", valueName: "MODEL-A"))
        public var modelA = ""
        @Argument(help: ArgumentHelp("The other model; differences are B minus A.", valueName: "MODEL-B"))
        public var modelB = ""
        @Option(help: "The split to score.")
        public var split = SplitChoice.test
        @Option(help: ArgumentHelp("The report folder (default WORKSPACE/reports/compare-DATASET-SPLIT).", valueName: "DIR"))
        public var report: String?
        @Option(help: "Test-time augmentation for both models: the mean of the face and its mirror (flip), or of ten crops.")
        public var tta = TestTimeAugmentation.none
        @OptionGroup(title: "Intervals")
        public var intervals: IntervalOptions

        public init() {}

        public func check() throws {
            guard !modelA.isEmpty, !modelB.isEmpty else { throw FerError(.invalidArgument, "compare needs two model files, MODEL-A and MODEL-B") }
            try intervals.check()
        }

        public var inputPaths: [String] { [modelA, modelB] }
    }

    public struct Output: StageOutput {
        public var comparison: PairedComparison
        public var folder: String

        public var location: String { folder }
        public var summary: String {
            let c = comparison
            return "\(c.faces) faces: accuracy B - A " + String(format: "%+.4f", c.accuracy.difference) + " \(c.accuracy.interval), McNemar p "
                + String(format: "%.4g", c.mcnemarP)
        }
        public func exists(in workspace: Workspace) -> Bool { FileManager.default.fileExists(atPath: folder + "/compare.json") }
        public func feed(_ input: inout StageInput, workspace: Workspace) throws {}
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> Output {
        try options.check()
        let a = try Classifier(path: options.modelA), b = try Classifier(path: options.modelB)
        let data = a.readsAnyShape && b.readsAnyShape ? try input.requireDataset(name) : try input.requireModelSizedDataset(name)
        guard a.classes == b.classes else {
            throw FerError(.invalidArgument, "the models' classes differ (\(a.classes.joined(separator: ",")) and \(b.classes.joined(separator: ","))): "
                + "compare scores two models of the same classes")
        }
        let labelled = try Scoring.labelledRecords(of: data, split: options.split.split)
        let predictionsA = try a.predict(labelled, tta: options.tta), predictionsB = try b.predict(labelled, tta: options.tta)
        let scored = labelled.indices.filter { predictionsA[$0].truth != nil }
        guard !scored.isEmpty else { throw FerError(.datasetUnfit, "\(data.name) has no labelled \(options.split.rawValue) faces of the models' classes") }
        let records = scored.map { labelled[$0] }
        let comparison = PairedComparison.compare(
            labels: scored.map { predictionsA[$0].truth! }, a: scored.map { predictionsA[$0].predicted }, b: scored.map { predictionsB[$0].predicted },
            classes: a.classes.count, clusters: ScoreIntervals.clusters(of: records),
            modelA: options.modelA, modelB: options.modelB, data: data.name, split: options.split.rawValue, resamples: options.intervals.bootstrap)
        let folder = options.report.map { URL(fileURLWithPath: $0) } ?? context.reports
            ?? context.workspace.root.appendingPathComponent("reports/compare-\(data.name)-\(options.split.rawValue)")
        try FileIO.writeFolder(folder) { partial in
            var csv = CSVField.line(["record_id", "source", "locator", "truth", "model_a", "model_b", "right"]) + "\n"
            var sheet: [(caption: String, image: GrayImage)] = []
            for (index, face) in scored.enumerated() {
                let truth = predictionsA[face].truth!, guessA = predictionsA[face].predicted, guessB = predictionsB[face].predicted
                guard (guessA == truth) != (guessB == truth) else { continue }
                let right = guessA == truth ? "A" : "B"
                csv += CSVField.line([String(records[index].recordID), records[index].sourceName, String(records[index].locator), a.classes[truth],
                                      a.classes[guessA], b.classes[guessB], right]) + "\n"
                sheet.append(("ONLY \(right) RIGHT", records[index].image))
            }
            try FileIO.writeDurably(try StageIO.json(comparison), to: partial.appendingPathComponent("compare.json").path)
            try FileIO.writeDurably(Data(csv.utf8), to: partial.appendingPathComponent("disagreements.csv").path)
            if let canvas = ContactSheet.grouped(sheet, largestFirst: true, title: "FACES ONE MODEL GETS RIGHT AND THE OTHER WRONG") {
                try FileIO.writeDurably(Data(try canvas.png()), to: partial.appendingPathComponent("disagreements.png").path)
            }
        }
        return Output(comparison: comparison, folder: folder.path)
    }
}
