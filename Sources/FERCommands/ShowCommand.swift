import ArgumentParser
import FERCore
import FERData
import FERStages
import Foundation

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "A contact sheet of a dataset: one row of sample faces per class.",
        discussion: """
            Example:
              ferdata show --per-class 16 --out sheet.png
              ferdata show 0002-dedup --split test --per-class 8 --out test.png
            """)

    @Argument(help: ArgumentHelp("A dataset name, number, stage or folder (default: the latest).", valueName: "DATASET"))
    var dataset: String?
    @Option(help: "Faces per class.") var perClass = 16
    @Option(help: "The split to sample.") var split = SplitChoice.all
    @Option(help: "Random seed for the sample.") var seed: UInt64 = 0
    @Option(help: ArgumentHelp("The PNG to write.", valueName: "FILE")) var out = "sheet.png"
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard perClass > 0 else { throw ValidationError("--per-class must be positive, got \(perClass)") }
    }

    func run() throws {
        let chosen = try workspace.resolved.dataset(dataset)
        let wanted = split.split
        var byClass = [[FaceRecord]](repeating: [], count: Emotion.allCases.count)
        try chosen.forEachRecord { record in
            if let label = record.label, wanted == nil || record.split == wanted { byClass[Int(label.rawValue)].append(record) }
        }
        var random = SeededGenerator(seed: seed)
        let rows = Emotion.allCases.map { emotion in
            let sample = byClass[Int(emotion.rawValue)].shuffled(using: &random).prefix(perClass)
            return ContactSheet.Row(caption: emotion.name, faces: sample.map { ContactSheet.Face($0.image) })
        }
        let sheet = ContactSheet.render(rows, scale: 1, title: "\(chosen.name)\(wanted.map { " (\($0.name))" } ?? "")")
        try FileIO.writeAtomically(Data(try sheet.png()), to: out)
        if !output.quiet { print("wrote \(out)") }
    }
}
