import FERCore
import FERTestSupport
import Testing

@testable import FERMedia

/// TIFF, WebP and BMP decoding and JPEG EXIF orientation: every form exactly as written, formats known
/// by their bytes, and truncated, corrupt and huge files as error values.
@Suite struct ImageFormatTests {
    static let face = Fixtures.face(seed: 11)

    func decode(_ bytes: [UInt8], maxPixels: UInt64 = ImageDecoder.defaultMaxPixels) throws -> GrayImage {
        try bytes.withUnsafeBytes { try ImageDecoder.decodeGray($0, maxPixels: maxPixels) }
    }

    static let tiffForms: [(ImageFiles.TIFFPixels, ImageFiles.TIFFCompression, Bool)] = {
        let kinds: [ImageFiles.TIFFPixels] = [.gray(bits: 8), .gray(bits: 16), .rgb, .palette]
        return kinds.flatMap { kind in ImageFiles.TIFFCompression.allCases.flatMap { compression in [(kind, compression, false), (kind, compression, true)] } }
    }()

    @Test func everyTIFFFormDecodesExactly() throws {
        for (kind, compression, bigEndian) in Self.tiffForms {
            let samples: [UInt8]
            if case .rgb = kind { samples = Self.face.flatMap { [$0, $0, $0] } } else { samples = Self.face }
            let file = ImageFiles.tiff(samples, width: 48, height: 48, pixels: kind, compression: compression, bigEndian: bigEndian)
            #expect(ImageDecoder.sniff(file.withUnsafeBytes { $0 }) == .tiff)
            let image = try decode(file)
            #expect(image.width == 48 && image.height == 48)
            #expect(image.pixels == Self.face, "\(kind) \(compression) \(bigEndian ? "big" : "little")-endian")
        }
    }

    @Test func aMultiPageTIFFGivesItsFirstPage() throws {
        let file = ImageFiles.tiff(Self.face, width: 48, height: 48, compression: .lzw, pages: 3)
        #expect(try decode(file).pixels == Self.face)
    }

    @Test(arguments: [8, 24, 32])
    func bmpDecodesExactly(bits: Int) throws {
        for topDown in [false, true] {
            let file = ImageFiles.bmp(Self.face, width: 48, height: 48, bits: bits, topDown: topDown)
            #expect(try decode(file).pixels == Self.face, "\(bits) bits, top-down \(topDown)")
        }
        // An odd width: rows are padded to four bytes.
        let narrow = Array(Self.face.prefix(47 * 3))
        #expect(try decode(ImageFiles.bmp(narrow, width: 47, height: 3, bits: bits)).pixels == narrow)
    }

