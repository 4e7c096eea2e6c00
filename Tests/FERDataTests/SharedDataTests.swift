import FERCore
import FERTestSupport
import Foundation
import Testing

@testable import FERData

/// Checks on the real FER-2013 in ../shared/data; skipped where it is absent.
@Suite(.serialized, .enabled(if: Fixtures.sharedData != nil, "../shared/data is absent: real-data checks skipped"))
struct SharedDataTests {
    static let expected: [Emotion: (train: Int, test: Int)] = [
        .angry: (3995, 958), .disgust: (436, 111), .fear: (4097, 1024), .happy: (7215, 1774),
        .neutral: (4965, 1233), .sad: (4830, 1247), .surprise: (3171, 831),
    ]

    @Test func csvAndZipIngestAgreeRecordForRecord() throws {
        let data = Fixtures.sharedData!
        let workspace = Workspace(root: Fixtures.temporaryDirectory())
        let (csv, csvSummary) = try Ingestor(workspace: workspace).run([data.appendingPathComponent("fer2013.csv.gz").path])
        let (zipped, zipSummary) = try Ingestor(workspace: workspace).run([data.appendingPathComponent("fer2013-images.zip").path])
        for (dataset, summary) in [(csv, csvSummary), (zipped, zipSummary)] {
            #expect(summary.records == 35_887 && summary.rejected == 0)
            for (emotion, counts) in Self.expected {
                #expect(dataset.manifest.count(split: .train, emotion: emotion) == counts.train)
                #expect(dataset.manifest.count(split: .test, emotion: emotion) == counts.test)
            }
        }
        // The CSV lists Training, PublicTest, PrivateTest, each by numeric image id; the zip names carry them.
        let csvRecords = try csv.allRecords()
        let zipRecords = try zipped.allRecords().sorted { a, b in
            let left: (UInt8, Int) = (a.usage.rawValue, Self.imageID(a.sourceName))
            let right: (UInt8, Int) = (b.usage.rawValue, Self.imageID(b.sourceName))
            return left < right
        }
        #expect(csvRecords.count == zipRecords.count)
        var mismatches = 0
        for (fromCSV, fromZip) in zip(csvRecords, zipRecords) {
            if fromCSV.pixels != fromZip.pixels || fromCSV.label != fromZip.label || fromCSV.usage != fromZip.usage {
                mismatches += 1
            }
        }
        #expect(mismatches == 0, "\(mismatches) records differ between the CSV and the zip")
    }

    /// The numeric id in a Kaggle image name: `test/sad/PublicTest_123.jpg` -> 123.
    static func imageID(_ name: String) -> Int {
        let file = name.split(separator: "/").last.map(String.init) ?? ""
        let stem = file.split(separator: ".").first.map(String.init) ?? ""
        return Int(stem.split(separator: "_").last.map(String.init) ?? "") ?? -1
    }
}
