import CZlib
import FERCore
import FERMedia

/// The byte layout of a record and a shard header (documented for other readers in docs/format.md).
/// All integers and floats are little-endian.
public enum RecordLayout {
    public static let formatVersion: UInt32 = 1
    public static let recordSize = 2432
    public static let shardMagic: [UInt8] = Array("FERSHARD".utf8)
    public static let shardHeaderSize = 64
    public static let sourceNameBytes = 52
    public static let unlabeled: UInt8 = 255

    // Field offsets inside a record.
    static let labelOffset = 2304
    static let splitOffset = 2305
    static let usageOffset = 2306
    static let flagsOffset = 2307
    static let sourceIndexOffset = 2308
    static let locatorOffset = 2312
    static let recordIDOffset = 2320
    static let parentIDOffset = 2328
    static let augmentationOffset = 2336
    static let sourceNameOffset = 2376
    static let crcOffset = 2428

    /// Writes `record` into `buffer` (exactly `recordSize` bytes), CRC included.
    public static func encode(_ record: FaceRecord, into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count == recordSize)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        record.pixels.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: FaceSize.pixelCount) }
        buffer[labelOffset] = record.label?.rawValue ?? unlabeled
        buffer[splitOffset] = record.split.rawValue
        buffer[usageOffset] = record.usage.rawValue
        buffer[flagsOffset] = record.flags.rawValue
        buffer.storeBytes(of: record.sourceIndex.littleEndian, toByteOffset: sourceIndexOffset, as: UInt32.self)
        buffer.storeBytes(of: record.locator.littleEndian, toByteOffset: locatorOffset, as: UInt64.self)
        buffer.storeBytes(of: record.recordID.littleEndian, toByteOffset: recordIDOffset, as: UInt64.self)
        buffer.storeBytes(of: record.parentID.littleEndian, toByteOffset: parentIDOffset, as: UInt64.self)
        let a = record.augmentation
        let base = augmentationOffset
        buffer[base] = a.flipped ? 1 : 0
        buffer[base + 1] = a.eraseX
        buffer[base + 2] = a.eraseY
        buffer[base + 3] = a.eraseWidth
        buffer[base + 4] = a.eraseHeight
        func store(_ value: Float, _ slot: Int) {
            buffer.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: base + 8 + 4 * slot, as: UInt32.self)
        }
        store(a.rotation, 0)
        store(a.translateX, 1)
        store(a.translateY, 2)
        store(a.scale, 3)
        store(a.brightness, 4)
        store(a.contrast, 5)
        store(a.noiseSigma, 6)
        buffer.storeBytes(of: a.noiseSeed.littleEndian, toByteOffset: base + 36, as: UInt32.self)
        var name = record.sourceName
        name.withUTF8 { utf8 in
            let kept = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8).suffix(sourceNameBytes))
            UnsafeMutableRawBufferPointer(rebasing: buffer[sourceNameOffset...]).copyMemory(from: kept)
        }
        let crc = checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<crcOffset]))
        buffer.storeBytes(of: crc.littleEndian, toByteOffset: crcOffset, as: UInt32.self)
    }

    /// Whether the stored CRC matches the record's bytes.
    public static func crcMatches(_ buffer: UnsafeRawBufferPointer) -> Bool {
        let stored = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: crcOffset, as: UInt32.self))
        return stored == checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<crcOffset]))
    }

    /// Reads a record whose CRC has been checked. Throws on field values out of range.
    public static func decode(_ buffer: UnsafeRawBufferPointer) throws -> FaceRecord {
        precondition(buffer.count == recordSize)
        func load<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            T(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: T.self))
        }
        let labelByte = buffer[labelOffset]
        let label = Emotion(rawValue: labelByte)
        guard label != nil || labelByte == unlabeled,
              let split = Split(rawValue: buffer[splitOffset]),
              let usage = Usage(rawValue: buffer[usageOffset])
        else { throw FerError(.corruptShard, "record field out of range") }
        let base = augmentationOffset
        func float(_ index: Int) -> Float { Float(bitPattern: load(base + 8 + 4 * index, UInt32.self)) }
        let augmentation = AugmentationParameters(
            flipped: buffer[base] != 0, rotation: float(0), translateX: float(1), translateY: float(2),
            scale: float(3), brightness: float(4), contrast: float(5), noiseSigma: float(6),
            noiseSeed: load(base + 36, UInt32.self), eraseX: buffer[base + 1], eraseY: buffer[base + 2],
            eraseWidth: buffer[base + 3], eraseHeight: buffer[base + 4])
        let nameBytes = buffer[sourceNameOffset..<(sourceNameOffset + sourceNameBytes)].prefix { $0 != 0 }
        return FaceRecord(
            pixels: Array(buffer[0..<FaceSize.pixelCount]), label: label, split: split, usage: usage,
            flags: FaceRecord.Flags(rawValue: buffer[flagsOffset]),
            sourceIndex: load(sourceIndexOffset, UInt32.self), locator: load(locatorOffset, UInt64.self),
            recordID: load(recordIDOffset, UInt64.self), parentID: load(parentIDOffset, UInt64.self),
            augmentation: augmentation, sourceName: String(decoding: nameBytes, as: UTF8.self))
    }

    /// CRC-32 (zlib's polynomial, as `zlib.crc32` in Python).
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return 0 }
        return UInt32(crc32(0, base.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
    }
}

/// A record already in its on-disk form (CRC included), so that encoding can run on worker threads
/// and writing is a copy.
public struct EncodedRecord: Sendable {
    public let bytes: [UInt8]

    public init(_ record: FaceRecord) {
        bytes = [UInt8](unsafeUninitializedCapacity: RecordLayout.recordSize) { buffer, initialized in
            RecordLayout.encode(record, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = RecordLayout.recordSize
        }
    }

    /// A record copied as it is from a shard (`ShardRecords.withRecordBytes`).
    init(copying raw: UnsafeRawBufferPointer) {
        precondition(raw.count == RecordLayout.recordSize)
        bytes = [UInt8](raw)
    }

    public var split: Split { Split(rawValue: bytes[RecordLayout.splitOffset]) ?? .train }
    /// The label byte: an `Emotion` raw value, or `RecordLayout.unlabeled`.
    public var labelByte: UInt8 { bytes[RecordLayout.labelOffset] }
}
