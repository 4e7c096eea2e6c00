import FERCore
import FERData
import FEREval
import FERNet
import FERTestSupport
import Foundation
import Testing

/// `ferdata export-model`: a CNN-RNN trained here on the sample faces, written as ONNX, gives the
/// model's logits in onnxruntime (Python) to 1e-4, and every score crosseval gives for the ONNX file
/// is the score it gives for the safetensors file.
@Suite struct ModelExportTests {
    let cli = CommandLineTests()

    /// A workspace with the sample faces ingested and a model trained on them (the sample pipeline's recipe, 20 epochs).
    func trainedModel(in folder: URL) throws -> URL {
        let work = folder.appendingPathComponent("work").path
        #expect(try cli.ferdata(["ingest", "samples/faces.csv", "--workspace", work, "-q"]).status == 0)
        let train = try cli.ferdata(["train", "--workspace", work, "--epochs", "20", "--batch-size", "16", "--lr", "0.001", "--warmup", "2",
                                     "--schedule", "cosine", "--dropout", "0.1", "--augment", "none", "--seed", "13", "-q"])
        #expect(train.status == 0, "\(train.stderr)")
        return folder.appendingPathComponent("work/runs/0001-train/best.safetensors")
    }

    @Test func anExportedModelGivesTheModelsLogitsAndScores() throws {
        let folder = Fixtures.temporaryDirectory()
        let model = try trainedModel(in: folder)
        let onnx = folder.appendingPathComponent("cnnrnn.onnx")
        let export = try cli.ferdata(["export-model", model.path, "--format", "onnx", "--output", onnx.path, "--json"])
        #expect(export.status == 0, "\(export.stderr)")
        let written = try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as! [String: Any]
        #expect((written["largestDifference"] as! Double) <= 1e-4 && (written["opset"] as! Int) == 13)
        let contract = try JSONDecoder().decode(ModelContract.self, from: Data(contentsOf: URL(fileURLWithPath: onnx.path + ".json")))
        #expect(contract == ONNXExport.contract(classes: Emotion.names))
        let again = try cli.ferdata(["export-model", model.path, "--output", onnx.path])
        #expect(again.status == 1 && again.stderr.contains("[invalid-argument]") && again.stderr.contains("exists"))

        // onnxruntime's logits against ferdata's, on the dataset's faces and on seeded noise.
        let (network, _) = try CNNRNN.load(model.path)
        var random = SeededGenerator(seed: 7)
        let records = try Workspace(root: folder.appendingPathComponent("work")).latest().allRecords()
        let faces = records.prefix(200).map(\.pixels) + (0..<8).map { _ in (0..<(48 * 48)).map { _ in UInt8.random(in: 0...255, using: &random) } }
        let logits = network.logits(faces)
        let check = folder.appendingPathComponent("faces.json")
        struct Faces: Encodable { var faces: [[UInt8]], logits: [[Float]] }
        try JSONEncoder().encode(Faces(faces: faces, logits: logits)).write(to: check)
        let python = try cli.python(["python/check_onnx_export.py", onnx.path, check.path])
        #expect(python.status == 0 && python.stdout.contains("\(faces.count) faces, largest logit difference"), "\(python.stdout)\(python.stderr)")

        // crosseval of the ONNX file scores exactly what crosseval of the model scores: metrics, intervals, every prediction.
        var reports: [String: [String: Any]] = [:]
        for file in [model, onnx] {
            let run = try cli.ferdata(["crosseval", file.path, "samples/foreign.zip", "--workspace", folder.appendingPathComponent("work").path,
                                       "--reports", folder.appendingPathComponent("reports-" + file.pathExtension).path, "--json"])
            #expect(run.status == 0, "\(run.stderr)")
            var report = (try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [[String: Any]])[0]
            report["model"] = nil
            reports[file.pathExtension] = report
        }
        #expect(NSDictionary(dictionary: reports["onnx"]!).isEqual(to: reports["safetensors"]!), "\(reports)")
        #expect(((reports["onnx"]!["scored"] as? Int) ?? 0) > 0)
        // Face by face: the same class, and probabilities that differ by at most predictions.csv's last (fourth) decimal.
        let predictions = try ["safetensors", "onnx"].map { kind in
            let path = folder.appendingPathComponent("reports-\(kind)/crosseval-foreign.zip/predictions.csv").path
            return try CSVTable(text: String(contentsOfFile: path, encoding: .utf8), source: path)
        }
        let (a, b) = (predictions[0], predictions[1])
        #expect(a.rows.count == (reports["onnx"]!["scored"] as! Int) && a.rows.count == b.rows.count && a.header == b.header)
        let (id, predicted) = (try a.column("record_id"), try a.column("predicted"))
        let probabilityColumns = a.header.indices.filter { a.header[$0].hasPrefix("p_") }
        for (ours, theirs) in zip(a.rows, b.rows) {
            #expect(ours[id] == theirs[id] && ours[predicted] == theirs[predicted])
            let largest = probabilityColumns.map { abs(Double(ours[$0])! - Double(theirs[$0])!) }.max()!
            #expect(largest <= 1.0001e-4, "record \(ours[id]): probabilities differ by \(largest)")
        }
    }

