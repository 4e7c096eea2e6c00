import FERCore
import FERCuration
import FERData
import FERIngest
import Foundation

/// Predicted probabilities per record, as `suspects` writes them (`probabilities.csv`) and reads them
/// back with `--probabilities`: out-of-fold probabilities made by ferdata or elsewhere (a bigger
/// PyTorch model), for confident learning.
///
/// - CSV: a header with `record_id` and one column per class, named as the classes (`angry`) or with
///   a `p_` prefix (`p_angry`), in any order; other columns are ignored; one row per record.
/// - `.npy`: a float32 or float64 array of shape (records, classes), rows in the order of the
///   records examined (the order of `probabilities.csv`), columns in FER2013 class order.
public enum ProbabilityTable {
    /// The CSV text: record id, where it came from, its given label, then each class's probability
    /// written as the double it is, so that reading it back (here or with NumPy) gives the same value.
    public static func csv(_ records: [FaceRecord], probabilities: [Double], classes: [String]) -> String {
        var text = CSVField.line(["record_id", "source", "locator", "split", "given"] + classes.map { "p_" + $0 }) + "\n"
        for (index, record) in records.enumerated() {
            let row = probabilities[(index * classes.count)..<((index + 1) * classes.count)]
            text += CSVField.line([String(record.recordID), record.sourceName, String(record.locator), record.split.name,
                                   record.label?.name ?? ""] + row.map { "\($0)" }) + "\n"
        }
        return text
    }

    /// The probabilities of `records` from a CSV or `.npy` file, row-major in record order.
    /// - Throws: when the file is unreadable, a class column is missing, a value is not a
    ///   probability, or a record has no row (the first missing one named).
    public static func read(_ path: String, records: [FaceRecord], classes: [String]) throws -> [Double] {
        let bytes = [UInt8](try FileIO.readAll(path))
        if bytes.first == 0x93 {
            let matrix = try NumPy.readMatrix(bytes, path: path)
            guard matrix.columns == classes.count, matrix.rows == records.count else {
                throw FerError(.badDataRow, "the array is \(matrix.rows) x \(matrix.columns); expected one row per examined record "
                    + "(\(records.count)) and one column per class (\(classes.count))", at: InputLocation(source: path))
            }
            try check(matrix.values, classes: classes.count, path: path)
            return matrix.values
        }
        let table = try CSVTable(text: String(decoding: bytes, as: UTF8.self), source: path)
        let idColumn = try table.column("record_id")
        let columns = try classes.map { name in try table.column(name, "p_" + name) }
        var rows: [UInt64: [Double]] = [:]
        for (index, fields) in table.rows.enumerated() {
            guard let id = UInt64(fields[idColumn]) else {
                throw FerError(.badDataRow, "'\(fields[idColumn])' is not a record_id", at: table.location(row: index, field: "record_id"))
            }
            let row = try columns.map { column in
                guard let value = Double(fields[column]), (0...1).contains(value) else {
                    throw FerError(.badDataRow, "'\(fields[column])' is not a probability", at: table.location(row: index, field: table.header[column]))
                }
                return value
            }
            if let sum = offSum(row[...]) {
                throw FerError(.badDataRow, "the row's probabilities sum to \(sum), not 1 (within \(sumTolerance)): give each face's "
                    + "predicted distribution over the \(classes.count) classes", at: table.location(row: index, field: nil))
            }
            rows[id] = row
        }
        var values: [Double] = []
        values.reserveCapacity(records.count * classes.count)
        for record in records {
            guard let row = rows[record.recordID] else {
                let missing = records.filter { rows[$0.recordID] == nil }.count
                throw FerError(.badDataRow, "no row for record \(record.recordID) (\(record.sourceName)), nor for \(missing - 1) other examined "
                    + "record(s): the file must cover every record examined", at: InputLocation(source: path))
            }
            values += row
        }
        return values
    }

    /// How far a row's sum may be from one: softmax in 32-bit floats and values rounded to four
    /// decimals stay well inside it; a row of logits, of zeros or of another class set does not.
    public static let sumTolerance = 0.01

    /// A row's sum when it is not one within `sumTolerance`, else nil.
    private static func offSum(_ row: ArraySlice<Double>) -> Double? {
        let sum = row.reduce(0, +)
        return abs(sum - 1) <= sumTolerance ? nil : sum
    }

    private static func check(_ values: [Double], classes: Int, path: String) throws {
        if let bad = values.firstIndex(where: { !(0...1).contains($0) }) {
            throw FerError(.badDataRow, "row \(bad / classes) holds \(values[bad]), not a probability", at: InputLocation(source: path))
        }
        for row in 0..<(values.count / max(1, classes)) {
            if let sum = offSum(values[(row * classes)..<((row + 1) * classes)]) {
                throw FerError(.badDataRow, "row \(row) sums to \(sum), not 1 (within \(sumTolerance)): give each face's predicted distribution",
                               at: InputLocation(source: path))
            }
        }
    }
}
