import CFerShims
import FERCore

/// Decodes JPEG, PNG, TIFF, WebP and BMP bytes to grayscale through the C shim, so that a corrupt file
/// is an error value and never a crash. The format is read from the first bytes, never from a name; a
/// JPEG's EXIF orientation is applied.
public enum ImageDecoder {
    /// Images with more pixels than this are refused from their header, before any pixel is decoded.
    /// 40 megapixels covers any camera photo; decoded it needs 40 MB at most.
    public static let defaultMaxPixels: UInt64 = 40_000_000

    public enum Format: String, Sendable, CaseIterable {
        case jpeg = "JPEG", png = "PNG", tiff = "TIFF", webp = "WebP", bmp = "BMP"
    }

    /// The formats ingest reads, for messages.
    public static let formatNames = Format.allCases.map(\.rawValue).joined(separator: ", ")

    /// The format named by the first bytes (the magic numbers), or nil.
    public static func sniff(_ bytes: UnsafeRawBufferPointer) -> Format? {
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + magic.count && magic.indices.allSatisfy { bytes[offset + $0] == magic[$0] }
        }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47]) { return .png }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts(Array("BM".utf8)) && bytes.count >= 26 { return .bmp }
        return nil
    }

    /// Decodes to full-resolution grayscale (BT.601 luma).
    /// - Throws: `FerError` with code `.corruptImage`, `.imageTooLarge` or `.unsupportedImage`.
    public static func decodeGray(
        _ bytes: UnsafeRawBufferPointer, maxPixels: UInt64 = defaultMaxPixels
    ) throws(FerError) -> GrayImage {
        try decode(bytes, channels: 1, maxPixels: maxPixels)[0]
    }

    /// Decodes to full resolution as `channels` planes: one, gray (BT.601 luma), or three, red, green
    /// and blue (a gray source repeated). JPEG EXIF orientation is applied.
    /// - Throws: `FerError` with code `.corruptImage`, `.imageTooLarge` or `.unsupportedImage`.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, channels: Int, maxPixels: UInt64 = defaultMaxPixels
    ) throws(FerError) -> [GrayImage] {
        precondition(channels == 1 || channels == 3)
        guard let format = sniff(bytes), let base = bytes.baseAddress else {
            throw FerError(.unsupportedImage, "not a supported image (\(formatNames))")
        }
        var image = fer_image()
        var message = [CChar](repeating: 0, count: 256)
        let data = base.assumingMemoryBound(to: UInt8.self)
        let wanted = UInt32(channels)
        let status = message.withUnsafeMutableBufferPointer { buffer in
            switch format {
            case .jpeg: fer_jpeg_decode(data, bytes.count, maxPixels, wanted, &image, buffer.baseAddress, buffer.count)
            case .png: fer_png_decode(data, bytes.count, maxPixels, wanted, &image, buffer.baseAddress, buffer.count)
            case .tiff: fer_tiff_decode(data, bytes.count, maxPixels, wanted, &image, buffer.baseAddress, buffer.count)
            case .webp: fer_webp_decode(data, bytes.count, maxPixels, wanted, &image, buffer.baseAddress, buffer.count)
            case .bmp: fer_bmp_decode(data, bytes.count, maxPixels, wanted, &image, buffer.baseAddress, buffer.count)
            }
        }
        guard status == Int32(FER_OK.rawValue) else {
            let text = String(decoding: message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let kind = format.rawValue
            switch UInt32(status) {
            case FER_TOO_LARGE.rawValue: throw FerError(.imageTooLarge, text)
            case FER_UNSUPPORTED.rawValue: throw FerError(.unsupportedImage, "\(kind): \(text)")
            default: throw FerError(.corruptImage, "\(kind): \(text.isEmpty ? "undecodable" : text)")
            }
        }
        defer { fer_free(image.pixels) }
        let width = Int(image.width), height = Int(image.height)
        let samples = UnsafeBufferPointer(start: image.pixels, count: width * height * channels)
        let planes = GrayImage.planes(interleaved: samples, width: width, height: height, channels: channels)
        guard format == .jpeg else { return planes }
        let orientation = ExifOrientation.of(jpeg: bytes)
        return planes.map { orientation.apply(to: $0) }
    }

    /// Decodes and brings the image to the 48x48 face size (see `GrayImage.faceSized()`).
    public static func decodeFace(
        _ bytes: UnsafeRawBufferPointer, maxPixels: UInt64 = defaultMaxPixels
    ) throws(FerError) -> GrayImage {
        try decodeGray(bytes, maxPixels: maxPixels).faceSized()
    }
}
