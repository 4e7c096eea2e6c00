import ArgumentParser

/// `ferdata`: the root command.
public struct FerdataCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ferdata",
        abstract: "Facial-expression datasets: ingest, curate, shard, train and evaluate.",
        discussion: """
            Each stage reads the workspace's latest dataset (or --from NAME) and writes a new one:
              ferdata ingest fer2013.csv
              ferdata dedup
              ferdata split --val 0.1
              ferdata balance --target 5000
              ferdata augment --copies 1
              ferdata train --epochs 30 --schedule cosine
              ferdata eval ferdata-work/runs/0001-train/best.safetensors
              ferdata crosseval ferdata-work/runs/0001-train/best.safetensors other-faces/ --baseline 0003-split
            or all of it from one file: ferdata run pipelines/sample.yaml
            Ingest and augment can run as N parts on N machines (--partition I/N), then: ferdata merge
            The workspace is ./ferdata-work, or --workspace DIR, or $FERDATA_WORKSPACE.
            """,
        version: "0.1.0",
        subcommands: [
            IngestCommand.self, DedupCommand.self, SplitCommand.self, BalanceCommand.self, AugmentCommand.self,
            TrainCommand.self, EvalCommand.self, CrossEvalCommand.self, AnnotateCommand.self, RunCommand.self,
            MergeCommand.self, VerifyCommand.self, ExportCommand.self, StatsCommand.self, ShowCommand.self, SynthCommand.self,
        ]
    )

    public init() {}
}
