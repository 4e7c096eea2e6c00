import FERCore

extension CNNRNN {
    /// Logits (no dropout) for 48x48 faces, 256 at a time, on every core: each core runs its own
    /// copy of the model with single-threaded BLAS. The one inference path: the trainer's val and test
    /// scores and every evaluation go through it.
    public func logits(_ faces: [[UInt8]]) -> [[Float]] {
        let classes = architecture.classes
        return Parallel.map(count: faces.count) { range in
            let replica = copy()
            var random = SeededGenerator(seed: 0)
            var result: [[Float]] = []
            result.reserveCapacity(range.count)
            for start in stride(from: range.lowerBound, to: range.upperBound, by: 256) {
                let slice = faces[start..<min(range.upperBound, start + 256)]
                let images = slice.flatMap { $0.map { Float($0) / 255 } }
                let logits = replica.forward(images, batch: slice.count, training: false, random: &random)
                for row in 0..<slice.count { result.append(Array(logits[(row * classes)..<((row + 1) * classes)])) }
            }
            return result
        }
    }

    /// Class probabilities: the softmax of `logits(faces)`.
    public func probabilities(_ faces: [[UInt8]]) -> [[Float]] {
        logits(faces).map(SoftmaxCrossEntropy.softmax)
    }
}
