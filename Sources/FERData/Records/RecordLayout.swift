import CZlib
import FERCore
import FERMedia

/// An image's shape in a record: height, width and channels (1 gray, 3 RGB), 8 bits each.
public struct ImageShape: Sendable, Hashable, Codable, CustomStringConvertible {
    public var height: Int
    public var width: Int
    public var channels: Int

    public init(height: Int, width: Int, channels: Int) {
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// FER2013's 48x48 grayscale, the CNN-RNN's input.
    public static let face48 = ImageShape(height: FaceSize.side, width: FaceSize.side, channels: 1)

    public var byteCount: Int { height * width * channels }
    public var description: String { "\(height)x\(width)x\(channels)" }
}

/// The byte layout of a record and a shard header (documented for other readers in docs/format.md).
/// All integers and floats are little-endian.
///
/// A record is its pixels followed by a metadata block whose fields sit at the same offsets from the
/// end of the pixels in every version. Version 1: 48x48 gray pixels and a 128-byte block. Version 2:
/// pixels of the shape the shard header gives, and a 192-byte block that adds the subject, AffectNet's
/// valence and arousal, and where the face was cut from its picture (`FaceFrame`; zero in records
/// written before it, which read as none). Version 3 (written now): a 200-byte block that adds which
/// detector found the face and its score. All three are read.
public enum RecordLayout {
    public static let formatVersion: UInt32 = 3
    public static let shardMagic: [UInt8] = Array("FERSHARD".utf8)
    public static let shardHeaderSize = 64
    public static let sourceNameBytes = 52
    public static let subjectBytes = 32
    public static let unlabeled: UInt8 = 255

    /// CRC-32 (zlib's polynomial, as `zlib.crc32` in Python).
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return 0 }
        return UInt32(crc32(0, base.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
    }
}

/// One version of the record layout for one image shape: sizes, offsets, encoding and decoding.
public struct RecordFormat: Sendable, Hashable {
    public let version: UInt32
    public let shape: ImageShape

    /// The current version of 48x48 gray, the CNN-RNN's input (writers write the current version of their records' shape).
    public static let current = RecordFormat(version: RecordLayout.formatVersion, shape: .face48)
    /// Version 1: 2,432-byte records of 48x48 gray.
    public static let version1 = RecordFormat(version: 1, shape: .face48)

    public init(version: UInt32, shape: ImageShape) {
        self.version = version
        self.shape = shape
    }

    /// The format a shard header or manifest names, if this ferdata reads it.
    public init?(version: UInt32, recordSize: Int, shape: ImageShape?) {
        switch version {
        case 1 where recordSize == RecordFormat.version1.recordSize && (shape == nil || shape == .face48):
            self = .version1
        case 2, 3:
            guard let shape, shape.height > 0, shape.width > 0, [1, 3].contains(shape.channels),
                  shape.byteCount + RecordFormat(version: version, shape: shape).metadataBytes == recordSize else { return nil }
            self.init(version: version, shape: shape)
        default:
            return nil
        }
    }

    public var metadataBytes: Int {
        switch version {
        case 1: return 128
        case 2: return 192
        default: return 200
        }
    }
    public var recordSize: Int { shape.byteCount + metadataBytes }
    /// Where the metadata block starts: the end of the pixels.
    var base: Int { shape.byteCount }
    public var labelOffset: Int { base }
    public var splitOffset: Int { base + 1 }
    var usageOffset: Int { base + 2 }
    var flagsOffset: Int { base + 3 }
    var sourceIndexOffset: Int { base + 4 }
    var locatorOffset: Int { base + 8 }
    var recordIDOffset: Int { base + 16 }
    var parentIDOffset: Int { base + 24 }
    var augmentationOffset: Int { base + 32 }
    var sourceNameOffset: Int { base + 72 }
    var subjectOffset: Int { base + 124 }
    var valenceOffset: Int { base + 156 }
    var arousalOffset: Int { base + 160 }
    var frameOffset: Int { base + 164 }
    var detectorOffset: Int { base + 188 }
    var scoreOffset: Int { base + 192 }
    public var crcOffset: Int { recordSize - 4 }

