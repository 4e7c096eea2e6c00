import FERCore

/// The CNN-RNN family. The seed network is the reference, layer for layer as
/// `../shared/peers/peer_cnnrnn.py`: input 1x48x48 in [0, 1] -> conv 3x3 (32) -> ReLU -> max-pool 2 ->
/// conv 3x3 (64) -> ReLU -> max-pool 2 -> the 64x12x12 map read as 12 steps, one per image row, each
/// step the 64x12 = 768 values of that row, channel-major -> LSTM (2 layers, 128 hidden, dropout 0.5
/// between) -> dropout 0.5 on the last step -> linear 128 -> 7. Wider members (`filters`, `--width`)
/// have more channels and up to four such blocks in front of the same head: three blocks leave a
/// 6x6 map, read as 6 steps. With `batchNorm` each block's pooled map is batch-normalised (`bn1`,
/// `bn2`, ... as PyTorch's `BatchNorm2d` after the pooling).
public final class CNNRNN {
    public struct Architecture: Sendable, Equatable, Codable {
        /// Channels of each convolution block (3x3 convolution, ReLU, 2x2 max-pooling), one to four.
        public var filters = [32, 64]
        public var hidden = 128
        public var layers = 2
        public var dropout: Float = 0.5
        public var classes = 7
        /// Batch normalisation after each block's pooling.
        public var batchNorm = false
        public static let side = 48
        /// The most blocks: a fifth would pool a 3x3 map.
        public static let maxBlocks = 4

        public init(filters: [Int] = [32, 64], batchNorm: Bool = false, hidden: Int = 128, layers: Int = 2, dropout: Float = 0.5) {
            self.filters = filters
            self.batchNorm = batchNorm
            self.hidden = hidden
            self.layers = layers
            self.dropout = dropout
        }

        /// Rows (and columns) of the last pooled map: the sequence length.
        public var steps: Int { Self.side >> filters.count }
        /// Values per step: channels x columns.
        var stepSize: Int { filters.last! * steps }

        /// "32,64": the blocks' channels as `--width` and the model file's metadata write them.
        public var width: String { filters.map(String.init).joined(separator: ",") }
    }

    public let architecture: Architecture
    let conv1: GrayscaleConvPool
    /// The blocks after the first, `conv2`, `conv3`, ...
    let blocks: [ConvReLUPool]
    /// With `batchNorm`, one per block, after its pooling; else none.
    let norms: [BatchNorm]
    let lstm: [LSTMLayer]
    let betweenLayers: [Dropout]
    let beforeOutput: Dropout
    let fc: Linear
    private var batch = 0

    public init(architecture: Architecture = Architecture(), seed: UInt64 = 0) {
        self.architecture = architecture
        var random = SeededGenerator(seed: seed)
        let a = architecture
        precondition((1...Architecture.maxBlocks).contains(a.filters.count) && a.filters.allSatisfy { $0 > 0 },
                      "one to \(Architecture.maxBlocks) convolution blocks of at least one channel")
        conv1 = GrayscaleConvPool(name: "conv1", filters: a.filters[0], random: &random)
        blocks = zip(a.filters, a.filters.dropFirst()).enumerated().map { index, channels in
            ConvReLUPool(name: "conv\(index + 2)", inputChannels: channels.0, outputChannels: channels.1, random: &random)
        }
        norms = a.batchNorm ? a.filters.enumerated().map { BatchNorm(name: "bn\($0 + 1)", channels: $1) } : []
        lstm = (0..<a.layers).map { layer in
            LSTMLayer(layer: layer, inputSize: layer == 0 ? a.stepSize : a.hidden, hidden: a.hidden, random: &random)
        }
        betweenLayers = (0..<max(0, a.layers - 1)).map { _ in Dropout(probability: a.dropout) }
        beforeOutput = Dropout(probability: a.dropout)
        fc = Linear(name: "fc", inputSize: a.hidden, outputSize: a.classes, random: &random)
    }

    /// A model of the same network holding a copy of these weights and statistics.
    public func copy() -> CNNRNN {
        let copy = CNNRNN(architecture: architecture)
        for (target, tensor) in zip(copy.tensors, tensors) { target.values = tensor.values }
        return copy
    }

