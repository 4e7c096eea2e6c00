import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
import Foundation

/// `ferdata verify`: datasets checked against their manifests, each problem with its shard and record.
public enum VerifyStage: Stage {
    public static let name = "verify"
    public static let role = StageRole.tool

    public struct Options: StageOptions {
        @Flag(help: "Check every dataset in the workspace rather than the input one.")
        public var all = false

        public init() {}
    }

    public struct Output: StageOutput {
        public var reports: [DatasetVerifier.Report]
        public var intact: Bool { reports.allSatisfy(\.intact) }
        public var location: String { "datasets" }
        public var summary: String { "\(reports.count) datasets, \(reports.filter { !$0.intact }.count) damaged" }
        public func exists(in workspace: Workspace) -> Bool { true }
        public func feed(_ input: inout StageInput, workspace: Workspace) throws {}
    }

    public static func run(_ options: Options, input: StageInput, context: StageContext) throws -> Output {
        let workspace = context.workspace
        let datasets = options.all ? try workspace.datasetNames().map { try workspace.dataset($0) } : [try input.requireDataset(name)]
        // Nothing verified is not "0 damaged": a mistyped workspace must not pass.
        guard !datasets.isEmpty else {
            throw FerError(.datasetMissing, "the workspace \(workspace.root.path) holds no dataset to verify")
        }
        return Output(reports: datasets.map(DatasetVerifier.verify))
    }
}
