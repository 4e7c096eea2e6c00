import FERCore
import Foundation
import Testing

@Suite struct CSVFieldTests {
    /// Four decimals written as C's `%.4f` writes them, ties to even included, for any float.
    @Test func fourDecimalsAreWhatPrintfWrites() {
        let seed: UInt64 = 29
        var generator = SeededGenerator(seed: seed)
        var values: [Float] = [0, -0.0, 1, 0.03125, 0.00005, 0.99995, 0.123_45, -0.5, 1e-7, -1e-7, 12_345.678, 0.5]
        values += (0..<20_000).map { _ in Float.random(in: 0...1, using: &generator) }
        values += (0..<2_000).map { _ in Float.random(in: -1_000...1_000, using: &generator) }
        for value in values {
            #expect(CSVField.fourDecimals(value) == String(format: "%.4f", value), "value \(value) (seed \(seed))")
        }
    }
}
