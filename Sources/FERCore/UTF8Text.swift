extension String {
    /// UTF-8 text as files from other tools hold it: a leading byte-order mark (spreadsheet programs
    /// and Windows editors write one) is a mark, not the start of the first name; invalid bytes become
    /// U+FFFD rather than an error.
    public init<Bytes: Collection>(utf8Text bytes: Bytes) where Bytes.Element == UInt8 {
        let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
        self = bytes.starts(with: mark) ? String(decoding: bytes.dropFirst(3), as: UTF8.self) : String(decoding: bytes, as: UTF8.self)
    }
}
