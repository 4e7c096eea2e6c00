import CFerShims
import FERCore
import FERTestSupport
import Testing

@testable import FERMedia

@Suite struct ImageCodecTests {
    @Test func pngRoundTripIsExact() throws {
        let pixels = Fixtures.face(seed: 3)
        let bytes = Fixtures.png(pixels)
        let image = try bytes.withUnsafeBytes { try ImageDecoder.decodeGray($0) }
        #expect(image.width == 48 && image.height == 48)
        #expect(image.pixels == pixels)
    }

    @Test func jpegRoundTripIsClose() throws {
        let pixels = Fixtures.face(seed: 4)
        let bytes = Fixtures.jpeg(pixels, quality: 100)
        let image = try bytes.withUnsafeBytes { try ImageDecoder.decodeGray($0) }
        let worst = zip(image.pixels, pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst <= 8)
    }

    @Test func colourImagesBecomeBT601Luma() throws {
        // One pure red, green and blue pixel, and a grey one.
        let rgb: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 100, 100, 100]
        let image = try Fixtures.png(rgb, width: 4, height: 1, channels: 3).withUnsafeBytes { try ImageDecoder.decodeGray($0) }
        #expect(image.pixels == [76, 150, 29, 100])
    }

    @Test func paletteAlphaSixteenBitAndOneBitPNGsDecode() throws {
        let palette = Fixtures.handMadePNG(
            width: 2, height: 1, bitDepth: 8, colorType: 3, scanlines: [[0, 1]], palette: [255, 0, 0, 0, 0, 255])
        let rgba = Fixtures.handMadePNG(
            width: 1, height: 1, bitDepth: 8, colorType: 6, scanlines: [[0, 255, 0, 10]])
        let gray16 = Fixtures.handMadePNG(
            width: 2, height: 1, bitDepth: 16, colorType: 0, scanlines: [[0xFF, 0xFF, 0x80, 0x00]])
        let gray1 = Fixtures.handMadePNG(width: 8, height: 1, bitDepth: 1, colorType: 0, scanlines: [[0b1010_0000]])
        let grayAlpha = Fixtures.handMadePNG(width: 1, height: 1, bitDepth: 8, colorType: 4, scanlines: [[77, 0]])
        func decode(_ bytes: [UInt8]) throws -> [UInt8] { try bytes.withUnsafeBytes { try ImageDecoder.decodeGray($0) }.pixels }
        #expect(try decode(palette) == [76, 29])
        #expect(try decode(rgba) == [150])
        #expect(try decode(gray16) == [255, 128])
        #expect(try decode(gray1) == [255, 0, 255, 0, 0, 0, 0, 0])
        #expect(try decode(grayAlpha) == [77])
    }

    @Test(arguments: [0, 1, 20, 100, 400])
    func truncatedImagesAreErrorsNotCrashes(keep: Int) {
        for bytes in [Fixtures.jpeg(Fixtures.face(seed: 1)), Fixtures.png(Fixtures.face(seed: 1))] {
            let cut = Array(bytes.prefix(keep))
            #expect(throws: FerError.self) { try cut.withUnsafeBytes { try ImageDecoder.decodeGray($0) } }
        }
    }

    @Test func corruptBytesInsideAnImageAreCaught() throws {
        var jpeg = Fixtures.jpeg(Fixtures.face(seed: 2))
        for index in stride(from: 20, to: jpeg.count - 2, by: 7) { jpeg[index] = 0xFF }
        var png = Fixtures.png(Fixtures.face(seed: 2))
        png[png.count / 2] ^= 0x55
        for bytes in [jpeg, png] {
            do {
                _ = try bytes.withUnsafeBytes { try ImageDecoder.decodeGray($0) }
                Issue.record("a corrupt image decoded")
            } catch let error as FerError {
                #expect(error.code == .corruptImage)
            }
        }
    }

    @Test func hugeDimensionsAreRefusedFromTheHeader() throws {
        // A 60000x60000 header with a tiny body: refused before any pixel is allocated.
        let png = Fixtures.handMadePNG(width: 60000, height: 60000, bitDepth: 8, colorType: 0, scanlines: [[0]])
        do {
            _ = try png.withUnsafeBytes { try ImageDecoder.decodeGray($0) }
            Issue.record("a 60000x60000 image was accepted")
        } catch let error as FerError {
            #expect(error.code == .imageTooLarge)
        }
    }

    @Test func otherBytesAreNotImages() throws {
        let text = Array("emotion,pixels".utf8)
        do {
            _ = try text.withUnsafeBytes { try ImageDecoder.decodeGray($0) }
            Issue.record("text decoded as an image")
        } catch let error as FerError {
            #expect(error.code == .unsupportedImage)
        }
    }
}

