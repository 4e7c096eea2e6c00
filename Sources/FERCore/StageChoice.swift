import ArgumentParser

/// A choice option (`--optimizer adam|sgd`): a value outside the cases is refused with the list of
/// valid ones, on the command line and in pipeline files (which parse as the command line does), and
/// when read back from JSON.
public protocol StageChoice: RawRepresentable<String>, CaseIterable, Codable, Sendable, ExpressibleByArgument {}

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
