/// A choice option (`--optimizer adam|sgd`): decoding a value outside the cases fails with the list
/// of valid ones, which both the command line and pipeline files show.
public protocol StageChoice: RawRepresentable<String>, CaseIterable, Codable, Sendable {}

extension StageChoice {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
        self = value
    }
}
