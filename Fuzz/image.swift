// Fuzz target: image decoding through the C shim (libjpeg-turbo, libpng, libtiff, libwebp, BMP), any bytes,
// to gray and to RGB.
import FERMedia

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    _ = ImageDecoder.sniff(bytes)
    _ = try? ImageDecoder.decodeFace(bytes, maxPixels: 1 << 22)
    _ = try? ImageDecoder.decode(bytes, channels: 3, maxPixels: 1 << 22)
    return 0
}
