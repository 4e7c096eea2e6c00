import ArgumentParser
import FERCore
import FERData
import FEREval
import Foundation

struct AnnotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Label faces with a model (pseudo-labels), find likely label noise, or import the FER+ votes.",
        discussion: """
            ferdata annotate MODEL SOURCE: labels the images of a folder or archive (their folders are not read \
            as labels) and writes labels.csv (source, predicted class, confidence, every class probability); \
            --min-confidence keeps the confident ones; --ingest also writes them as a labelled dataset whose \
            records are flagged as pseudo-labels.

            ferdata annotate MODEL --suspects [--from DATASET]: lists the labelled records whose label the model \
            contradicts with at least --min-confidence (suspects.csv) with a contact sheet (suspects.png).

            ferdata annotate --ferplus VOTES.csv [--from DATASET]: relabels a dataset ingested from the original \
            fer2013.csv with the FER+ crowd votes, matched by row order: the majority label, dropping rows whose \
            largest vote is unknown or not-a-face, contempt, or a tie (ferplus-dropped.csv); --votes distribution \
            also keeps each record's ten vote counts (ferplus-votes.csv).

            Examples:
              ferdata annotate best.safetensors unlabeled.zip --min-confidence 0.8 --ingest
              ferdata annotate best.safetensors --suspects --min-confidence 0.9
              ferdata annotate --ferplus fer2013new.csv --from 0001-ingest
            """)

    @Argument(help: ArgumentHelp("The model file (.safetensors).", valueName: "MODEL")) var model: String?
    @Argument(help: ArgumentHelp("Unlabeled images: a folder or an archive.", valueName: "SOURCE")) var source: String?
    @Option(help: "Keep predictions (or suspects) at or above this confidence (0-1).") var minConfidence: Float = 0
    @Flag(help: "Write the kept predictions as a labelled dataset in the workspace (pseudo-labels).") var ingest = false
    @Flag(help: "List labelled records of the input dataset that the model confidently contradicts.") var suspects = false
    @Option(help: ArgumentHelp("Import FER+ votes onto the input dataset.", valueName: "VOTES.csv")) var ferplus: String?
    @Option(help: "With --ferplus: majority (labels only) or distribution (labels and vote counts).") var votes = "majority"
    @Option(help: ArgumentHelp("Where labels.csv or the suspects go (default WORKSPACE/reports/annotate-NAME).", valueName: "DIR"))
    var out: String?
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    struct Summary: Encodable {
        var mode: String
        var faces: Int
        var kept: Int
        var files: [String]
        var dataset: String?
        var dropped: [String: Int]?
    }

    func run() throws {
        try CommandIO.reportingErrors {
            let summary: Summary
            if let ferplus {
                summary = try importVotes(ferplus)
            } else {
                guard let model else { throw FerError(.invalidArgument, "give a MODEL (or --ferplus VOTES.csv)") }
                let classifier = try Classifier(path: model)
                if suspects {
                    summary = try findSuspects(classifier)
                } else {
                    guard let source else { throw FerError(.invalidArgument, "give the SOURCE to label (or --suspects)") }
                    summary = try label(source, classifier: classifier)
                }
            }
            if output.json { return try CommandIO.printJSON(summary) }
            guard !output.quiet else { return }
            print("\(summary.mode): \(summary.faces) faces, \(summary.kept) kept")
            for (reason, count) in (summary.dropped ?? [:]).sorted(by: { $0.key < $1.key }) { print("  dropped \(reason): \(count)") }
            if let dataset = summary.dataset { print("dataset: \(dataset)") }
            for file in summary.files { print("wrote \(file)") }
        }
    }

    private func folder(_ name: String) -> URL {
        out.map { URL(fileURLWithPath: $0) } ?? input.workspace.resolved.root.appendingPathComponent("reports/annotate-" + name)
    }

    private func write(_ contents: Data, _ name: String, in folder: URL) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try CommandIO.write(contents, to: path)
        return path
    }

    private func label(_ source: String, classifier: Classifier) throws -> Summary {
        let foreign = try ForeignDataset(path: source, labeled: false)
        let predictions = classifier.predict(foreign.records)
        let csv = Data(Annotation.labelsCSV(predictions, classes: classifier.classes, minConfidence: minConfidence).utf8)
        let target = folder(URL(fileURLWithPath: source).lastPathComponent)
        var files = [try write(csv, "labels.csv", in: target)]
        if !foreign.rejected.isEmpty { files.append(try write(foreign.rejectLog, "rejected.csv", in: target)) }
        let labelled = Annotation.pseudoLabelled(foreign.records, predictions: predictions, classifier: classifier, minConfidence: minConfidence)
        var datasetName: String?
        if ingest {
            let writer = try DatasetWriter(workspace: input.workspace.resolved, stage: "annotate")
            do {
                try writer.append(contentsOf: labelled)
                try writer.attach("labels.csv", contents: csv)
                datasetName = try writer.commit(
                    parameters: ["model": classifier.path, "minConfidence": String(minConfidence), "labels": "pseudo"],
                    inputs: [], sources: foreign.sources, rejects: foreign.rejects).name
            } catch {
                writer.abandon()
                throw error
            }
        }
        return Summary(mode: "annotate", faces: foreign.records.count, kept: labelled.count, files: files, dataset: datasetName)
    }

    private func findSuspects(_ classifier: Classifier) throws -> Summary {
        let dataset = try input.workspace.resolved.dataset(input.from)
        let records = try dataset.allRecords().filter { $0.label != nil }
        let predictions = classifier.predict(records)
        let found = Annotation.suspects(predictions, classes: classifier.classes, minConfidence: minConfidence)
        let target = folder("suspects-" + dataset.name)
        var files = [try write(Data(Annotation.suspectsCSV(found, predictions: predictions).utf8), "suspects.csv", in: target)]
        if let sheet = Annotation.suspectSheet(found, records: records) {
            files.append(try write(Data(try sheet.png()), "suspects.png", in: target))
        }
        return Summary(mode: "suspects", faces: records.count, kept: found.count, files: files)
    }

    private func importVotes(_ path: String) throws -> Summary {
        guard votes == "majority" || votes == "distribution" else {
            throw FerError(.invalidArgument, "--votes must be majority or distribution, got '\(votes)'")
        }
        let table = try FERPlusVotes(path: path)
        var dropped: [String: Int] = [:]
        let (_, output) = try input.runStage("ferplus", parameters: ["votes": path, "mode": votes]) { _, dataset in
            let result = try table.relabel(dataset, keepVotes: votes == "distribution")
            for line in result.dropped.split(separator: "\n").dropFirst() {
                dropped[String(line.split(separator: ",").last ?? ""), default: 0] += 1
            }
            var attachments = [(name: "ferplus-dropped.csv", contents: Data(result.dropped.utf8))]
            if let votes = result.votes { attachments.append((name: "ferplus-votes.csv", contents: Data(votes.utf8))) }
            return (result.records, attachments)
        }
        return Summary(mode: "ferplus", faces: table.rows.count, kept: output.manifest.recordCount,
                       files: [output.directory.appendingPathComponent("ferplus-dropped.csv").path], dataset: output.name,
                       dropped: dropped)
    }
}
