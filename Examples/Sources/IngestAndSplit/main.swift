// Ingest a FER2013-style CSV and split its train faces into train and val, through ferdata's stages
// as library calls: what `ferdata ingest FOLDER/faces.csv && ferdata split --val 0.2` does on the
// command line, with options set as typed properties and each stage's output fed to the next.
//   swift run --package-path Examples ingest-and-split samples
import FERCore
import FERData
import FERStages
import Foundation

let folder = CommandLine.arguments.dropFirst().first ?? "samples"
let workspace = Workspace(root: FileManager.default.temporaryDirectory.appendingPathComponent("ferdata-example-\(UUID().uuidString)"))
defer { try? FileManager.default.removeItem(at: workspace.root) }
let context = StageContext(workspace: workspace)

do {
    var ingest = IngestStage.Options.defaults
    ingest.sources = [folder + "/faces.csv"]
    let ingested = try IngestStage.run(ingest, input: StageInput(), context: context)
    print("ingest: \(ingested.summary)")

    var input = StageInput()
    try ingested.feed(&input, workspace: workspace)
    var split = SplitStage.Options.defaults
    split.val = 0.2
    split.seed = 7
    let result = try SplitStage.run(split, input: input, context: context)
    print("split: \(result.summary)")

    // What the split made, read back from the dataset it wrote.
    let dataset = try workspace.dataset(result.dataset)
    let counts = Split.allCases.map { dataset.manifest.count(split: $0) }
    print("train \(counts[0]), val \(counts[1]), test \(counts[2]) faces in \(dataset.directory.path)")
    guard counts[1] > 0, counts.reduce(0, +) == ingested.recordCount else {
        print("the split lost or invented faces")
        exit(1)
    }
} catch let error as FerError {
    print("error: \(error)")
    exit(1)
}
