import FERCore
import FERData
import Foundation
import Yams

/// One stage of a pipeline file, decoded into its stage's options: what `ferdata run` runs, caches
/// on and chains. It holds the typed options and calls the stage's own `run`.
public struct PipelineStage {
    public let name: String
    public let role: StageRole
    /// The line of the file it is on.
    public let line: Int
    /// The options as the stage runs with them (defaults filled in, the pipeline's seed applied), as
    /// JSON with sorted keys: part of the stage's cache key.
    public let optionsJSON: Data
    /// Files and folders the stage reads: their contents are part of the cache key.
    public let inputPaths: [String]
    let run: (StageInput, StageContext) throws -> any StageOutput
    /// Reads back an output saved in the pipeline's state file.
    let decodeOutput: (Data) throws -> any StageOutput

    /// The stage `type` with the parameters of `body` over its defaults; problems are collected with
    /// their positions, and nil is returned when there are any.
    static func decode<S: Stage>(
        _ type: S.Type, nameNode: Node, body: Node.Mapping?, seed: UInt64?, variables: [String: String],
        problems: inout PipelineFile.Problems
    ) -> PipelineStage? {
        let before = problems.messages.count
        let label = S.name
        // The parameters as given, variables substituted.
        var given: [(key: String, node: Node)] = []
        for (keyNode, value) in body ?? [:] {
            guard let key = keyNode.string, S.Options.keys.contains(key) else {
                let names = S.Options.keys.joined(separator: ", ")
                problems.add(keyNode, "unknown key '\(keyNode.string ?? "")' for \(label); valid: \(names.isEmpty ? "none" : names)")
                continue
            }
            guard let node = substituted(value, variables: variables, label: "\(label).\(key)", problems: &problems) else { continue }
            given.append((key, node))
        }
        // Over the defaults, so that every key the file leaves out keeps its default.
        let defaults: [(Node, Node)]
        do {
            defaults = Array(try Yams.compose(yaml: try YAMLEncoder().encode(S.Options()))?.mapping ?? [:])
        } catch {
            problems.add(nameNode, "\(label): cannot encode the default options (\(error))")
            return nil
        }
        var pairs: [(Node, Node)] = defaults.filter { key, _ in !given.contains { $0.key == key.string } }
        for (key, node) in given {
            let isList = defaults.first { $0.0.string == key }?.1.sequence != nil
            pairs.append((Node(key), isList && node.scalar != nil ? Node([node]) : node))
        }
        if let seed, S.Options.keys.contains("seed"), !given.contains(where: { $0.key == "seed" }) {
            pairs.removeAll { $0.0.string == "seed" }
            pairs.append((Node("seed"), Node(String(seed), Tag(.int))))
        }
        var options: S.Options
        do {
            options = try YAMLDecoder().decode(S.Options.self, from: Node(pairs))
        } catch let error as DecodingError {
            let (path, message) = describe(error)
            let key = path.first?.stringValue
            let node = given.first { $0.key == key }?.node ?? nameNode
            problems.add(node, "\(label)\(key.map { "." + $0 } ?? ""): \(message)")
            return nil
        } catch {
            problems.add(nameNode, "\(label): \(error)")
            return nil
        }
        do {
            try options.validate()
        } catch let error as FerError {
            problems.add(nameNode, "\(label): \(error.message)")
        } catch {
            problems.add(nameNode, "\(label): \(error)")
        }
        for path in options.inputPaths where !FileManager.default.fileExists(atPath: path) {
            let node = given.lazy.flatMap { [$0.node] + Array($0.node.sequence ?? []) }.first { $0.string == path } ?? nameNode
            problems.add(node, "\(label): no such file or folder '\(path)'")
        }
        guard problems.messages.count == before, let json = try? StageIO.json(options) else { return nil }
        let frozen = options
        return PipelineStage(
            name: S.name, role: S.role, line: nameNode.mark?.line ?? 0, optionsJSON: json, inputPaths: frozen.inputPaths,
            run: { input, context in try S.run(frozen, input: input, context: context) },
            decodeOutput: { data in try JSONDecoder().decode(S.Output.self, from: data) })
    }

    /// The node with `${name}` replaced in its scalars; nil (and a problem) for an undefined name.
    private static func substituted(_ node: Node, variables: [String: String], label: String, problems: inout PipelineFile.Problems) -> Node? {
        if let sequence = node.sequence {
            var items: [Node] = []
            for item in sequence {
                guard let replaced = substituted(item, variables: variables, label: label, problems: &problems) else { return nil }
                items.append(replaced)
            }
            return Node(items, sequence.tag, sequence.style)
        }
        guard let scalar = node.scalar, scalar.string.contains("${") else { return node }
        guard let text = PipelineFile.substitute(scalar.string, variables) else {
            problems.add(node, "\(label): undefined variable in '\(scalar.string)'; defined: \(variables.keys.sorted().joined(separator: ", "))")
            return nil
        }
        return .scalar(Node.Scalar(text, scalar.tag, scalar.style, scalar.mark))
    }

    /// The coding path and a message in a user's words for a decoding error.
    private static func describe(_ error: DecodingError) -> (path: [any CodingKey], message: String) {
        switch error {
        case .typeMismatch(let type, let context): return (context.codingPath, "expected " + kind(of: type))
        case .valueNotFound(let type, let context): return (context.codingPath, "expected " + kind(of: type))
        case .keyNotFound(let key, let context): return (context.codingPath + [key], "is required")
        case .dataCorrupted(let context): return (context.codingPath, context.debugDescription)
        @unknown default: return ([], "\(error)")
        }
    }

    private static func kind(of type: Any.Type) -> String {
        switch type {
        case is any BinaryInteger.Type: "an integer"
        case is any BinaryFloatingPoint.Type: "a number"
        case is Bool.Type: "true or false"
        case is String.Type: "a string"
        case is [String].Type: "a list of strings"
        default: "a value of type \(type)"
        }
    }
}

