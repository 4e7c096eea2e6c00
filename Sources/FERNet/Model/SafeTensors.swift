import FERData
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
        guard bytes.count >= 8 else { throw FerError(.badModelFile, "not a safetensors file (too short)", at: location) }
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard headerLength > 1, 8 + headerLength <= bytes.count,
              let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as? [String: Any]
        else {
            throw FerError(.badModelFile, "not a safetensors file (bad header)", at: location)
        }
        let body = 8 + headerLength
        var result = SafeTensors()
        for (name, value) in header {
            if name == "__metadata__" {
                result.metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2,
                  offsets[0] <= offsets[1], body + offsets[1] <= bytes.count
            else {
                throw FerError(.badModelFile, "tensor '\(name)': malformed header entry", at: location)
            }
            let raw = bytes[(body + offsets[0])..<(body + offsets[1])]
            let count = shape.reduce(1, *)
            let values: [Float]
            switch dtype {
            case "F32" where raw.count == 4 * count:
                values = stride(from: raw.startIndex, to: raw.endIndex, by: 4).map { i in
                    Float(bitPattern: UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24)
                }
            case "F64" where raw.count == 8 * count:
                values = stride(from: raw.startIndex, to: raw.endIndex, by: 8).map { i in
                    Float(Double(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(raw[i + $1]) << UInt64(8 * $1) }))
                }
            case "BF16" where raw.count == 2 * count:
                values = stride(from: raw.startIndex, to: raw.endIndex, by: 2).map { i in
                    Float(bitPattern: (UInt32(raw[i]) | UInt32(raw[i + 1]) << 8) << 16)
                }
            case "F16" where raw.count == 2 * count:
                values = stride(from: raw.startIndex, to: raw.endIndex, by: 2).map { i in
                    Float(Float16(bitPattern: UInt16(raw[i]) | UInt16(raw[i + 1]) << 8))
                }
            default:
                throw FerError(.badModelFile, "tensor '\(name)': dtype \(dtype) with \(raw.count) bytes for shape \(shape) is not readable (F32, F64, F16, BF16)", at: location)
            }
            result.tensors[name] = Tensor(shape: shape, values: values)
        }
        return result
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