    /// Writes `record` into `buffer` (exactly `recordSize` bytes), CRC included. The current version only.
    public func encode(_ record: FaceRecord, into buffer: UnsafeMutableRawBufferPointer) {
        precondition(version == RecordLayout.formatVersion && buffer.count == recordSize && record.shape == shape)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        record.pixels.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: shape.byteCount) }
        buffer[labelOffset] = record.label?.rawValue ?? RecordLayout.unlabeled
        buffer[splitOffset] = record.split.rawValue
        buffer[usageOffset] = record.usage.rawValue
        buffer[flagsOffset] = record.flags.rawValue
        buffer.storeBytes(of: record.sourceIndex.littleEndian, toByteOffset: sourceIndexOffset, as: UInt32.self)
        buffer.storeBytes(of: record.locator.littleEndian, toByteOffset: locatorOffset, as: UInt64.self)
        buffer.storeBytes(of: record.recordID.littleEndian, toByteOffset: recordIDOffset, as: UInt64.self)
        buffer.storeBytes(of: record.parentID.littleEndian, toByteOffset: parentIDOffset, as: UInt64.self)
        let a = record.augmentation
        let at = augmentationOffset
        buffer[at] = a.flipped ? 1 : 0
        buffer[at + 1] = a.eraseX
        buffer[at + 2] = a.eraseY
        buffer[at + 3] = a.eraseWidth
        buffer[at + 4] = a.eraseHeight
        func store(_ value: Float, at offset: Int) {
            buffer.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: offset, as: UInt32.self)
        }
        for (slot, value) in [a.rotation, a.translateX, a.translateY, a.scale, a.brightness, a.contrast, a.noiseSigma].enumerated() {
            store(value, at: at + 8 + 4 * slot)
        }
        buffer.storeBytes(of: a.noiseSeed.littleEndian, toByteOffset: at + 36, as: UInt32.self)
        Self.storeText(record.sourceName, keepingTail: true, into: buffer, at: sourceNameOffset, size: RecordLayout.sourceNameBytes)
        Self.storeText(record.subject ?? "", keepingTail: false, into: buffer, at: subjectOffset, size: RecordLayout.subjectBytes)
        store(record.valence ?? .nan, at: valenceOffset)
        store(record.arousal ?? .nan, at: arousalOffset)
        storeFrame(record.face, into: buffer)
        let crc = RecordLayout.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<crcOffset]))
        buffer.storeBytes(of: crc.littleEndian, toByteOffset: crcOffset, as: UInt32.self)
    }

    /// UTF-8 text NUL-padded into `size` bytes: the tail kept (a path's file name) or the head, cut
    /// between characters (a byte of the form 10xxxxxx continues a character).
    private static func storeText(_ text: String, keepingTail: Bool, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, size: Int) {
        var text = text
        text.withUTF8 { utf8 in
            var start = 0, end = utf8.count
            if utf8.count > size {
                if keepingTail {
                    start = utf8.count - size
                    while start < end && utf8[start] & 0xC0 == 0x80 { start += 1 }
                } else {
                    end = size
                    while end > 0 && utf8[end] & 0xC0 == 0x80 { end -= 1 }
                }
            }
            UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + end - start)])
                .copyMemory(from: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[start..<end])))
        }
    }

    /// Whether the stored CRC matches the record's bytes.
    public func crcMatches(_ buffer: UnsafeRawBufferPointer) -> Bool {
        let stored = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: crcOffset, as: UInt32.self))
        return stored == RecordLayout.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<crcOffset]))
    }

    /// Reads a record whose CRC has been checked. Throws on field values out of range.
    public func decode(_ buffer: UnsafeRawBufferPointer) throws -> FaceRecord {
        precondition(buffer.count == recordSize)
        func load<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            T(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: T.self))
        }
        func float(_ offset: Int) -> Float { Float(bitPattern: load(offset, UInt32.self)) }
        func text(_ offset: Int, _ size: Int) -> String {
            String(decoding: buffer[offset..<(offset + size)].prefix { $0 != 0 }, as: UTF8.self)
        }
        let labelByte = buffer[labelOffset]
        let label = Emotion(rawValue: labelByte)
        guard label != nil || labelByte == RecordLayout.unlabeled,
              let split = Split(rawValue: buffer[splitOffset]),
              let usage = Usage(rawValue: buffer[usageOffset])
        else { throw FerError(.corruptShard, "record field out of range") }
        let at = augmentationOffset
        let augmentation = AugmentationParameters(
            flipped: buffer[at] != 0, rotation: float(at + 8), translateX: float(at + 12), translateY: float(at + 16),
            scale: float(at + 20), brightness: float(at + 24), contrast: float(at + 28), noiseSigma: float(at + 32),
            noiseSeed: load(at + 36, UInt32.self), eraseX: buffer[at + 1], eraseY: buffer[at + 2],
            eraseWidth: buffer[at + 3], eraseHeight: buffer[at + 4])
        var record = FaceRecord(
            pixels: Array(buffer[0..<shape.byteCount]), label: label, split: split, usage: usage,
            flags: FaceRecord.Flags(rawValue: buffer[flagsOffset]),
            sourceIndex: load(sourceIndexOffset, UInt32.self), locator: load(locatorOffset, UInt64.self),
            recordID: load(recordIDOffset, UInt64.self), parentID: load(parentIDOffset, UInt64.self),
            augmentation: augmentation, sourceName: text(sourceNameOffset, RecordLayout.sourceNameBytes), shape: shape)
        if version >= 2 {
            let subject = text(subjectOffset, RecordLayout.subjectBytes)
            record.subject = subject.isEmpty ? nil : subject
            let valence = float(valenceOffset), arousal = float(arousalOffset)
            record.valence = valence.isNaN ? nil : valence
            record.arousal = arousal.isNaN ? nil : arousal
            record.face = try loadFrame(buffer)
        }
        return record
    }
}

/// A record already in its on-disk form (the current version, CRC included), so that encoding can run on worker
/// threads and writing is a copy.
public struct EncodedRecord: Sendable {
    public let bytes: [UInt8]
    public let format: RecordFormat

    public init(_ record: FaceRecord) {
        let format = RecordFormat(version: RecordLayout.formatVersion, shape: record.shape)
        self.format = format
        bytes = [UInt8](unsafeUninitializedCapacity: format.recordSize) { buffer, initialized in
            format.encode(record, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = format.recordSize
        }
    }

    /// A record copied as it is from a shard of the current version (`ShardRecords.withRecordBytes`).
    init(copying raw: UnsafeRawBufferPointer, format: RecordFormat) {
        precondition(format.version == RecordLayout.formatVersion && raw.count == format.recordSize)
        self.format = format
        bytes = [UInt8](raw)
    }

    /// The record back from its bytes (made here, so its CRC is not checked again).
    public func decoded() throws -> FaceRecord {
        try bytes.withUnsafeBytes { try format.decode($0) }
    }

    public var split: Split { Split(rawValue: bytes[format.splitOffset]) ?? .train }
    /// The label byte: an `Emotion` raw value, or `RecordLayout.unlabeled`.
    public var labelByte: UInt8 { bytes[format.labelOffset] }
}
