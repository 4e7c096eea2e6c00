import FERCore

/// An RGB drawing surface for contact sheets and charts, written out as PNG.
public struct Canvas: Sendable {
    public struct Color: Sendable, Equatable {
        public var red, green, blue: UInt8
        public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
            self.red = red
            self.green = green
            self.blue = blue
        }
        public static let white = Color(255, 255, 255)
        public static let black = Color(0, 0, 0)
        public static let gray = Color(128, 128, 128)
        /// Distinct colours for series (splits, classes).
        public static let palette = [Color(66, 133, 244), Color(234, 134, 20), Color(52, 168, 83),
                                     Color(219, 68, 55), Color(142, 68, 173), Color(0, 150, 160), Color(120, 120, 120)]
    }

    public let width: Int
    public let height: Int
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int, background: Color = .white) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, background)
    }

    /// Fills a rectangle; the part outside the canvas (or all of it) is left out.
    public mutating func fill(x: Int, y: Int, width: Int, height: Int, _ color: Color) {
        let (top, bottom) = (max(0, y), min(self.height, y + height))
        let (left, right) = (max(0, x), min(self.width, x + width))
        guard top < bottom, left < right else { return }
        for row in top..<bottom {
            for column in left..<right {
                let index = (row * self.width + column) * 3
                pixels[index] = color.red
                pixels[index + 1] = color.green
                pixels[index + 2] = color.blue
            }
        }
    }

    /// A straight line `thickness` pixels wide from (x0, y0) to (x1, y1).
    public mutating func line(from start: (x: Int, y: Int), to end: (x: Int, y: Int), _ color: Color, thickness: Int = 2) {
        let steps = max(abs(end.x - start.x), abs(end.y - start.y), 1)
        for step in 0...steps {
            let x = start.x + (end.x - start.x) * step / steps, y = start.y + (end.y - start.y) * step / steps
            fill(x: x - thickness / 2, y: y - thickness / 2, width: thickness, height: thickness, color)
        }
    }

    /// Draws a grayscale image with its top-left corner at (x, y), each pixel `scale` x `scale`.
    public mutating func draw(_ image: GrayImage, x: Int, y: Int, scale: Int = 1) {
        for row in 0..<(image.height * scale) {
            for column in 0..<(image.width * scale) {
                let (px, py) = (x + column, y + row)
                guard px >= 0, py >= 0, px < width, py < height else { continue }
                let value = image[column / scale, row / scale]
                let index = (py * width + px) * 3
                pixels[index] = value
                pixels[index + 1] = value
                pixels[index + 2] = value
            }
        }
    }

    /// Draws text in the 5x7 font, each font pixel `scale` x `scale`. Returns the width drawn.
    @discardableResult
    public mutating func text(_ string: String, x: Int, y: Int, scale: Int = 1, color: Color = .black) -> Int {
        var cursor = x
        for character in string {
            if let rows = BitmapFont.glyph(character) {
                for (row, bits) in rows.enumerated() {
                    for column in 0..<BitmapFont.glyphWidth where bits & (0x10 >> UInt8(column)) != 0 {
                        fill(x: cursor + column * scale, y: y + row * scale, width: scale, height: scale, color)
                    }
                }
            }
            cursor += (BitmapFont.glyphWidth + 1) * scale
        }
        return cursor - x
    }

    public static func textWidth(_ string: String, scale: Int = 1) -> Int {
        string.count * (BitmapFont.glyphWidth + 1) * scale
    }

    public func png() throws(FerError) -> [UInt8] {
        try ImageEncoder.png(pixels, width: width, height: height, channels: 3)
    }
}
