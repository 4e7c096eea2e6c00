import FERCore
import Foundation

/// The FER+ crowd annotation: ten votes per FER2013 image over neutral, happiness, surprise,
/// sadness, anger, disgust, fear, contempt, unknown and not-a-face, one row per row of the ORIGINAL
/// fer2013.csv, in that order.
public struct FERPlusVotes {
    public static let header = ["Usage", "Image name", "neutral", "happiness", "surprise", "sadness", "anger", "disgust",
                                "fear", "contempt", "unknown", "NF"]
    /// The FER2013 class of each of the first seven vote columns.
    static let emotions: [Emotion] = [.neutral, .happy, .surprise, .sad, .angry, .disgust, .fear]

    public struct Row: Sendable {
        public var usage: Usage
        public var image: String
        /// The ten vote counts, in header order.
        public var votes: [Int]
    }

    public let rows: [Row]
    /// The votes file.
    public let path: String

    public init(path: String) throws {
        self.path = path
        let table = try CSVTable(path: path)
        guard table.header == Self.header else {
            throw FerError(.badCSVHeader, "expected the FER+ header '\(Self.header.joined(separator: ","))'",
                           at: InputLocation(source: path, line: 1))
        }
        rows = try table.rows.enumerated().map { index, row in
            let location = table.location(row: index)
            let fields = row.map { $0.trimmingCharacters(in: .whitespaces) }
            guard let usage = Usage(columnValue: fields[0]) else {
                throw FerError(.badDataRow, "unknown usage '\(fields[0])'", at: table.location(row: index, field: "Usage"))
            }
            let votes = try fields[2...].map { field throws(FerError) -> Int in
                guard let count = Int(field), count >= 0 else { throw FerError(.badDataRow, "bad vote count '\(field)'", at: location) }
                return count
            }
            return Row(usage: usage, image: fields[1], votes: votes)
        }
    }

    /// The majority label of a row, or why it has none: FER+ drops faces whose largest vote is
    /// unknown or not-a-face; contempt has no FER2013 class; a tie between emotions has no majority.
    public enum Verdict: Equatable, Sendable {
        case emotion(Emotion)
        case dropped(String)
    }

    public static func verdict(_ votes: [Int]) -> Verdict {
        let emotionVotes = Array(votes[0..<8])
        let top = emotionVotes.max() ?? 0
        if votes[9] >= top && votes[9] > 0 { return .dropped("not-a-face") }
        if votes[8] >= top { return .dropped("unknown") }
        let winners = emotionVotes.indices.filter { emotionVotes[$0] == top }
        if winners.count > 1 { return .dropped("tie") }
        return winners[0] == 7 ? .dropped("contempt") : .emotion(emotions[winners[0]])
    }

    /// Relabels the records of a dataset that ingest made from the original fer2013.csv, matching
    /// vote row i to CSV line i + 2. Returns the relabelled records (dropped rows left out), the
    /// dropped rows as CSV and counted by reason, and, for `keepVotes`, the votes per kept record as CSV.
    /// - Throws: when the dataset is not a single-CSV ingest or the row counts or usages disagree.
    public func relabel(_ dataset: Dataset, keepVotes: Bool) throws -> (records: [FaceRecord], dropped: String, droppedReasons: [String: Int], votes: String?) {
        try checkMatches(dataset)
        var kept: [FaceRecord] = []
        var dropped = "row,image,record_id,reason\n"
        var reasons: [String: Int] = [:]
        var votesCSV = "record_id," + Self.header[2...].joined(separator: ",") + "\n"
        try dataset.forEachRecord { record in
            let row = try self.row(of: record)
            switch Self.verdict(rows[row].votes) {
            case .emotion(let emotion):
                var relabelled = record
                relabelled.label = emotion
                kept.append(relabelled)
                if keepVotes { votesCSV += "\(record.recordID)," + rows[row].votes.map(String.init).joined(separator: ",") + "\n" }
            case .dropped(let reason):
                dropped += CSVField.line([String(row + 2), rows[row].image, String(record.recordID), reason]) + "\n"
                reasons[reason, default: 0] += 1
            }
        }
        return (kept, dropped, reasons, keepVotes ? votesCSV : nil)
    }

    /// The crowd's verdict on each record of `dataset` (ingested from the original fer2013.csv, or
    /// made from such a dataset by dedup, split and the like).
    public func verdicts(_ records: [FaceRecord], of dataset: Dataset) throws -> [Verdict] {
        try voteRows(records, of: dataset).map(Self.verdict)
    }

    /// The ten vote counts of each record of `dataset` (as for `verdicts`).
    public func voteRows(_ records: [FaceRecord], of dataset: Dataset) throws -> [[Int]] {
        try checkMatches(dataset)
        return try records.map { rows[try row(of: $0)].votes }
    }

    /// The dataset's records come from one CSV with as many data rows as the votes.
    private func checkMatches(_ dataset: Dataset) throws {
        let manifest = dataset.manifest
        guard manifest.sources.count == 1, manifest.sources[0].kind == "csv" else {
            throw FerError(.datasetUnfit, "FER+ votes follow the rows of the original fer2013.csv: give a dataset made from that one CSV "
                + "(\(dataset.name) has \(manifest.sources.count) source(s))")
        }
        if manifest.stage == "ingest" {
            let csvRows = manifest.recordCount + manifest.rejected.values.reduce(0, +)
            guard csvRows == rows.count else {
                throw FerError(.badDataRow, "the votes file has \(rows.count) rows but \(manifest.sources[0].path) had \(csvRows) "
                    + "data rows: the votes must come from the same fer2013.csv, in its row order", at: InputLocation(source: path))
            }
        }
    }

    /// The votes row of a record: CSV line i + 2 is vote row i, and their usages must agree.
    private func row(of record: FaceRecord) throws -> Int {
        let row = Int(record.locator) - 2
        guard row >= 0, row < rows.count else {
            throw FerError(.badDataRow, "record \(record.recordID) comes from CSV line \(record.locator), past the votes",
                           at: InputLocation(source: path))
        }
        guard rows[row].usage == record.usage else {
            throw FerError(.badDataRow, "\(rows[row].usage.name) here but CSV line \(record.locator) is "
                + "\(record.usage.name): the votes are not in this CSV's row order", at: InputLocation(source: path, line: row + 2, field: "Usage"))
        }
        return row
    }
}