    /// Every learnable tensor, in state_dict order.
    public var parameters: [Parameter] {
        let convolutions = [conv1.parameters] + blocks.map(\.parameters)
        let blockParameters = convolutions.enumerated().flatMap { index, block in block + (norms.isEmpty ? [] : norms[index].parameters) }
        return blockParameters + lstm.flatMap(\.parameters) + fc.parameters
    }

    /// The tensors that are saved but not learned: batch normalisation's running statistics.
    public var buffers: [Parameter] { norms.flatMap(\.buffers) }

    /// Everything a model file holds: the parameters, then the buffers.
    public var tensors: [Parameter] { parameters + buffers }

    /// Logits [B, classes] for images [B, 48, 48] scaled to [0, 1].
    public func forward(_ images: [Float], batch: Int, training: Bool, random: inout SeededGenerator) -> [Float] {
        self.batch = batch
        let a = architecture
        let side = Architecture.side
        var x = conv1.forward(images, batch: batch, height: side, width: side)
        if !norms.isEmpty { x = norms[0].forward(x, training: training) }
        for (index, block) in blocks.enumerated() {
            let input = side >> (index + 1)
            x = block.forward(x, batch: batch, height: input, width: input)
            if !norms.isEmpty { x = norms[index + 1].forward(x, training: training) }
        }
        var sequence = Self.toSequence(x, channels: a.filters.last!, batch: batch, rows: a.steps, columns: a.steps)
        for (index, layer) in lstm.enumerated() {
            sequence = layer.forward(sequence, batch: batch, steps: a.steps)
            if index < betweenLayers.count { sequence = betweenLayers[index].forward(sequence, training: training, random: &random) }
        }
        var last = [Float](repeating: 0, count: batch * a.hidden)
        for b in 0..<batch {
            for j in 0..<a.hidden { last[b * a.hidden + j] = sequence[(b * a.steps + a.steps - 1) * a.hidden + j] }
        }
        last = beforeOutput.forward(last, training: training, random: &random)
        return fc.forward(last, batch: batch)
    }

    /// Backpropagates dLoss/dLogits through the last forward pass, accumulating parameter gradients.
    public func backward(_ gradient: [Float]) {
        let a = architecture
        let dLast = beforeOutput.backward(fc.backward(gradient))
        var dSequence = [Float](repeating: 0, count: batch * a.steps * a.hidden)
        for b in 0..<batch {
            for j in 0..<a.hidden { dSequence[(b * a.steps + a.steps - 1) * a.hidden + j] = dLast[b * a.hidden + j] }
        }
        for index in stride(from: lstm.count - 1, through: 0, by: -1) {
            if index < betweenLayers.count { dSequence = betweenLayers[index].backward(dSequence) }
            dSequence = lstm[index].backward(dSequence, wantInputGradient: true)!
        }
        var dx = Self.fromSequence(dSequence, channels: a.filters.last!, batch: batch, rows: a.steps, columns: a.steps)
        for (index, block) in blocks.enumerated().reversed() {
            if !norms.isEmpty { dx = norms[index + 1].backward(dx) }
            dx = block.backward(dx, wantInputGradient: true)!
        }
        if !norms.isEmpty { dx = norms[0].backward(dx) }
        conv1.backward(dx)
    }

    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }

    /// [C, B, R, W] -> [B, R, C*W]: step r of image b holds row r of every channel, channel-major.
    static func toSequence(_ map: [Float], channels: Int, batch: Int, rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: map.count)
        for c in 0..<channels {
            for b in 0..<batch {
                for r in 0..<rows {
                    let source = ((c * batch + b) * rows + r) * columns
                    let target = (b * rows + r) * channels * columns + c * columns
                    for w in 0..<columns { out[target + w] = map[source + w] }
                }
            }
        }
        return out
    }

    static func fromSequence(_ sequence: [Float], channels: Int, batch: Int, rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: sequence.count)
        for c in 0..<channels {
            for b in 0..<batch {
                for r in 0..<rows {
                    let target = ((c * batch + b) * rows + r) * columns
                    let source = (b * rows + r) * channels * columns + c * columns
                    for w in 0..<columns { out[target + w] = sequence[source + w] }
                }
            }
        }
        return out
    }
}
