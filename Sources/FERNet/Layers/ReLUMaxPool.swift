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
        let count = planes * outHeight * outWidth
        var output = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        if winners.count != count { winners = [Int32](repeating: -1, count: count) }
        input.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                winners.withUnsafeMutableBufferPointer { winners in
                    var out = 0
                    for p in 0..<planes {
                        for y in 0..<outHeight {
                            var base = (p * height + 2 * y) * width
                            for _ in 0..<outWidth {
                                var best: Float = 0
                                var winner: Int32 = -1
                                if input[base] > best { best = input[base]; winner = Int32(truncatingIfNeeded: base) }
                                if input[base + 1] > best { best = input[base + 1]; winner = Int32(truncatingIfNeeded: base + 1) }
                                let below = base + width
                                if input[below] > best { best = input[below]; winner = Int32(truncatingIfNeeded: below) }
                                if input[below + 1] > best { best = input[below + 1]; winner = Int32(truncatingIfNeeded: below + 1) }
                                output[out] = best
                                winners[out] = winner
                                out += 1
                                base += 2
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
        dInput.withUnsafeMutableBufferPointer { dInput in
            gradient.withUnsafeBufferPointer { gradient in
                winners.withUnsafeBufferPointer { winners in
                    for out in 0..<winners.count where winners[out] >= 0 { dInput[Int(winners[out])] += gradient[out] }
                }
            }
        }
        return dInput
    }
}
