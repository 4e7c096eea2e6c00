import FERCore
import FERCuration
import FERData
import FERIngest
import FERNet
import FERTestSupport
import Foundation
import Testing

@testable import FEREval

@Suite struct CrossEvaluationTests {
    /// Single-threaded BLAS, as ferdata's main sets it (`ProcessSettings`).
    init() { ProcessSettings.apply() }

    /// A model file with freshly initialised weights: the mapping and the accounting are under test here,
    /// not the accuracy.
    static func modelFile(in folder: URL) throws -> String {
        let path = folder.appendingPathComponent("model.safetensors").path
        try CNNRNN(seed: 3).save(to: path)
        return path
    }

    /// A colour image `side` x `side` (RGB), from a grayscale face scaled up.
    static func colour(seed: Int, side: Int) -> [UInt8] {
        let face = Fixtures.face(seed: seed)
        var pixels: [UInt8] = []
        for y in 0..<side {
            for x in 0..<side {
                let value = face[(y * 48 / side) * 48 + x * 48 / side]
                pixels += [value, UInt8(truncatingIfNeeded: Int(value) / 2 + 40), 255 - value]
            }
        }
        return pixels
    }

    /// A foreign folder: label names that are not FER2013's (anger, happiness, sadness, surprised,
    /// calm), no disgust or fear, an extra class (contempt), PNG and JPEG, grayscale and colour, small
    /// and large images, and corrupt files.
    static func foreignFolder(_ root: URL) throws -> (expected: [String: Int], contempt: Int, corrupt: Int) {
        let classes = ["anger": 4, "happiness": 5, "sadness": 3, "surprised": 2, "calm": 3, "contempt": 3]
        var seed = 0
        for (folder, count) in classes {
            let directory = root.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for index in 0..<count {
                seed += 1
                let bytes: [UInt8]
                let name: String
                switch index % 3 {
                case 0: (bytes, name) = (Fixtures.png(Fixtures.face(seed: seed)), "S\(index)_gray.png")
                case 1: (bytes, name) = (Fixtures.jpeg(colour(seed: seed, side: 320), width: 320, height: 320, channels: 3), "S\(index)_big.jpg")
                default: (bytes, name) = (Fixtures.png(colour(seed: seed, side: 64), width: 64, height: 64, channels: 3), "S\(index)_colour.png")
                }
                try Data(bytes).write(to: directory.appendingPathComponent(name))
            }
        }
        let jpeg = Fixtures.jpeg(Fixtures.face(seed: 99))
        try Data(jpeg.prefix(jpeg.count / 3)).write(to: root.appendingPathComponent("anger/truncated.jpg"))
        try Data("not an image".utf8).write(to: root.appendingPathComponent("happiness/notes.jpg"))
        try Data().write(to: root.appendingPathComponent("calm/empty.png"))
        let expected = ["angry": 4, "happy": 5, "sad": 3, "surprise": 2, "neutral": 3]
        return (expected, 3, 3)
    }

