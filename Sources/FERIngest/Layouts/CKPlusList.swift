import FERCore
import FERData
import Foundation

/// CK+: `cohn-kanade-images/S005/001/S005_001_00000011.png` with
/// `Emotion/S005/001/S005_001_00000011_emotion.txt` holding one float label (`3.0000000e+00`: 0 neutral,
/// 1 anger, 2 contempt, 3 disgust, 4 fear, 5 happy, 6 sadness, 7 surprise; contempt excluded). Each
/// labelled sequence gives its first frame as neutral and its last `peakFrames` frames with its
/// label; the subject is the `S005` folder. Sequences without an emotion file are not labelled and
/// give no faces.
enum CKPlusList {
    static let emotionFolder = "Emotion"
    static let imageFolder = "cohn-kanade-images"
    private static let labels: [Int: LayoutLabel] = [
        0: .emotion(.neutral), 1: .emotion(.angry), 2: .excluded("contempt"), 3: .emotion(.disgust), 4: .emotion(.fear),
        5: .emotion(.happy), 6: .emotion(.sad), 7: .emotion(.surprise),
    ]

    static func faces(root: URL, members: [String], peakFrames: Int) throws -> [ListedItem] {
        var frames: [String: [String]] = [:]  // "S005/001" -> image paths, sorted
        for member in members where member.hasPrefix(imageFolder + "/") {
            let parts = member.split(separator: "/")
            guard parts.count == 4, !parts[3].hasPrefix(".") else { continue }
            frames["\(parts[1])/\(parts[2])", default: []].append(member)
        }
        var faces: [ListedItem] = []
        for member in members.sorted() where member.hasPrefix(emotionFolder + "/") && member.hasSuffix("_emotion.txt") {
            let parts = member.split(separator: "/")
            guard parts.count == 4 else { continue }
            let path = root.appendingPathComponent(member).path
            // One emotion file is one line of the list: a bad or unreadable one is that line's reject.
            faces += try ListFile.items([(number: 1, text: Substring(member))]) { _, _ in
                guard let lines = try? ListFile.lines(path) else {
                    throw ListFile.bad("CK+: the emotion file cannot be read as a file", path, line: 1)
                }
                guard let first = lines.first, lines.count == 1,
                      let value = Double(first.text.trimmingCharacters(in: .whitespaces)),
                      let index = Int(exactly: value),  // nil for 2.5, inf, nan and 1e19: refused, not a trap
                      let label = labels[index]
                else {
                    throw ListFile.bad("CK+: expected one label 0-7 (as 3.0000000e+00)", path, line: lines.first?.number ?? 1)
                }
                let subject = String(parts[1])
                let sequence = (frames["\(parts[1])/\(parts[2])"] ?? []).sorted()
                let location = InputLocation(source: path, line: first.number)
                guard !sequence.isEmpty else {
                    // The label file without its frames: one face, whose image is missing.
                    return [ListedFace(image: "\(imageFolder)/\(parts[1])/\(parts[2])", label: label, split: .train,
                                       subject: subject, location: location)]
                }
                let peak = sequence.suffix(min(peakFrames, max(0, sequence.count - 1)))
                return [ListedFace(image: sequence[0], label: .emotion(.neutral), split: .train, subject: subject, location: location)]
                    + peak.map { ListedFace(image: $0, label: label, split: .train, subject: subject, location: location) }
            }
        }
        return faces
    }
}
