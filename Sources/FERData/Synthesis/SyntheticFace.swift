import FERCore
import FERMedia

#if canImport(Glibc)
import Glibc
#endif

/// Draws simple synthetic faces whose expression is visible: mouth curve and opening, eyebrow angle,
/// eye opening, with random pose, size, lighting and noise. The project's own sample data: no
/// third-party faces.
public struct SyntheticFace: Sendable {
    /// Expression geometry, in face-relative units.
    struct Expression {
        /// Positive smiles, negative frowns.
        var mouthCurve: Float
        var mouthOpen: Float
        var mouthWidth: Float
        /// Positive raises the inner ends of the brows (sad, fear); negative lowers them (angry).
        var browTilt: Float
        var browLift: Float
        var eyeOpen: Float
        /// Wrinkles beside the nose (disgust).
        var noseWrinkle: Bool
    }

    static func expression(_ emotion: Emotion) -> Expression {
        switch emotion {
        case .angry: Expression(mouthCurve: -0.10, mouthOpen: 0.02, mouthWidth: 0.30, browTilt: -0.22, browLift: -0.04, eyeOpen: 0.07, noseWrinkle: false)
        case .disgust: Expression(mouthCurve: -0.16, mouthOpen: 0.05, mouthWidth: 0.26, browTilt: -0.10, browLift: -0.02, eyeOpen: 0.05, noseWrinkle: true)
        case .fear: Expression(mouthCurve: -0.06, mouthOpen: 0.10, mouthWidth: 0.36, browTilt: 0.18, browLift: 0.08, eyeOpen: 0.14, noseWrinkle: false)
        case .happy: Expression(mouthCurve: 0.24, mouthOpen: 0.05, mouthWidth: 0.42, browTilt: 0.0, browLift: 0.02, eyeOpen: 0.06, noseWrinkle: false)
        case .sad: Expression(mouthCurve: -0.20, mouthOpen: 0.0, mouthWidth: 0.30, browTilt: 0.20, browLift: 0.0, eyeOpen: 0.07, noseWrinkle: false)
        case .surprise: Expression(mouthCurve: 0.0, mouthOpen: 0.22, mouthWidth: 0.22, browTilt: 0.0, browLift: 0.14, eyeOpen: 0.15, noseWrinkle: false)
        case .neutral: Expression(mouthCurve: 0.0, mouthOpen: 0.0, mouthWidth: 0.32, browTilt: 0.0, browLift: 0.0, eyeOpen: 0.09, noseWrinkle: false)
        }
    }

    /// Renders a `size` x `size` grayscale face (0-255 floats) with random pose, lighting and noise.
    public static func render(_ emotion: Emotion, size: Int, using random: inout SeededGenerator) -> [Float] {
        var e = expression(emotion)
        // Individual variation, smaller than the gaps between classes.
        e.mouthCurve += Float.random(in: -0.04...0.04, using: &random)
        e.mouthOpen = max(0, e.mouthOpen + Float.random(in: -0.02...0.02, using: &random))
        e.browTilt += Float.random(in: -0.05...0.05, using: &random)
        e.eyeOpen = max(0.03, e.eyeOpen + Float.random(in: -0.015...0.015, using: &random))
        let scale = Float.random(in: 0.8...1.0, using: &random)
        let shiftX = Float.random(in: -0.08...0.08, using: &random)
        let shiftY = Float.random(in: -0.08...0.08, using: &random)
        let angle = Float.random(in: -0.15...0.15, using: &random)
        let background = Float.random(in: 20...120, using: &random)
        let skin = Float.random(in: 140...220, using: &random)
        let ink = Float.random(in: 10...60, using: &random)
        let light = Float.random(in: -40...40, using: &random)
        let noise = Float.random(in: 2...10, using: &random)
        let (cosA, sinA) = (cosf(angle), sinf(angle))

        var pixels = [Float](repeating: 0, count: size * size)
        for py in 0..<size {
            for px in 0..<size {
                // Image coordinates in [-1, 1], then into the face's own frame.
                let ix = (Float(px) + 0.5) / Float(size) * 2 - 1
                let iy = (Float(py) + 0.5) / Float(size) * 2 - 1
                let dx = ix - shiftX, dy = iy - shiftY
                let x = (cosA * dx + sinA * dy) / scale
                let y = (-sinA * dx + cosA * dy) / scale
                var value = background + light * ix * 0.5
                let faceEdge = (x * x) / (0.62 * 0.62) + (y * y) / (0.8 * 0.8)
                if faceEdge < 1 {
                    value = skin + light * ix - 25 * faceEdge
                    value = mix(value, ink, coverage(featureDistance(x: x, y: y, e), width: 0.035))
                }
                pixels[py * size + px] = min(255, max(0, value + noise * random.nextGaussian()))
            }
        }
        return pixels
    }

    /// Distance from (x, y) to the nearest drawn stroke or filled part (0 inside a filled part).
    static func featureDistance(x: Float, y: Float, _ e: Expression) -> Float {
        var distance = Float.infinity
        for side: Float in [-1, 1] {
            // Eyes: filled ellipses.
            let ex = (x - side * 0.24) / 0.12, ey = (y + 0.18) / e.eyeOpen
            distance = min(distance, max(0, (ex * ex + ey * ey).squareRoot() - 1) * e.eyeOpen)
            // Brows: segments whose inner end rises with browTilt.
            let inner = (side * 0.1, -0.36 - e.browLift - e.browTilt)
            let outer = (side * 0.4, -0.36 - e.browLift + e.browTilt * 0.4)
            distance = min(distance, segmentDistance(x, y, inner, outer) - 0.01)
            if e.noseWrinkle {
                distance = min(distance, segmentDistance(x, y, (side * 0.08, 0.0), (side * 0.14, 0.1)))
            }
        }
        // Nose.
        distance = min(distance, segmentDistance(x, y, (0, -0.1), (0, 0.1)) + 0.01)
        // Mouth: a parabola whose ends rise with mouthCurve, opened by mouthOpen.
        let half = e.mouthWidth / 2
        if abs(x) <= half {
            let t = x / half
            let lip = 0.42 - e.mouthCurve * t * t
            let gap = e.mouthOpen * (1 - t * t)
            if y >= lip - gap / 2 && y <= lip + gap / 2 {
                distance = 0
            } else {
                distance = min(distance, min(abs(y - (lip - gap / 2)), abs(y - (lip + gap / 2))))
            }
        } else {
            let endY = 0.42 - e.mouthCurve
            distance = min(distance, ((abs(x) - half) * (abs(x) - half) + (y - endY) * (y - endY)).squareRoot())
        }
        return distance
    }

    static func segmentDistance(_ x: Float, _ y: Float, _ a: (Float, Float), _ b: (Float, Float)) -> Float {
        let (vx, vy) = (b.0 - a.0, b.1 - a.1)
        let t = max(0, min(1, ((x - a.0) * vx + (y - a.1) * vy) / (vx * vx + vy * vy)))
        let (cx, cy) = (a.0 + t * vx - x, a.1 + t * vy - y)
        return (cx * cx + cy * cy).squareRoot()
    }

    /// 1 on the stroke, fading to 0 over a pixel-ish band.
    static func coverage(_ distance: Float, width: Float) -> Float {
        max(0, min(1, 1 - (distance - width) / 0.03))
    }

    static func mix(_ a: Float, _ b: Float, _ t: Float) -> Float {
        a + (b - a) * t
    }
}
