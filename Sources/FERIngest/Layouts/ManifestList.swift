import FERCore
import FERData
import FERMedia
import Foundation

/// A manifest for any other dataset: a CSV (given as the source, or `manifest.csv` in a folder) with
/// a header naming `path` and `label` and optionally `split`, `subject` and a box `x`, `y`, `w`, `h`.
/// Paths are relative to the CSV's folder; labels go through the label vocabulary (names, ids,
/// `--label-map`); a label it does not know is excluded under its own name.
enum ManifestList {
    static let fileName = "manifest.csv"

    /// Whether a CSV's header names `path` and `label` (a manifest rather than a FER2013 CSV).
    static func isManifest(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = String(utf8Text: (try? handle.read(upToCount: 4096)) ?? Data())
        let header = head.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        let columns = Set(CSVField.split(header).map { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() })
        return columns.contains("path") && columns.contains("label")
    }

    static func faces(listPath path: String, vocabulary: LabelVocabulary) throws -> [ListedItem] {
        var lines = try ListFile.lines(path)[...]
        guard let header = lines.popFirst() else {
            throw FerError(.nothingRead, "the manifest is empty", at: InputLocation(source: path))
        }
        let columns = CSVField.split(String(header.text)).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let index = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        guard let pathColumn = index["path"], let labelColumn = index["label"] else {
            throw ListFile.bad("a manifest's header names at least 'path' and 'label'", path, line: header.number)
        }
        let boxColumns = ["x", "y", "w", "h"].compactMap { index[$0] }
        guard boxColumns.isEmpty || boxColumns.count == 4 else {
            throw ListFile.bad("a box needs all four columns x, y, w, h", path, line: header.number)
        }
        return try ListFile.items(lines) { number, line in
            let fields = CSVField.split(String(line)).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == columns.count else {
                throw ListFile.bad("expected \(columns.count) fields, got \(fields.count)", path, line: number)
            }
            let name = fields[labelColumn]
            let label: LayoutLabel
            switch vocabulary.resolve(name) {
            case .emotion(let emotion): label = .emotion(emotion)
            case .ignored, .unknown: label = .excluded(name)
            }
            var split = Split.train
            if let column = index["split"], !fields[column].isEmpty {
                guard let named = Split(folderName: fields[column]) else {
                    throw ListFile.bad("split '\(fields[column])' is not train, val or test", path, line: number)
                }
                split = named
            }
            var box: FaceBox?
            if boxColumns.count == 4, !boxColumns.allSatisfy({ fields[$0].isEmpty }) {
                let values = boxColumns.map { Int(fields[$0]) }
                guard let x = values[0], let y = values[1], let w = values[2], let h = values[3] else {
                    throw ListFile.bad("the box x, y, w, h must be whole numbers", path, line: number)
                }
                box = try ListFile.box(x: x, y: y, width: w, height: h, path, line: number)
            }
            let subject = index["subject"].map { fields[$0] }.flatMap { $0.isEmpty ? nil : $0 }
            return [ListedFace(image: fields[pathColumn], label: label, split: split, subject: subject, box: box,
                              location: InputLocation(source: path, line: number))]
        }
    }
}
