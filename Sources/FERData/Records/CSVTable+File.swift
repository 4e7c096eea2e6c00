import FERCore

extension CSVTable {
    /// The table in the file at `path`.
    public init(path: String) throws {
        try self.init(text: String(decoding: try FileIO.readAll(path), as: UTF8.self), source: path)
    }
}
