import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERMedia
import FERStages
import Foundation

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "A contact sheet of a dataset (one row of sample faces per class), or of the faces found in pictures.",
        discussion: """
            With --faces SOURCE (a folder or archive of pictures): its first --count pictures with every \
            face the search finds boxed, the one ingest --faces detect keeps in orange, and with --align its \
            68 landmarks (dlib's) and the eyes it levels (red where the fit did not settle).

            Example:
              ferdata show --per-class 16 --out sheet.png
              ferdata show 0002-dedup --split test --per-class 8 --out test.png
              ferdata show --faces lab-photos/ --count 12 --align --out faces.png
            """)

    @Argument(help: ArgumentHelp("A dataset name, number, stage or folder (default: the latest).", valueName: "DATASET"))
    var dataset: String?
    @Option(help: "Faces per class.") var perClass = 16
    @Option(help: "The split to sample.") var split = SplitChoice.all
    @Option(help: "Random seed for the sample.") var seed: UInt64 = 0
    @Option(help: ArgumentHelp("The PNG to write.", valueName: "FILE")) var out = "sheet.png"
    @Option(name: .customLong("faces"), help: ArgumentHelp("Draw the faces found in this folder or archive of pictures instead.", valueName: "SOURCE"))
    var facesSource: String?
    @Option(help: "With --faces: the pictures to draw.") var count = 12
    @Option(name: .customLong("min-face"), help: ArgumentHelp("With --faces: the smallest face searched, in pixels.", valueName: "PIXELS"))
    var minFace = 48
    @Flag(help: "With --faces: the crops turned level, as ingest --align cuts them.") var align = false
    @Option(help: "With --faces: the face detector (as ingest's --detector).") var detector = DetectorChoice.auto
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard perClass > 0 else { throw ValidationError("--per-class must be positive, got \(perClass)") }
        guard count > 0 else { throw ValidationError("--count must be positive, got \(count)") }
        if facesSource != nil && dataset != nil { throw ValidationError("give a DATASET or --faces SOURCE, not both") }
    }

    func run() throws {
        if let facesSource {
            var face = FaceOptions.defaults
            face.detector = detector
            face.minFace = minFace
            face.align = align
            let drawn = try FaceSheet.render(source: facesSource, count: count, search: try FaceSearch(options: face))
            try FileIO.writeAtomically(Data(try drawn.sheet.png()), to: out)
            if !output.quiet { print("wrote \(out): \(drawn.faces) faces in \(drawn.pictures) pictures") }
            return
        }
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
