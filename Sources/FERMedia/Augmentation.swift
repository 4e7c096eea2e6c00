import FERCore

#if canImport(Glibc)
import Glibc
#endif

/// The parameters of one augmentation of a 48x48 face, stored in derived records so that any image
/// can be traced back and regenerated from its parent.
public struct AugmentationParameters: Sendable, Equatable, Codable {
    public var flipped: Bool
    /// Rotation in degrees, counter-clockwise.
    public var rotation: Float
    /// Translation in pixels.
    public var translateX: Float
    public var translateY: Float
    public var scale: Float
    /// Added to every pixel, in units of the 0-255 range.
    public var brightness: Float
    /// Multiplies the deviation from the image mean.
    public var contrast: Float
    /// Standard deviation of added Gaussian noise, 0-255 units; `noiseSeed` makes it reproducible.
    public var noiseSigma: Float
    public var noiseSeed: UInt32
    /// The erased rectangle (x, y, width, height), all zero for none. Filled with the image mean.
    public var eraseX: UInt8
    public var eraseY: UInt8
    public var eraseWidth: UInt8
    public var eraseHeight: UInt8

    public static let identity = AugmentationParameters(
        flipped: false, rotation: 0, translateX: 0, translateY: 0, scale: 1, brightness: 0, contrast: 1,
        noiseSigma: 0, noiseSeed: 0, eraseX: 0, eraseY: 0, eraseWidth: 0, eraseHeight: 0)

    public init(
        flipped: Bool, rotation: Float, translateX: Float, translateY: Float, scale: Float, brightness: Float,
        contrast: Float, noiseSigma: Float, noiseSeed: UInt32, eraseX: UInt8, eraseY: UInt8,
        eraseWidth: UInt8, eraseHeight: UInt8
    ) {
        self.flipped = flipped
        self.rotation = rotation
        self.translateX = translateX
        self.translateY = translateY
        self.scale = scale
        self.brightness = brightness
        self.contrast = contrast
        self.noiseSigma = noiseSigma
        self.noiseSeed = noiseSeed
        self.eraseX = eraseX
        self.eraseY = eraseY
        self.eraseWidth = eraseWidth
        self.eraseHeight = eraseHeight
    }

    var isGeometric: Bool {
        flipped || rotation != 0 || translateX != 0 || translateY != 0 || scale != 1
    }

    /// Applies the transform to a `side` x `side` gray image (48x48 by default; one plane of a colour
    /// face): flip, rotation, scale and translation about the centre (bilinear, edges replicated), then
    /// brightness and contrast, noise, and erasing.
    /// - Complexity: O(pixels).
    public func apply(to pixels: [UInt8], side: Int = FaceSize.side) -> [UInt8] {
        precondition(pixels.count == side * side)
        var values = [Float](repeating: 0, count: pixels.count)
        let centre = Float(side - 1) / 2
        if isGeometric {
            // Inverse map: output (x, y) -> source point.
            let radians = rotation * .pi / 180
            let (c, s) = (cosf(radians), sinf(radians))
            for y in 0..<side {
                for x in 0..<side {
                    let dx = Float(x) - centre - translateX, dy = Float(y) - centre - translateY
                    // Undo the counter-clockwise rotation (y grows downwards), then the scale, then the flip.
                    var sx = (c * dx - s * dy) / scale
                    let sy = (s * dx + c * dy) / scale
                    if flipped { sx = -sx }
                    values[y * side + x] = Self.sample(pixels, side, sx + centre, sy + centre)
                }
            }
        } else {
            for index in values.indices { values[index] = Float(pixels[index]) }
        }
        if brightness != 0 || contrast != 1 {
            let mean = values.reduce(0, +) / Float(values.count)
            for index in values.indices { values[index] = (values[index] - mean) * contrast + mean + brightness }
        }
        if noiseSigma > 0 {
            var random = SeededGenerator(seed: UInt64(noiseSeed))
            for index in values.indices { values[index] += noiseSigma * random.nextGaussian() }
        }
        if eraseWidth > 0 && eraseHeight > 0 {
            let mean = values.reduce(0, +) / Float(values.count)
            for y in Int(eraseY)..<min(side, Int(eraseY) + Int(eraseHeight)) {
                for x in Int(eraseX)..<min(side, Int(eraseX) + Int(eraseWidth)) { values[y * side + x] = mean }
            }
        }
        return values.map { UInt8(min(255, max(0, $0.rounded()))) }
    }

    /// Bilinear sample with the border replicated.
    private static func sample(_ pixels: [UInt8], _ side: Int, _ x: Float, _ y: Float) -> Float {
        let cx = min(max(x, 0), Float(side - 1)), cy = min(max(y, 0), Float(side - 1))
        let x0 = Int(cx), y0 = Int(cy)
        let x1 = min(x0 + 1, side - 1), y1 = min(y0 + 1, side - 1)
        let fx = cx - Float(x0), fy = cy - Float(y0)
        let top = Float(pixels[y0 * side + x0]) * (1 - fx) + Float(pixels[y0 * side + x1]) * fx
        let bottom = Float(pixels[y1 * side + x0]) * (1 - fx) + Float(pixels[y1 * side + x1]) * fx
        return top * (1 - fy) + bottom * fy
    }
}

