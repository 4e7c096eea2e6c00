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
        let (hidden, h4, rows) = (self.hidden, 4 * self.hidden, batch * steps)
        var projections = [Float](repeating: 0, count: rows * h4)
        let bias = zip(biasIH.values, biasHH.values).map { $0 + $1 }
        projections.withUnsafeMutableBufferPointer { g in
            for r in 0..<rows { (g.baseAddress! + r * h4).update(from: bias, count: h4) }
            BLAS.gemm(transposeB: true, m: rows, n: h4, k: inputSize, input, lda: inputSize, weightIH.values, ldb: inputSize,
                      beta: 1, g.baseAddress!, ldc: h4)
        }
        var gates = [Float](repeating: 0, count: rows * h4)
        var cells = [Float](repeating: 0, count: rows * hidden)
        var previous = [Float](repeating: 0, count: rows * hidden)
        var outputs = [Float](repeating: 0, count: rows * hidden)
        var h = [Float](repeating: 0, count: batch * hidden)
        var c = [Float](repeating: 0, count: batch * hidden)
        var a = [Float](repeating: 0, count: batch * h4)
        let weights = weightHH.values
        gates.withUnsafeMutableBufferPointer { gates in
        cells.withUnsafeMutableBufferPointer { cells in
        previous.withUnsafeMutableBufferPointer { previous in
        outputs.withUnsafeMutableBufferPointer { outputs in
        h.withUnsafeMutableBufferPointer { h in
        c.withUnsafeMutableBufferPointer { c in
        a.withUnsafeMutableBufferPointer { a in
        projections.withUnsafeBufferPointer { projections in
            for t in 0..<steps {
                // a = h_{t-1} W_hh^T, then this step's projections are added.
                BLAS.gemm(transposeB: true, m: batch, n: h4, k: hidden, h.baseAddress!, lda: hidden, weights, ldb: hidden,
                          a.baseAddress!, ldc: h4)
                for b in 0..<batch {
                    let row = b * steps + t
                    (previous.baseAddress! + row * hidden).update(from: h.baseAddress! + b * hidden, count: hidden)
                    let step = a.baseAddress! + b * h4, projection = projections.baseAddress! + row * h4
                    let gate = gates.baseAddress! + row * h4
                    let cell = c.baseAddress! + b * hidden, state = h.baseAddress! + b * hidden
                    let savedCell = cells.baseAddress! + row * hidden, output = outputs.baseAddress! + row * hidden
                    for j in stride(from: 0, to: hidden, by: 8) {
                        let n = min(8, hidden - j)
                        func preActivation(_ number: Int) -> Lanes {
                            Lanes(step + number * hidden + j, count: n) + Lanes(projection + number * hidden + j, count: n)
                        }
                        let i = Lanes.sigmoid(preActivation(0)), f = Lanes.sigmoid(preActivation(1))
                        let g = Lanes.tanh(preActivation(2)), o = Lanes.sigmoid(preActivation(3))
                        let c = f * Lanes(cell + j, count: n) + i * g
                        let h = o * Lanes.tanh(c)
                        c.store(cell + j, count: n)
                        c.store(savedCell + j, count: n)
                        h.store(state + j, count: n)
                        h.store(output + j, count: n)
                        i.store(gate + j, count: n)
                        f.store(gate + hidden + j, count: n)
                        g.store(gate + 2 * hidden + j, count: n)
                        o.store(gate + 3 * hidden + j, count: n)
                    }
                }
            }
        }}}}}}}}
        self.gates = gates
        self.cells = cells
        self.previousHidden = previous
        return outputs
    }

    /// - Parameter gradient: dL/dh for every step, `[B, T, H]`. Returns dL/dX `[B, T, I]`.
    func backward(_ gradient: [Float], wantInputGradient: Bool) -> [Float]? {
        let (batch, steps) = shape
        let (hidden, h4, rows) = (self.hidden, 4 * self.hidden, batch * steps)
        var dA = [Float](repeating: 0, count: rows * h4)
        var dhNext = [Float](repeating: 0, count: batch * hidden)
        var dcNext = [Float](repeating: 0, count: batch * hidden)
        var dAStep = [Float](repeating: 0, count: batch * h4)
        let (gates, cells, weights) = (self.gates, self.cells, weightHH.values)
        gates.withUnsafeBufferPointer { gates in
        cells.withUnsafeBufferPointer { cells in
        gradient.withUnsafeBufferPointer { gradient in
        dA.withUnsafeMutableBufferPointer { dA in
        dhNext.withUnsafeMutableBufferPointer { dhNext in
        dcNext.withUnsafeMutableBufferPointer { dcNext in
        dAStep.withUnsafeMutableBufferPointer { dAStep in
            for t in stride(from: steps - 1, through: 0, by: -1) {
                for b in 0..<batch {
                    let row = b * steps + t
                    let gate = gates.baseAddress! + row * h4, out = dAStep.baseAddress! + b * h4
                    let cell = cells.baseAddress! + row * hidden, dOutput = gradient.baseAddress! + row * hidden
                    let dh = dhNext.baseAddress! + b * hidden, dc = dcNext.baseAddress! + b * hidden
                    for j in stride(from: 0, to: hidden, by: 8) {
                        let n = min(8, hidden - j)
                        let i = Lanes(gate + j, count: n), f = Lanes(gate + hidden + j, count: n)
                        let g = Lanes(gate + 2 * hidden + j, count: n), o = Lanes(gate + 3 * hidden + j, count: n)
                        let previousCell = t > 0 ? Lanes(cell - hidden + j, count: n) : Lanes()
                        let tanhCell = Lanes.tanh(Lanes(cell + j, count: n))
                        let dHidden = Lanes(dOutput + j, count: n) + Lanes(dh + j, count: n)
                        let dCell = dHidden * o * (1 - tanhCell * tanhCell) + Lanes(dc + j, count: n)
                        (dCell * f).store(dc + j, count: n)
                        (dCell * g * i * (1 - i)).store(out + j, count: n)
                        (dCell * previousCell * f * (1 - f)).store(out + hidden + j, count: n)
                        (dCell * i * (1 - g * g)).store(out + 2 * hidden + j, count: n)
                        (dHidden * tanhCell * o * (1 - o)).store(out + 3 * hidden + j, count: n)
                    }
                    (dA.baseAddress! + row * h4).update(from: out, count: h4)
                }
                // dh_{t-1} = dA_t W_hh.
                BLAS.gemm(m: batch, n: hidden, k: h4, dAStep.baseAddress!, lda: h4, weights, ldb: hidden,
                          dhNext.baseAddress!, ldc: hidden)
            }
        }}}}}}}
        weightIH.gradient.withUnsafeMutableBufferPointer { dW in
            BLAS.gemm(transposeA: true, m: h4, n: inputSize, k: rows, dA, lda: h4, input, ldb: inputSize, beta: 1,
                      dW.baseAddress!, ldc: inputSize)
        }
        weightHH.gradient.withUnsafeMutableBufferPointer { dW in
            BLAS.gemm(transposeA: true, m: h4, n: hidden, k: rows, dA, lda: h4, previousHidden, ldb: hidden, beta: 1,
                      dW.baseAddress!, ldc: hidden)
        }
        var biasGradient = [Float](repeating: 0, count: h4)
        dA.withUnsafeBufferPointer { dA in
            for r in 0..<rows { for j in 0..<h4 { biasGradient[j] += dA[r * h4 + j] } }
        }
        for j in 0..<h4 {
            biasIH.gradient[j] += biasGradient[j]
            biasHH.gradient[j] += biasGradient[j]
        }
        guard wantInputGradient else { return nil }
        var dInput = [Float](repeating: 0, count: rows * inputSize)
        dInput.withUnsafeMutableBufferPointer { dX in
            BLAS.gemm(m: rows, n: inputSize, k: h4, dA, lda: h4, weightIH.values, ldb: inputSize, dX.baseAddress!, ldc: inputSize)
        }
        return dInput
    }
}
