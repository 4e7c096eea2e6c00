import FERCore
import FERData
import FERIngest
import FERMedia

/// A PNG of faces in captioned rows, so that a person can see what a stage did.
public enum ContactSheet {
    public struct Face: Sendable {
        public var image: GrayImage
        /// A frame colour (for example kept or removed), or none.
        public var frame: Canvas.Color?

        /// A face of any size is drawn at 48x48 (gray), as every sheet's cells are.
        public init(_ image: GrayImage, frame: Canvas.Color? = nil) {
            self.image = image.width == FaceSize.side && image.height == FaceSize.side ? image : image.faceSized()
            self.frame = frame
        }
    }

    public struct Row: Sendable {
        public var caption: String
        public var faces: [Face]

        public init(caption: String, faces: [Face]) {
            self.caption = caption
            self.faces = faces
        }
    }

    public static let kept = Canvas.Color(52, 168, 83)
    public static let removed = Canvas.Color(219, 68, 55)

    /// One row per `Row`: the caption on the left, then the faces at `scale` x 48 pixels.
    /// Faces grouped by caption, a row per group of up to `perRow` faces, at most `maxRows` rows: the
    /// groups in the order they first appear, or the largest first (`largestFirst`, ties by first
    /// appearance) with each group's size in its caption. Nil for no faces.
    public static func grouped(
        _ faces: [(caption: String, image: GrayImage)], largestFirst: Bool, title: String, perRow: Int = 10, maxRows: Int = 12
    ) -> Canvas? {
        guard !faces.isEmpty else { return nil }
        var order: [String] = []
        var rows: [String: [Face]] = [:]
        var counts: [String: Int] = [:]
        for (caption, image) in faces {
            if counts[caption] == nil { order.append(caption) }
            counts[caption, default: 0] += 1
            if rows[caption, default: []].count < perRow { rows[caption, default: []].append(Face(image)) }
        }
        if largestFirst {
            let first = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
            order.sort { counts[$0]! != counts[$1]! ? counts[$0]! > counts[$1]! : first[$0]! < first[$1]! }
        }
        return render(order.prefix(maxRows).map { Row(caption: largestFirst ? "\($0) (\(counts[$0]!))" : $0, faces: rows[$0]!) },
                      scale: 2, title: title)
    }

    public static func render(_ rows: [Row], scale: Int = 2, title: String? = nil) -> Canvas {
        let cell = 48 * scale + 6
        let captionWidth = max(60, (rows.map { Canvas.textWidth($0.caption, scale: 2) }.max() ?? 0) + 16)
        let columns = max(1, rows.map(\.faces.count).max() ?? 1)
        let top = title == nil ? 4 : 30
        var canvas = Canvas(width: captionWidth + columns * cell + 4, height: top + rows.count * cell + 4)
        if let title { canvas.text(title, x: 8, y: 8, scale: 2) }
        for (rowIndex, row) in rows.enumerated() {
            let y = top + rowIndex * cell
            canvas.text(row.caption, x: 8, y: y + cell / 2 - 7, scale: 2)
            for (column, face) in row.faces.enumerated() {
                let x = captionWidth + column * cell
                if let frame = face.frame { canvas.fill(x: x, y: y, width: cell - 2, height: cell - 2, frame) }
                canvas.draw(face.image, x: x + 2, y: y + 2, scale: scale)
            }
        }
        return canvas
    }
}
