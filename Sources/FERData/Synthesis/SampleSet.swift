import FERCore
import FERMedia
import Foundation

/// Writes the project's sample data from synthetic faces:
/// - `faces.csv`: a FER2013-style CSV (emotion,pixels,Usage), 48x48, Training and PublicTest rows;
/// - `foreign.zip`: colour PNG and JPEG images of several sizes in a `CLASS/file` layout with other
///   label names (anger, happiness, ...) and an extra `contempt` class, as a foreign dataset.
public enum SampleSet {
    /// Foreign label names, as other FER datasets spell them.
    static let foreignNames: [Emotion: String] = [
        .angry: "anger", .disgust: "disgusted", .fear: "fearful", .happy: "happiness", .sad: "sadness",
        .surprise: "surprised", .neutral: "neutral",
    ]

    public struct Counts: Sendable {
        public var csvRows: Int
        public var foreignImages: Int
    }

    /// - Parameters:
    ///   - perClass: CSV rows per class; a fifth of them are PublicTest.
    ///   - foreignPerClass: foreign images per class.
    @discardableResult
    public static func write(to directory: URL, perClass: Int, foreignPerClass: Int, seed: UInt64) throws -> Counts {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var random = SeededGenerator(seed: seed)
        var csv = "emotion,pixels,Usage\n"
        var rows = 0
        for index in 0..<perClass {
            for emotion in Emotion.allCases {
                let face = GrayImage(width: 96, height: 96, pixels: SyntheticFace.render(emotion, size: 96, using: &random).map {
                    UInt8($0.rounded())
                }).faceSized()
                let usage = index % 5 == 4 ? "PublicTest" : "Training"
                csv += "\(emotion.rawValue),\(face.pixels.map(String.init).joined(separator: " ")),\(usage)\n"
                rows += 1
            }
        }
        try FileIO.writeDurably(Data(csv.utf8), to: directory.appendingPathComponent("faces.csv").path)

        let zipPath = directory.appendingPathComponent("foreign.zip").path
        let writer = try ArchiveWriter(path: zipPath, format: .zip)
        var images = 0
        let classes: [(String, Emotion)] = Emotion.allCases.map { (foreignNames[$0]!, $0) } + [("contempt", .neutral)]
        for index in 0..<foreignPerClass {
            for (name, emotion) in classes {
                let size = [64, 80, 120, 160][Int.random(in: 0..<4, using: &random)]
                let gray = SyntheticFace.render(emotion, size: size, using: &random)
                let tint = (Float.random(in: 0.9...1.1, using: &random), Float.random(in: 0.75...0.9, using: &random),
                            Float.random(in: 0.6...0.8, using: &random))
                var rgb = [UInt8](repeating: 0, count: size * size * 3)
                for (i, value) in gray.enumerated() {
                    rgb[3 * i] = UInt8(min(255, value * tint.0 + 15))
                    rgb[3 * i + 1] = UInt8(min(255, value * tint.1))
                    rgb[3 * i + 2] = UInt8(min(255, value * tint.2))
                }
                let file = String(format: "%@/s%03d_%@.%@", name, index, name, index % 2 == 0 ? "png" : "jpg")
                let bytes = index % 2 == 0
                    ? try ImageEncoder.png(rgb, width: size, height: size, channels: 3)
                    : try ImageEncoder.jpeg(rgb, width: size, height: size, channels: 3, quality: 90)
                try writer.add(file, bytes)
                images += 1
            }
        }
        try writer.close()
        return Counts(csvRows: rows, foreignImages: images)
    }
}
