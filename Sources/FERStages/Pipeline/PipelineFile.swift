import FERCore
import FERCuration
import FERData
import FERIngest
import Foundation
import Yams

/// A pipeline file (`pipelines/NAME.yaml`), read and checked whole before any work starts: each stage's
/// parameters are decoded into that stage's own options (the keys are its command's long options), and
/// unknown keys, wrong types, invalid values, missing sources, undefined variables and stages in an
/// impossible order are all reported together, each with its file, line and column and the valid choices.
///
///     workspace: ferdata-work/sample      # relative to the current folder
///     seed: 7                             # passed to every stage that takes --seed
///     variables: {data: samples}          # ${data} in any string; --set data=PATH or $FERDATA_DATA override it
///     stages:
///       - ingest: {sources: ["${data}/faces.csv"]}
///       - dedup
///       - split: {val: 0.15}
///       - train: {epochs: 8, schedule: cosine}
///       - eval
///       - crosseval: {others: ["${data}/foreign.zip"]}
public struct PipelineFile {
    public let path: String
    public let workspace: String?
    public let seed: UInt64?
    public let stages: [PipelineStage]

    static let topLevelKeys = ["workspace", "seed", "variables", "stages"]

    /// - Parameters:
    ///   - overrides: `--set NAME=VALUE` values, which win over the environment and the file.
    ///   - environment: `FERDATA_NAME` variables override the file's `variables:`.
    public init(path: String, overrides: [String: String] = [:], environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.path = path
        guard let data = try? FileIO.readAll(path) else {
            throw FerError(.sourceMissing, "cannot read the pipeline file", at: InputLocation(source: path))
        }
        guard data.count <= Self.maxFileBytes else {
            throw FerError(.badPipeline, "the pipeline file is \(data.count) bytes; a pipeline is text of at most \(Self.maxFileBytes)",
                           at: InputLocation(source: path))
        }
        let text = String(utf8Text: data)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw FerError(.badPipeline, "the pipeline file is empty", at: InputLocation(source: path)) }
            root = node
        } catch let error as YamlError {
            throw FerError(.badPipeline, "not valid YAML: \(error)", at: InputLocation(source: path))
        }
        // Aliases share a node; nested, each level multiplies what reading the file walks (a billion
        // nodes from 500 bytes). Bounded before anything walks it.
        guard Self.expandedSize(root, limit: Self.maxExpandedNodes) <= Self.maxExpandedNodes else {
            throw FerError(.badPipeline, "the pipeline expands to more than \(Self.maxExpandedNodes) YAML values with its aliases "
                + "resolved (aliases nested in aliases?); write the values out", at: InputLocation(source: path))
        }
        var problems = Problems(path: path)
        guard let top = root.mapping else {
            problems.add(root, "expected a mapping with \(Self.topLevelKeys.joined(separator: ", "))")
            throw problems.error!
        }
        var workspace: String?, seed: UInt64?
        var variables: [String: String] = [:]
        var stageNodes: [Node] = []
        for (keyNode, value) in top {
            switch keyNode.string ?? "" {
            case "workspace":
                if let string = value.scalar?.string { workspace = string } else { problems.add(value, "workspace: expected a folder path") }
            case "seed":
                if let number = value.int, number >= 0 { seed = UInt64(number) } else { problems.add(value, "seed: expected a non-negative integer") }
            case "variables":
                guard let mapping = value.mapping else { problems.add(value, "variables: expected a mapping of names to strings"); continue }
                for (name, text) in mapping {
                    guard let key = name.string, let string = text.scalar?.string else { problems.add(text, "variables: expected name: string"); continue }
                    variables[key] = string
                }
            case "stages":
                guard let sequence = value.sequence else { problems.add(value, "stages: expected a list of stages"); continue }
                stageNodes = Array(sequence)
            default:
                problems.add(keyNode, "unknown key '\(keyNode.string ?? "")'; valid: \(Self.topLevelKeys.joined(separator: ", "))")
            }
        }
        for name in variables.keys {
            if let value = environment["FERDATA_" + name.uppercased()] { variables[name] = value }
        }
        variables.merge(overrides) { $1 }
        if stageNodes.isEmpty && problems.messages.isEmpty { problems.add(root, "no stages: add a 'stages:' list") }
        var stages: [PipelineStage] = []
        var places: [StagePlace] = []
        for node in stageNodes {
            if let stage = Self.stage(node, seed: seed, variables: variables, places: &places, problems: &problems) { stages.append(stage) }
        }
        Self.checkOrder(places, problems: &problems)
        if let error = problems.error { throw error }
        self.workspace = workspace.map { Self.substitute($0, variables) ?? $0 }
        self.seed = seed
        self.stages = stages
    }

    /// The largest pipeline file read, and the most values it may hold with every alias expanded: a
    /// pipeline of a hundred stages holds a few thousand.
    static let maxFileBytes = 1 << 20
    static let maxExpandedNodes = 100_000

    /// How many values `node` holds with its aliases expanded, counting stops past `limit`.
    static func expandedSize(_ node: Node, limit: Int) -> Int {
        var count = 0
        var pending = [node]
        while let next = pending.popLast() {
            count += 1
            if count > limit { return count }
            switch next {
            case .scalar: break
            case .sequence(let sequence): pending += sequence
            case .mapping(let mapping):
                for (key, value) in mapping { pending += [key, value] }
            case .alias: break
            }
        }
        return count
    }

    /// Collects problems with their positions.
    struct Problems {
        let path: String
        var messages: [String] = []
        mutating func add(_ node: Node, _ message: String) { add(line: node.mark?.line, column: node.mark?.column, message) }
        mutating func add(line: Int?, column: Int? = nil, _ message: String) {
            let position = [path, line.map(String.init), column.map(String.init)].compactMap { $0 }.joined(separator: ":")
            messages.append("\(position): \(message)")
        }
        var error: FerError? {
            messages.isEmpty ? nil : FerError(.badPipeline, "the pipeline has \(messages.count) problem(s):\n  " + messages.joined(separator: "\n  "))
        }
    }

    /// A stage's name, role and line: known once its name is, whether or not its options decode, so that a
    /// bad option does not also read as a stage out of order.
    private struct StagePlace {
        let name: String
        let role: StageRole
        let line: Int
    }

    /// `- name` or `- name: {key: value, ...}`, decoded into the stage's options; `places` gets every
    /// stage whose name is known.
    private static func stage(_ node: Node, seed: UInt64?, variables: [String: String], places: inout [StagePlace],
                              problems: inout Problems) -> PipelineStage? {
        let valid = StageRegistry.pipelineStages.map(\.name).joined(separator: ", ")
        let nameNode: Node, body: Node?
        if node.scalar != nil {
            (nameNode, body) = (node, nil)
        } else if let mapping = node.mapping, mapping.count == 1, let entry = mapping.first {
            (nameNode, body) = (entry.key, entry.value)
        } else {
            problems.add(node, "expected a stage name or 'name: {parameters}'; stages: \(valid)")
            return nil
        }
        guard let name = nameNode.string, let type = StageRegistry.named(name), type.role != .tool else {
            problems.add(nameNode, "unknown stage '\(nameNode.string ?? "")'; valid: \(valid)")
            return nil
        }
        places.append(StagePlace(name: name, role: type.role, line: nameNode.mark?.line ?? 0))
        if let body, body.scalar?.string.isEmpty == false || body.sequence != nil {
            problems.add(body, "\(name): expected a mapping of parameters")
        }
        return type.pipelineStage(nameNode, body?.mapping, seed, variables, &problems)
    }

    /// Replaces `${name}`; nil when a name is not defined.
    static func substitute(_ text: String, _ variables: [String: String]) -> String? {
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { return nil }
            guard let value = variables[String(rest[start.upperBound..<end])] else { return nil }
            result += value
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    /// ingest first and once; dataset stages before training; one training before any scoring.
    private static func checkOrder(_ stages: [StagePlace], problems: inout Problems) {
        guard let first = stages.first else { return }
        if first.role != .ingest { problems.add(line: first.line, "the first stage must be ingest (found \(first.name))") }
        var trained = false
        for (index, stage) in stages.enumerated() {
            switch stage.role {
            case .ingest where index > 0:
                problems.add(line: stage.line, "ingest can only be the first stage")
            case .dataset where trained:
                problems.add(line: stage.line, "\(stage.name) comes after train: dataset stages (dedup, split, balance, augment) go before it")
            case .training where trained:
                problems.add(line: stage.line, "a pipeline trains once")
            case .training:
                trained = true
            case .scoring where !trained:
                problems.add(line: stage.line, "\(stage.name) needs a model: put it after train")
            default:
                break
            }
        }
    }
}
