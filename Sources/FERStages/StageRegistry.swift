import Yams

/// Every stage ferdata has. `ferdata run` finds pipeline stages here and the command line has a
/// command for each (a test checks both ways); adding a stage is its file in `Stages/`, its command,
/// and one line here.
public enum StageRegistry {
    public static let all: [RegisteredStage] = [
        .init(IngestStage.self), .init(FERPlusStage.self), .init(DedupStage.self), .init(SplitStage.self), .init(BalanceStage.self),
        .init(AugmentStage.self), .init(SuspectsStage.self), .init(TrainStage.self), .init(EvalStage.self), .init(CrossEvalStage.self),
        .init(AnnotateStage.self), .init(RelabelStage.self), .init(MergeStage.self), .init(ExportStage.self), .init(VerifyStage.self), .init(CompareStage.self), .init(ExportModelStage.self), .init(CrossValStage.self), .init(ActiveLearningStage.self),
    ]

    /// The stages a pipeline file may name, in registry order.
    public static var pipelineStages: [RegisteredStage] { all.filter { $0.role != .tool } }

    public static func named(_ name: String) -> RegisteredStage? { all.first { $0.name == name } }
}

/// A stage type as the registry holds it: its name, role and option keys, and how a pipeline file's
/// entry becomes a `PipelineStage` of it.
public struct RegisteredStage: Sendable {
    public let name: String
    public let role: StageRole
    /// The keys of its options: its command's long options and a pipeline stage's parameters.
    public let keys: [String]
    let pipelineStage: @Sendable (_ nameNode: Node, _ body: Node.Mapping?, _ seed: UInt64?, _ variables: [String: String],
                                  _ problems: inout PipelineFile.Problems) -> PipelineStage?

    public init<S: Stage>(_ type: S.Type) {
        name = S.name
        role = S.role
        keys = S.Options.keys
        pipelineStage = { nameNode, body, seed, variables, problems in
            PipelineStage.decode(S.self, nameNode: nameNode, body: body, seed: seed, variables: variables, problems: &problems)
        }
    }
}
