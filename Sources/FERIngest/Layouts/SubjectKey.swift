import FERCore
import FERData

/// The person a face shows: the record's subject (kept by ingest from a layout or a manifest's column),
/// or, for records without one, what JAFFE (`KA.AN1.39.tiff`: KA), KDEF (`AF01ANS.JPG`: F01, the same
/// in both sessions) and CK+ (`S005_001_00000011.png`: S005) file names say. Split keeps each person's
/// faces on one side, cross-validation folds keep them in one fold, and `eval` and
/// `crosseval --groups subject` score per person.
public enum SubjectKey {
    /// The record's subject as ingest kept it, else what its source name says.
    public static func of(_ record: FaceRecord) -> String? {
        record.subject ?? of(record.sourceName)
    }

    public static func of(_ sourceName: String) -> String? {
        let fileName = sourceName.split(separator: "/").last.map(String.init) ?? sourceName
        if let face = JaffeKdefNames.jaffe(fileName) ?? JaffeKdefNames.kdef(fileName) { return face.subject }
        return ckPlus(fileName)
    }

    /// CK+ frames: `S005_001_00000011.png` -> S005.
    static func ckPlus(_ fileName: String) -> String? {
        let parts = fileName.split(separator: "_")
        guard parts.count == 3, parts[0].count == 4, parts[0].first == "S", parts[0].dropFirst().allSatisfy(\.isNumber),
              parts[1].count == 3, parts[1].allSatisfy(\.isNumber),
              parts[2].split(separator: ".").first.map({ $0.count == 8 && $0.allSatisfy(\.isNumber) }) == true
        else { return nil }
        return String(parts[0])
    }
}