    @Test func aForeignFolderIsMappedScoredAndAccountedFor() throws {
        let root = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let other = root.appendingPathComponent("other")
        let (expected, contempt, corrupt) = try Self.foreignFolder(other)
        let classifier = try Classifier(path: try Self.modelFile(in: root))

        let foreign = try ForeignDataset(path: other.path)
        let predictions = try classifier.predict(foreign.records)
        let evaluation = try Evaluation(classifier: classifier, records: foreign.records, predictions: predictions, data: other.path,
                                        split: "all", excludedLabels: foreign.unknownLabels, rejected: foreign.rejected,
                                        groupPattern: "/(S[0-9]+)_")

        #expect(evaluation.scored == expected.values.reduce(0, +))
        for (name, count) in expected {
            #expect(evaluation.metrics.support[evaluation.classes.firstIndex(of: name)!] == count, "\(name)")
        }
        #expect(evaluation.excludedLabels == ["contempt": contempt])
        #expect(evaluation.absentClasses == ["disgust", "fear"])
        #expect(evaluation.averages.macroClasses == ["angry", "happy", "sad", "surprise", "neutral"])
        #expect(evaluation.rejected.values.reduce(0, +) == corrupt)
        #expect(evaluation.groups?.map(\.group) == ["S0", "S1", "S2", "S3", "S4"])
        #expect(evaluation.groups?.map(\.count).reduce(0, +) == evaluation.scored)

        let folder = root.appendingPathComponent("report")
        try EvaluationReport.write(evaluation, predictions: predictions, records: foreign.records, to: folder, rejectLog: foreign.rejectLog)
        for file in ["metrics.json", "predictions.csv", "confusion.png", "classes.png", "report.html", "rejected.csv"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)")
        }
        let rejected = try String(contentsOf: folder.appendingPathComponent("rejected.csv"), encoding: .utf8)
        for name in ["truncated.jpg", "notes.jpg", "empty.png"] { #expect(rejected.contains(name)) }
        let lines = try String(contentsOf: folder.appendingPathComponent("predictions.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 + foreign.records.count)
    }

    @Test func aLabelMapRenamesAndIgnores() throws {
        let root = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let other = root.appendingPathComponent("other")
        _ = try Self.foreignFolder(other)
        let vocabulary = try LabelVocabulary(labelMapText: "contempt,disgust\ncalm,ignore\n", source: "map.txt")
        let foreign = try ForeignDataset(path: other.path, vocabulary: vocabulary)
        #expect(foreign.unknownLabels.isEmpty)
        #expect(foreign.records.filter { $0.label == .disgust }.count == 3)
        #expect(foreign.records.filter { $0.label == .neutral }.isEmpty)
    }

    @Test func aPlainPyTorchStateDictScoresLikeTheSameWeightsWithMetadata() throws {
        let root = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let model = CNNRNN(seed: 5)
        let withMetadata = root.appendingPathComponent("a.safetensors").path
        try model.save(to: withMetadata)
        var plain = SafeTensors()
        for parameter in model.parameters { plain.tensors[parameter.name] = .init(shape: parameter.shape, values: parameter.values) }
        let stateDict = root.appendingPathComponent("b.safetensors").path
        try plain.write(stateDict)
        let records = (0..<10).map { FaceRecord(pixels: Fixtures.face(seed: $0), label: .happy, split: .test) }
        let a = try Classifier(path: withMetadata).predict(records), b = try Classifier(path: stateDict).predict(records)
        #expect(a.map(\.predicted) == b.map(\.predicted))
    }

    /// Test-time augmentation scores the mean of the views' probabilities: flip is the face and its mirror,
    /// crops the ten-crop protocol (five 44x44 crops brought back to 48x48, and their mirrors).
    @Test func testTimeAugmentationIsTheMeanOverTheViews() throws {
        let root = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("m.safetensors").path
        try CNNRNN(seed: 7).save(to: path)
        let classifier = try Classifier(path: path)
        let records = (0..<6).map { FaceRecord(pixels: Fixtures.face(seed: 40 + $0), label: .sad, split: .test) }
        func mirror(_ pixels: [UInt8]) -> [UInt8] { (0..<48).flatMap { row in pixels[(row * 48)..<(row * 48 + 48)].reversed() } }
        let plain = try classifier.predict(records)
        let mirrored = try classifier.predict(records.map { FaceRecord(pixels: mirror($0.pixels), label: $0.label, split: $0.split) })
        for (index, prediction) in try classifier.predict(records, tta: .flip).enumerated() {
            for k in prediction.probabilities.indices {
                let mean = (plain[index].probabilities[k] + mirrored[index].probabilities[k]) / 2
                #expect(abs(prediction.probabilities[k] - mean) < 1e-6)
            }
        }
        let tta = TestTimeAugmentation.crops
        #expect(tta.viewCount == 10)
        let face = Fixtures.face(seed: 3)
        #expect(tta.view(5, of: face) == mirror(tta.view(0, of: face)))
        let constant = [UInt8](repeating: 90, count: 48 * 48)
        #expect((0..<10).allSatisfy { tta.view($0, of: constant) == constant })
        let crops = try classifier.predict(records, tta: .crops)
        #expect(crops.allSatisfy { abs($0.probabilities.reduce(0, +) - 1) < 1e-4 })
    }
}
