import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERNet
import FERStages
import Foundation

/// Shared command plumbing: errors, JSON, files the user names.
enum CommandIO {
    /// The help of every command's MODEL argument.
    static let modelHelp = ArgumentHelp(
        "The model file: ferdata's .safetensors, or an ONNX model (.onnx beside its .onnx.json contract; docs/evaluation.md).",
        valueName: "MODEL")

    /// Set by `--verbose`: errors also show their cause and throw site.
    nonisolated(unsafe) static var verbose = false

    /// Prints a `FerError` as one line on stderr (`ferdata: error: [code] location: message`).
    static func report(_ error: FerError) {
        let text = verbose ? error.verboseDescription : error.description
        FileHandle.standardError.write(Data("ferdata: error: \(text)\n".utf8))
    }

    /// `ProcessSettings.kernelNote` on stderr, for commands that train.
    static func noteKernels(_ output: OutputOptions) {
        guard !output.quiet, !output.json, let note = ProcessSettings.kernelNote else { return }
        FileHandle.standardError.write(Data("ferdata: \(note)\n".utf8))
    }

    /// The exit status of `train` and `run` when a model they trained or scored learned nothing.
    static let collapsedStatus: Int32 = 3

    /// Says, at the end of a summary, that a model learned nothing, then the likely causes and what to
    /// try: on stdout after the summary, on stderr under --quiet or --json (whose stdout is nothing or data).
    static func sayCollapsed(_ messages: [String], output: OutputOptions) {
        guard !messages.isEmpty else { return }
        for message in messages + [Collapse.causesAndRemedies] {
            if output.quiet || output.json {
                FileHandle.standardError.write(Data("ferdata: \(message)\n".utf8))
            } else {
                print(message)
            }
        }
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        print(String(decoding: try StageIO.json(value), as: UTF8.self))
    }

    /// Runs `stage` with a progress bar unless `output` asks for quiet or JSON.
    static func run<S: Stage>(_ stage: S.Type, _ options: S.Options, input: StageInput, workspace: Workspace,
                              output: OutputOptions, partition: Partition = .whole) throws -> S.Output {
        try withProgress(workspace: workspace, output: output, partition: partition) { try S.run(options, input: input, context: $0) }
    }

    /// A stage context whose progress draws a bar on stderr (unless `output` asks for quiet or JSON),
    /// cleared when `body` returns.
    static func withProgress<T>(workspace: Workspace, output: OutputOptions, partition: Partition = .whole,
                                _ body: (StageContext) throws -> T) rethrows -> T {
        let bar = ProgressBar(enabled: !output.quiet && !output.json)
        defer { bar.finish() }
        return try body(StageContext(workspace: workspace, partition: partition) {
            bar.update(label: $0.label, fraction: $0.fraction, detail: $0.detail)
        })
    }
}
