import FERCore
import FERData
import FERMedia
import Foundation

/// ExpW: `label/label.lst`, lines `image_name face_id top left right bottom confidence expression`
/// (expression 0-6 in FER2013's order), several faces per image, each cropped by its box; images in
/// `image/origin/`, `origin/` or `image/`.
enum ExpWList {
    static let listPath = "label/label.lst"
    static let imageFolders = ["image/origin/", "origin/", "image/"]

    static func faces(root: URL, members: Set<String>) throws -> [ListedItem] {
        let path = root.appendingPathComponent(listPath).path
        return try ListFile.items(ListFile.lines(path)) { number, line in
            let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard fields.count == 8, let top = Int(fields[2]), let left = Int(fields[3]), let right = Int(fields[4]),
                  let bottom = Int(fields[5]), let code = UInt8(fields[7]), let emotion = Emotion(rawValue: code)
            else {
                throw ListFile.bad("ExpW: expected 'image face top left right bottom confidence label' with a label 0-6", path, line: number)
            }
            let image = imageFolders.map { $0 + fields[0] }.first(where: members.contains) ?? imageFolders[0] + fields[0]
            let limit = ListFile.largestBoxValue
            guard [top, left, right, bottom].allSatisfy({ $0 >= -limit && $0 <= limit }) else {
                throw ListFile.bad("ExpW: the face box \(left),\(top) to \(right),\(bottom) is past ±\(limit) pixels", path, line: number)
            }
            return [ListedFace(
                image: image, label: .emotion(emotion), split: .train,
                box: try ListFile.box(x: left, y: top, width: right - left, height: bottom - top, path, line: number),
                location: InputLocation(source: path, line: number))]
        }
    }
}
