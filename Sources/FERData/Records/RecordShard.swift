import FERCore
import Foundation

/// A shard file: a 64-byte header, then `count` fixed-size records.
///
/// Header: magic `FERSHARD` (8 bytes), format version u32, record size u32, record count u64,
/// shard index u32, CRC-32 of the preceding 28 bytes u32, 32 reserved zero bytes.
public enum RecordShard {
    public static func fileName(index: Int) -> String {
        let number = String(index)
        return "shard-" + String(repeating: "0", count: max(0, 5 - number.count)) + number + ".frs"
    }

    static func header(count: Int, index: Int) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: RecordLayout.shardHeaderSize)
        header.withUnsafeMutableBytes { buffer in
            for (offset, byte) in RecordLayout.shardMagic.enumerated() { buffer[offset] = byte }
            buffer.storeBytes(of: RecordLayout.formatVersion.littleEndian, toByteOffset: 8, as: UInt32.self)
            buffer.storeBytes(of: UInt32(RecordLayout.recordSize).littleEndian, toByteOffset: 12, as: UInt32.self)
            buffer.storeBytes(of: UInt64(count).littleEndian, toByteOffset: 16, as: UInt64.self)
            buffer.storeBytes(of: UInt32(index).littleEndian, toByteOffset: 24, as: UInt32.self)
            let crc = RecordLayout.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<28]))
            buffer.storeBytes(of: crc.littleEndian, toByteOffset: 28, as: UInt32.self)
        }
        return header
    }

    /// Checks a shard's header and size and returns its record count.
    /// - Throws: `.corruptShard` saying what was expected and what was found.
    static func validateHeader(_ bytes: UnsafeRawBufferPointer, path: String) throws -> Int {
        let location = InputLocation(source: path)
        guard bytes.count >= RecordLayout.shardHeaderSize else {
            throw FerError(.corruptShard, "file is \(bytes.count) bytes, shorter than the 64-byte shard header", at: location)
        }
        guard Array(bytes[0..<8]) == RecordLayout.shardMagic else {
            throw FerError(.corruptShard, "bad magic: expected 'FERSHARD' (is this a ferdata shard?)", at: location)
        }
        let crc = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 28, as: UInt32.self))
        guard crc == RecordLayout.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<28])) else {
            throw FerError(.corruptShard, "shard header CRC mismatch", at: location)
        }
        let version = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        let size = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        guard version == RecordLayout.formatVersion, size == RecordLayout.recordSize else {
            throw FerError(
                .corruptShard,
                "format version \(version) with \(size)-byte records; expected version \(RecordLayout.formatVersion) with \(RecordLayout.recordSize)-byte records",
                at: location)
        }
        let count = Int(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
        let expected = RecordLayout.shardHeaderSize + count * RecordLayout.recordSize
        guard bytes.count == expected else {
            throw FerError(
                .corruptShard, "header says \(count) records (\(expected) bytes) but the file is \(bytes.count) bytes",
                at: location)
        }
        return count
    }
}

/// The records of one shard in memory, CRC-checked when loaded. Raw access for hot paths (training),
/// decoded `FaceRecord`s for the rest.
public struct ShardRecords: Sendable {
    public let path: String
    public let count: Int
    /// Header and records, as in the file.
    let bytes: [UInt8]

    /// Loads and checks a shard: header, size and every record's CRC.
    public init(path: String) throws {
        let data = try FileIO.readAll(path)
        let bytes = [UInt8](data)
        let count = try bytes.withUnsafeBytes { buffer throws in
            try RecordShard.validateHeader(buffer, path: path)
        }
        self.path = path
        self.count = count
        self.bytes = bytes
        if let bad = firstCorruptRecord() {
            throw FerError(.corruptShard, "fails its CRC check", at: InputLocation(source: path, record: bad))
        }
    }

    /// The index of the first record whose CRC does not match, or nil.
    func firstCorruptRecord() -> Int? {
        bytes.withUnsafeBytes { buffer in
            (0..<count).first { index in !RecordLayout.crcMatches(Self.slice(buffer, index)) }
        }
    }

    /// Calls `body` with the raw bytes of record `index` (`RecordLayout.recordSize` bytes).
    public func withRecordBytes<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(index >= 0 && index < count)
        return try bytes.withUnsafeBytes { try body(Self.slice($0, index)) }
    }

    public func record(_ index: Int) throws -> FaceRecord {
        do {
            return try withRecordBytes(index) { try RecordLayout.decode($0) }
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

    private static func slice(_ buffer: UnsafeRawBufferPointer, _ index: Int) -> UnsafeRawBufferPointer {
        let start = RecordLayout.shardHeaderSize + index * RecordLayout.recordSize
        return UnsafeRawBufferPointer(rebasing: buffer[start..<(start + RecordLayout.recordSize)])
    }
}
