/// ReLU followed by 2x2 max-pooling, stride 2, over `[C, B, H, W]` activations (H and W even).
/// Backward routes each output gradient to the input that won the max, if it was positive.
final class ReLUMaxPool {
    /// For each output, the flat input index that won (or -1 when all four were <= 0).
    private var winners: [Int32] = []
    private var inputCount = 0

    /// Returns `[C, B, H/2, W/2]`.
    func forward(_ input: [Float], planes: Int, height: Int, width: Int) -> [Float] {
        let (outHeight, outWidth) = (height / 2, width / 2)
        inputCount = input.count
        var output = [Float](repeating: 0, count: planes * outHeight * outWidth)
        if winners.count != output.count { winners = [Int32](repeating: -1, count: output.count) }
        input.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                winners.withUnsafeMutableBufferPointer { winners in
                    for p in 0..<planes {
                        for y in 0..<outHeight {
                            for x in 0..<outWidth {
                                let base = (p * height + 2 * y) * width + 2 * x
                                var best: Float = 0
                                var winner: Int32 = -1
                                @inline(__always) func consider(_ index: Int) {
                                    if input[index] > best {
                                        best = input[index]
                                        winner = Int32(index)
                                    }
                                }
                                consider(base)
                                consider(base + 1)
                                consider(base + width)
                                consider(base + width + 1)
                                let out = (p * outHeight + y) * outWidth + x
                                output[out] = best
                                winners[out] = winner
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    func backward(_ gradient: [Float]) -> [Float] {
        var dInput = [Float](repeating: 0, count: inputCount)
        for (out, winner) in winners.enumerated() where winner >= 0 { dInput[Int(winner)] += gradient[out] }
        return dInput
    }
}
