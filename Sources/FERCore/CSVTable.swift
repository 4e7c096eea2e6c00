import Foundation

/// A small CSV file read whole, as ferdata writes CSV (`CSVField`: quoted fields, LF or CRLF): a header
/// and rows of exactly its width. The one reader of the tables ferdata and its users exchange (suspects
/// and probabilities, labels.csv, FER+ votes, metrics.csv); a row of another width, or an empty line
/// before the end, is an error naming its line. A UTF-8 byte-order mark is read as what it is.
public struct CSVTable: Sendable {
    /// The file, for errors.
    public let source: String
    /// The header's names, without surrounding spaces.
    public let header: [String]
    public let rows: [[String]]

    public init(text: String, source: String) throws {
        self.source = source
        var lines = CSVField.lines(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text).map(String.init)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first else { throw FerError(.badCSVHeader, "empty file", at: InputLocation(source: source)) }
        header = CSVField.split(first).map { $0.trimmingCharacters(in: .whitespaces) }
        let width = header.count
        rows = try lines.dropFirst().enumerated().map { index, line in
            let fields = CSVField.split(line)
            guard fields.count == width else {
                throw FerError(.badDataRow, "\(fields.count) fields, expected \(width)", at: InputLocation(source: source, line: index + 2))
            }
            return fields
        }
    }

    /// The index of the first of `names` the header has.
    public func column(_ names: String...) throws -> Int {
        guard let index = header.firstIndex(where: names.contains) else {
            throw FerError(.badCSVHeader, "no column \(names.joined(separator: " or ")) in the header", at: InputLocation(source: source, line: 1))
        }
        return index
    }

    /// Where row `index` is, for an error about it.
    public func location(row index: Int, field: String? = nil) -> InputLocation {
        InputLocation(source: source, line: index + 2, field: field)
    }
}
