/// CSV fields: every CSV ferdata writes (rejects, duplicates, predictions, labels) quotes the same
/// way, and the small tables it reads back (probabilities) are split the same way.
public enum CSVField {
    /// The field as is, or in double quotes (inner quotes doubled) when it holds a comma, quote or line break.
    public static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `value` with four decimals, exactly as C's `%.4f` writes a Float (ties to even on the exact
    /// value), without Foundation's formatter: a probability table has a value per face and class.
    public static func fourDecimals(_ value: Float) -> String {
        let scaled = (Double(value) * 10_000).rounded(.toNearestOrEven)
        guard scaled.isFinite, abs(scaled) < 1e15 else { return String(describing: value) }
        let units = Int64(abs(scaled))
        let fraction = String(units % 10_000)
        let sign = scaled < 0 || (scaled == 0 && value.sign == .minus) ? "-" : ""
        return sign + String(units / 10_000) + "." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }

    /// One CSV line (without the line break).
    public static func line(_ fields: [String]) -> String {
        fields.map(quoted).joined(separator: ",")
    }

    /// The lines of a CSV text, without their line breaks (LF or CRLF, as Python's csv module and
    /// spreadsheets write): a break inside a double-quoted field
    /// belongs to its line. A final line break ends the last line rather than starting an empty one.
    public static func lines(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        var start = text.startIndex
        var quoted = false
        var index = start
        while index < text.endIndex {
            let character = text[index]
            if character == "\"" {
                quoted.toggle()
            } else if (character == "\n" || character == "\r\n") && !quoted {  // CRLF is one Character
                lines.append(text[start..<index])
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        if start < text.endIndex { lines.append(text[start...]) }
        return lines
    }

    /// The fields of one line (without its line break): double-quoted fields may hold commas and
    /// doubled quotes.
    public static func split(_ line: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var characters = line.makeIterator()
        while let character = characters.next() {
            if quoted {
                if character == "\"" {
                    if let next = characters.next() {
                        if next == "\"" { field.append("\"") } else {
                            quoted = false
                            if next == "," { fields.append(field); field = "" } else { field.append(next) }
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" && field.isEmpty {
                quoted = true
            } else if character == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
        }
        fields.append(field)
        return fields
    }
}
