import FERCore
import FERData
import FERMedia
import Foundation

/// The augmentation ranges of balance and augment (defaults: `AugmentationPolicy.standard`).
public struct AugmentationRanges: Codable, Sendable, Equatable {
    /// Probability of a horizontal flip.
    public var flip = AugmentationPolicy.standard.flipProbability
    /// Rotation range, ± degrees.
    public var rotation = AugmentationPolicy.standard.rotationDegrees
    /// Translation range, ± pixels per axis.
    public var translate = AugmentationPolicy.standard.translatePixels
    /// Scale range: 1 ± this.
    public var scale = AugmentationPolicy.standard.scaleRange
    /// Brightness range, ± (0-255 units).
    public var brightness = AugmentationPolicy.standard.brightness
    /// Contrast range: 1 ± this.
    public var contrast = AugmentationPolicy.standard.contrast
    /// Largest Gaussian noise sigma (0-255 units).
    public var noise = AugmentationPolicy.standard.noiseSigma
    /// Probability of random erasing.
    public var erase = AugmentationPolicy.standard.eraseProbability

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable { case flip, rotation, translate, scale, brightness, contrast, noise, erase }
    static let keys = codingKeyNames(CodingKeys.self)

    public var policy: AugmentationPolicy {
        AugmentationPolicy(
            flipProbability: flip, rotationDegrees: rotation, translatePixels: translate, scaleRange: scale,
            brightness: brightness, contrast: contrast, noiseSigma: noise, eraseProbability: erase,
            eraseMaxSide: AugmentationPolicy.standard.eraseMaxSide)
    }
}
