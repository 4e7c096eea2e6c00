import FERCore
import FERData
import Foundation

/// A run of complete CSV rows: in a buffer of its own (streams) or inside a mapped file.
struct CSVChunk: @unchecked Sendable {
    enum Storage {
        case owned([UInt8])
        /// A region of a `MappedFile` that the reader keeps alive.
        case mapped(UnsafeRawBufferPointer)
    }

    var storage: Storage
    /// Row offsets are relative to the start of `storage`.
    var rows: [CSVRowSpan]
    /// Rows refused while cutting (longer than the limit), with their line numbers.
    var overlongRows: [Int] = []
    /// Set on the last chunk of a damaged stream: why the rest is lost, and from which line.
    var damage: (detail: String, line: Int)?
    /// Compressed bytes read so far, for progress.
    var bytesConsumed: Int64 = 0

    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch storage {
        case .owned(let bytes): try bytes.withUnsafeBytes(body)
        case .mapped(let region): try body(region)
        }
    }
}

/// Cuts a (decompressed) byte stream into chunks of complete rows, quote-aware, with line numbers.
/// Memory stays bounded by the chunk size: a row longer than `maxRowBytes` is skipped up to its end
/// and reported, never buffered.
final class CSVChunkReader {
    private let stream: (any ByteStream)?
    private let mapped: MappedFile?
    private var position = 0
    private let maxRowBytes: Int
    private let chunkSize: Int
    private var carry: [UInt8] = []
    private var line = 1
    private var skippingLongRow = false
    private var finished = false
    /// Buffers handed back by the consumer, reused so that each chunk does not fault in fresh pages.
    private let spareLock = NSLock()
    private var spares: [[UInt8]] = []

    /// Maps a plain file; streams a compressed one (or one that cannot be mapped) through libarchive.
    init(path: String, maxRowBytes: Int, chunkSize: Int = 4 << 20) throws {
        let stream = try DecompressedStream(path: path)
        if !stream.isCompressed, let file = MappedFile(path: path) {
            self.mapped = file
            self.stream = nil
        } else {
            self.mapped = nil
            self.stream = stream
        }
        self.maxRowBytes = maxRowBytes
        self.chunkSize = max(chunkSize, 2 * maxRowBytes)
    }

    /// Hands a chunk's buffer back for reuse (safe from any thread).
    func recycle(_ buffer: [UInt8]) {
        guard mapped == nil, buffer.count == chunkSize else { return }
        spareLock.withLock { if spares.count < 3 { spares.append(buffer) } }
    }

    /// The next chunk, or nil at the end of the stream.
    func next() -> CSVChunk? {
        guard !finished else { return nil }
        if let mapped { return nextMapped(mapped.bytes) }
        guard let stream else { return nil }
        var chunk = CSVChunk(storage: .owned([]), rows: [])
        var filled = 0
        var atEnd = false
        var buffer = spareLock.withLock { spares.popLast() } ?? [UInt8](unsafeUninitializedCapacity: chunkSize) { _, initialized in
            initialized = chunkSize
        }
        buffer.withUnsafeMutableBytes { raw in
            carry.withUnsafeBytes { raw.copyMemory(from: $0) }
            filled = carry.count
            while filled < chunkSize {
                let read: Int
                do {
                    // Modest reads, so that a damaged stream still delivers what precedes the damage.
                    let request = min(chunkSize - filled, 256 << 10)
                    read = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled..<(filled + request)]))
                } catch {
                    chunk.damage = ((error as? FerError)?.message ?? "\(error)", line)
                    return
                }
                if read == 0 { atEnd = true; return }
                if skippingLongRow {
                    let region = UnsafeRawBufferPointer(rebasing: raw[filled..<(filled + read)])
                    guard let newline = region.firstIndex(of: 0x0A) else { continue }
                    let rest = region.count - (newline + 1)
                    if rest > 0 {
                        UnsafeMutableRawBufferPointer(rebasing: raw[filled...]).copyMemory(
                            from: UnsafeRawBufferPointer(rebasing: region[(newline + 1)...]))
                    }
                    filled += rest
                    skippingLongRow = false
                    line += 1
                } else {
                    filled += read
                }
            }
        }
        // After damage only complete rows count; the partial row is part of what was lost.
        let cut = buffer.withUnsafeBytes { CSVRowCutter.cut(UnsafeRawBufferPointer(rebasing: $0[0..<filled]), firstLine: line, atEnd: atEnd) }
        chunk.rows = cut.rows
        line = cut.nextLine
        if chunk.damage != nil {
            chunk.damage?.line = line
            atEnd = true
        }
        carry = Array(buffer[cut.consumed..<filled])
        if carry.count > maxRowBytes {
            chunk.overlongRows.append(line)
            carry.removeAll()
            skippingLongRow = true
        }
        chunk.storage = .owned(consume buffer)
        chunk.bytesConsumed = stream.bytesConsumed
        finished = atEnd
        return chunk
    }

    /// Cuts the next chunk of a mapped file in place.
    private func nextMapped(_ file: UnsafeRawBufferPointer) -> CSVChunk {
        var chunk = CSVChunk(storage: .owned([]), rows: [])
        let end = min(file.count, position + chunkSize)
        let atEnd = end == file.count
        let region = UnsafeRawBufferPointer(rebasing: file[position..<end])
        let cut = CSVRowCutter.cut(region, firstLine: line, atEnd: atEnd)
        chunk.rows = cut.rows
        chunk.storage = .mapped(region)
        line = cut.nextLine
        position += cut.consumed
        if !atEnd && cut.consumed < region.count - maxRowBytes {
            // What is left of this region is one row longer than the limit: skip to its end.
            chunk.overlongRows.append(line)
            let rest = UnsafeRawBufferPointer(rebasing: file[position...])
            if let newline = rest.firstIndex(of: 0x0A) {
                position += newline + 1
                line += 1
            } else {
                position = file.count
            }
        }
        finished = position >= file.count
        chunk.bytesConsumed = Int64(position)
        return chunk
    }
}

