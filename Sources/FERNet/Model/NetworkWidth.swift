import ArgumentParser
import FERCore
import Foundation

/// The channels of the CNN-RNN's convolution blocks (`--width`), written "32,64,128": one to four
/// blocks, each a 3x3 convolution, ReLU and 2x2 max-pooling. `seed` (32,64) is the seed network.
public struct NetworkWidth: Sendable, Equatable, Codable, ExpressibleByArgument, CustomStringConvertible {
    public var filters: [Int]

    public static let seed = NetworkWidth(filters: [32, 64])

    public init(filters: [Int]) { self.filters = filters }

    public init?(argument: String) {
        if argument == "seed" {
            self = .seed
            return
        }
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        let filters = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard filters.count == parts.count, (1...CNNRNN.Architecture.maxBlocks).contains(filters.count),
              filters.allSatisfy({ (1...4096).contains($0) }) else { return nil }
        self.filters = filters
    }

    public var description: String { filters.map(String.init).joined(separator: ",") }
    public var defaultValueDescription: String { self == .seed ? "32,64 (the seed network)" : description }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let width = NetworkWidth(argument: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected one to \(CNNRNN.Architecture.maxBlocks) channel counts such as 32,64,128, got '\(text)'")
        }
        self = width
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
