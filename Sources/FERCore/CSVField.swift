/// Writing CSV fields: every CSV ferdata writes (rejects, duplicates, predictions, labels) quotes
/// the same way.
public enum CSVField {
    /// The field as is, or in double quotes (inner quotes doubled) when it holds a comma, quote or line break.
    public static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One CSV line (without the line break).
    public static func line(_ fields: [String]) -> String {
        fields.map(quoted).joined(separator: ",")
    }
}
