import FERCore
import FERMedia

/// Where a record's face was cut from a larger picture, kept in the record (docs/format.md) so that a
/// rerun reproduces it, merged parts keep it, and anyone can trace a face back to its picture: how it
/// was found, its box, and the cut itself. Records of pictures taken whole as face crops have none.
public struct FaceFrame: Sendable, Hashable {
    public enum Method: UInt8, Sendable {
        /// Found by the face search without landmarks (the Haar cascades); the cut is the box grown by
        /// `FaceSearch.margin`, square.
        case detected = 1
        /// Found by the search and aligned from its landmarks (`LandmarkFraming`, turned level).
        case aligned = 2
        /// A layout's list gave the box (AffectNet, ExpW, a manifest); the cut is the box itself.
        case listed = 3
        /// Found by the search and framed from its landmarks (`LandmarkFraming`, upright).
        case framed = 4

        public var name: String {
            switch self {
            case .detected: return "detect"
            case .aligned: return "aligned"
            case .listed: return "box"
            case .framed: return "framed"
            }
        }
    }

    /// The face search that found it (`--detector`): none for a layout's box.
    public enum Detector: UInt8, Sendable {
        /// OpenCV's Haar cascades (`FaceDetector`), which give no score.
        case haar = 1
        /// MTCNN, whose score is O-Net's face probability.
        case mtcnn = 2

        public var name: String {
            switch self {
            case .haar: return "haar"
            case .mtcnn: return "mtcnn"
            }
        }
    }

    public var method: Method
    /// Which detector found the face, nil for a layout's box (and in records written before format version 3).
    public var detector: Detector?
    /// The detector's score for the face (MTCNN's probability, at least `--min-score`); nil where it gives none.
    public var score: Float?
    /// The face's box in the picture, pixels: the detector's, or the list's.
    public var box: FaceBox
    /// The cut, for `detected`, `framed` and `aligned`: a square of `side` picture pixels centred at (`centreX`,
    /// `centreY`), its axes turned by `angle` radians (y down: positive turns them clockwise as seen; the
    /// eye line's angle it levels); resized to the dataset's face size. For `listed` these are zero.
    public var centreX: Float
    public var centreY: Float
    public var side: Int
    public var angle: Float
    /// Which face of its picture, 0 the largest; only `--all-faces` keeps the others.
    public var rank: Int

    /// The cut of a picture's planes (`detected` and `aligned` frames), before resizing: bilinear,
    /// edges clamped; an unturned frame inside the picture cuts its pixels exactly.
    public func cut(_ planes: [GrayImage]) -> [GrayImage] {
        let middle = (x: Double(centreX), y: Double(centreY)), anchor = (x: Double(side) / 2, y: Double(side) / 2)
        return planes.map { $0.rotatedCrop(side: side, origin: middle, anchor: anchor, angle: Double(angle)) }
    }

    public init(method: Method, box: FaceBox, centreX: Float = 0, centreY: Float = 0, side: Int = 0, angle: Float = 0, rank: Int = 0,
                detector: Detector? = nil, score: Float? = nil) {
        self.method = method
        self.detector = detector
        self.score = score
        self.box = box
        self.centreX = centreX
        self.centreY = centreY
        self.side = side
        self.angle = angle
        self.rank = rank
    }
}

extension RecordFormat {
    /// The frame block (24 bytes from `frameOffset`): centre x, centre y, angle (f32); box x, y, width,
    /// height, side (u16); method, rank (u8). Method 0: no frame. Then (version 3, from `detectorOffset`)
    /// the detector (u8, 0 none), three zero bytes and the score (f32, NaN none). Version 3 only.
    func storeFrame(_ frame: FaceFrame?, into buffer: UnsafeMutableRawBufferPointer) {
        buffer.storeBytes(of: (frame?.score ?? .nan).bitPattern.littleEndian, toByteOffset: scoreOffset, as: UInt32.self)
        guard let frame else { return }
        buffer[detectorOffset] = frame.detector?.rawValue ?? 0
        let at = frameOffset
        for (slot, value) in [frame.centreX, frame.centreY, frame.angle].enumerated() {
            buffer.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: at + 4 * slot, as: UInt32.self)
        }
        for (slot, value) in [frame.box.x, frame.box.y, frame.box.width, frame.box.height, frame.side].enumerated() {
            buffer.storeBytes(of: UInt16(clamping: value).littleEndian, toByteOffset: at + 12 + 2 * slot, as: UInt16.self)
        }
        buffer[at + 22] = frame.method.rawValue
        buffer[at + 23] = UInt8(clamping: frame.rank)
    }

    /// The frame stored in a record, nil when none is (method 0); version 2's have no detector or score.
    /// - Throws: a method or detector this ferdata does not know.
    func loadFrame(_ buffer: UnsafeRawBufferPointer) throws -> FaceFrame? {
        let at = frameOffset
        guard buffer[at + 22] != 0 else { return nil }
        guard let method = FaceFrame.Method(rawValue: buffer[at + 22]) else {
            throw FerError(.corruptShard, "record face frame method \(buffer[at + 22]) out of range")
        }
        func float(_ slot: Int) -> Float { Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: at + 4 * slot, as: UInt32.self))) }
        func short(_ slot: Int) -> Int { Int(UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: at + 12 + 2 * slot, as: UInt16.self))) }
        var frame = FaceFrame(method: method, box: FaceBox(x: short(0), y: short(1), width: short(2), height: short(3)),
                              centreX: float(0), centreY: float(1), side: short(4), angle: float(2), rank: Int(buffer[at + 23]))
        if version >= 3 {
            if buffer[detectorOffset] != 0 {
                guard let detector = FaceFrame.Detector(rawValue: buffer[detectorOffset]) else {
                    throw FerError(.corruptShard, "record face detector \(buffer[detectorOffset]) out of range")
                }
                frame.detector = detector
            }
            let score = Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: scoreOffset, as: UInt32.self)))
            frame.score = score.isNaN ? nil : score
        }
        return frame
    }
}
