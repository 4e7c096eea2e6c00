import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import Foundation

/// `ferdata ferplus VOTES.csv`: a dataset ingested from the original fer2013.csv relabelled with the
/// FER+ crowd votes (Barsoum et al. 2016), matched by row order: the majority label, rows whose largest
/// vote is unknown or not-a-face, contempt, or a tie dropped (ferplus-dropped.csv).
public enum FERPlusStage: Stage {
    public static let name = "ferplus"
    public static let role = StageRole.dataset

    /// What is kept of the votes.
    public enum Votes: String, StageChoice {
        /// The majority label only.
        case majority
        /// The majority label and each record's ten vote counts (ferplus-votes.csv).
        case distribution
    }

    public struct Options: StageOptions {
        @Argument(help: ArgumentHelp("The FER+ votes file (fer2013new.csv).", valueName: "FILE"))
        public var file: String?
        @Option(help: "The majority label only, or also each record's ten vote counts (ferplus-votes.csv).")
        public var votes = Votes.majority

        public init() {}

        public func check() throws {
            guard file != nil else { throw FerError(.invalidArgument, "file: give the FER+ votes file (fer2013new.csv)") }
        }

        public var inputPaths: [String] { [file].compactMap { $0 } }
    }

    /// What became of the votes' rows.
    public struct Report: Codable, Sendable {
        /// Rows in the votes file.
        public var rows: Int
        /// Rows dropped, by reason (unknown, not-a-face, contempt, tie).
        public var dropped: [String: Int]
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> DatasetOutput<Report> {
        try options.check()
        let table = try FERPlusVotes(path: options.file!)
        return try Curation.run(name, input: input, context: context,
                                parameters: ["votes": options.file!, "mode": options.votes.rawValue]) { _, dataset in
            let result = try table.relabel(dataset, keepVotes: options.votes == .distribution)
            var attachments = [(name: "ferplus-dropped.csv", contents: Data(result.dropped.utf8))]
            if let votes = result.votes { attachments.append((name: "ferplus-votes.csv", contents: Data(votes.utf8))) }
            return (result.records, Report(rows: table.rows.count, dropped: result.droppedReasons), attachments)
        }
    }
}
