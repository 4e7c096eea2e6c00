import CFerShims
import FERCore

/// Encodes pixels to PNG or JPEG bytes through the C shim.
public enum ImageEncoder {
    /// - Parameters:
    ///   - channels: 1 for gray, 3 for interleaved RGB.
    ///   - compressionLevel: zlib level 0-9.
    public static func png(
        _ pixels: [UInt8], width: Int, height: Int, channels: Int = 1, compressionLevel: Int = 6
    ) throws(FerError) -> [UInt8] {
        try encode(pixels, width: width, height: height, channels: channels) { data, out, size, message, capacity in
            fer_png_encode(data, UInt32(width), UInt32(height), UInt32(channels), Int32(compressionLevel),
                           out, size, message, capacity)
        }
    }

    public static func png(_ image: GrayImage, compressionLevel: Int = 6) throws(FerError) -> [UInt8] {
        try png(image.pixels, width: image.width, height: image.height, compressionLevel: compressionLevel)
    }

    /// - Parameter quality: 1-100.
    public static func jpeg(
        _ pixels: [UInt8], width: Int, height: Int, channels: Int = 1, quality: Int = 95
    ) throws(FerError) -> [UInt8] {
        try encode(pixels, width: width, height: height, channels: channels) { data, out, size, message, capacity in
            fer_jpeg_encode(data, UInt32(width), UInt32(height), UInt32(channels), Int32(quality),
                            out, size, message, capacity)
        }
    }

    private static func encode(
        _ pixels: [UInt8], width: Int, height: Int, channels: Int,
        _ body: (UnsafePointer<UInt8>, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>,
                 UnsafeMutablePointer<Int>, UnsafeMutablePointer<CChar>, Int) -> Int32
    ) throws(FerError) -> [UInt8] {
        guard pixels.count == width * height * channels, width > 0, height > 0 else {
            throw FerError(.invalidArgument, "pixel buffer does not match \(width)x\(height)x\(channels)")
        }
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = pixels.withUnsafeBufferPointer { data in
            message.withUnsafeMutableBufferPointer { text in
                body(data.baseAddress!, &output, &size, text.baseAddress!, text.count)
            }
        }
        guard status == Int32(FER_OK.rawValue), let output else {
            let text = String(decoding: message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw FerError(.writeFailed, "image encoding failed: \(text)")
        }
        defer { fer_free(output) }
        return [UInt8](UnsafeBufferPointer(start: output, count: size))
    }
}