    /// Colour decoding: every lossless format gives back the RGB samples written, a gray file its
    /// samples repeated in three planes, and JPEG stays close.
    @Test func rgbDecodesExactlyInEveryLosslessFormat() throws {
        let rgb = (0..<(48 * 48 * 3)).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 3) }
        func planes(_ bytes: [UInt8]) throws -> [GrayImage] {
            try bytes.withUnsafeBytes { try ImageDecoder.decode($0, channels: 3) }
        }
        func interleaved(_ planes: [GrayImage]) -> [UInt8] {
            (0..<(48 * 48)).flatMap { i in planes.map { $0.pixels[i] } }
        }
        let files: [(String, [UInt8])] = [
            ("png", Fixtures.png(rgb, channels: 3)), ("tiff", ImageFiles.tiff(rgb, width: 48, height: 48, pixels: .rgb, compression: .lzw)),
            ("webp", ImageFiles.webp(rgb, width: 48, height: 48)), ("bmp", ImageFiles.bmp(rgb, width: 48, height: 48, bits: 24)),
        ]
        for (name, file) in files {
            let decoded = try planes(file)
            let exact = decoded.count == 3 && interleaved(decoded) == rgb
            #expect(exact, "\(name): the RGB samples differ")
            // The gray decode of the same file is the luma of those samples.
            let gray = try decode(file).pixels
            let luma = gray == (0..<(48 * 48)).map { GrayImage.luma(rgb[3 * $0], rgb[3 * $0 + 1], rgb[3 * $0 + 2]) }
            #expect(luma, "\(name): the gray decode is not the luma")
        }
        let fromGray = try planes(Fixtures.png(Self.face))
        #expect(fromGray.allSatisfy { $0.pixels == Self.face })
        let jpeg = try planes(Fixtures.jpeg(rgb, channels: 3, quality: 100))
        let error = zip(interleaved(jpeg), rgb).map { abs(Int($0) - Int($1)) }.reduce(0, +) / rgb.count
        #expect(error <= 8, "JPEG mean absolute error \(error)")
    }

    @Test func webpDecodesLosslessExactlyAndLossyClosely() throws {
        #expect(try decode(ImageFiles.webp(Self.face, width: 48, height: 48)).pixels == Self.face)
        let lossy = try decode(ImageFiles.webp(Self.face, width: 48, height: 48, lossless: false, quality: 95))
        let error = zip(lossy.pixels, Self.face).map { abs(Int($0) - Int($1)) }.reduce(0, +) / Self.face.count
        #expect(error <= 6, "mean absolute error \(error)")
    }

    @Test(arguments: 1...8)
    func jpegExifOrientationIsApplied(orientation: Int) throws {
        // A 48x32 picture, so that turns show in the shape.
        let pixels = (0..<(48 * 32)).map { UInt8(($0 % 48) * 5 % 256) }
        let plain = Fixtures.jpeg(pixels, width: 48, height: 32, quality: 100)
        let stored = try decode(plain)
        for bigEndian in [false, true] {
            let image = try decode(ImageFiles.withExifOrientation(plain, orientation, bigEndian: bigEndian))
            let expected = ExifOrientation(rawValue: orientation)!.apply(to: stored)
            #expect(image == expected)
            #expect(image.width == (orientation >= 5 ? 32 : 48))
        }
    }

    @Test func orientationsTurnThePictureAsViewersDo() {
        // 2x1: left black, right white.
        let image = GrayImage(width: 2, height: 1, pixels: [0, 255])
        #expect(ExifOrientation.mirrored.apply(to: image).pixels == [255, 0])
        #expect(ExifOrientation.rotatedClockwise.apply(to: image).pixels == [0, 255])  // 1x2: black on top
        #expect(ExifOrientation.rotatedCounterClockwise.apply(to: image).pixels == [255, 0])  // white on top
        #expect(ExifOrientation.rotated180.apply(to: image).pixels == [255, 0])
    }

    static func files() -> [(String, [UInt8])] {
        [("TIFF", ImageFiles.tiff(face, width: 48, height: 48, compression: .deflate)),
         ("LZW TIFF", ImageFiles.tiff(face, width: 48, height: 48, compression: .lzw)),
         ("WebP", ImageFiles.webp(face, width: 48, height: 48, lossless: false)),
         ("BMP", ImageFiles.bmp(face, width: 48, height: 48, bits: 8))]
    }

    @Test(arguments: [0, 4, 12, 30, 100, 400, 1000])
    func truncatedFilesAreErrorsNotCrashes(keep: Int) {
        for (name, file) in Self.files() where keep < file.count {
            #expect(throws: FerError.self, "\(name) cut to \(keep) bytes") { try decode(Array(file.prefix(keep))) }
        }
    }

    @Test func corruptFilesAreErrorValues() {
        for (name, file) in Self.files() {
            for seed in 0..<64 {
                var bytes = file
                var random = SeededGenerator(seed: UInt64(seed))
                for _ in 0..<8 { bytes[Int.random(in: 12..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random) }
                do {
                    let image = try decode(bytes)
                    #expect(image.pixels.count == image.width * image.height, "\(name), seed \(seed)")
                } catch let error as FerError {
                    #expect(error.code == .corruptImage || error.code == .unsupportedImage || error.code == .imageTooLarge,
                            "\(name), seed \(seed): \(error)")
                } catch {
                    Issue.record("\(name), seed \(seed): not a FerError: \(error)")
                }
            }
        }
    }

    @Test func hugeDimensionsAreRefusedBeforeDecoding() {
        for (name, file) in Self.files() {
            #expect("\(name)") { _ = try decode(file, maxPixels: 48 * 47) } throws: { ($0 as? FerError)?.code == .imageTooLarge }
        }
    }

    @Test func anUnknownFormatSaysWhichFormatsAreRead() {
        do {
            _ = try decode(Array("GIF89a not read".utf8))
            Issue.record("a GIF was decoded")
        } catch let error as FerError {
            #expect(error.code == .unsupportedImage && error.message.contains("TIFF, WebP, BMP"))
        } catch {
            Issue.record("not a FerError: \(error)")
        }
    }
}
