import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERMedia
import Foundation

/// `ferdata split`: a stratified share of train to val, duplicate groups kept whole: the groups dedup
/// found, with the threshold and mirroring it used (read from the dataset's lineage), or dedup's
/// defaults where no dedup came before.
public enum SplitStage: Stage {
    public static let name = "split"
    public static let role = StageRole.dataset

    public struct Options: StageOptions {
        @Option(help: "Share of each class of train that goes to val (0-1).")
        public var val = 0.1
        @Option(help: "Random seed.")
        public var seed: UInt64 = 0

        public init() {}

        public func check() throws {
            guard val > 0 && val < 1 else { throw FerError(.invalidArgument, "val must be between 0 and 1 (exclusive), got \(val)") }
        }
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> DatasetOutput<StratifiedSplit.Report> {
        try options.check()
        // Copies are grouped as dedup grouped them: its threshold and mirroring, read from the lineage.
        let dedup = try input.dataset.flatMap { try upstream(DedupStage.name, of: $0) }?.parameters ?? [:]
        let settings = StratifiedSplit.Options(
            valFraction: options.val, seed: options.seed,
            threshold: dedup["threshold"].flatMap { Int($0) } ?? Deduplicator.Options.defaults.threshold,
            mirror: dedup["mirror"].flatMap { Bool($0) } ?? Deduplicator.Options.defaults.mirror)
        return try Curation.run(name, input: input, context: context, parameters: settings.parameters) { records, _ in
            let (split, report) = try StratifiedSplit(options: settings).run(records)
            return (split, report, [("split.json", try StageIO.json(report))])
        }
    }

    /// The manifest of the nearest dataset made by `stage` among `dataset` and the datasets it was
    /// made from (its manifest's inputs, in the same workspace), or nil when the lineage has none.
    /// - Throws: a dataset of the lineage is gone or unreadable: what it would say is unknown, and a
    ///   guess would change the result without a word.
    static func upstream(_ stage: String, of dataset: Dataset) throws -> DatasetManifest? {
        var manifest = dataset.manifest
        let folder = dataset.directory.deletingLastPathComponent()
        for _ in 0..<64 {
            if manifest.stage == stage { return manifest }
            guard let input = manifest.inputs.first else { return nil }
            do {
                manifest = try Dataset(directory: folder.appendingPathComponent(input.name)).manifest
            } catch let error as FerError {
                throw FerError(.datasetMissing, "\(name) keeps the copies \(stage) grouped together, with its settings, read from the datasets "
                    + "\(dataset.name) was made from; \(input.name) cannot be read", cause: error)
            }
        }
        return nil
    }
}
