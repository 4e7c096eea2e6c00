import ArgumentParser
import FERCore
import FERData
import FERNet
import FEREval
import Foundation

/// `ferdata export-model MODEL --format onnx`: ferdata's CNN-RNN as an ONNX graph with its sidecar
/// contract, checked by running the written file before it is put in place.
public enum ExportModelStage: Stage {
    public static let name = "export-model"
    public static let role = StageRole.tool

    /// The model formats ferdata writes.
    public enum Format: String, ExpressibleByArgument, CaseIterable, Codable, Sendable {
        case onnx
    }

    public struct Options: StageOptions {
        @Argument(help: ArgumentHelp("ferdata's model file (.safetensors).", valueName: "MODEL"))
        public var model = ""
        @Option(help: "The format to write: onnx (opset 13, the LSTM unrolled into Gemm, Sigmoid, Tanh, Mul and Add).")
        public var format = Format.onnx
        @Option(help: ArgumentHelp("The file to write, and its contract beside it as FILE.json; it must not exist (default: MODEL with .onnx for .safetensors).",
                                   valueName: "FILE"))
        public var output: String?

        public init() {}

        public func check() throws {
            guard !model.isEmpty else { throw FerError(.invalidArgument, "export-model needs a model file, MODEL") }
            if let output, !output.lowercased().hasSuffix(".onnx") {
                throw FerError(.invalidArgument, "output: an ONNX model's file name ends in .onnx (its contract is FILE.json beside it), got \(output)")
            }
        }

        public var inputPaths: [String] { [model] }

        /// The file written: `--output`, or the model's path with `.onnx` in place of its extension.
        public var target: String {
            output ?? URL(fileURLWithPath: model).deletingPathExtension().appendingPathExtension(format.rawValue).path
        }
    }

    public struct Output: StageOutput {
        public var model: String
        public var format: Format
        public var file: String
        public var contract: String
        public var opset: Int64
        public var classes: [String]
        /// The largest difference between the written file's logits (run through OpenCV) and the model's, on 16 seeded faces.
        public var largestDifference: Float

        public var location: String { file }
        public var summary: String { "\(model) as \(format.rawValue) in \(file) (contract \(contract))" }
        public func exists(in workspace: Workspace) -> Bool { FileManager.default.fileExists(atPath: file) }
        public func feed(_ input: inout StageInput, workspace: Workspace) throws {}
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> Output {
        try options.check()
        guard !options.model.lowercased().hasSuffix(".onnx") else {
            throw FerError(.invalidArgument, "\(options.model) is an ONNX model already: export-model writes ferdata's CNN-RNN (.safetensors)")
        }
        let (model, classes) = try CNNRNN.load(options.model)
        let file = options.target
        let difference = try ONNXExport.write(model, classes: classes, to: file, source: options.model)
        return Output(model: options.model, format: options.format, file: file, contract: file + ".json", opset: ONNXExport.opset, classes: classes,
                      largestDifference: difference)
    }
}
