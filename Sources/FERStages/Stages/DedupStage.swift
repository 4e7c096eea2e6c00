import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERMedia
import Foundation

/// `ferdata dedup`: exact and near duplicates, train/test leakage, label conflicts, degenerate frames.
public enum DedupStage: Stage {
    public static let name = "dedup"
    public static let role = StageRole.dataset

    public struct Options: StageOptions {
        @OptionGroup public var deduplication: Deduplicator.Options
        @Option(help: "Groups shown in duplicates.png.")
        public var sheetGroups = 16

        public init() {}

        public func check() throws {
            try deduplication.check()
            guard sheetGroups >= 0 else { throw FerError(.invalidArgument, "sheet-groups must be 0 or more, got \(sheetGroups)") }
        }
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> DatasetOutput<Deduplicator.Report> {
        try options.check()
        let settings = options.deduplication
        return try Curation.run(name, input: input, context: context, parameters: settings.parametersForManifest) { records, source in
            let (kept, groups, report) = try Deduplicator(options: settings).run(records)
            let sheet = ContactSheet.render(sheetRows(groups, records: records, limit: options.sheetGroups),
                                            title: "largest duplicate groups: green kept, red removed")
            return (kept, report, [
                ("duplicates.csv", Deduplicator.duplicatesCSV(groups, records: records, sources: source.manifest.sources)),
                ("dedup.json", try StageIO.json(report)),
                ("duplicates.png", Data(try sheet.png())),
            ])
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
         "dropDegenerate": String(!keepDegenerate), "degenerateDeviation": String(degenerateDeviation)]
    }
}
