import FERCore
import FERTestSupport
import Foundation
import Testing

/// Datasets of another image size and colour: a 112x112 RGB dataset goes through ingest, dedup, split,
/// balance, augment, verify and export keeping its shape; the CNN-RNN's stages refuse it clearly.
@Suite struct ImageShapeTests {
    let cli = CommandLineTests()

    @Test func a112RGBDatasetGoesThroughTheCurationChain() throws {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let work = ["FERDATA_WORKSPACE": folder.appendingPathComponent("work").path]
        func run(_ arguments: [String]) throws -> CommandLineTests.Run {
            let result = try cli.ferdata(arguments, environment: work)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result
        }
        _ = try run(["ingest", "samples/foreign.zip", "--size", "112", "--color", "rgb", "-q"])
        _ = try run(["dedup", "-q"])
        _ = try run(["split", "--val", "0.2", "-q"])
        _ = try run(["balance", "--target", "8", "-q"])
        _ = try run(["augment", "--copies", "1", "-q"])
        let verify = try run(["verify", "--all"])
        #expect(verify.stdout.components(separatedBy: "intact").count - 1 == 5)
        let datasets = folder.appendingPathComponent("work/datasets")
        for name in try FileManager.default.contentsOfDirectory(atPath: datasets.path) where !name.hasPrefix(".") {
            let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: datasets.appendingPathComponent("\(name)/manifest.json"))) as! [String: Any]
            let shape = manifest["shape"] as? [String: Int]
            #expect(shape == ["height": 112, "width": 112, "channels": 3] && manifest["recordSize"] as? Int == 112 * 112 * 3 + 200, "\(name)")
        }
        let out = folder.appendingPathComponent("out")
        _ = try run(["export", "--format", "webdataset", "--out", out.appendingPathComponent("wds").path, "-q"])
        _ = try run(["export", "--format", "npz", "--out", out.appendingPathComponent("npz").path, "-q"])
        let csv = try cli.ferdata(["export", "--format", "csv", "--out", out.appendingPathComponent("csv").path], environment: work)
        #expect(csv.status == 1 && csv.stderr.contains("holds 112x112x3"), "\(csv.stderr)")
        let train = try cli.ferdata(["train", "--epochs", "1"], environment: work)
        #expect(train.status == 1 && train.stderr.contains("the CNN-RNN takes 48x48 gray faces"), "\(train.stderr)")

        // Every exported PNG is a 112x112 colour image (width and height from its IHDR, colour type 2).
        let tar = out.appendingPathComponent("wds/train-000000.tar")
        let bytes = [UInt8](try Data(contentsOf: tar))
        var pngs = 0
        for start in 0..<(bytes.count - 26) where bytes[start] == 0x89 && bytes[start + 1] == 0x50 && bytes[start + 2] == 0x4E {
            let ihdr = start + 16
            let width = bytes[ihdr..<(ihdr + 4)].reduce(0) { $0 << 8 | Int($1) }
            let height = bytes[(ihdr + 4)..<(ihdr + 8)].reduce(0) { $0 << 8 | Int($1) }
            #expect(width == 112 && height == 112 && bytes[ihdr + 9] == 2)
            pngs += 1
        }
        #expect(pngs > 0)
    }
}
