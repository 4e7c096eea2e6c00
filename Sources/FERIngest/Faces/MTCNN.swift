import FERCore
import FERData
import FERMedia
import Foundation

/// MTCNN (Zhang et al. 2016), the CNN face detector the field's FER pipelines crop with: P-Net
/// proposes faces over an image pyramid, R-Net and O-Net refine them, O-Net adds five landmarks
/// (the eyes, the nose tip, the mouth's corners). Written on OpenBLAS after the reference
/// implementation facenet-pytorch 2.6.0 (its pyramid, area resampling, thresholds 0.6/0.7/0.7, scale
/// step 0.709 and non-maximum suppression), whose weights `scripts/fetch-mtcnn` converts once at
/// set-up time; `Tests/.../MTCNNTests` holds its outputs on the same pictures within a pixel.
/// Read-only once loaded: `detect` may run on every core at once.
public final class MTCNN: Sendable {
    /// A face found: its box (left, top, right, bottom, in pixels, as MTCNN gives it), the
    /// probability O-Net gives it, and the five landmarks (left eye, right eye, nose, left and right
    /// mouth corners, as seen).
    public struct Face: Sendable, Equatable {
        public var box: (x1: Float, y1: Float, x2: Float, y2: Float)
        public var score: Float
        public var landmarks: [(x: Float, y: Float)]

        /// The box in whole pixels, inside a picture of `width` x `height`.
        public func pixelBox(width: Int, height: Int) -> FaceBox {
            let x = max(0, Int(box.x1.rounded())), y = max(0, Int(box.y1.rounded()))
            let right = min(width, Int(box.x2.rounded())), bottom = min(height, Int(box.y2.rounded()))
            return FaceBox(x: x, y: y, width: max(1, right - x), height: max(1, bottom - y))
        }

        public static func == (a: Face, b: Face) -> Bool {
            a.box == b.box && a.score == b.score && a.landmarks.elementsEqual(b.landmarks) { $0 == $1 }
        }
    }

