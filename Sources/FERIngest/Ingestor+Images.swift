import FERCore
import FERData
import FERMedia
import Foundation

extension Ingestor {
    /// An image file waiting to be decoded: its 1-based ordinal in the source and its member path.
    struct PendingImage {
        var ordinal: Int
        var member: String
        var bytes: ArraySlice<UInt8>
    }

    static let decodeBatchSize = 512

    func ingestArchive(path: String, sourceIndex: UInt32) throws {
        if let layout = options.layout.layout, layout.isListed {
            throw FerError(.invalidArgument, "the \(layout.rawValue) layout is read from its unpacked folder: unpack the archive and ingest the folder",
                           at: InputLocation(source: path))
        }
        noteSource { $0.layout = options.layout.layout?.rawValue }
        let reader = try ArchiveReader(path: path, maxEntryBytes: options.maxEntryBytes)
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        var batch: [PendingImage] = []
        var ordinal = 0
        while let entry = reader.next() {
            switch entry {
            case .file(let name, let bytes):
                ordinal += 1
                try decideFaces(boxes: false) { bytes.withUnsafeBytes(Self.pictureSize) }
                if let listed = Layout.listedLayout(ofListFile: name) { noteSource { $0.listedLayoutInArchive = listed.rawValue } }
                guard owns(Partition.ordinal(source: sourceIndex, position: ordinal)) else { continue }
                batch.append(PendingImage(ordinal: ordinal, member: name, bytes: bytes))
                if batch.count == Self.decodeBatchSize {
                    try decodeBatch(batch, path: path, sourceIndex: sourceIndex)
                    batch.removeAll(keepingCapacity: true)
                    report(source: path, fraction: fileSize.map { Double(reader.bytesConsumed) / Double(max(1, $0)) })
                }
            case .refused(let name, let reason, let detail):
                ordinal += 1
                let key = Partition.ordinal(source: sourceIndex, position: ordinal)
                guard owns(key) else { continue }
                try reject(Reject(location: InputLocation(source: path, member: name), reason: reason, detail: detail, ordinal: key))
            case .damaged(let name, let detail):
                try decodeBatch(batch, path: path, sourceIndex: sourceIndex)
                batch.removeAll()
                markDamaged(detail)
                let key = Partition.ordinal(source: sourceIndex, position: ordinal + 1)
                if owns(key) {
                    try reject(Reject(
                        location: InputLocation(source: path, member: name), reason: .truncatedArchive,
                        detail: "\(detail); entries from here on are lost", ordinal: key))
                }
                report(source: path, fraction: 1)
                return
            }
        }
        try decodeBatch(batch, path: path, sourceIndex: sourceIndex)
        report(source: path, fraction: 1)
    }

    func ingestFolder(path: String, sourceIndex: UInt32) throws {
        let root = URL(fileURLWithPath: path)
        let folder = SourceFolder(root: root, allowOutside: options.allowOutside)
        let members = folder.members()
        let layout = options.layout.layout ?? Layout.detect(members: members)
        if layout.isListed {
            let present = Set(members)
            let faces: [ListedItem]
            switch layout {
            case .rafdb: faces = try RAFDBList.faces(root: root, members: present)
            case .affectnet: faces = try AffectNetList.faces(root: root, members: present)
            case .expw: faces = try ExpWList.faces(root: root, members: present)
            case .ckplus: faces = try CKPlusList.faces(root: root, members: members, peakFrames: options.layout.peakFrames)
            default: faces = try ManifestList.faces(listPath: root.appendingPathComponent(ManifestList.fileName).path,
                                                    vocabulary: options.layout.vocabulary)
            }
            return try ingestListed(faces, layout: layout, folder: folder, sourceIndex: sourceIndex)
        }
        noteSource { $0.layout = layout.rawValue }
        try decideFaces(boxes: false) {
            members.lazy.compactMap { member in
                (try? folder.read(member, maxBytes: self.options.maxEntryBytes).get())?.withUnsafeBytes(Self.pictureSize)
            }.first
        }
        var batch: [PendingImage] = []
        for (index, member) in members.enumerated() {
            let key = Partition.ordinal(source: sourceIndex, position: index + 1)
            guard owns(key) else { continue }
            let data: Data
            switch folder.read(member, maxBytes: options.maxEntryBytes) {
            case .success(let bytes): data = bytes
            case .failure(let refusal):
                try reject(Reject(location: InputLocation(source: path, member: member), reason: refusal.reason, detail: refusal.detail,
                                  ordinal: key))
                continue
            }
            batch.append(PendingImage(ordinal: index + 1, member: member, bytes: [UInt8](data)[...]))
            if batch.count == Self.decodeBatchSize {
                try decodeBatch(batch, path: path, sourceIndex: sourceIndex)
                batch.removeAll(keepingCapacity: true)
                report(source: path, fraction: Double(index + 1) / Double(members.count))
            }
        }
        try decodeBatch(batch, path: path, sourceIndex: sourceIndex)
        report(source: path, fraction: 1)
    }

