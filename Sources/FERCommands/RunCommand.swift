import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERStages
import Foundation

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline file: every stage in order, skipping those that are up to date.",
        discussion: """
            A pipeline file (YAML, see pipelines/) names the workspace, the seed, variables and the stages with \
            their parameters; a stage's keys are its command's long options, decoded into the same options the \
            command fills. The whole file is checked before any work starts. A stage whose inputs, options and \
            ferdata format version are unchanged since the last run is skipped ("up to date"); a changed stage \
            reruns with every stage after it; --force STAGE reruns from that stage. An interrupted run continues \
            from the last complete stage. A failing stage's error keeps its code and exit status. A model that \
            learned nothing (one class for nearly every face, or val accuracy that never left chance) is \
            reported as COLLAPSED at the end, with the likely causes; --fail-on-collapse makes that exit status 3.

            Examples:
              ferdata run pipelines/sample.yaml
              ferdata run pipelines/fer2013.yaml --set data=../shared/data
              ferdata run pipelines/sample.yaml --force train
            """)

    @Argument(help: ArgumentHelp("The pipeline file.", valueName: "FILE")) var file: String
    @Option(name: .customLong("set"), help: ArgumentHelp("Set a variable of the file: NAME=VALUE (repeatable).", valueName: "NAME=VALUE"))
    var assignments: [String] = []
    @Option(help: ArgumentHelp("Rerun from the first stage of this name.", valueName: "STAGE")) var force: String?
    @Option(help: ArgumentHelp("The workspace (default: the file's 'workspace', else as for other commands).", valueName: "DIR"))
    var workspace: String?
    @Flag(help: "Exit with status 3 when a model the pipeline trained or scored collapsed (learned nothing).")
    var failOnCollapse = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw ValidationError("--set expects NAME=VALUE, got '\(assignment)'")
            }
        }
    }

    func run() throws {
        var overrides: [String: String] = [:]
        for assignment in assignments {
            let equals = assignment.firstIndex(of: "=")!
            overrides[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        let pipeline = try PipelineFile(path: file, overrides: overrides)
        let root = Workspace(path: workspace ?? pipeline.workspace)
        if pipeline.stages.contains(where: { $0.role == .training }) { CommandIO.noteKernels(output) }
        let started = Date()
        let quiet = output.quiet || output.json
        let bar = ProgressBar(enabled: !quiet)
        let runner = PipelineRunner(file: pipeline, workspace: root, force: force, log: { line in
            guard !quiet else { return }
            bar.finish()
            print(line)
            fflush(stdout)  // one line per stage as it happens, also into a pipe or a log file
        }, progress: { bar.update(label: $0.label, fraction: $0.fraction, detail: $0.detail) })
        let outcomes = try runner.run()
        bar.finish()
        let collapsed = outcomes.contains { !$0.collapses.isEmpty }
        if output.json {
            try CommandIO.printJSON(outcomes)
        } else if !output.quiet {
            print("")
            print(SummaryTable.render(header: ["stage", "status", "result"], rows: outcomes.map { [$0.stage, $0.status, $0.summary] }))
            print("pipeline \(file) finished in " + String(format: "%.1f", Date().timeIntervalSince(started))
                  + " s; workspace \(root.root.path); reports in \(root.root.appendingPathComponent("reports").path)")
        }
        CommandIO.sayCollapsed(outcomes.flatMap { outcome in outcome.collapses.map { "stage \(outcome.stage): \($0.message)" } },
                                output: output)
        if collapsed && failOnCollapse { throw ExitCode(CommandIO.collapsedStatus) }
    }
}
