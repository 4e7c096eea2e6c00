import FERCore
import FERData
import FERMedia
import Foundation

/// AffectNet: `training.csv` and `validation.csv` (subDirectory_filePath, face_x, face_y, face_width,
/// face_height, facial_landmarks, expression, valence, arousal) with expression 0 neutral, 1 happy,
/// 2 sad, 3 surprise, 4 fear, 5 disgust, 6 anger, 7 contempt, 8 none, 9 uncertain, 10 non-face (7-10
/// excluded). Each face is cropped by its box. training.csv is the train split; validation.csv is the
/// test split (AffectNet's own test set is not public, and papers report on its validation set). The
/// images are found under the folder, `Manually_Annotated_Images/` or
/// `Manually_Annotated/Manually_Annotated_Images/`.
enum AffectNetList {
    static let listFiles = ["training.csv", "validation.csv"]
    private static let labels: [Int: LayoutLabel] = [
        0: .emotion(.neutral), 1: .emotion(.happy), 2: .emotion(.sad), 3: .emotion(.surprise), 4: .emotion(.fear),
        5: .emotion(.disgust), 6: .emotion(.angry), 7: .excluded("contempt"), 8: .excluded("none"),
        9: .excluded("uncertain"), 10: .excluded("non-face"),
    ]
    static let imageFolders = ["", "Manually_Annotated_Images/", "Manually_Annotated/Manually_Annotated_Images/"]

    static func faces(root: URL, members: Set<String>) throws -> [ListedItem] {
        var faces: [ListedItem] = []
        for file in listFiles where members.contains(file) {
            let path = root.appendingPathComponent(file).path
            var lines = try ListFile.lines(path)[...]
            guard let header = lines.popFirst() else { continue }
            let columns = CSVField.split(String(header.text)).map { $0.trimmingCharacters(in: .whitespaces) }
            let needed = ["subDirectory_filePath", "face_x", "face_y", "face_width", "face_height", "expression"]
            let index = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            guard needed.allSatisfy({ index[$0] != nil }) else {
                throw ListFile.bad("AffectNet: the header needs \(needed.joined(separator: ", "))", path, line: header.number)
            }
            faces += try ListFile.items(lines) { number, line in
                let fields = CSVField.split(String(line))
                func int(_ name: String) -> Int? {
                    let i = index[name]!
                    return i < fields.count ? Int(fields[i].trimmingCharacters(in: .whitespaces)) : nil
                }
                guard fields.count == columns.count, let x = int("face_x"), let y = int("face_y"), let width = int("face_width"),
                      let height = int("face_height"), let code = int("expression"), let label = labels[code]
                else {
                    throw ListFile.bad("AffectNet: expected \(columns.count) fields with a numeric box and an expression 0-10", path, line: number)
                }
                func float(_ name: String) -> Float? {
                    index[name].flatMap { $0 < fields.count ? Float(fields[$0].trimmingCharacters(in: .whitespaces)) : nil }
                }
                let relative = fields[index["subDirectory_filePath"]!]
                let image = imageFolders.map { $0 + relative }.first(where: members.contains) ?? relative
                var face = ListedFace(
                    image: image, label: label, split: file == "training.csv" ? .train : .test,
                    box: try ListFile.box(x: x, y: y, width: width, height: height, path, line: number),
                    location: InputLocation(source: path, line: number))
                // -2 marks "no value" (the non-face rows).
                face.valence = float("valence").flatMap { (-1...1).contains($0) ? $0 : nil }
                face.arousal = float("arousal").flatMap { (-1...1).contains($0) ? $0 : nil }
                return [face]
            }
        }
        return faces
    }
}
