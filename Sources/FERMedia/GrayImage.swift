import FERCore

/// An 8-bit grayscale image, row-major.
public struct GrayImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height, "pixel count \(pixels.count) != \(width)x\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public init(width: Int, height: Int, fill: UInt8 = 0) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: fill, count: width * height))
    }

    public subscript(x: Int, y: Int) -> UInt8 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }
}

extension GrayImage {
    /// The planes of interleaved samples (`channels` per pixel, row-major): one image per channel.
    public static func planes(interleaved samples: UnsafeBufferPointer<UInt8>, width: Int, height: Int, channels: Int) -> [GrayImage] {
        let count = width * height
        precondition(samples.count == count * channels)
        guard channels > 1 else { return [GrayImage(width: width, height: height, pixels: [UInt8](samples))] }
        return (0..<channels).map { channel in
            let plane = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
                for index in 0..<count { out[index] = samples[index * channels + channel] }
                initialized = count
            }
            return GrayImage(width: width, height: height, pixels: plane)
        }
    }

    /// Planes of one size interleaved into samples, `planes.count` per pixel: the inverse of `planes`.
    public static func interleaved(_ planes: [GrayImage]) -> [UInt8] {
        guard planes.count > 1 else { return planes[0].pixels }
        let count = planes[0].pixels.count, channels = planes.count
        return [UInt8](unsafeUninitializedCapacity: count * channels) { out, initialized in
            for (channel, plane) in planes.enumerated() {
                precondition(plane.pixels.count == count)
                plane.pixels.withUnsafeBufferPointer { source in
                    let target = out.baseAddress! + channel
                    for index in 0..<count { target[index * channels] = source[index] }
                }
            }
            initialized = count * channels
        }
    }

    /// BT.601 luma of 8-bit RGB, as Pillow's convert("L") and the C decoders compute it.
    public static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let red: UInt32 = 19595 * UInt32(r), green: UInt32 = 38470 * UInt32(g), blue: UInt32 = 7471 * UInt32(b)
        return UInt8((red + green + blue + 32768) >> 16)
    }

    /// The luma image of three planes of one size.
    public static func luma(red: GrayImage, green: GrayImage, blue: GrayImage) -> GrayImage {
        let pixels = (0..<red.pixels.count).map { luma(red.pixels[$0], green.pixels[$0], blue.pixels[$0]) }
        return GrayImage(width: red.width, height: red.height, pixels: pixels)
    }
}

/// FER2013's 48x48, the CNN-RNN's input and ingest's default size.
public enum FaceSize {
    public static let side = 48
    public static let pixelCount = side * side
}
