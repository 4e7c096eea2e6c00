import FERCore
import Foundation

/// NumPy's `.npy` format, version 1.0: magic, header length, a Python dict literal padded so the
/// data starts on a 64-byte boundary, then the raw C-order data.
public enum NumPy {
    static func array(_ data: [UInt8], type: String, shape: [Int]) -> [UInt8] {
        let dimensions = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(type)', 'fortran_order': False, 'shape': \(dimensions), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = UInt16(header.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + data
    }

    static func littleEndianBytes(_ value: Int64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// A two-dimensional little-endian float32 or float64 array (versions 1-3 of the format), as
    /// doubles, row-major.
    /// - Throws: `.corruptStream` naming `path` for anything else or a short file.
    public static func readMatrix(_ bytes: [UInt8], path: String) throws -> (rows: Int, columns: Int, values: [Double]) {
        func fail(_ message: String) -> FerError { FerError(.corruptStream, message, at: InputLocation(source: path)) }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else { throw fail("not a .npy file") }
        let wide = bytes[6] >= 2
        let lengthBytes = wide ? 4 : 2
        guard bytes.count >= 8 + lengthBytes else { throw fail("truncated .npy header") }
        let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        let start = 8 + lengthBytes + headerLength
        guard bytes.count >= start else { throw fail("truncated .npy header") }
        let header = String(decoding: bytes[(8 + lengthBytes)..<start], as: UTF8.self)
        func value(_ key: String) -> Substring? {
            guard let range = header.range(of: "'\(key)':") else { return nil }
            return header[range.upperBound...].drop { $0 == " " }
        }
        guard let descr = value("descr"), let order = value("fortran_order"), let shape = value("shape") else {
            throw fail("the .npy header lacks descr, fortran_order or shape")
        }
        let type = descr.dropFirst().prefix { $0 != "'" }
        guard type == "<f4" || type == "<f8" else { throw fail("expected float32 or float64 (<f4, <f8), got \(type)") }
        guard order.hasPrefix("False") else { throw fail("expected C order (fortran_order False)") }
        let dimensions = shape.dropFirst().prefix { $0 != ")" }.split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.compactMap { Int($0) }
        guard dimensions.count == 2 else { throw fail("expected a two-dimensional array, got shape (\(dimensions.map(String.init).joined(separator: ", ")))") }
        let (rows, columns) = (dimensions[0], dimensions[1])
        let size = type == "<f4" ? 4 : 8
        guard bytes.count - start == rows * columns * size else {
            throw fail("\(bytes.count - start) data bytes for shape (\(rows), \(columns)) of \(type)")
        }
        var values = [Double](repeating: 0, count: rows * columns)
        for index in values.indices {
            let offset = start + index * size
            var word: UInt64 = 0
            for byte in 0..<size { word |= UInt64(bytes[offset + byte]) << (8 * UInt64(byte)) }
            values[index] = size == 4 ? Double(Float(bitPattern: UInt32(word))) : Double(bitPattern: word)
        }
        return (rows, columns, values)
    }
}
