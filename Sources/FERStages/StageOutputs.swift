import FERCore
import FERCuration
import FERData
import FERIngest
import FEREval
import FERNet
import Foundation

/// A dataset a stage wrote, with the stage's own report (`dedup.json`, `split.json`, ...).
public struct DatasetOutput<Report: Codable & Sendable>: StageOutput {
    /// The stage that wrote it.
    public var stage: String
    /// The folder name, `0002-dedup`.
    public var dataset: String
    /// The folder.
    public var directory: String
    /// Set for a part of a partitioned run (written under `parts/`, joined by `ferdata merge`).
    public var partition: Partition?
    public var recordCount: Int
    /// split → class → records.
    public var counts: [String: [String: Int]]
    /// reason → input records left out.
    public var rejected: [String: Int]
    public var report: Report

    public init(stage: String, dataset: Dataset, partition: Partition = .whole, report: Report) {
        self.stage = stage
        self.dataset = dataset.name
        self.directory = dataset.directory.path
        self.partition = partition.isWhole ? nil : partition
        self.recordCount = dataset.manifest.recordCount
        self.counts = dataset.manifest.counts
        self.rejected = dataset.manifest.rejected
        self.report = report
    }

    public var location: String { partition == nil ? "datasets/" + dataset : directory }

    public var summary: String {
        let splits = Split.allCases.map(\.name).compactMap { split in
            counts[split].map { "\(split) \($0.values.reduce(0, +))" }
        }
        return "\(dataset): \(recordCount) records (\(splits.joined(separator: ", ")))"
    }

    public func exists(in workspace: Workspace) -> Bool {
        FileManager.default.fileExists(atPath: workspace.root.appendingPathComponent(location + "/manifest.json").path)
    }

    /// The next stage reads this dataset, and its test split is the in-domain row of a crosseval after
    /// it: the test split eval scores (the curation stages after split leave val and test as they are).
    public func feed(_ input: inout StageInput, workspace: Workspace) throws {
        let dataset = try Dataset(directory: workspace.root.appendingPathComponent(location))
        (input.dataset, input.baseline) = (dataset, dataset)
    }
}

/// For stages whose dataset is the whole report.
public struct NoReport: Codable, Sendable {}

/// A training run: its folder, this call's epochs, the best model's test scores and its report.
public struct TrainOutput: StageOutput {
    /// The folder name, `0001-train`.
    public var run: String
    public var directory: String
    public var epochs: [Trainer.EpochResult]
    /// The best model (by val weighted F1) on the test split; nil without a test split.
    public var test: ClassificationMetrics?
    /// Their 95% bootstrap intervals.
    public var testIntervals: ScoreIntervals?
    /// The report folder of the best model on the test split.
    public var report: String?
    /// Set when the model learned nothing (one class for nearly every test face, or val at chance).
    public var collapse: Collapse?
    /// The model the run started from (`--init`).
    public var initialisation: Trainer.Initialisation?
    /// How the schedule was fitted to `--max-minutes` (nil without a time box).
    public var plan: Trainer.SchedulePlan?
    public var seconds: Double

    public var location: String { "runs/" + run }
    public var model: String { directory + "/best.safetensors" }

    public var summary: String {
        var text = "\(location): \(epochs.count) epochs"
        if let plan, plan.epochs < plan.requestedEpochs { text += " (\(plan.epochs) of \(plan.requestedEpochs) planned for the time box)" }
        if let test {
            text += "; best model on test: accuracy " + ScoreIntervals.text(test.accuracy, testIntervals?.accuracy)
                + ", weighted F1 " + ScoreIntervals.text(test.weightedF1, testIntervals?.weightedF1)
        }
        if collapse != nil { text += "; COLLAPSED" }
        return text
    }

    public var collapses: [Collapse] { collapse.map { [$0] } ?? [] }

    public func exists(in workspace: Workspace) -> Bool { FileManager.default.fileExists(atPath: model) }

    public func feed(_ input: inout StageInput, workspace: Workspace) throws { input.model = model }
}

/// Scores of a model: one evaluation and report folder per dataset scored.
public struct ReportOutput: StageOutput {
    /// The folder the reports are in (one report, or one folder of several).
    public var folder: String
    public var reports: [String]
    public var evaluations: [Evaluation]

    public var location: String { folder }

    public var summary: String {
        let scores = evaluations.map { e in
            URL(fileURLWithPath: e.data).lastPathComponent
                + ": accuracy " + ScoreIntervals.text(e.metrics.accuracy, e.intervals?.accuracy)
                + ", weighted F1 " + ScoreIntervals.text(e.metrics.weightedF1, e.intervals?.weightedF1)
                + (e.collapse == nil ? "" : " (COLLAPSED)")
        }
        return scores.isEmpty ? folder : scores.joined(separator: "; ")
    }

    public var collapses: [Collapse] { evaluations.compactMap(\.collapse) }

    public func exists(in workspace: Workspace) -> Bool {
        reports.allSatisfy { FileManager.default.fileExists(atPath: $0 + "/metrics.json") }
    }

    public func feed(_ input: inout StageInput, workspace: Workspace) throws {}
}
