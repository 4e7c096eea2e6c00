import FERCore
import FERData
import FERMedia
import Foundation

extension Ingestor {
    /// The faces of one image of a listed layout, each with its place in the layout's list.
    struct ListedImage {
        var image: String
        var faces: [(position: Int, face: ListedFace)]
    }

    /// Ingests a listed layout: every face its list files name is an input record, in list order
    /// (its locator is its 1-based place in that order), ingested or rejected with a reason: a line
    /// that is not a face, a label outside the seven classes, a path leading out of the folder or to
    /// no regular file (`SourceFolder`), an image missing from the folder, a box outside its image,
    /// an image that does not decode.
    func ingestListed(_ items: [ListedItem], layout: Layout, folder: SourceFolder, sourceIndex: UInt32) throws {
        noteSource { $0.layout = layout.rawValue }
        let faces = items.compactMap { if case .face(let face) = $0 { face } else { nil } }
        let firstPicture = faces.first { folder.exists($0.image) }?.image
        try decideFaces(boxes: faces.contains { $0.box != nil }) {
            firstPicture.flatMap { image in
                (try? folder.read(image, maxBytes: self.options.maxEntryBytes).get())?.withUnsafeBytes(Self.pictureSize)
            }
        }
        let root = folder.root
        var batch: [ListedImage] = []
        for (index, item) in items.enumerated() {
            let position = index + 1
            let ordinal = Partition.ordinal(source: sourceIndex, position: position)
            guard owns(ordinal) else { continue }
            let face: ListedFace
            switch item {
            case .face(let listed): face = listed
            case .badLine(let location, let detail):
                try reject(Reject(location: location, reason: .badListLine, detail: detail, ordinal: ordinal))
                continue
            }
            let location = InputLocation(source: face.location.source, member: face.image, line: face.location.line)
            if case .excluded(let name) = face.label {
                try reject(Reject(location: location, reason: .excludedLabel,
                                  detail: "'\(name)' is \(layout.rawValue)'s own label, outside the seven classes", ordinal: ordinal))
                noteSource { $0.excludedLabels[name, default: 0] += 1 }
                continue
            }
            if case .failure(let refusal) = folder.resolve(face.image) {
                let detail = refusal.reason == .missingImage ? "the list names \(face.image), which is not in the folder" : refusal.detail
                try reject(Reject(location: location, reason: refusal.reason, detail: detail, ordinal: ordinal))
                continue
            }
            if batch.last?.image == face.image {
                batch[batch.count - 1].faces.append((position, face))
            } else {
                if batch.count == Self.decodeBatchSize {
                    try decodeListed(batch, folder: folder, sourceIndex: sourceIndex)
                    batch.removeAll(keepingCapacity: true)
                    report(source: root.path, fraction: Double(position) / Double(items.count))
                }
                batch.append(ListedImage(image: face.image, faces: [(position, face)]))
            }
        }
        try decodeListed(batch, folder: folder, sourceIndex: sourceIndex)
        report(source: root.path, fraction: 1)
    }

    private func decodeListed(_ batch: [ListedImage], folder: SourceFolder, sourceIndex: UInt32) throws {
        let maxPixels = options.maxImagePixels, maxBytes = options.maxEntryBytes, layout = sourceLayout
        let outcomes = Parallel.map(count: batch.count) { range in
            batch[range].flatMap {
                Self.decode($0, folder: folder, sourceIndex: sourceIndex, layout: layout, maxPixels: maxPixels, maxBytes: maxBytes)
            }
        }
        for outcome in outcomes { try settle(outcome) }
    }

    /// The least share of a listed box's area that must lie inside its image. Lists draw boxes a
    /// little past the edge for faces at the border (they are cropped to the part inside); a box
    /// mostly outside would be a strip of the face stretched to a square, and is a `bad-box` reject.
    static let minimumFractionInside = 0.5