    /// Relative paths of the entries under `root` that are not folders (files, links, FIFOs, devices:
    /// each is an input record, ingested or rejected by `SourceFolder`'s policy), sorted, hidden
    /// files and folders skipped.
    public static func members(under root: URL) -> [String] {
        SourceFolder(root: root).members()
    }

    /// Decodes a batch on all cores, then records the outcomes in input order.
    private func decodeBatch(_ batch: [PendingImage], path: String, sourceIndex: UInt32) throws {
        let layout = sourceLayout
        let maxPixels = options.maxImagePixels
        let outcomes = Parallel.map(count: batch.count) { range in
            batch[range].flatMap { Self.decode($0, path: path, sourceIndex: sourceIndex, layout: layout, maxPixels: maxPixels) }
        }
        for outcome in outcomes { try settle(outcome) }
    }

    /// Why an input file gives no image: its reject reason and detail.
    struct Refusal: Error {
        var reason: RejectReason
        var detail: String
    }

    /// A folder's file, refused unread when it is over `maxBytes`.
    /// An input file's image as the planes `layout` asks for (gray or RGB), or why there is none: not
    /// an image (no known magic bytes), too large (from its header), or undecodable. Archive members,
    /// folder files and listed layouts' images all go through here.
    static func planes(of bytes: UnsafeRawBufferPointer, layout: SourceLayout, maxPixels: UInt64) -> Result<[GrayImage], Refusal> {
        guard ImageDecoder.sniff(bytes) != nil else {
            return .failure(Refusal(reason: .notAnImage, detail: "not a supported image (\(ImageDecoder.formatNames))"))
        }
        do {
            return .success(try ImageDecoder.decode(bytes, channels: layout.shape.channels, maxPixels: maxPixels))
        } catch {
            return .failure(Refusal(reason: error.code == .imageTooLarge ? .imageTooLarge : .undecodableImage, detail: error.message))
        }
    }

    /// The picture's faces: the picture itself when the source holds face crops (no frame), else the
    /// faces the search finds (the largest, or every one with `--all-faces`), framed or aligned
    /// (`FaceSearch`), or `no-face`.
    static func facesOf(_ planes: [GrayImage], layout: SourceLayout) -> Result<[FaceSearch.Face], Refusal> {
        guard let search = layout.faceSearch else { return .success([FaceSearch.Face(frame: nil, planes: planes)]) }
        do {
            let found = try search.faces(in: planes)
            guard !found.isEmpty else {
                return .failure(Refusal(reason: .noFace, detail: "no face of at least \(search.minFace) px in the \(planes[0].width)x\(planes[0].height) picture"))
            }
            return .success(found)
        } catch {
            return .failure(Refusal(reason: .undecodableImage, detail: "the face search failed: \((error as? FerError)?.message ?? String(describing: error))"))
        }
    }

    /// The picture's records (one per face kept), or why it gives none.
    static func decode(
        _ image: PendingImage, path: String, sourceIndex: UInt32, layout: SourceLayout, maxPixels: UInt64
    ) -> [ItemOutcome] {
        let location = InputLocation(source: path, member: image.member)
        let ordinal = Partition.ordinal(source: sourceIndex, position: image.ordinal)
        func refuse(_ reason: RejectReason, _ detail: String) -> [ItemOutcome] {
            [.rejected(Reject(location: location, reason: reason, detail: detail, ordinal: ordinal), unknownLabel: nil)]
        }
        let placement = layout.place(memberPath: image.member)
        // A face left out on purpose (a KDEF angle) is not decoded, once its bytes are known to be an image.
        if layout.readsLabels, let excluded = placement.excluded, image.bytes.withUnsafeBytes({ ImageDecoder.sniff($0) != nil }) {
            return refuse(.excludedView, excluded)
        }
        let found: [FaceSearch.Face]
        switch image.bytes.withUnsafeBytes({ Self.planes(of: $0, layout: layout, maxPixels: maxPixels) }).flatMap({ Self.facesOf($0, layout: layout) }) {
        case .success(let faces): found = faces
        case .failure(let refusal): return refuse(refusal.reason, refusal.detail)
        }
        return found.map { face in
            let pixels = layout.facePixels(face.planes)
            func record(_ label: Emotion?) -> FaceRecord {
                var record = FaceRecord(
                    pixels: pixels.pixels, label: label, split: placement.split, usage: placement.usage,
                    sourceIndex: sourceIndex, locator: UInt64(image.ordinal),
                    recordID: FaceRecord.ingestID(sourceIndex: sourceIndex, locator: UInt64(image.ordinal), rank: face.frame?.rank ?? 0),
                    sourceName: image.member, subject: placement.subject, shape: pixels.shape)
                record.face = face.frame
                return record
            }
            return layout.readsLabels
                ? outcome(placement.label, name: placement.labelName, location: location, ordinal: ordinal) { record($0) }
                : .face(EncodedRecord(record(nil)), ordinal: ordinal)
        }
    }
}
