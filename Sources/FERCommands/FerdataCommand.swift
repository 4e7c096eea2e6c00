import ArgumentParser
import CFerShims
import FERCore
import FERNet
import FERStages
import Foundation

/// A command that is a thin adapter onto a stage: its argument-parser properties fill the stage's
/// options, and it calls the stage's `run`.
protocol StageCommand: ParsableCommand {
    static var stage: RegisteredStage { get }
}

/// `ferdata`: the root command.
public struct FerdataCommand: ParsableCommand {
    /// The command of every registered stage (a test checks that each stage has one, with its options).
    static let stageCommands: [any StageCommand.Type] = [
        IngestCommand.self, FERPlusCommand.self, DedupCommand.self, SplitCommand.self, BalanceCommand.self, AugmentCommand.self,
        SuspectsCommand.self, TrainCommand.self, EvalCommand.self, CrossEvalCommand.self, AnnotateCommand.self,
        RelabelCommand.self, MergeCommand.self, ExportCommand.self, VerifyCommand.self, CompareCommand.self, ExportModelCommand.self, CrossValCommand.self, ActiveLearnCommand.self,
    ]

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
              ferdata compare runs/0001-train/best.safetensors runs/0002-train/best.safetensors
              ferdata export-model ferdata-work/runs/0001-train/best.safetensors --format onnx
            or all of it from one file: ferdata run pipelines/sample.yaml
            Faces whose labels need a person's eye (suspects, low-confidence pseudo-labels, split FER+ votes, \
            dedup's conflicts) are reviewed in the browser, then applied as a stage:
              ferdata review suspects --annotator alice
              ferdata relabel
            Foreign datasets are read as they ship (JAFFE, KDEF, RAF-DB, AffectNet, ExpW, CK+, a manifest; \
            see ingest --help), at any --size and --color.
            Ingest, augment and annotate can run as N parts on N machines (--partition I/N, or the task of a \
            Slurm array job: deploy/slurm), then: ferdata merge
            The workspace is ./ferdata-work, or --workspace DIR, or $FERDATA_WORKSPACE.

            Exit status: 0 done; 1 a data or I/O error (the message starts with its [code]; --verbose adds \
            the cause and where it was raised) or, for verify, a damaged dataset; 2 a CPU without AVX2 and FMA; \
            3 a collapsed model under train or run --fail-on-collapse; 64 a usage error (an unknown option, a \
            bad value: the usage line follows).

            Error codes (docs/architecture.md has the same table):

            """ + FerError.codeTable.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"),
        version: "0.1.0",
        subcommands: stageCommands + [ReviewCommand.self, RunCommand.self, StatsCommand.self, ShowCommand.self, SynthCommand.self]
    )

    public init() {}

    /// Each stage command's stage and command name.
    static var stageCommandNames: [(stage: RegisteredStage, command: String)] {
        var table: [(stage: RegisteredStage, command: String)] = []
        for command in stageCommands { table.append((stage: stageOf(command), command: command.configuration.commandName ?? "")) }
        return table
    }

    private static func stageOf<C: StageCommand>(_ command: C.Type) -> RegisteredStage { C.stage }

    /// The process: settings made once (`ProcessSettings`), the command run, a `FerError` printed as
    /// one line with exit status 1, usage errors with the usage line and status 64.
    public static func runProcess(_ arguments: [String]? = nil) async {
        guard fer_cpu_has_avx2_fma() != 0 else {
            // Before any numeric code: those targets are compiled for AVX2 and FMA (Package.swift, vectorCPU).
            FileHandle.standardError.write(Data("ferdata: this build needs an x86-64 CPU with AVX2 and FMA (Haswell or later); "
                .utf8) + Data("this one lacks them: build it without the vectorCPU setting in Package.swift\n".utf8))
            Foundation.exit(2)
        }
        ProcessSettings.apply()
        do {
            var command = try parseAsRoot(arguments)
            if var server = command as? any AsyncParsableCommand {
                try await server.run()  // the review page
            } else {
                try command.run()
            }
        } catch let error as FerError {
            CommandIO.report(error)
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}