    /// Where the weights are: `$FERDATA_MTCNN`, else `~/.local/share/ferdata/mtcnn.safetensors`
    /// (where `scripts/fetch-mtcnn`, run by `scripts/ensure-deps`, writes them).
    public static var weightsPath: String {
        ProcessInfo.processInfo.environment["FERDATA_MTCNN"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/ferdata/mtcnn.safetensors").path
    }

    /// The smallest face searched, in pixels (the pyramid's first level makes it 12 pixels).
    public let minFace: Int
    /// Probabilities a candidate must pass at P-Net, R-Net and O-Net (the reference's: 0.6, 0.7, 0.7).
    public let thresholds: (Float, Float, Float)
    /// The pyramid's step between scales (the reference's: 0.709).
    public let scaleStep: Double

    let networks: MTCNNNetworks

    /// - Throws: no weights file (naming the command that makes it), or one that is not MTCNN's.
    public init(minFace: Int = 20, thresholds: (Float, Float, Float) = (0.6, 0.7, 0.7), scaleStep: Double = 0.709,
                path: String = MTCNN.weightsPath) throws {
        let location = InputLocation(source: path)
        guard FileManager.default.fileExists(atPath: path) else {
            throw FerError(.sourceMissing, "the MTCNN face detector needs its weights: no \(path) (scripts/fetch-mtcnn makes it; "
                + "scripts/ensure-deps runs it; or set FERDATA_MTCNN)", at: location)
        }
        let file: SafeTensors
        do {
            file = try SafeTensors.read(path)
        } catch let error as FerError {
            throw FerError(.sourceUnreadable, "the MTCNN weights file is not readable safetensors", at: location, cause: error)
        }
        networks = try MTCNNNetworks(file, at: location)
        self.minFace = max(12, minFace)
        self.thresholds = thresholds
        self.scaleStep = scaleStep
    }

    /// A candidate box through the stages: corners, probability, and the offsets the last network gave.
    struct Candidate {
        var x1, y1, x2, y2: Float
        var score: Float
        var offsets: [Float] = [0, 0, 0, 0]
        var landmarks: [(x: Float, y: Float)] = []
    }

    /// The faces in a picture's planes (one gray plane, or red, green and blue), largest first.
    public func detect(_ planes: [GrayImage]) -> [Face] {
        guard let first = planes.first, first.width >= 12, first.height >= 12 else { return [] }
        let width = first.width, height = first.height
        var candidates = propose(planes, width: width, height: height)
        candidates = squared(candidates.map { Self.shifted($0, extraPixel: 0) })
        candidates = refine(candidates, planes, width: width, height: height)
        let faces = output(candidates, planes, width: width, height: height)
        return faces.sorted { ($0.x2 - $0.x1) * ($0.y2 - $0.y1) > ($1.x2 - $1.x1) * ($1.y2 - $1.y1) }.map {
            Face(box: ($0.x1, $0.y1, $0.x2, $0.y2), score: $0.score, landmarks: $0.landmarks)
        }
    }

    /// O-Net's five landmarks for a square of `side` pixels centred at `centre` and turned by `angle`
    /// radians (y down), in picture coordinates. Unlike `detect`'s crops (cut to the picture and
    /// stretched, as the reference cuts them), the square keeps its shape past the picture's edge
    /// (mid-gray there), and a turned face is shown to O-Net upright.
    public func landmarks(_ planes: [GrayImage], centre: (x: Double, y: Double), side: Double, angle: Double) -> [(x: Double, y: Double)] {
        let crop = FeatureMaps(planes: planes, centre: centre, side: side, angle: angle, size: 48)
        let values = networks.output(crop).landmarks
        let c = cos(angle), s = sin(angle)
        return (0..<5).map { i in
            let a = (Double(values[i]) - 0.5) * side, b = (Double(values[5 + i]) - 0.5) * side
            return (x: centre.x + a * c - b * s, y: centre.y + a * s + b * c)
        }
    }

    /// P-Net over the pyramid: cells whose probability reaches the first threshold, suppressed within
    /// each level (IoU 0.5), then across levels (0.7).
    func propose(_ planes: [GrayImage], width: Int, height: Int) -> [Candidate] {
        var scales: [Double] = []
        var scale = 12.0 / Double(minFace), side = Double(min(width, height)) * scale
        while side >= 12 {
            scales.append(scale)
            scale *= scaleStep
            side *= scaleStep
        }
        var all: [Candidate] = []
        for scale in scales {
            let levelHeight = Int(Double(height) * scale + 1), levelWidth = Int(Double(width) * scale + 1)
            let level = FeatureMaps(planes: planes, rows: 0..<height, columns: 0..<width, height: levelHeight, width: levelWidth)
            let (probability, offsets) = networks.proposals(level)
            let plane = probability.height * probability.width
            let step = Float(scale)
            var found: [Candidate] = []
            for y in 0..<probability.height {
                for x in 0..<probability.width {
                    let i = y * probability.width + x
                    let p = probability.values[i]
                    guard p >= thresholds.0 else { continue }
                    found.append(Candidate(
                        x1: ((2 * Float(x) + 1) / step).rounded(.down), y1: ((2 * Float(y) + 1) / step).rounded(.down),
                        x2: ((2 * Float(x) + 12) / step).rounded(.down), y2: ((2 * Float(y) + 12) / step).rounded(.down), score: p,
                        offsets: (0..<4).map { offsets.values[$0 * plane + i] }))
                }
            }
            all += Self.suppressed(found, overlap: 0.5)
        }
        return Self.suppressed(all, overlap: 0.7)
    }

    /// R-Net on each candidate's 24x24 crop: those above the second threshold, suppressed (0.7),
    /// moved by R-Net's offsets and squared.
    func refine(_ candidates: [Candidate], _ planes: [GrayImage], width: Int, height: Int) -> [Candidate] {
        var kept: [Candidate] = []
        for candidate in candidates {
            guard let crop = Self.crop(candidate, planes, width: width, height: height, side: 24) else { continue }
            let (probability, offsets) = networks.refine(crop)
            guard probability > thresholds.1 else { continue }
            var refined = candidate
            refined.score = probability
            refined.offsets = offsets
            kept.append(refined)
        }
        return squared(Self.suppressed(kept, overlap: 0.7).map { Self.shifted($0, extraPixel: 1) })
    }

    /// O-Net on each candidate's 48x48 crop: those above the third threshold with their landmarks,
    /// moved by O-Net's offsets, suppressed by the overlap over the smaller box (0.7).
    func output(_ candidates: [Candidate], _ planes: [GrayImage], width: Int, height: Int) -> [Candidate] {
        var kept: [Candidate] = []
        for candidate in candidates {
            guard let crop = Self.crop(candidate, planes, width: width, height: height, side: 48) else { continue }
            let (probability, offsets, landmarks) = networks.output(crop)
            guard probability > thresholds.2 else { continue }
            var face = candidate
            face.score = probability
            let w = face.x2 - face.x1 + 1, h = face.y2 - face.y1 + 1
            face.landmarks = (0..<5).map { (x: w * landmarks[$0] + face.x1 - 1, y: h * landmarks[5 + $0] + face.y1 - 1) }
            face.offsets = offsets
            kept.append(Self.shifted(face, extraPixel: 1))
        }
        return Self.suppressed(kept, overlap: 0.7, overMinimum: true)
    }

    /// The pixels of a candidate's box (cut to the picture, its corners truncated as the reference
    /// does) resampled to `side` x `side`; nil when nothing of it lies inside the picture.
    static func crop(_ candidate: Candidate, _ planes: [GrayImage], width: Int, height: Int, side: Int) -> FeatureMaps? {
        let x = max(1, Int(candidate.x1)), y = max(1, Int(candidate.y1))
        let right = min(width, Int(candidate.x2)), bottom = min(height, Int(candidate.y2))
        guard right > x - 1, bottom > y - 1 else { return nil }
        return FeatureMaps(planes: planes, rows: (y - 1)..<bottom, columns: (x - 1)..<right, height: side, width: side)
    }

    /// The box moved by its offsets, each scaled by the box's side: after P-Net without the extra pixel,
    /// after R-Net and O-Net with it (`extraPixel` 1), as the reference applies them.
    static func shifted(_ c: Candidate, extraPixel: Float) -> Candidate {
        let w = c.x2 - c.x1 + extraPixel, h = c.y2 - c.y1 + extraPixel
        var moved = c
        moved.x1 = c.x1 + c.offsets[0] * w
        moved.y1 = c.y1 + c.offsets[1] * h
        moved.x2 = c.x2 + c.offsets[2] * w
        moved.y2 = c.y2 + c.offsets[3] * h
        return moved
    }

    /// Each box made square about its centre, its side the longer of its two.
    func squared(_ candidates: [Candidate]) -> [Candidate] {
        candidates.map { c in
            let w = c.x2 - c.x1, h = c.y2 - c.y1, side = max(w, h)
            var square = c
            square.x1 = c.x1 + w * 0.5 - side * 0.5
            square.y1 = c.y1 + h * 0.5 - side * 0.5
            square.x2 = square.x1 + side
            square.y2 = square.y1 + side
            return square
        }
    }

    /// Non-maximum suppression: highest probability first, dropping every box whose overlap with a kept
    /// one is over `overlap`. The overlap is torchvision's `nms` IoU (areas without the extra pixel), or
    /// for the last stage, `overMinimum`, the intersection over the smaller box's area with the extra
    /// pixel (the reference's "Min" method).
    static func suppressed(_ candidates: [Candidate], overlap: Float, overMinimum: Bool = false) -> [Candidate] {
        let extra: Float = overMinimum ? 1 : 0
        func area(_ c: Candidate) -> Float { (c.x2 - c.x1 + extra) * (c.y2 - c.y1 + extra) }
        let order = candidates.indices.sorted { candidates[$0].score > candidates[$1].score }
        var kept: [Candidate] = []
        for index in order {
            let c = candidates[index]
            let overlaps = kept.contains { k in
                let w = max(0, min(c.x2, k.x2) - max(c.x1, k.x1) + extra), h = max(0, min(c.y2, k.y2) - max(c.y1, k.y1) + extra)
                let inter = w * h
                return inter / (overMinimum ? min(area(c), area(k)) : area(c) + area(k) - inter) > overlap
            }
            if !overlaps { kept.append(c) }
        }
        return kept
    }
}
