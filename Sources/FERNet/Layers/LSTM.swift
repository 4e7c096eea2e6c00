#if canImport(Glibc)
import Glibc
#endif

/// One LSTM layer with PyTorch's layout: gates in the order i, f, g, o; `weight_ih` [4H, I],
/// `weight_hh` [4H, H] and two bias vectors, `bias_ih` and `bias_hh`.
///
/// Forward, for inputs X[B, T, I]: the input projections of every step in one GEMM,
/// G = X W_ih^T + b_ih + b_hh ([B*T, 4H]); then per step A = G_t + h_{t-1} W_hh^T,
/// i = sigmoid(A_i), f = sigmoid(A_f), g = tanh(A_g), o = sigmoid(A_o), c_t = f c_{t-1} + i g,
/// h_t = o tanh(c_t). Backward runs the steps in reverse and finishes with three GEMMs over all
/// steps: dW_ih = dG^T X, dW_hh = dA^T H_prev, dX = dG W_ih.
final class LSTMLayer {
    let inputSize: Int
    let hidden: Int
    let weightIH: Parameter
    let weightHH: Parameter
    let biasIH: Parameter
    let biasHH: Parameter

    // Saved by forward for backward, all [B*T, ...] in row b*T + t.
    private var input: [Float] = []
    private var gates: [Float] = []  // activated i, f, g, o: [B*T, 4H]
    private var cells: [Float] = []  // c_t: [B*T, H]
    private var previousHidden: [Float] = []  // h_{t-1}: [B*T, H]
    private var shape = (batch: 0, steps: 0)

