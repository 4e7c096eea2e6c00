/// The EXIF orientation of a JPEG (tag 0x0112 of the APP1 Exif block's first IFD): how the stored
/// pixels must be turned to show the picture upright. Phones store portrait photos sideways with
/// orientation 6 or 8; ingest applies it, as image viewers and Pillow's `ImageOps.exif_transpose` do.
public enum ExifOrientation: Int, Sendable {
    case upright = 1, mirrored = 2, rotated180 = 3, flipped = 4, transposed = 5, rotatedClockwise = 6, transversed = 7,
         rotatedCounterClockwise = 8

    /// The orientation a JPEG declares; `.upright` without one (or for anything unreadable).
    public static func of(jpeg bytes: UnsafeRawBufferPointer) -> ExifOrientation {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return .upright }
        var position = 2
        while position + 4 <= bytes.count, bytes[position] == 0xFF {
            let marker = bytes[position + 1]
            if marker == 0xDA || marker == 0xD9 { break }  // start of scan, end of image: no Exif before them
            let length = Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
            guard length >= 2, position + 2 + length <= bytes.count else { break }
            if marker == 0xE1, let orientation = exif(bytes, from: position + 4, count: length - 2) { return orientation }
            position += 2 + length
        }
        return .upright
    }

    /// Reads the orientation from an APP1 payload: `Exif\0\0`, a TIFF header, IFD0.
    private static func exif(_ bytes: UnsafeRawBufferPointer, from start: Int, count: Int) -> ExifOrientation? {
        let end = start + count
        guard count >= 14, bytes[start] == 0x45, bytes[start + 1] == 0x78, bytes[start + 2] == 0x69, bytes[start + 3] == 0x66,
              bytes[start + 4] == 0, bytes[start + 5] == 0 else { return nil }
        let tiff = start + 6
        let little: Bool
        switch (bytes[tiff], bytes[tiff + 1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= tiff, at + 2 <= end else { return nil }
            return little ? Int(bytes[at]) | Int(bytes[at + 1]) << 8 : Int(bytes[at]) << 8 | Int(bytes[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let high = u16(little ? at + 2 : at), let low = u16(little ? at : at + 2) else { return nil }
            return high << 16 | low
        }
        guard let ifd = u32(tiff + 4), let entries = u16(tiff + ifd) else { return nil }
        for index in 0..<min(entries, 512) {
            let entry = tiff + ifd + 2 + index * 12
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112 {
                guard u16(entry + 2) == 3, let value = u16(entry + 8) else { return nil }  // type SHORT, value inline
                return ExifOrientation(rawValue: value)
            }
        }
        return nil
    }

    /// `image` turned upright.
    public func apply(to image: GrayImage) -> GrayImage {
        let (w, h) = (image.width, image.height)
        let swapsSides = rawValue >= 5
        let (outWidth, outHeight) = swapsSides ? (h, w) : (w, h)
        if self == .upright { return image }
        var pixels = [UInt8](repeating: 0, count: w * h)
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                let (sx, sy): (Int, Int)
                switch self {
                case .upright: (sx, sy) = (x, y)
                case .mirrored: (sx, sy) = (w - 1 - x, y)
                case .rotated180: (sx, sy) = (w - 1 - x, h - 1 - y)
                case .flipped: (sx, sy) = (x, h - 1 - y)
                case .transposed: (sx, sy) = (y, x)
                case .rotatedClockwise: (sx, sy) = (y, h - 1 - x)
                case .transversed: (sx, sy) = (w - 1 - y, h - 1 - x)
                case .rotatedCounterClockwise: (sx, sy) = (w - 1 - y, x)
                }
                pixels[y * outWidth + x] = image.pixels[sy * w + sx]
            }
        }
        return GrayImage(width: outWidth, height: outHeight, pixels: pixels)
    }
}
