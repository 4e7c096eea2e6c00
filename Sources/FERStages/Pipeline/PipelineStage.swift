import ArgumentParser
import FERCore
import FERCuration
import FERData
import FERIngest
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

    /// The stage `type` with the parameters of `body`, parsed as its command's arguments (the options
    /// are declared once, `StageOptions`); problems are collected with their positions, and nil is
    /// returned when there are any.
    static func decode<S: Stage>(
        _ type: S.Type, nameNode: Node, body: Node.Mapping?, seed: UInt64?, variables: [String: String],
        problems: inout PipelineFile.Problems
    ) -> PipelineStage? {
        let before = problems.messages.count
        let label = S.name
        let keys = S.Options.keys
        // The parameters as given, variables substituted, each parsed alone so that a bad value is
        // reported at its own line.
        var given: [(key: String, values: [String])] = []
        var nodes: [String: Node] = [:]
        for (keyNode, value) in body ?? [:] {
            guard let key = keyNode.string, keys.contains(key) else {
                problems.add(keyNode, "unknown key '\(keyNode.string ?? "")' for \(label); valid: \(keys.isEmpty ? "none" : keys.joined(separator: ", "))")
                continue
            }
            guard let node = substituted(value, variables: variables, label: "\(label).\(key)", problems: &problems) else { continue }
            guard let values = node.scalar.map({ [$0.string] }) ?? node.sequence?.compactMap(\.scalar?.string),
                  values.count == (node.sequence?.count ?? 1) else {
                problems.add(node, "\(label).\(key): expected a value or a list of values")
                continue
            }
            do {
                _ = try S.Options.parseUnchecked(try S.Options.arguments([(key, values)]))
                given.append((key, values))
                nodes[key] = node
            } catch {
                problems.add(node, "\(label).\(key): \(Self.message(error, S.Options.self))")
            }
        }
        if let seed, keys.contains("seed"), nodes["seed"] == nil { given.append(("seed", [String(seed)])) }
        // The keys that parsed are checked together even when others did not, so one run of the
        // checks reports every problem of the file.
        let options: S.Options
        do {
            options = try S.Options.parseUnchecked(try S.Options.arguments(given))
            try options.check()
        } catch {
            problems.add(nameNode, "\(label): \(Self.message(error, S.Options.self))")
            return nil
        }
        for path in options.inputPaths where !FileManager.default.fileExists(atPath: path) {
            let node = nodes.values.lazy.flatMap { [$0] + Array($0.sequence ?? []) }.first { $0.string == path } ?? nameNode
            problems.add(node, "\(label): no such file or folder '\(path)'")
        }
        guard problems.messages.count == before, let json = try? StageIO.json(options) else { return nil }
        return PipelineStage(
            name: S.name, role: S.role, line: nameNode.mark?.line ?? 0, optionsJSON: json, inputPaths: options.inputPaths,
            run: { input, context in try S.run(options, input: input, context: context) },
            decodeOutput: { data in try JSONDecoder().decode(S.Output.self, from: data) })
    }

    /// An error of parsing or checking options, in a pipeline file's words: argument-parser's
    /// "The value 'x' is invalid for '--val <val>'" names the key, `val`.
    private static func message(_ error: any Error, _ type: any Settings.Type) -> String {
        if let error = error as? FerError { return error.message }
        let text = type.message(for: error).replacingOccurrences(of: #"'--([a-z0-9-]+)( <[^>]*>)?'"#, with: "$1", options: .regularExpression)
        return text.prefix(1).lowercased() + text.dropFirst()
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
}
