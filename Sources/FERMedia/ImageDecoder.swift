import CFerShims
import FERCore

/// Decodes JPEG and PNG bytes to grayscale through the C shim, so that a corrupt file is an error
/// value and never a crash.
public enum ImageDecoder {
    /// Images with more pixels than this are refused from their header, before any pixel is decoded.
    /// 40 megapixels covers any camera photo; decoded it needs 40 MB at most.
    public static let defaultMaxPixels: UInt64 = 40_000_000

    public enum Format: Sendable {
        case jpeg, png
    }

    /// The format named by the first bytes, or nil.
    public static func sniff(_ bytes: UnsafeRawBufferPointer) -> Format? {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        if bytes.count >= 8, bytes[0] == 0x89, bytes[1] == 0x50, bytes[2] == 0x4E, bytes[3] == 0x47 { return .png }
        return nil
    }

    /// Decodes to full-resolution grayscale (BT.601 luma).
    /// - Throws: `FerError` with code `.corruptImage`, `.imageTooLarge` or `.unsupportedImage`.
    public static func decodeGray(
        _ bytes: UnsafeRawBufferPointer, maxPixels: UInt64 = defaultMaxPixels
    ) throws(FerError) -> GrayImage {
        guard let format = sniff(bytes), let base = bytes.baseAddress else {
            throw FerError(.unsupportedImage, "not a JPEG or PNG file")
        }
        var image = fer_image()
        var message = [CChar](repeating: 0, count: 256)
        let data = base.assumingMemoryBound(to: UInt8.self)
        let status = message.withUnsafeMutableBufferPointer { buffer in
            switch format {
            case .jpeg: fer_jpeg_decode_gray(data, bytes.count, maxPixels, &image, buffer.baseAddress, buffer.count)
            case .png: fer_png_decode_gray(data, bytes.count, maxPixels, &image, buffer.baseAddress, buffer.count)
            }
        }
        guard status == Int32(FER_OK.rawValue) else {
            let text = String(decoding: message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let kind = format == .jpeg ? "JPEG" : "PNG"
            switch UInt32(status) {
            case FER_TOO_LARGE.rawValue: throw FerError(.imageTooLarge, text)
            case FER_UNSUPPORTED.rawValue: throw FerError(.unsupportedImage, "\(kind): \(text)")
            default: throw FerError(.corruptImage, "\(kind): \(text.isEmpty ? "undecodable" : text)")
            }
        }
        defer { fer_free(image.pixels) }
        let count = Int(image.width) * Int(image.height)
        let pixels = [UInt8](UnsafeBufferPointer(start: image.pixels, count: count))
        return GrayImage(width: Int(image.width), height: Int(image.height), pixels: pixels)
    }

    /// Decodes and brings the image to the 48x48 face size (see `GrayImage.faceSized()`).
    public static func decodeFace(
        _ bytes: UnsafeRawBufferPointer, maxPixels: UInt64 = defaultMaxPixels
    ) throws(FerError) -> GrayImage {
        try decodeGray(bytes, maxPixels: maxPixels).faceSized()
    }
}
