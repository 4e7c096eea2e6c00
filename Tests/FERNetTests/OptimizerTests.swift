import FERCore
import Foundation
import Testing

@testable import FERNet

struct OptimizerTests {
    @Test func elementwiseRunsCoverEveryElementOnceInEvenRuns() {
        let counts = [5, 0, 17, 3, 1000, 1]
        for parts in 1...5 {
            let runs = ElementwiseRuns(counts: counts, parts: parts).runs
            #expect(runs.count == parts)
            let visited = runs.flatMap { $0.flatMap { piece in piece.range.map { (piece.tensor, $0) } } }
            let expected = counts.enumerated().flatMap { tensor, count in (0..<count).map { (tensor, $0) } }
            #expect(visited.map(\.0) == expected.map(\.0) && visited.map(\.1) == expected.map(\.1), "parts \(parts)")
            let lengths = runs.map { $0.reduce(0) { $0 + $1.range.count } }
            #expect(lengths.max()! - lengths.min()! <= 1, "parts \(parts): \(lengths)")
        }
    }

    /// The step runs eight lanes at a time on every core; each value must come out bit for bit as
    /// PyTorch's formula written one element at a time gives it (13 elements: a lane block and a tail).
    @Test func adamOnAllCoresEqualsTheSerialFormulaBitForBit() {
        var random = SeededGenerator(seed: 11)
        let shapes = [[13], [3, 8], [1]]
        let parameters = shapes.map { shape in
            Parameter(name: "p\(shape)", shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &random) })
        }
        var reference = parameters.map(\.values)
        var (m, v) = (reference.map { $0.map { _ in Float(0) } }, reference.map { $0.map { _ in Float(0) } })
        let optimizer = Optimizer(kind: .adam, parameters: parameters, learningRate: 0.01, weightDecay: 0.001)
        for step in 1...3 {
            for parameter in parameters { parameter.gradient = parameter.values.map { _ in Float.random(in: -1...1, using: &random) } }
            optimizer.update()
            let (c1, c2) = (1 - powf(0.9, Float(step)), 1 - powf(0.999, Float(step)))
            for (t, parameter) in parameters.enumerated() {
                for i in 0..<parameter.count {
                    let g = parameter.gradient[i] + 0.001 * reference[t][i]
                    m[t][i] = 0.9 * m[t][i] + (1 - 0.9) * g
                    v[t][i] = 0.999 * v[t][i] + (1 - 0.999) * g * g
                    reference[t][i] -= 0.01 * (m[t][i] / c1) / ((v[t][i] / c2).squareRoot() + 1e-8)
                }
            }
            #expect(parameters.map(\.values) == reference, "step \(step)")
        }
    }
}
