import FERCore
import FERCuration
import FERData
import FERIngest
import FERMedia
import Foundation

/// What every curation stage shares: read the input dataset whole, compute, write the new dataset
/// with the stage's attachments.
enum Curation {
    static func run<Report>(
        _ stage: String, input: StageInput, context: StageContext, parameters: [String: String],
        _ body: (_ records: [FaceRecord], _ input: Dataset) throws -> (records: [FaceRecord], report: Report, attachments: [(name: String, contents: Data)])
    ) throws -> DatasetOutput<Report> {
        let source = try input.requireDataset(stage)
        let (records, report, attachments) = try body(try source.allRecords(), source)
        let dataset = try StageIO.write(records, stage: stage, from: source, workspace: context.workspace, parameters: parameters,
                                        attachments: attachments)
        return DatasetOutput(stage: stage, dataset: dataset, report: report)
    }
}
