import FERCore

/// The reference CNN-RNN, layer for layer as `../shared/peers/peer_cnnrnn.py`:
/// input 1x48x48 in [0, 1] -> conv 3x3 (32) -> ReLU -> max-pool 2 -> conv 3x3 (64) -> ReLU -> max-pool 2
/// -> the 64x12x12 map read as 12 steps, one per image row, each step the 64x12 = 768 values of that
/// row, channel-major -> LSTM (2 layers, 128 hidden, dropout 0.5 between) -> dropout 0.5 on the last
/// step -> linear 128 -> 7.
public final class CNNRNN {
    public struct Architecture: Sendable, Equatable, Codable {
        public var filters1 = 32
        public var filters2 = 64
        public var hidden = 128
        public var layers = 2
        public var dropout: Float = 0.5
        public var classes = 7
        public static let side = 48

        public init(hidden: Int = 128, layers: Int = 2, dropout: Float = 0.5) {
            self.hidden = hidden
            self.layers = layers
            self.dropout = dropout
        }

        /// Rows of the pooled map: the sequence length.
        public var steps: Int { Self.side / 4 }
        /// Values per step: channels x columns.
        var stepSize: Int { filters2 * (Self.side / 4) }
    }

    public let architecture: Architecture
    let conv1: GrayscaleConvPool
    let conv2: ConvReLUPool
    let lstm: [LSTMLayer]
    let betweenLayers: [Dropout]
    let beforeOutput: Dropout
    let fc: Linear
    private var batch = 0

    public init(architecture: Architecture = Architecture(), seed: UInt64 = 0) {
        self.architecture = architecture
        var random = SeededGenerator(seed: seed)
        let a = architecture
        conv1 = GrayscaleConvPool(name: "conv1", filters: a.filters1, random: &random)
        conv2 = ConvReLUPool(name: "conv2", inputChannels: a.filters1, outputChannels: a.filters2, random: &random)
        lstm = (0..<a.layers).map { layer in
            LSTMLayer(layer: layer, inputSize: layer == 0 ? a.stepSize : a.hidden, hidden: a.hidden, random: &random)
        }
        betweenLayers = (0..<max(0, a.layers - 1)).map { _ in Dropout(probability: a.dropout) }
        beforeOutput = Dropout(probability: a.dropout)
        fc = Linear(name: "fc", inputSize: a.hidden, outputSize: a.classes, random: &random)
    }

    /// Every learnable tensor, in state_dict order.
    public var parameters: [Parameter] {
        conv1.parameters + conv2.parameters + lstm.flatMap(\.parameters) + fc.parameters
    }

    /// Logits [B, classes] for images [B, 48, 48] scaled to [0, 1].
    public func forward(_ images: [Float], batch: Int, training: Bool, random: inout SeededGenerator) -> [Float] {
        self.batch = batch
        let a = architecture
        let side = Architecture.side
        var x = conv1.forward(images, batch: batch, height: side, width: side)
        x = conv2.forward(x, batch: batch, height: side / 2, width: side / 2)
        var sequence = Self.toSequence(x, channels: a.filters2, batch: batch, rows: a.steps, columns: a.steps)
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
        var dx = Self.fromSequence(dSequence, channels: a.filters2, batch: batch, rows: a.steps, columns: a.steps)
        dx = conv2.backward(dx, wantInputGradient: true)!
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
