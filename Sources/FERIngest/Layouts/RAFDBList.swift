import FERCore
import FERData
import Foundation

/// RAF-DB (basic): `EmoLabel/list_patition_label.txt` (sic), lines `train_00001.jpg 5` with labels
/// 1 surprise, 2 fear, 3 disgust, 4 happiness, 5 sadness, 6 anger, 7 neutral; the split from the name's
/// prefix; the image `Image/aligned/train_00001_aligned.jpg` where the aligned faces are present,
/// else `Image/original/train_00001.jpg`.
enum RAFDBList {
    static let listPath = "EmoLabel/list_patition_label.txt"
    private static let labels: [Int: Emotion] = [1: .surprise, 2: .fear, 3: .disgust, 4: .happy, 5: .sad, 6: .angry, 7: .neutral]

    static func faces(root: URL, members: Set<String>) throws -> [ListedItem] {
        let path = root.appendingPathComponent(listPath).path
        guard members.contains(listPath) else {
            throw FerError(.sourceMissing, "RAF-DB: no \(listPath) (the label list) in the folder", at: InputLocation(source: root.path))
        }
        let aligned = members.contains { $0.hasPrefix("Image/aligned/") }
        return try ListFile.items(ListFile.lines(path)) { number, line in
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard fields.count == 2, let code = Int(fields[1]), let emotion = labels[code] else {
                throw ListFile.bad("expected 'NAME LABEL' with a label 1-7, got '\(line)'", path, line: number)
            }
            let name = String(fields[0])
            let stem = name.split(separator: ".").dropLast().joined(separator: ".")
            let split: Split = name.hasPrefix("test") ? .test : .train
            let image = aligned ? "Image/aligned/\(stem)_aligned.jpg" : "Image/original/\(name)"
            return [ListedFace(image: image, label: .emotion(emotion), split: split,
                              location: InputLocation(source: path, line: number))]
        }
    }
}
