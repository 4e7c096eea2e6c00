import ArgumentParser
import FERCore
import FERData

/// How faces are found in pictures, for ingest, crosseval and annotate (declared once: their commands'
/// options and their pipeline keys).
public struct FaceOptions: Settings, Sendable, Equatable {
    @Option(help: "How the face is found in each picture: auto (a layout's boxes; else a search when the source's first picture is over 128 px and twice the face size, else the pictures are taken as face crops), detect (search every picture: the largest face, or the picture is rejected as no-face), box (a layout's boxes), none (a face crop already).")
    public var faces = FaceMode.auto

    @Option(help: ArgumentHelp("The smallest face a search keeps, in pixels (20-4096).", valueName: "PIXELS"))
    public var minFace = 48

    @Flag(help: "Align each found face from its eyes (dlib's landmarks): turned so that they are level, scaled to FER-2013's eye distance (the box crop where the landmarks do not settle).")
    public var align = false

    @Flag(help: "Keep every face a search finds in a picture, one record each (largest first), not only the largest.")
    public var allFaces = false

    public init() {}

    public func check() throws {
        guard (20...4096).contains(minFace) else { throw FerError(.invalidArgument, "min-face must be 20 to 4096 pixels, got \(minFace)") }
    }

    public static func == (a: FaceOptions, b: FaceOptions) -> Bool {
        a.faces == b.faces && a.minFace == b.minFace && a.align == b.align && a.allFaces == b.allFaces
    }
}
