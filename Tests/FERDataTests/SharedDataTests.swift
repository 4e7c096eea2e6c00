import FERCore
import FERTestSupport
import Foundation
import Testing

@testable import FERCuration
@testable import FERData
@testable import FERIngest

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
        // The CSV lists Training, PublicTest, PrivateTest, each by numeric image id; the zip names carry
        // them. Two training images share an id (Training_52789098 is in two class folders), so records
        // with equal keys are compared as a set.
        let csvRecords = try csv.allRecords()
        let zipRecords = try zipped.allRecords().sorted { Self.key($0) < Self.key($1) }
        #expect(csvRecords.count == zipRecords.count)
        var mismatches = 0
        var start = 0
        while start < zipRecords.count {
            var end = start + 1
            while end < zipRecords.count, Self.key(zipRecords[end]) == Self.key(zipRecords[start]) { end += 1 }
            let fromZip = Set(zipRecords[start..<end].map { Content($0) })
            let fromCSV = Set(csvRecords[start..<end].map { Content($0) })
            mismatches += fromZip == fromCSV ? 0 : end - start
            start = end
        }
        #expect(mismatches == 0, "\(mismatches) records differ between the CSV and the zip")
    }

    /// What must agree between the two sources.
    struct Content: Hashable {
        var label: Emotion?
        var usage: Usage
        var pixels: [UInt8]

        init(_ record: FaceRecord) {
            label = record.label
            usage = record.usage
            pixels = record.pixels
        }
    }

    static func key(_ record: FaceRecord) -> Int {
        Int(record.usage.rawValue) << 40 | imageID(record.sourceName)
    }

    /// The numeric id in a Kaggle image name: `test/sad/PublicTest_123.jpg` -> 123.
    static func imageID(_ name: String) -> Int {
        let file = name.split(separator: "/").last.map(String.init) ?? ""
        let stem = file.split(separator: ".").first.map(String.init) ?? ""
        return Int(stem.split(separator: "_").last.map(String.init) ?? "") ?? -1
    }
}
