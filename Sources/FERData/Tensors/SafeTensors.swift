import FERCore
import Foundation

/// The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range (plus an optional `__metadata__` map of strings), then the raw
/// little-endian data. ferdata reads F32 (and F16/BF16/F64, converted) and writes F32.
public struct SafeTensors: Sendable {
    public struct Tensor: Sendable, Equatable {
        public var shape: [Int]
        public var values: [Float]

        public init(shape: [Int], values: [Float]) {
            self.shape = shape
            self.values = values
        }
    }

    public var tensors: [String: Tensor]
    public var metadata: [String: String]

    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public static func read(_ path: String) throws -> SafeTensors {
        let location = InputLocation(source: path)
        let data: Data
        do {
            data = try FileIO.readAll(path)
        } catch let error as FerError {
            throw FerError(FileManager.default.fileExists(atPath: path) ? .sourceUnreadable : .sourceMissing,
                           "cannot read the model file", at: location, cause: error)
        }
        let bytes = [UInt8](data)
        let entries = try Header.validated(bytes, at: location)
        var result = SafeTensors(metadata: entries.metadata)
        for entry in entries.tensors {
            let raw = bytes[entry.bytes]
            let values: [Float]
            switch entry.dtype {
            case "F32":
                values = stride(from: raw.startIndex, to: raw.endIndex, by: 4).map { i in
                    Float(bitPattern: UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24)
                }
            case "F64":
                values = stride(from: raw.startIndex, to: raw.endIndex, by: 8).map { i in
                    Float(Double(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(raw[i + $1]) << UInt64(8 * $1) }))
                }
            case "BF16":
                values = stride(from: raw.startIndex, to: raw.endIndex, by: 2).map { i in
                    Float(bitPattern: (UInt32(raw[i]) | UInt32(raw[i + 1]) << 8) << 16)
                }
            default:  // F16
                values = stride(from: raw.startIndex, to: raw.endIndex, by: 2).map { i in
                    Float(Float16(bitPattern: UInt16(raw[i]) | UInt16(raw[i + 1]) << 8))
                }
            }
            result.tensors[entry.name] = Tensor(shape: entry.shape, values: values)
        }
        return result
    }

    /// The header of a safetensors file, checked whole before any tensor's bytes are touched: the
    /// header length inside the file; each tensor a known dtype, a shape of non-negative sides whose
    /// product (times the dtype's size) fits and equals its byte range; byte ranges non-negative, in
    /// order, inside the file, and together covering the data without gap or overlap (as the format's
    /// own reader requires). A file from a model hub can claim anything; nothing here can trap.
    struct Header {
        struct Entry {
            var name: String
            var dtype: String
            var shape: [Int]
            /// The tensor's bytes in the whole file.
            var bytes: Range<Int>
        }

        var tensors: [Entry] = []
        var metadata: [String: String] = [:]

        static let elementSizes = ["F32": 4, "F64": 8, "F16": 2, "BF16": 2]

        static func validated(_ bytes: [UInt8], at location: InputLocation) throws -> Header {
            func bad(_ what: String) -> FerError { FerError(.badModelFile, what, at: location) }
            guard bytes.count >= 8 else { throw bad("not a safetensors file (too short)") }
            let claimed = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << UInt64(8 * $1) }
            guard claimed > 1, claimed <= UInt64(bytes.count - 8) else {
                throw bad("not a safetensors file (its header claims \(claimed) bytes of a \(bytes.count)-byte file)")
            }
            let body = 8 + Int(claimed)
            guard let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<body])) as? [String: Any] else {
                throw bad("not a safetensors file (the header is not a JSON object)")
            }
            var result = Header()
            for (name, value) in header {
                if name == "__metadata__" {
                    guard let metadata = value as? [String: String] else { throw bad("__metadata__ must map strings to strings") }
                    result.metadata = metadata
                    continue
                }
                guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                      let shape = integers(entry["shape"]), let offsets = integers(entry["data_offsets"]), offsets.count == 2
                else {
                    throw bad("tensor '\(name)': a header entry needs dtype, shape and two data_offsets, all whole numbers")
                }
                guard let size = elementSizes[dtype] else {
                    throw bad("tensor '\(name)': dtype \(dtype) is not readable (F32, F64, F16, BF16)")
                }
                guard shape.allSatisfy({ $0 >= 0 }) else { throw bad("tensor '\(name)': shape \(shape) has a negative side") }
                var count = size
                for side in shape {
                    let (product, overflow) = count.multipliedReportingOverflow(by: side)
                    guard !overflow else { throw bad("tensor '\(name)': shape \(shape) holds more values than any file") }
                    count = product
                }
                let (start, end) = (offsets[0], offsets[1])
                guard start >= 0, start <= end, end <= bytes.count - body else {
                    throw bad("tensor '\(name)': data_offsets [\(start), \(end)] are not a range inside the \(bytes.count - body) data bytes")
                }
                guard end - start == count else {
                    throw bad("tensor '\(name)': \(dtype) shape \(shape) needs \(count) bytes, its data_offsets give \(end - start)")
                }
                result.tensors.append(Entry(name: name, dtype: dtype, shape: shape, bytes: (body + start)..<(body + end)))
            }
            result.tensors.sort { ($0.bytes.lowerBound, $0.bytes.upperBound, $0.name) < ($1.bytes.lowerBound, $1.bytes.upperBound, $1.name) }
            var covered = body
            for entry in result.tensors {
                guard entry.bytes.lowerBound == covered else {
                    let what = entry.bytes.lowerBound < covered ? "overlaps the tensor before it" : "leaves a gap before it"
                    throw bad("tensor '\(entry.name)': its data \(what) (data_offsets must tile the data in order)")
                }
                covered = entry.bytes.upperBound
            }
            guard covered == bytes.count else { throw bad("\(bytes.count - covered) bytes at the end belong to no tensor") }
            return result
        }

        /// Whole numbers from JSON, exactly: 2.5, 1e30 and strings are nil, not rounded or trapped.
        private static func integers(_ value: Any?) -> [Int]? {
            guard let numbers = value as? [NSNumber] else { return nil }
            var result: [Int] = []
            for number in numbers {
                guard let exact = Int(exactly: number) else { return nil }
                result.append(exact)
            }
            return result
        }
    }

    /// Writes F32 tensors in name order (so the same model gives the same bytes), atomically.
    public func write(_ path: String) throws {
        var header: [String: Any] = [:]
        var body: [UInt8] = []
        for name in tensors.keys.sorted() {
            let tensor = tensors[name]!
            let start = body.count
            for value in tensor.values {
                let bits = value.bitPattern
                body += [UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)]
            }
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [start, body.count]]
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var file = (0..<8).map { UInt8(truncatingIfNeeded: json.count >> (8 * $0)) }
        file += json
        file += body
        try FileIO.writeAtomically(Data(file), to: path)
    }
}
