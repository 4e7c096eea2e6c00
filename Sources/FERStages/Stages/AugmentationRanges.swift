import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import FERMedia
import Foundation

/// The augmentation ranges of balance and augment (defaults: `AugmentationPolicy.standard`).
public struct AugmentationRanges: Settings, Sendable {
    @Option(help: "Probability of a horizontal flip.")
    public var flip = AugmentationPolicy.standard.flipProbability
    @Option(help: "Rotation range, ± degrees.")
    public var rotation = AugmentationPolicy.standard.rotationDegrees
    @Option(help: "Translation range, ± pixels per axis.")
    public var translate = AugmentationPolicy.standard.translatePixels
    @Option(help: "Scale range: 1 ± this.")
    public var scale = AugmentationPolicy.standard.scaleRange
    @Option(help: "Brightness range, ± (0-255 units).")
    public var brightness = AugmentationPolicy.standard.brightness
    @Option(help: "Contrast range: 1 ± this.")
    public var contrast = AugmentationPolicy.standard.contrast
    @Option(help: "Largest Gaussian noise sigma (0-255 units).")
    public var noise = AugmentationPolicy.standard.noiseSigma
    @Option(help: "Probability of random erasing.")
    public var erase = AugmentationPolicy.standard.eraseProbability

    public init() {}

    public var policy: AugmentationPolicy {
        AugmentationPolicy(
            flipProbability: flip, rotationDegrees: rotation, translatePixels: translate, scaleRange: scale,
            brightness: brightness, contrast: contrast, noiseSigma: noise, eraseProbability: erase,
            eraseMaxSide: AugmentationPolicy.standard.eraseMaxSide)
    }
}
