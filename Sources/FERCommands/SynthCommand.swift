import ArgumentParser
import FERCuration
import FERData
import FERIngest
import Foundation

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Draw synthetic faces: the project's sample data (no third-party faces).",
        discussion: """
            Writes OUT/faces.csv (FER2013-style, 48x48, Training and PublicTest rows) and OUT/foreign.zip \
            (colour PNG/JPEG of several sizes in CLASS/file folders named anger, happiness, ..., plus an \
            extra contempt class). Each expression is visible in the mouth, brows and eyes; pose, size, \
            lighting and noise vary.

            Example:
              ferdata synth samples --per-class 40 --foreign-per-class 12 --seed 7
            """)

    @Argument(help: ArgumentHelp("Output folder.", valueName: "OUT"))
    var folder: String

    @Option(help: "CSV rows per class.")
    var perClass = 40

    @Option(help: "Foreign images per class.")
    var foreignPerClass = 12

    @Option(help: "Random seed.")
    var seed: UInt64 = 7

    @OptionGroup var output: OutputOptions

    func run() throws {
        let counts = try SampleSet.write(to: URL(fileURLWithPath: folder), perClass: perClass, foreignPerClass: foreignPerClass, seed: seed)
        if output.json { return try CommandIO.printJSON(["csvRows": counts.csvRows, "foreignImages": counts.foreignImages]) }
        guard !output.quiet else { return }
        print("wrote \(counts.csvRows) CSV rows to \(folder)/faces.csv and \(counts.foreignImages) images to \(folder)/foreign.zip")
    }
}
