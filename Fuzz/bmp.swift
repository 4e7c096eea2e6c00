// Fuzz target: the BMP decoder of the C shim on any bytes (straight to the decoder, so that the fuzzer
// need not find the magic number first), with the pixel limit before decoding.
import CFerShims

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var image = fer_image()
    var message = [CChar](repeating: 0, count: 256)
    let status = message.withUnsafeMutableBufferPointer { buffer in
        fer_bmp_decode(data, size, 1 << 22, UInt32(size % 2 == 0 ? 1 : 3), &image, buffer.baseAddress, buffer.count)
    }
    if status == 0 {
        precondition(image.pixels != nil && image.width > 0 && image.height > 0 && UInt64(image.width) * UInt64(image.height) <= 1 << 22)
        fer_free(image.pixels)
    }
    return 0
}
