/// A named, shaped learnable tensor and its gradient, named as in the PyTorch module's state_dict.
public final class Parameter {
    public let name: String
    public let shape: [Int]
    public var values: [Float]
    public var gradient: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values for shape \(shape)")
        self.name = name
        self.shape = shape
        self.values = values
        self.gradient = [Float](repeating: 0, count: values.count)
    }

    public var count: Int { values.count }

    public func zeroGradient() {
        gradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}
