import FERCore
import FERData
import FERMedia
import Foundation

/// `ferdata show --faces SOURCE`: the first pictures of a folder or archive, each shrunk to fit a
/// cell, with every face the search finds boxed (the one ingest keeps, the largest, in orange; others
/// in blue), the five landmarks that frame it (green; with the Haar search and alignment, dlib's 68
/// points in yellow, a red mark where they did not settle and the box frames it) and the crop its
/// record would be cut from (a thin square): what `--faces detect` will do, to look at before ingesting.
public enum FaceSheet {
    static let cell = 300, columns = 3, caption = 22

    /// - Throws: an unreadable source, or one with no picture.
    public static func render(source: String, count: Int, search: FaceSearch) throws -> (sheet: Canvas, pictures: Int, faces: Int) {
        let pictures = try Self.pictures(in: source, count: count)
        guard !pictures.isEmpty else { throw FerError(.nothingRead, "no picture ferdata reads in \(source)", at: InputLocation(source: source)) }
        let rows = (pictures.count + columns - 1) / columns
        var canvas = Canvas(width: columns * (cell + 10) + 10, height: rows * (cell + caption + 10) + 40)
        canvas.text("\(URL(fileURLWithPath: source).lastPathComponent): faces found (orange: kept by ingest)", x: 10, y: 12, scale: 2)
        var found = 0
        for (index, picture) in pictures.enumerated() {
            let left = 10 + (index % columns) * (cell + 10), top = 40 + (index / columns) * (cell + caption + 10)
            let shrink = min(1, Double(cell) / Double(max(picture.image.width, picture.image.height)))
            let image = picture.image
            canvas.draw(shrink < 1 ? image.shrunk(width: max(1, Int(Double(image.width) * shrink)), height: max(1, Int(Double(image.height) * shrink)))
                                   : image, x: left, y: top)
            let faces = try search.find(picture.planes)
            found += faces.count
            func at(_ x: Double, _ y: Double) -> (x: Int, y: Int) { (left + Int(x * shrink), top + Int(y * shrink)) }
            for (rank, face) in faces.enumerated().reversed() {
                let box = face.box
                let color = rank == 0 ? Canvas.Color(234, 134, 20) : Canvas.Color(66, 133, 244)
                let corners = [at(Double(box.x), Double(box.y)), at(Double(box.x + box.width), Double(box.y)),
                               at(Double(box.x + box.width), Double(box.y + box.height)), at(Double(box.x), Double(box.y + box.height))]
                for side in 0..<4 { canvas.line(from: corners[side], to: corners[(side + 1) % 4], color, thickness: 3) }
                // dlib's points in yellow; the five landmarks that frame the face in green (red: dlib's fit did not settle).
                for point in (face.dlibPoints ?? []).map({ at($0.x, $0.y) }) {
                    canvas.fill(x: point.x - 1, y: point.y - 1, width: 3, height: 3, Canvas.Color(250, 204, 21))
                }
                if let landmarks = face.landmarks {
                    for landmark in landmarks.points {
                        let point = at(landmark.x, landmark.y)
                        canvas.fill(x: point.x - 3, y: point.y - 3, width: 7, height: 7, Canvas.Color(52, 168, 83))
                    }
                } else if face.dlibPoints != nil {
                    let point = at(Double(box.x + box.width / 2), Double(box.y + box.height / 2))
                    canvas.fill(x: point.x - 3, y: point.y - 3, width: 7, height: 7, Canvas.Color(220, 38, 38))
                }
                // The crop the record is cut from, in the face's colour, thin.
                let frame = search.frame(of: face, width: picture.image.width, height: picture.image.height, rank: rank)
                let half = Double(frame.side) / 2, c = cos(Double(frame.angle)), s = sin(Double(frame.angle))
                let cut = [(-half, -half), (half, -half), (half, half), (-half, half)].map { u, v in
                    at(Double(frame.centreX) + c * u - s * v, Double(frame.centreY) + s * u + c * v)
                }
                for side in 0..<4 { canvas.line(from: cut[side], to: cut[(side + 1) % 4], color, thickness: 1) }
            }
            let name = String(picture.name.suffix(30))
            canvas.text("\(name): \(faces.isEmpty ? "no face" : "\(faces.count) face\(faces.count == 1 ? "" : "s")")", x: left, y: top + cell + 6)
        }
        return (canvas, pictures.count, found)
    }

    /// The first `count` pictures of a folder (sorted paths) or archive (entry order): their colour
    /// planes (searched) and gray (drawn).
    static func pictures(in source: String, count: Int) throws -> [(name: String, planes: [GrayImage], image: GrayImage)] {
        var pictures: [(name: String, planes: [GrayImage], image: GrayImage)] = []
        func add(_ name: String, _ bytes: UnsafeRawBufferPointer) {
            if pictures.count < count, let planes = try? ImageDecoder.decode(bytes, channels: 3) {
                pictures.append((name, planes, GrayImage.luma(red: planes[0], green: planes[1], blue: planes[2])))
            }
        }
        switch try Ingestor.kind(of: source) {
        case .folder:
            let folder = SourceFolder(root: URL(fileURLWithPath: source))
            for member in folder.members() where pictures.count < count {
                if case .success(let data) = folder.read(member, maxBytes: ArchiveReader.defaultMaxEntryBytes) {
                    data.withUnsafeBytes { add(member, $0) }
                }
            }
        case .archive:
            let reader = try ArchiveReader(path: source)
            while pictures.count < count, let entry = reader.next() {
                if case .file(let name, let bytes) = entry { bytes.withUnsafeBytes { add(name, $0) } }
            }
        case .csv, .manifest:
            throw FerError(.invalidArgument, "show --faces draws faces found in pictures: give a folder or an archive of pictures", at: InputLocation(source: source))
        }
        return pictures
    }
}
