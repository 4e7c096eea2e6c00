import FERCore
import Foundation

/// A shard file: a 64-byte header, then `count` fixed-size records.
///
/// Header: magic `FERSHARD` (8 bytes), format version u32, record size u32, record count u64, shard
/// index u32, CRC-32 u32, then (versions 2 and 3) the image height u16, width u16 and channels u8, zeros to
/// byte 64. Version 1's CRC covers bytes 0-27 (the rest is zero); later versions' cover bytes 0-27 and
/// 32-63.
public enum RecordShard {
    public static func fileName(index: Int) -> String {
        let number = String(index)
        return "shard-" + String(repeating: "0", count: max(0, 5 - number.count)) + number + ".frs"
    }

    static func header(count: Int, index: Int, format: RecordFormat = .current) -> [UInt8] {
        precondition(format.version == RecordLayout.formatVersion)
        var header = [UInt8](repeating: 0, count: RecordLayout.shardHeaderSize)
        header.withUnsafeMutableBytes { buffer in
            for (offset, byte) in RecordLayout.shardMagic.enumerated() { buffer[offset] = byte }
            buffer.storeBytes(of: format.version.littleEndian, toByteOffset: 8, as: UInt32.self)
            buffer.storeBytes(of: UInt32(format.recordSize).littleEndian, toByteOffset: 12, as: UInt32.self)
            buffer.storeBytes(of: UInt64(count).littleEndian, toByteOffset: 16, as: UInt64.self)
            buffer.storeBytes(of: UInt32(index).littleEndian, toByteOffset: 24, as: UInt32.self)
            buffer.storeBytes(of: UInt16(format.shape.height).littleEndian, toByteOffset: 32, as: UInt16.self)
            buffer.storeBytes(of: UInt16(format.shape.width).littleEndian, toByteOffset: 34, as: UInt16.self)
            buffer[36] = UInt8(format.shape.channels)
            buffer.storeBytes(of: headerCRC(UnsafeRawBufferPointer(buffer), version: format.version).littleEndian, toByteOffset: 28, as: UInt32.self)
        }
        return header
    }

    private static func headerCRC(_ header: UnsafeRawBufferPointer, version: UInt32) -> UInt32 {
        var covered = Array(header[0..<28])
        if version != 1 { covered += header[32..<64] }
        return covered.withUnsafeBytes { RecordLayout.checksum($0) }
    }

    /// Checks a shard's header and size and returns its record count and format.
    /// - Throws: `.corruptShard` saying what was expected and what was found.
    static func validateHeader(_ bytes: UnsafeRawBufferPointer, path: String) throws -> (count: Int, format: RecordFormat) {
        let location = InputLocation(source: path)
        guard bytes.count >= RecordLayout.shardHeaderSize else {
            throw FerError(.corruptShard, "file is \(bytes.count) bytes, shorter than the 64-byte shard header", at: location)
        }
        guard Array(bytes[0..<8]) == RecordLayout.shardMagic else {
            throw FerError(.corruptShard, "bad magic: expected 'FERSHARD' (is this a ferdata shard?)", at: location)
        }
        let version = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        let crc = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 28, as: UInt32.self))
        guard crc == headerCRC(UnsafeRawBufferPointer(rebasing: bytes[0..<RecordLayout.shardHeaderSize]), version: version) else {
            throw FerError(.corruptShard, "shard header CRC mismatch", at: location)
        }
        let size = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        let shape = version == 1 ? nil : ImageShape(
            height: Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 32, as: UInt16.self))),
            width: Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 34, as: UInt16.self))), channels: Int(bytes[36]))
        guard let format = RecordFormat(version: version, recordSize: size, shape: shape) else {
            throw FerError(
                .corruptShard,
                "format version \(version) with \(size)-byte records\(shape.map { " of \($0)" } ?? ""); this ferdata reads versions 1 (2432-byte records), 2 and 3",
                at: location)
        }
        let count = Int(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
        let expected = RecordLayout.shardHeaderSize + count * format.recordSize
        guard bytes.count == expected else {
            throw FerError(
                .corruptShard, "header says \(count) records (\(expected) bytes) but the file is \(bytes.count) bytes",
                at: location)
        }
        return (count, format)
    }
}

/// The records of one shard in memory, CRC-checked when loaded. Raw access for hot paths (training),
/// decoded `FaceRecord`s for the rest.
public struct ShardRecords: Sendable {
    public let path: String
    public let count: Int
    public let format: RecordFormat
    /// Header and records, as in the file.
    let bytes: [UInt8]

    /// Loads and checks a shard: header, size and every record's CRC.
    public init(path: String) throws {
        let data = try FileIO.readAll(path)
        let bytes = [UInt8](data)
        let (count, format) = try bytes.withUnsafeBytes { buffer throws in
            try RecordShard.validateHeader(buffer, path: path)
        }
        self.path = path
        self.count = count
        self.format = format
        self.bytes = bytes
        if let bad = firstCorruptRecord() {
            throw FerError(.corruptShard, "fails its CRC check", at: InputLocation(source: path, record: bad))
        }
    }

    /// The index of the first record whose CRC does not match, or nil.
    func firstCorruptRecord() -> Int? {
        bytes.withUnsafeBytes { buffer in
            (0..<count).first { index in !format.crcMatches(slice(buffer, index)) }
        }
    }

    /// Calls `body` with the raw bytes of record `index` (`format.recordSize` bytes).
    public func withRecordBytes<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(index >= 0 && index < count)
        return try bytes.withUnsafeBytes { try body(slice($0, index)) }
    }

    public func record(_ index: Int) throws -> FaceRecord {
        do {
            return try withRecordBytes(index) { try format.decode($0) }
        } catch let error as FerError {
            throw FerError(.corruptShard, error.message, at: InputLocation(source: path, record: index))
        }
    }

    public func records() throws -> [FaceRecord] {
        var out: [FaceRecord] = []
        out.reserveCapacity(count)
        for index in 0..<count { out.append(try record(index)) }
        return out
    }

    private func slice(_ buffer: UnsafeRawBufferPointer, _ index: Int) -> UnsafeRawBufferPointer {
        let start = RecordLayout.shardHeaderSize + index * format.recordSize
        return UnsafeRawBufferPointer(rebasing: buffer[start..<(start + format.recordSize)])
    }
}