/// The ranges augmentation parameters are drawn from. Used by `ferdata augment` and `balance` to
/// materialise variants, and by the trainer for on-the-fly augmentation.
public struct AugmentationPolicy: Sendable, Equatable, Codable {
    public var flipProbability: Float
    /// Rotation drawn uniformly from ±this many degrees.
    public var rotationDegrees: Float
    /// Translation drawn uniformly from ±this many pixels, per axis.
    public var translatePixels: Float
    /// Scale drawn uniformly from 1 ± this.
    public var scaleRange: Float
    /// Brightness drawn uniformly from ±this (0-255 units).
    public var brightness: Float
    /// Contrast drawn uniformly from 1 ± this.
    public var contrast: Float
    /// Noise sigma drawn uniformly from 0...this (0-255 units).
    public var noiseSigma: Float
    /// Chance of erasing one rectangle of up to `eraseMaxSide` pixels per side.
    public var eraseProbability: Float
    public var eraseMaxSide: Int

    /// What `ferdata augment` materialises by default.
    public static let standard = AugmentationPolicy(
        flipProbability: 0.5, rotationDegrees: 10, translatePixels: 3, scaleRange: 0.05, brightness: 20,
        contrast: 0.2, noiseSigma: 3, eraseProbability: 0.2, eraseMaxSide: 16)

    /// The trainer's on-the-fly default: flip and ±10° rotation, as the reference recipe.
    public static let flipAndRotate = AugmentationPolicy(
        flipProbability: 0.5, rotationDegrees: 10, translatePixels: 0, scaleRange: 0, brightness: 0,
        contrast: 0, noiseSigma: 0, eraseProbability: 0, eraseMaxSide: 0)

    public init(
        flipProbability: Float, rotationDegrees: Float, translatePixels: Float, scaleRange: Float, brightness: Float,
        contrast: Float, noiseSigma: Float, eraseProbability: Float, eraseMaxSide: Int
    ) {
        self.flipProbability = flipProbability
        self.rotationDegrees = rotationDegrees
        self.translatePixels = translatePixels
        self.scaleRange = scaleRange
        self.brightness = brightness
        self.contrast = contrast
        self.noiseSigma = noiseSigma
        self.eraseProbability = eraseProbability
        self.eraseMaxSide = eraseMaxSide
    }

    /// One draw of the transform for a `side` x `side` face: the translation and erasing ranges, in
    /// pixels of a 48x48 face, are scaled to the side.
    public func sample(using random: inout SeededGenerator, side: Int = FaceSize.side) -> AugmentationParameters {
        let ratio = Float(side) / Float(FaceSize.side)
        func symmetric(_ bound: Float) -> Float { bound > 0 ? Float.random(in: -bound...bound, using: &random) : 0 }
        var parameters = AugmentationParameters.identity
        parameters.flipped = Float.random(in: 0..<1, using: &random) < flipProbability
        parameters.rotation = symmetric(rotationDegrees)
        parameters.translateX = symmetric(translatePixels * ratio)
        parameters.translateY = symmetric(translatePixels * ratio)
        parameters.scale = 1 + symmetric(scaleRange)
        parameters.brightness = symmetric(brightness)
        parameters.contrast = 1 + symmetric(contrast)
        if noiseSigma > 0 {
            parameters.noiseSigma = Float.random(in: 0...noiseSigma, using: &random)
            parameters.noiseSeed = UInt32.random(in: 1...UInt32.max, using: &random)
        }
        if eraseMaxSide > 0, Float.random(in: 0..<1, using: &random) < eraseProbability {
            let largest = side == FaceSize.side ? eraseMaxSide : max(4, min(side, Int((Float(eraseMaxSide) * ratio).rounded())))
            let width = Int.random(in: 4...largest, using: &random)
            let height = Int.random(in: 4...largest, using: &random)
            parameters.eraseWidth = UInt8(width)
            parameters.eraseHeight = UInt8(height)
            parameters.eraseX = UInt8(Int.random(in: 0...(side - width), using: &random))
            parameters.eraseY = UInt8(Int.random(in: 0...(side - height), using: &random))
        }
        return parameters
    }

    /// As recorded in manifests.
    public var parameters: [String: String] {
        [
            "flip": String(flipProbability), "rotation": String(rotationDegrees), "translate": String(translatePixels),
            "scale": String(scaleRange), "brightness": String(brightness), "contrast": String(contrast),
            "noise": String(noiseSigma), "erase": String(eraseProbability), "eraseMaxSide": String(eraseMaxSide),
        ]
    }
}
