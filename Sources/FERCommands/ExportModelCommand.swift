import ArgumentParser
import FERCore
import FERData
import FERStages
import Foundation

struct ExportModelCommand: StageCommand {
    static let stage = RegisteredStage(ExportModelStage.self)
    static let configuration = CommandConfiguration(
        commandName: "export-model",
        abstract: "Write ferdata's model as ONNX, with its contract, for onnxruntime, OpenCV, browsers and phones.",
        discussion: """
            Writes MODEL's CNN-RNN as a standard ONNX graph (opset 13: Conv, Relu, MaxPool, Slice, Flatten, and \
            the LSTM unrolled into Gemm, Split, Sigmoid, Tanh, Mul and Add) taking [N,1,48,48] faces scaled to \
            [0,1] and giving logits, and its contract FILE.json (input size, channels, scale, mean, std, output, \
            classes), which ferdata and anyone else read to feed it. Before the file is put in place, ferdata runs \
            it through OpenCV's DNN module on 16 seeded faces: its logits must equal the model's to 1e-4. Every \
            command that takes a model takes the exported file too (docs/evaluation.md).

            Examples:
              ferdata export-model ferdata-work/runs/0001-train/best.safetensors
              ferdata export-model best.safetensors --output fer2013-cnnrnn.onnx
            """)

    @OptionGroup var options: ExportModelStage.Options
    @OptionGroup var output: OutputOptions

    func run() throws {
        let result = try CommandIO.run(ExportModelStage.self, options, input: StageInput(), workspace: Workspace(path: nil), output: output)
        if output.json { return try CommandIO.printJSON(result) }
        guard !output.quiet else { return }
        print("wrote \(result.file) (ONNX opset \(result.opset), classes \(result.classes.joined(separator: ","))) and its contract \(result.contract)")
        print("checked: run through OpenCV, its logits differ from the model's by at most " + String(format: "%.2g", result.largestDifference))
    }
}
