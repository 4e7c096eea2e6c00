import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERReview
import FERReviewServer
import FERStages
import Foundation

/// `ferdata review QUEUE`: the labelling page for a queue of faces; `ferdata review agreement`: how
/// far the annotators agree. One mode per command.
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Review a queue of faces in the browser, keyboard only (review QUEUE), or score the annotators' agreement (review agreement).",
        discussion: """
            Examples:
              ferdata review suspects --from 0003-split --annotator alice   # the page (review serve)
              ferdata review agreement                                       # Cohen's or Fleiss' kappa
            """,
        subcommands: [ReviewServeCommand.self, ReviewAgreementCommand.self],
        defaultSubcommand: ReviewServeCommand.self)
}

/// `ferdata review [serve] QUEUE`: the labelling page.
struct ReviewServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Review a queue of faces in the browser, keyboard only; every decision is stored at once.",
        discussion: """
            Starts a local web server (127.0.0.1 unless --host says otherwise) and prints the page's URL, \
            which carries a random token: requests without it get 403. On the page: 1-7 set a class, 0 marks \
            a face unusable (not a face), Enter accepts the suggestion, arrows move, Shift+arrows or \
            Shift+click select several faces for one key, u undoes the last decision, n shows the faces of the \
            same duplicate group or subject. Each decision is in the workspace's annotation store \
            (review/decisions.sqlite, SQLite) before the page marks it saved; a restarted review continues \
            where the annotator stopped. Apply the decisions with: ferdata relabel

            Queues (of --from DATASET, default the latest):
              suspects   label-noise suspects, from ferdata suspects' suspects.csv (or --file)
              pseudo     pseudo-labels (an annotate --ingest dataset) with confidence below --below
              ferplus    faces whose FER+ votes (--votes) split: no majority, or its share below --below
              conflicts  dedup's duplicate groups whose members carry different labels (a dedup dataset)
              dataset    every original face, or those of --split and --class
              uncertain  the faces --model is least sure of (--by margin, least-confidence or entropy),
                         in batches of --batch with no two near-duplicates in one batch
              stored     a queue already in the store, by --name (each round of ferdata active-learn)

            Gold faces: --gold FILE (record_id,label) mixes --gold-rate of the queue's size of faces with known \
            labels into an uncertain or dataset queue, shown like the others; review agreement reports each \
            annotator's accuracy on them, and relabel --min-gold-accuracy leaves out those below it.

            Examples:
              ferdata review suspects --from 0003-split --annotator alice
              ferdata review pseudo --below 0.5 --port 8090
              ferdata review dataset --split train --class disgust
              ferdata review uncertain --model runs/0002-train/best.safetensors --from 0004-ingest --by entropy
            """)

    @Argument(help: ArgumentHelp("The queue to review.", valueName: "QUEUE")) var queue: ReviewQueue.Kind
    @OptionGroup var queueOptions: ReviewQueue.Options
    @Option(help: ArgumentHelp("Who is deciding (default: $USER).", valueName: "NAME"))
    var annotator = ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "annotator"
    @Option(help: ArgumentHelp("The address to listen on; anything but 127.0.0.1 lets other machines reach the page (with the token).", valueName: "HOST"))
    var host = "127.0.0.1"
    @Option(help: ArgumentHelp("The port (0: any free one; the URL printed says which).", valueName: "PORT")) var port = 8080
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0-65535, got \(port)") }
        guard !annotator.isEmpty else { throw ValidationError("--annotator must not be empty") }
    }

    func run() async throws {
        let workspace = input.workspace.resolved
        let store = try ReviewStore(workspace: workspace)
        let queue: ReviewQueue, dataset: Dataset
        if self.queue == .stored {
            (queue, dataset) = try ReviewQueue.stored(queueOptions, store: store, workspace: workspace)
        } else {
            let (built, shown) = try ReviewQueue.build(self.queue, from: try workspace.dataset(input.from), options: queueOptions,
                                                       workspace: workspace)
            (queue, dataset) = (try store.open(built, replacing: queueOptions.newQueue), shown)
        }
        let configuration = ReviewServer.Configuration(annotator: annotator, host: host, port: port)
        let server = try ReviewServer(queue: queue, dataset: dataset, store: store, configuration: configuration)
        let done = try store.standing(queue: queue.name, annotator: annotator).count
        let annotator = annotator
        try await server.run { url in
            print("ferdata review: queue \(queue.name), \(queue.items.count) faces, \(done) decided by \(annotator)")
            print("open \(url)")
            print("decisions go to \(store.path); Ctrl-C stops")
            fflush(stdout)
        }
    }
}

/// `ferdata review agreement`: Cohen's or Fleiss' kappa between the annotators of the stored queues.
struct ReviewAgreementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreement",
        abstract: "Report the agreement between annotators: Cohen's kappa for two, Fleiss' for more, and per label.",
        discussion: """
            Reads the workspace's annotation store (review/decisions.sqlite): every queue that two or more \
            annotators decided (or --queue), scored on the faces all of them decided; then each annotator's \
            accuracy on the gold faces they decided (review --gold) with its 95% Wilson interval, and how \
            often they gave the label the other annotators agree on.

            Examples:
              ferdata review agreement
              ferdata review agreement --queue suspects@0003-split --json
            """)

    @Option(help: ArgumentHelp("Only this stored queue (default: every queue with two or more annotators).", valueName: "NAME"))
    var queue: String?
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    /// What `--json` prints: the agreement of each queue, and each annotator's quality.
    struct Report: Codable {
        var queues: [Agreement]
        var annotators: [AnnotatorQuality]
    }

    func run() throws {
        let store = try ReviewStore(workspace: workspace.resolved)
        let decisions = try store.decisions().filter { queue == nil || $0.queue == queue }
        let stored = try store.queueNames()
        let queues = queue.map { [$0] } ?? stored.filter { name in
            Set(decisions.filter { $0.queue == name }.map(\.annotator)).count >= 2
        }
        let annotators = AnnotatorQuality.of(decisions, gold: try store.gold())
        guard !queues.isEmpty || annotators.contains(where: { $0.goldFaces > 0 }) else {
            throw FerError(.nothingRead, "no queue in \(store.path) has decisions by two or more annotators or a gold face decided")
        }
        let results = try queues.map { try Agreement.of(decisions, queue: $0) }
        if output.json { return try CommandIO.printJSON(Report(queues: results, annotators: annotators)) }
        for result in results {
            let kappa = result.kappa.map { String(format: "%.4f", $0) } ?? "undefined (every decision the same label)"
            print("\(result.queue): \(result.annotators.joined(separator: ", ")) on \(result.faces) faces all decided")
            print("  \(result.measure == "cohen" ? "Cohen's" : "Fleiss'") kappa \(kappa), observed agreement \(String(format: "%.4f", result.observed))")
            let rows = ReviewLabel.names.filter { result.perLabel[$0] != nil }.map { [$0, String(format: "%.3f", result.perLabel[$0]!)] }
            print(SummaryTable.render(header: ["label", "specific agreement"], rows: rows))
            print("")
        }
        let rows = annotators.map { quality in
            [quality.annotator,
             quality.goldAccuracy.map { String(format: "%.3f", $0) + " of \(quality.goldFaces)" } ?? "no gold face",
             quality.goldInterval.map { String(format: "%.3f-%.3f", $0[0], $0[1]) } ?? "",
             quality.consensusAgreement.map { String(format: "%.3f", $0) + " of \(quality.consensusFaces)" } ?? "no shared face"]
        }
        print(SummaryTable.render(header: ["annotator", "gold accuracy", "95% interval", "agrees with the others"], rows: rows))
    }
}