    /// The share of the box's area inside a `width` x `height` image (0 for an empty box). Box values
    /// are bounded by the list readers (±2^24), so every product fits.
    static func fractionInside(_ box: FaceBox, width: Int, height: Int) -> Double {
        guard box.width > 0, box.height > 0 else { return 0 }
        let insideWidth = max(0, min(width, box.x + box.width) - max(0, box.x))
        let insideHeight = max(0, min(height, box.y + box.height) - max(0, box.y))
        return Double(insideWidth * insideHeight) / Double(box.width * box.height)
    }

    static func decode(
        _ listed: ListedImage, folder: SourceFolder, sourceIndex: UInt32, layout: SourceLayout, maxPixels: UInt64, maxBytes: Int
    ) -> [ItemOutcome] {
        func rejectAll(_ reason: RejectReason, _ detail: String) -> [ItemOutcome] {
            listed.faces.map { position, face in
                .rejected(Reject(location: InputLocation(source: face.location.source, member: listed.image, line: face.location.line),
                                 reason: reason, detail: detail, ordinal: Partition.ordinal(source: sourceIndex, position: position)),
                          unknownLabel: nil)
            }
        }
        let planes: [GrayImage]
        let read = folder.read(listed.image, maxBytes: maxBytes)
        switch read.flatMap({ data in data.withUnsafeBytes { Self.planes(of: $0, layout: layout, maxPixels: maxPixels) } }) {
        case .success(let full): planes = full
        case .failure(let refusal): return rejectAll(refusal.reason, refusal.detail)
        }
        return listed.faces.flatMap { position, face -> [ItemOutcome] in
            let ordinal = Partition.ordinal(source: sourceIndex, position: position)
            let location = InputLocation(source: face.location.source, member: listed.image, line: face.location.line)
            var found = FaceSearch.Face(frame: nil, planes: planes)
            if let box = face.box, layout.faceSearch == nil {
                let fraction = Self.fractionInside(box, width: planes[0].width, height: planes[0].height)
                guard fraction >= Self.minimumFractionInside else {
                    let detail = "box x \(box.x) y \(box.y) w \(box.width) h \(box.height) has \(Int((fraction * 100).rounded(.down)))% of its area inside the "
                        + "\(planes[0].width)x\(planes[0].height) image (a face box needs \(Int(Self.minimumFractionInside * 100))%)"
                    return [.rejected(Reject(location: location, reason: .badBox, detail: detail, ordinal: ordinal), unknownLabel: nil)]
                }
                let inside = planes.compactMap { $0.cropped(x: box.x, y: box.y, width: box.width, height: box.height) }
                guard inside.count == planes.count else {
                    let detail = "box x \(box.x) y \(box.y) w \(box.width) h \(box.height) is outside the \(planes[0].width)x\(planes[0].height) image or empty"
                    return [.rejected(Reject(location: location, reason: .badBox, detail: detail, ordinal: ordinal), unknownLabel: nil)]
                }
                found = FaceSearch.Face(frame: FaceFrame(method: .listed, box: box), planes: inside)
            } else {
                // A listed face searched for: the largest face of its picture (the list names one face).
                switch Self.facesOf(planes, layout: layout) {
                case .success(let searched): found = searched[0]
                case .failure(let refusal):
                    return [.rejected(Reject(location: location, reason: refusal.reason, detail: refusal.detail, ordinal: ordinal), unknownLabel: nil)]
                }
            }
            let pixels = layout.facePixels(found.planes)
            guard case .emotion(let emotion) = face.label else { preconditionFailure("excluded labels are rejected before decoding") }
            var record = FaceRecord(
                pixels: pixels.pixels, label: emotion, split: face.split, sourceIndex: sourceIndex,
                locator: UInt64(position), recordID: FaceRecord.ingestID(sourceIndex: sourceIndex, locator: UInt64(position)),
                sourceName: listed.image, subject: face.subject, shape: pixels.shape)
            record.valence = face.valence
            record.arousal = face.arousal
            record.face = found.frame
            return [ItemOutcome.face(EncodedRecord(record), ordinal: ordinal)]
        }
    }
}
