/// A complete CSV row inside a buffer: bytes `start..<end` (line terminator excluded) beginning
/// on 1-based line `line`.
struct CSVRowSpan {
    var start: Int
    var end: Int
    var line: Int
    /// The stream ended inside a quoted field.
    var unbalancedQuote = false
}

/// Finds complete rows in a buffer, honouring quoted fields that contain newlines.
enum CSVRowCutter {
    struct Cut {
        var rows: [CSVRowSpan]
        /// Bytes of the buffer covered by `rows`; the rest is an incomplete row to carry over.
        var consumed: Int
        /// The line number the carried-over bytes start on.
        var nextLine: Int
    }

    /// - Parameter atEnd: the buffer ends the stream, so a final row without a newline counts.
    /// - Complexity: O(n), using memchr for the common rows without quotes.
    static func cut(_ buffer: UnsafeRawBufferPointer, firstLine: Int, atEnd: Bool) -> Cut {
        var rows: [CSVRowSpan] = []
        var position = 0
        var line = firstLine
        let count = buffer.count
        guard let base = buffer.baseAddress else { return Cut(rows: [], consumed: 0, nextLine: firstLine) }
        while position < count {
            guard let newline = memchr(base + position, 0x0A, count - position) else { break }
            var end = base.distance(to: UnsafeRawPointer(newline))
            var linesInRow = 1
            if memchr(base + position, 0x22, end - position) != nil {
                // Quoted fields: scan, toggling on quotes, for the first newline outside quotes.
                var inQuotes = false
                var index = position
                var found = false
                while index < count {
                    let byte = buffer[index]
                    if byte == 0x22 { inQuotes.toggle() }
                    else if byte == 0x0A {
                        if !inQuotes { found = true; break }
                        linesInRow += 1
                    }
                    index += 1
                }
                if !found { break }
                end = index
            }
            rows.append(CSVRowSpan(start: position, end: end, line: line))
            line += linesInRow
            position = end + 1
        }
        if atEnd && position < count {
            var quotes = 0
            for index in position..<count where buffer[index] == 0x22 { quotes += 1 }
            rows.append(CSVRowSpan(start: position, end: count, line: line, unbalancedQuote: quotes % 2 == 1))
            position = count
        }
        return Cut(rows: rows, consumed: position, nextLine: line)
    }
}

#if canImport(Glibc)
import Glibc
#endif