    /// A wider network (three blocks, `--width`), with or without batch normalisation, exports too: the
    /// graph's logits, in OpenCV (checked by export-model before it writes) and in onnxruntime, are the
    /// model's to 1e-4.
    @Test(arguments: [false, true])
    func aWiderNetworkExportsWithTheSameLogits(batchNorm: Bool) throws {
        let folder = Fixtures.temporaryDirectory()
        let network = CNNRNN(architecture: CNNRNN.Architecture(filters: [8, 16, 32], batchNorm: batchNorm, hidden: 16), seed: 5)
        var random = SeededGenerator(seed: 9)
        for buffer in network.buffers {
            buffer.values = buffer.values.map { _ in Float.random(in: buffer.name.hasSuffix("var") ? 0.05...0.2 : 0...0.2, using: &random) }
        }
        let model = folder.appendingPathComponent("wide.safetensors"), onnx = folder.appendingPathComponent("wide.onnx")
        try network.save(to: model.path)
        let export = try cli.ferdata(["export-model", model.path, "--format", "onnx", "--output", onnx.path, "--json"])
        #expect(export.status == 0, "\(export.stderr)")
        let written = try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as! [String: Any]
        #expect((written["largestDifference"] as! Double) <= 1e-4)
        let faces = (0..<16).map { _ in (0..<(48 * 48)).map { _ in UInt8.random(in: 0...255, using: &random) } }
        let check = folder.appendingPathComponent("faces.json")
        struct Faces: Encodable { var faces: [[UInt8]], logits: [[Float]] }
        try JSONEncoder().encode(Faces(faces: faces, logits: network.logits(faces))).write(to: check)
        let python = try cli.python(["python/check_onnx_export.py", onnx.path, check.path])
        #expect(python.status == 0 && python.stdout.contains("16 faces, largest logit difference"), "\(python.stdout)\(python.stderr)")
    }

    /// What export-model cannot write is a one-line error with a code, and nothing is written.
    @Test func modelsThatCannotBeExportedAreClearErrors() throws {
        let folder = Fixtures.temporaryDirectory()
        let onnxFixture = CommandLineTests.repositoryRoot.appendingPathComponent("Tests/FEREvalTests/Fixtures/onnx/gray48.onnx").path
        let broken = folder.appendingPathComponent("broken.safetensors")
        try Data("not a model".utf8).write(to: broken)
        let cases: [([String], String)] = [
            ([folder.appendingPathComponent("none.safetensors").path], "[source-missing]"),
            ([onnxFixture], "[invalid-argument]"),
            ([broken.path], "[bad-model-file]"),
        ]
        for (arguments, code) in cases {
            let run = try cli.ferdata(["export-model"] + arguments)
            #expect(run.status == 1 && run.stderr.contains(code) && run.stderr.split(separator: "\n").count == 1, "\(arguments): \(run.stderr)")
        }
        // An option out of its range is refused as the command line is read, with the usage line.
        let misnamed = try cli.ferdata(["export-model", broken.path, "--output", folder.appendingPathComponent("model.bin").path])
        #expect(misnamed.status != 0 && misnamed.stderr.contains("ends in .onnx"))
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(left == ["broken.safetensors"], "\(left)")
    }
}
