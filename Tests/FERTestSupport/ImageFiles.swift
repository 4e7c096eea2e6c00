import CWebP
import CZlib
import Foundation

/// Image files of the formats ferdata reads, assembled in code for tests: TIFF (hand-written, every
/// bit depth, photometric and compression ingest reads), BMP (hand-written), WebP (libwebp's encoder)
/// and JPEG with an EXIF orientation block.
package enum ImageFiles {
    package enum TIFFCompression: UInt16, CaseIterable, Sendable {
        case none = 1, lzw = 5, deflate = 8, packBits = 32773
    }

    package enum TIFFPixels: Sendable {
        /// 8 or 16 bits (BlackIsZero).
        case gray(bits: Int)
        /// 8-bit RGB.
        case rgb
        /// 8-bit indexes into a 256-entry palette.
        case palette
    }

    /// A little- or big-endian TIFF of `pages` pages, each `width x height` from `samples` (gray: one value
    /// 0-255 per pixel, scaled for 16 bits; rgb: three per pixel; palette: indexes, the palette mapping index
    /// i to gray i). Later pages are the image inverted.
    package static func tiff(
        _ samples: [UInt8], width: Int, height: Int, pixels: TIFFPixels = .gray(bits: 8), compression: TIFFCompression = .none,
        bigEndian: Bool = false, pages: Int = 1
    ) -> [UInt8] {
        var file: [UInt8] = bigEndian ? [0x4D, 0x4D, 0x00, 0x2A] : [0x49, 0x49, 0x2A, 0x00]
        func u16(_ value: Int) -> [UInt8] {
            bigEndian ? [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] : [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)]
        }
        func u32(_ value: Int) -> [UInt8] { bigEndian ? u16(value >> 16) + u16(value & 0xFFFF) : u16(value & 0xFFFF) + u16(value >> 16) }
        file += u32(0)
        var pointer = 4  // where the offset of the next IFD goes: the header's, then each IFD's last field
        for page in 0..<pages {
            let values = page == 0 ? samples : samples.map { 255 - $0 }
            var raw: [UInt8] = []
            let samplesPerPixel: Int, bits: Int, photometric: Int
            switch pixels {
            case .gray(let depth):
                (samplesPerPixel, bits, photometric) = (1, depth, 1)
                raw = depth == 16 ? values.flatMap { u16(Int($0) * 257) } : values
            case .rgb: (samplesPerPixel, bits, photometric, raw) = (3, 8, 2, values)
            case .palette: (samplesPerPixel, bits, photometric, raw) = (1, 8, 3, values)
            }
            let rowBytes = width * samplesPerPixel * bits / 8
            let strip: [UInt8]
            switch compression {
            case .none: strip = raw
            case .packBits: strip = stride(from: 0, to: raw.count, by: rowBytes).flatMap { packBits(Array(raw[$0..<($0 + rowBytes)])) }
            case .deflate: strip = zlib(raw)
            case .lzw: strip = lzw(raw)
            }
            let stripOffset = file.count
            file += strip
            if file.count % 2 == 1 { file.append(0) }
            var extra: [UInt8] = []  // values longer than four bytes, after the IFD
            var entries: [(tag: Int, type: Int, count: Int, value: [UInt8])] = [
                (256, 4, 1, u32(width)), (257, 4, 1, u32(height)),
                (258, 3, samplesPerPixel, Array(repeating: u16(bits), count: samplesPerPixel).flatMap { $0 }),
                (259, 3, 1, u16(Int(compression.rawValue))), (262, 3, 1, u16(photometric)), (273, 4, 1, u32(stripOffset)),
                (277, 3, 1, u16(samplesPerPixel)), (278, 4, 1, u32(height)), (279, 4, 1, u32(strip.count)), (284, 3, 1, u16(1)),
            ]
            if case .palette = pixels {
                let ramp = (0..<256).map { u16($0 * 257) }.flatMap { $0 }
                entries.append((320, 3, 768, ramp + ramp + ramp))
            }
            let ifdOffset = file.count
            let ifdSize = 2 + entries.count * 12 + 4
            file.replaceSubrange(pointer..<(pointer + 4), with: u32(ifdOffset))
            file += u16(entries.count)
            for entry in entries {
                file += u16(entry.tag) + u16(entry.type) + u32(entry.count)
                if entry.value.count <= 4 {
                    file += entry.value + Array(repeating: 0, count: 4 - entry.value.count)
                } else {
                    file += u32(ifdOffset + ifdSize + extra.count)
                    extra += entry.value
                }
            }
            pointer = file.count
            file += u32(0) + extra
            if file.count % 2 == 1 { file.append(0) }
        }
        return file
    }

    /// PackBits: literal runs of up to 128 bytes.
    static func packBits(_ bytes: [UInt8]) -> [UInt8] {
        stride(from: 0, to: bytes.count, by: 128).flatMap { start -> [UInt8] in
            let run = bytes[start..<min(bytes.count, start + 128)]
            return [UInt8(run.count - 1)] + run
        }
    }

    /// A zlib stream (TIFF's deflate compression).
    static func zlib(_ bytes: [UInt8]) -> [UInt8] {
        var size = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(size))
        precondition(compress2(&output, &size, bytes, uLong(bytes.count), 6) == Z_OK)
        return Array(output.prefix(Int(size)))
    }

    /// TIFF's LZW: codes from 9 to 12 bits, most significant bit first, a clear code first and EOI last,
    /// the code width growing as libtiff's encoder grows it.
    static func lzw(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var accumulator = 0, pending = 0, width = 9, nextCode = 258
        func put(_ code: Int) {
            accumulator = accumulator << width | code
            pending += width
            while pending >= 8 {
                output.append(UInt8(accumulator >> (pending - 8) & 0xFF))
                pending -= 8
            }
            accumulator &= (1 << pending) - 1
        }
        func added() {
            nextCode += 1
            if nextCode > (1 << width) - 1 { width += 1 }
        }
        var table: [Int: Int] = [:]
        put(256)
        var prefix = -1
        for byte in bytes {
            guard prefix >= 0 else { prefix = Int(byte); continue }
            let key = prefix << 8 | Int(byte)
            if let code = table[key] { prefix = code; continue }
            put(prefix)
            table[key] = nextCode
            added()
            prefix = Int(byte)
        }
        if prefix >= 0 {
            put(prefix)
            added()
        }
        put(257)
        if pending > 0 { output.append(UInt8(accumulator << (8 - pending) & 0xFF)) }
        return output
    }

    /// A BMP of gray `samples`: 8-bit with a gray palette, 24-bit BGR, or 32-bit with bit-field masks;
    /// bottom-up rows unless `topDown`.
    package static func bmp(_ samples: [UInt8], width: Int, height: Int, bits: Int = 24, topDown: Bool = false) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { u16(v & 0xFFFF) + u16(v >> 16 & 0xFFFF) }
        let stride = (bits * width + 31) / 32 * 4
        let palette: [UInt8] = bits == 8 ? (0..<256).flatMap { [UInt8($0), UInt8($0), UInt8($0), 0] } : []
        let masks: [UInt8] = bits == 32 ? u32(0x00FF_0000) + u32(0x0000_FF00) + u32(0x0000_00FF) : []
        let offset = 14 + 40 + masks.count + palette.count
        var file: [UInt8] = Array("BM".utf8) + u32(offset + stride * height) + u32(0) + u32(offset)
        file += u32(40) + u32(width) + u32(topDown ? -height & 0xFFFF_FFFF : height) + u16(1) + u16(bits)
        file += u32(bits == 32 ? 3 : 0) + u32(stride * height) + u32(2835) + u32(2835) + u32(0) + u32(0)
        file += masks + palette
        for row in 0..<height {
            let y = topDown ? row : height - 1 - row
            var line: [UInt8] = []
            let colour = samples.count == width * height * 3  // RGB samples (24 and 32 bits), else gray
            for x in 0..<width {
                let i = y * width + x
                let (r, g, b) = colour ? (samples[3 * i], samples[3 * i + 1], samples[3 * i + 2]) : (samples[i], samples[i], samples[i])
                switch bits {
                case 8: line.append(r)
                case 24: line += [b, g, r]
                default: line += [b, g, r, 0xFF]
                }
            }
            file += line + Array(repeating: 0, count: stride - line.count)
        }
        return file
    }

    /// A WebP of gray `samples` (as RGB), or of RGB samples (three per pixel), from libwebp's encoder:
    /// lossless, or lossy at `quality`.
    package static func webp(_ samples: [UInt8], width: Int, height: Int, lossless: Bool = true, quality: Float = 90) -> [UInt8] {
        let rgb = samples.count == width * height * 3 ? samples : samples.flatMap { [$0, $0, $0] }
        var output: UnsafeMutablePointer<UInt8>?
        let size = lossless
            ? WebPEncodeLosslessRGB(rgb, Int32(width), Int32(height), Int32(width * 3), &output)
            : WebPEncodeRGB(rgb, Int32(width), Int32(height), Int32(width * 3), quality, &output)
        precondition(size > 0, "libwebp could not encode")
        defer { WebPFree(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// `jpeg` with an APP1 Exif block declaring `orientation` (1-8) right after its SOI marker.
    package static func withExifOrientation(_ jpeg: [UInt8], _ orientation: Int, bigEndian: Bool = false) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { bigEndian ? [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { bigEndian ? u16(v >> 16) + u16(v & 0xFFFF) : u16(v & 0xFFFF) + u16(v >> 16) }
        let tiff = (bigEndian ? Array("MM".utf8) : Array("II".utf8)) + u16(42) + u32(8)
            + u16(1) + u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0) + u32(0)
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let segment: [UInt8] = [0xFF, 0xE1, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
        return Array(jpeg.prefix(2)) + segment + Array(jpeg.dropFirst(2))
    }
}