    init(layer: Int, inputSize: Int, hidden: Int, random: inout some RandomNumberGenerator) {
        self.inputSize = inputSize
        self.hidden = hidden
        let bound = 1 / Float(hidden).squareRoot()
        func uniform(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -bound...bound, using: &random) } }
        weightIH = Parameter(name: "lstm.weight_ih_l\(layer)", shape: [4 * hidden, inputSize], values: uniform(4 * hidden * inputSize))
        weightHH = Parameter(name: "lstm.weight_hh_l\(layer)", shape: [4 * hidden, hidden], values: uniform(4 * hidden * hidden))
        biasIH = Parameter(name: "lstm.bias_ih_l\(layer)", shape: [4 * hidden], values: uniform(4 * hidden))
        biasHH = Parameter(name: "lstm.bias_hh_l\(layer)", shape: [4 * hidden], values: uniform(4 * hidden))
    }

    var parameters: [Parameter] { [weightIH, weightHH, biasIH, biasHH] }

    /// - Parameter input: `[B, T, I]`. Returns the hidden states `[B, T, H]`.
    func forward(_ input: [Float], batch: Int, steps: Int) -> [Float] {
        self.input = input
        shape = (batch, steps)
        let (h4, rows) = (4 * hidden, batch * steps)
        var projections = [Float](repeating: 0, count: rows * h4)
        projections.withUnsafeMutableBufferPointer { g in
            for r in 0..<rows {
                for j in 0..<h4 { g[r * h4 + j] = biasIH.values[j] + biasHH.values[j] }
            }
            BLAS.gemm(transposeB: true, m: rows, n: h4, k: inputSize, input, lda: inputSize, weightIH.values, ldb: inputSize,
                      beta: 1, g.baseAddress!, ldc: h4)
        }
        gates = [Float](repeating: 0, count: rows * h4)
        cells = [Float](repeating: 0, count: rows * hidden)
        previousHidden = [Float](repeating: 0, count: rows * hidden)
        var outputs = [Float](repeating: 0, count: rows * hidden)
        var h = [Float](repeating: 0, count: batch * hidden)
        var c = [Float](repeating: 0, count: batch * hidden)
        var a = [Float](repeating: 0, count: batch * h4)
        for t in 0..<steps {
            // a = h_{t-1} W_hh^T, then add this step's projections.
            a.withUnsafeMutableBufferPointer { a in
                BLAS.gemm(transposeB: true, m: batch, n: h4, k: hidden, h, lda: hidden, weightHH.values, ldb: hidden,
                          a.baseAddress!, ldc: h4)
            }
            for b in 0..<batch {
                let row = b * steps + t
                for j in 0..<hidden { previousHidden[row * hidden + j] = h[b * hidden + j] }
                for j in 0..<h4 { a[b * h4 + j] += projections[row * h4 + j] }
                for j in 0..<hidden {
                    let i = Self.sigmoid(a[b * h4 + j])
                    let f = Self.sigmoid(a[b * h4 + hidden + j])
                    let g = tanhf(a[b * h4 + 2 * hidden + j])
                    let o = Self.sigmoid(a[b * h4 + 3 * hidden + j])
                    let cell = f * c[b * hidden + j] + i * g
                    let out = o * tanhf(cell)
                    c[b * hidden + j] = cell
                    h[b * hidden + j] = out
                    gates[row * h4 + j] = i
                    gates[row * h4 + hidden + j] = f
                    gates[row * h4 + 2 * hidden + j] = g
                    gates[row * h4 + 3 * hidden + j] = o
                    cells[row * hidden + j] = cell
                    outputs[row * hidden + j] = out
                }
            }
        }
        return outputs
    }

    /// - Parameter gradient: dL/dh for every step, `[B, T, H]`. Returns dL/dX `[B, T, I]`.
    func backward(_ gradient: [Float], wantInputGradient: Bool) -> [Float]? {
        let (batch, steps) = shape
        let (h4, rows) = (4 * hidden, batch * steps)
        var dA = [Float](repeating: 0, count: rows * h4)
        var dhNext = [Float](repeating: 0, count: batch * hidden)
        var dcNext = [Float](repeating: 0, count: batch * hidden)
        var dAStep = [Float](repeating: 0, count: batch * h4)
        for t in stride(from: steps - 1, through: 0, by: -1) {
            for b in 0..<batch {
                let row = b * steps + t
                for j in 0..<hidden {
                    let i = gates[row * h4 + j], f = gates[row * h4 + hidden + j]
                    let g = gates[row * h4 + 2 * hidden + j], o = gates[row * h4 + 3 * hidden + j]
                    let cell = cells[row * hidden + j]
                    let previousCell = t > 0 ? cells[(row - 1) * hidden + j] : 0
                    let tanhCell = tanhf(cell)
                    let dh = gradient[row * hidden + j] + dhNext[b * hidden + j]
                    let dc = dh * o * (1 - tanhCell * tanhCell) + dcNext[b * hidden + j]
                    dcNext[b * hidden + j] = dc * f
                    dAStep[b * h4 + j] = dc * g * i * (1 - i)
                    dAStep[b * h4 + hidden + j] = dc * previousCell * f * (1 - f)
                    dAStep[b * h4 + 2 * hidden + j] = dc * i * (1 - g * g)
                    dAStep[b * h4 + 3 * hidden + j] = dh * tanhCell * o * (1 - o)
                }
                for j in 0..<h4 { dA[row * h4 + j] = dAStep[b * h4 + j] }
            }
            // dh_{t-1} = dA_t W_hh.
            dhNext.withUnsafeMutableBufferPointer { dh in
                BLAS.gemm(m: batch, n: hidden, k: h4, dAStep, lda: h4, weightHH.values, ldb: hidden, dh.baseAddress!, ldc: hidden)
            }
        }
        weightIH.gradient.withUnsafeMutableBufferPointer { dW in
            BLAS.gemm(transposeA: true, m: h4, n: inputSize, k: rows, dA, lda: h4, input, ldb: inputSize, beta: 1,
                      dW.baseAddress!, ldc: inputSize)
        }
        weightHH.gradient.withUnsafeMutableBufferPointer { dW in
            BLAS.gemm(transposeA: true, m: h4, n: hidden, k: rows, dA, lda: h4, previousHidden, ldb: hidden, beta: 1,
                      dW.baseAddress!, ldc: hidden)
        }
        for r in 0..<rows {
            for j in 0..<h4 {
                biasIH.gradient[j] += dA[r * h4 + j]
                biasHH.gradient[j] += dA[r * h4 + j]
            }
        }
        guard wantInputGradient else { return nil }
        var dInput = [Float](repeating: 0, count: rows * inputSize)
        dInput.withUnsafeMutableBufferPointer { dX in
            BLAS.gemm(m: rows, n: inputSize, k: h4, dA, lda: h4, weightIH.values, ldb: inputSize, dX.baseAddress!, ldc: inputSize)
        }
        return dInput
    }

    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
}