@Suite struct ResizeTests {
    @Test func areaAveragingHalvesExactly() {
        // 96x96 where each 2x2 block is {0, 100, 100, 200}: every output pixel is their mean, 100.
        var pixels = [UInt8](repeating: 0, count: 96 * 96)
        for y in 0..<96 { for x in 0..<96 { pixels[y * 96 + x] = UInt8((x % 2 + y % 2) * 100) } }
        let out = GrayImage(width: 96, height: 96, pixels: pixels).faceSized()
        #expect(out.width == 48 && out.pixels.allSatisfy { $0 == 100 })
    }

    @Test func fractionalAreasAreWeighted() {
        // 72 -> 48: each output covers 1.5 source pixels; columns alternate 0 and 255.
        var pixels = [UInt8](repeating: 0, count: 72 * 72)
        for y in 0..<72 { for x in 0..<72 where x % 3 == 1 { pixels[y * 72 + x] = 255 } }
        let out = GrayImage(width: 72, height: 72, pixels: pixels).resizedSquare(to: 48)
        // Output column 0 covers source 0 and half of 1: (0 + 0.5 * 255) / 1.5 = 85.
        #expect(out[0, 0] == 85)
        #expect(out[1, 0] == 85)
    }

    @Test func nonSquareImagesAreCentreCropped() {
        var pixels = [UInt8](repeating: 255, count: 96 * 48)
        for y in 0..<48 { for x in 24..<72 { pixels[y * 96 + x] = 7 } }
        let out = GrayImage(width: 96, height: 48, pixels: pixels).faceSized()
        #expect(out.pixels.allSatisfy { $0 == 7 })
    }

    @Test func smallImagesAreEnlarged() {
        let out = GrayImage(width: 24, height: 24, fill: 9).faceSized()
        #expect(out.width == 48 && out.pixels.allSatisfy { $0 == 9 })
    }

    /// Growth is bilinear with pixel centres aligned and edges clamped: the separable resize gives, to
    /// the bit, each output pixel interpolated from its four neighbours (seeded noise, 7 sizes each way).
    @Test func growingEqualsFourNeighbourBilinearToTheBit() {
        var random = SeededGenerator(seed: 11)
        for (from, to) in [(48, 112), (48, 224), (48, 49), (1, 5), (7, 255), (30, 64), (100, 101)] {
            let image = GrayImage(width: from, height: from, pixels: (0..<(from * from)).map { _ in UInt8.random(in: 0...255, using: &random) })
            var expected = [UInt8](repeating: 0, count: to * to)
            let scale = Float(from) / Float(to)
            for y in 0..<to {
                let sy = max(0, (Float(y) + 0.5) * scale - 0.5)
                let y0 = min(Int(sy), from - 1), y1 = min(y0 + 1, from - 1), fy = sy - Float(y0)
                for x in 0..<to {
                    let sx = max(0, (Float(x) + 0.5) * scale - 0.5)
                    let x0 = min(Int(sx), from - 1), x1 = min(x0 + 1, from - 1), fx = sx - Float(x0)
                    let top = Float(image[x0, y0]) * (1 - fx) + Float(image[x1, y0]) * fx
                    let bottom = Float(image[x0, y1]) * (1 - fx) + Float(image[x1, y1]) * fx
                    expected[y * to + x] = UInt8(min(255, max(0, (top * (1 - fy) + bottom * fy).rounded())))
                }
            }
            #expect(image.resizedSquare(to: to).pixels == expected, "\(from) -> \(to), seed 11")
        }
    }
}
