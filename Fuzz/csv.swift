// Fuzz target: FER2013-style CSV parsing (the row cutter with quoted newlines, the header reader,
// the field splitter, the SWAR pixel parser and its careful fallback) on arbitrary bytes, in memory.
@testable import FERIngest
import FERData
import FERCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = UnsafeRawBufferPointer(start: data, count: size)
    let cut = CSVRowCutter.cut(buffer, firstLine: 1, atEnd: true)
    guard let header = cut.rows.first else { return 0 }
    let slice = { (row: CSVRowSpan) in UnsafeRawBufferPointer(rebasing: buffer[row.start..<row.end]) }
    guard let format = try? FERCSVFormat(header: slice(header), location: InputLocation(source: "fuzz.csv")) else { return 0 }
    let vocabulary = LabelVocabulary()
    for row in cut.rows.dropFirst() {
        _ = format.parse(row: slice(row), vocabulary: vocabulary)
        _ = FERCSVFormat.pixelsCarefully(slice(row))
    }
    return 0
}
