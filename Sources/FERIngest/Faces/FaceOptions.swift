import ArgumentParser
import FERCore
import FERData

/// How faces are found in pictures, for ingest, crosseval and annotate (declared once: their commands'
/// options and their pipeline keys).
public struct FaceOptions: Settings, Sendable, Equatable {
    @Option(help: "How the face is found in each picture: auto (a layout's boxes; else a search when the source's first picture is over 128 px and twice the face size, else the pictures are taken as face crops), detect (search every picture: the largest face, or the picture is rejected as no-face), box (a layout's boxes), none (a face crop already).")
    public var faces = FaceMode.auto

    @Option(help: "The face detector a search runs: auto (mtcnn where its weights are installed, by scripts/fetch-mtcnn; else haar), mtcnn (a CNN whose five landmarks frame each face), haar (OpenCV's cascades, framed by their box).")
    public var detector = DetectorChoice.auto

    @Option(help: ArgumentHelp("The smallest face a search keeps, in pixels (20-4096).", valueName: "PIXELS"))
    public var minFace = 48

    @Option(help: ArgumentHelp("MTCNN: the probability a face must reach at its last stage (0.5-0.999).", valueName: "P"))
    public var minScore = 0.8

    @Flag(help: "Turn each found face level, framed from its landmarks (MTCNN's; with haar, dlib's, the box crop where they do not settle).")
    public var align = false

    @Flag(help: "Keep every face a search finds in a picture, one record each (largest first), not only the largest.")
    public var allFaces = false

    public init() {}

    public func check() throws {
        guard (20...4096).contains(minFace) else { throw FerError(.invalidArgument, "min-face must be 20 to 4096 pixels, got \(minFace)") }
        guard (0.5...0.999).contains(minScore) else { throw FerError(.invalidArgument, "min-score must be 0.5 to 0.999, got \(minScore)") }
    }

    public static func == (a: FaceOptions, b: FaceOptions) -> Bool {
        a.faces == b.faces && a.detector == b.detector && a.minFace == b.minFace && a.minScore == b.minScore && a.align == b.align
            && a.allFaces == b.allFaces
    }
}
