import ArgumentParser
import FERCore
import FERData
import FERMedia
import Foundation

struct DedupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup",
        abstract: "Remove exact and near duplicates, train/test leakage and degenerate images.",
        discussion: """
            Near duplicates are faces whose 64-bit DCT perceptual hashes differ in at most --threshold bits \
            (mirror-aware by default); duplicates form groups. A group with a test member keeps its test \
            copies and drops the train/val ones (leakage); otherwise one train (or val) member is kept. \
            Groups whose labels disagree are dropped, or kept with the majority label. Writes the filtered \
            dataset with duplicates.csv, dedup.json and duplicates.png (the largest groups: green kept, \
            red removed).

            Examples:
              ferdata dedup
              ferdata dedup --threshold 2 --no-mirror --conflicts majority --from 0001-ingest
            """)

    @Option(help: "Largest pHash Hamming distance of a near duplicate (0-15).")
    var threshold = Deduplicator.Options().threshold

    @Flag(inversion: .prefixedNo, help: "Count a mirrored copy as a duplicate.")
    var mirror = true

    @Option(help: "Label conflicts within a group: drop or majority.")
    var conflicts: String = Deduplicator.ConflictPolicy.drop.rawValue

    @Flag(help: "Keep near-constant (degenerate) images.")
    var keepDegenerate = false

    @Option(help: "Groups shown in duplicates.png.")
    var sheetGroups = 16

    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try CommandIO.reportingErrors {
            guard let policy = Deduplicator.ConflictPolicy(rawValue: conflicts) else {
                throw FerError(.invalidArgument, "--conflicts must be drop or majority, got '\(conflicts)'")
            }
            var options = Deduplicator.Options()
            options.threshold = threshold
            options.mirror = mirror
            options.conflicts = policy
            options.dropDegenerate = !keepDegenerate
            var report: Deduplicator.Report!
            let (_, dataset) = try input.runStage("dedup", parameters: options.parametersForManifest) { records, source in
                let (kept, groups, outcome) = try Deduplicator(options: options).run(records)
                report = outcome
                let sheet = ContactSheet.render(Self.sheetRows(groups, records: records, limit: sheetGroups),
                                                title: "largest duplicate groups: green kept, red removed")
                return (kept, [
                    ("duplicates.csv", Deduplicator.duplicatesCSV(groups, records: records, sources: source.manifest.sources)),
                    ("dedup.json", try CommandIO.json(outcome)),
                    ("duplicates.png", Data(try sheet.png())),
                ])
            }
            if output.json {
                try CommandIO.printJSON(report)
            } else if !output.quiet {
                print(SummaryTable.dedup(report, dataset: dataset))
            }
        }
    }

    static func sheetRows(_ groups: [Deduplicator.Group], records: [FaceRecord], limit: Int) -> [ContactSheet.Row] {
        groups.sorted { ($0.members.count, $1.id) > ($1.members.count, $0.id) }.prefix(limit).map { group in
            let faces = zip(group.members, group.actions).prefix(12).map { member, action in
                ContactSheet.Face(records[member].image, frame: action == .kept ? ContactSheet.kept : ContactSheet.removed)
            }
            let kind = group.exact ? "exact" : "near"
            return ContactSheet.Row(caption: "\(group.id) \(kind) \(group.members.count)", faces: faces)
        }
    }
}

extension Deduplicator.Options {
    var parametersForManifest: [String: String] {
        ["threshold": String(threshold), "mirror": String(mirror), "conflicts": conflicts.rawValue,
         "dropDegenerate": String(dropDegenerate), "degenerateDeviation": String(degenerateDeviation)]
    }
}
