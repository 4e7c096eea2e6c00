import ArgumentParser
import Foundation

/// A group of settings declared once, as argument-parser properties (`@Option`, `@Flag`, `@Argument`,
/// `@OptionGroup`) with their default and help: the command line parses them, a pipeline file's keys
/// become the same arguments (`Settings.arguments(_:)`), and the library reads and sets the same
/// properties. A setting's key is its property's name in kebab case (`labelSmoothing` is
/// `label-smoothing`), the command's long option and the pipeline's key.
///
///     var options = DedupStage.Options.defaults
///     options.threshold = 2
///
/// Build one with `defaults` or argument-parser's `parse` (`Self()` alone is a declaration, not values).
public protocol Settings: ParsableArguments, Encodable {
    /// Throws `.invalidArgument` naming the setting (its key) and the value it got.
    func check() throws
}

extension Settings {
    public func check() throws {}

    /// Every setting at its default, unchecked (ingest's `sources`, for one, has no valid default).
    public static var defaults: Self {
        // Every setting is declared with a default, so parsing no arguments cannot fail.
        SettingsParsing.$checks.withValue(false) { try! parse([]) }
    }

    /// `parse` without `check()`: the values as given, for a caller that checks them itself.
    public static func parseUnchecked(_ arguments: [String]) throws -> Self {
        try SettingsParsing.$checks.withValue(false) { try parse(arguments) }
    }

    /// argument-parser's hook: `check()`'s error becomes a usage error (exit status 64, usage line).
    public mutating func validate() throws {
        guard SettingsParsing.checks else { return }
        do {
            try check()
        } catch let error as FerError {
            throw ValidationError(error.message)
        }
    }

    /// Every setting's key, in declaration order, groups flattened.
    public static var keys: [String] { declared.map(\.key) }

    /// The settings as JSON (or any encoder): every key with its value, a nil optional left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: SettingKey.self)
        for (key, value) in values() {
            guard let value = value as? any Encodable else { continue }
            try container.encode(value, forKey: SettingKey(key))
        }
    }

    /// Reads what `encode(to:)` wrote (a run's run.json): each key this type declares, as the command
    /// line would give it; other keys are left to the caller.
    public static func decode(from decoder: any Decoder) throws -> Self {
        let container = try decoder.container(keyedBy: SettingKey.self)
        var given: [(key: String, values: [String])] = []
        for setting in declared {
            let key = SettingKey(setting.key)
            guard container.contains(key) else { continue }
            if let text = try? container.decode(String.self, forKey: key) {
                given.append((setting.key, [text]))
            } else if let flag = try? container.decode(Bool.self, forKey: key) {
                given.append((setting.key, [String(flag)]))
            } else if let whole = try? container.decode(Int64.self, forKey: key) {
                given.append((setting.key, [String(whole)]))
            } else if let whole = try? container.decode(UInt64.self, forKey: key) {
                given.append((setting.key, [String(whole)]))
            } else if let number = try? container.decode(Double.self, forKey: key) {
                given.append((setting.key, [String(number)]))
            } else {
                given.append((setting.key, try container.decode([String].self, forKey: key)))
            }
        }
        do {
            return try parse(arguments(given))
        } catch {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: message(for: error)))
        }
    }

    /// The values by key; nil optionals are left out.
    func values() -> [(key: String, value: Any)] {
        var values: [(key: String, value: Any)] = []
        for child in Mirror(reflecting: self).children {
            guard let label = child.label, let property = child.value as? DeclaredSetting else { continue }
            let value = property.parsedValue
            if let group = value as? any Settings {
                values += group.values()
                continue
            }
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional && mirror.children.isEmpty { continue }
            values.append((Self.key(label), value))
        }
        return values
    }

    /// The declared settings of the type, from a declaration instance (`Self()`).
    static var declared: [DeclaredSettingInfo] {
        var declared: [DeclaredSettingInfo] = []
        for child in Mirror(reflecting: Self()).children {
            guard let label = child.label, let property = child.value as? DeclaredSetting else { continue }
            switch property.kind {
            case .group(let type): declared += type.declared
            case let kind: declared.append(DeclaredSettingInfo(key: key(label), kind: kind))
            }
        }
        return declared
    }

    /// A property's key: `_labelSmoothing` → `label-smoothing`, as argument-parser names its option.
    static func key(_ label: String) -> String {
        var key = ""
        for character in label.drop(while: { $0 == "_" }) {
            if character.isUppercase {
                key += "-" + character.lowercased()
            } else {
                key.append(character)
            }
        }
        return key
    }

    /// Pipeline-file values as this type's command-line arguments: a value is `--key=value` (so that
    /// `-1` is a value), `true` of a flag is `--key`, `false` is `--no-key` (or nothing for a flag that
    /// defaults to off), a list repeats its option, positional values follow `--`.
    public static func arguments(_ given: [(key: String, values: [String])]) throws -> [String] {
        let declared = Self.declared
        let table = optionTable
        let inverted = Set(table.names.filter { $0.hasPrefix("no-") }.map { String($0.dropFirst(3)) })
        var options: [String] = []
        var positional: [String] = []
        for (key, values) in given {
            guard let setting = declared.first(where: { $0.key == key }) else {
                throw FerError(.invalidArgument, "unknown key '\(key)'; valid: \(keys.joined(separator: ", "))")
            }
            switch setting.kind {
            case .flag:
                guard values.count == 1, let on = Bool(values[0].lowercased()) else {
                    throw FerError(.invalidArgument, "\(key): expected true or false, got \(values.joined(separator: ", "))")
                }
                if on {
                    options.append("--" + key)
                } else if inverted.contains(key) {
                    options.append("--no-" + key)
                }
            case .option:
                guard values.count == 1 || table.repeating.contains(key) else {
                    throw FerError(.invalidArgument, "\(key): expected one value, got a list of \(values.count)")
                }
                for value in values { options.append("--\(key)=\(value)") }
            case .positional:
                positional += values
            case .group:
                break
            }
        }
        return options + (positional.isEmpty ? [] : ["--"] + positional)
    }

    /// The long option names argument-parser knows for the type, and those that take a list.
    private static var optionTable: (names: Set<String>, repeating: Set<String>) {
        guard let json = try? JSONSerialization.jsonObject(with: Data(_dumpHelp().utf8)) as? [String: Any],
              let command = json["command"] as? [String: Any], let arguments = command["arguments"] as? [[String: Any]] else { return ([], []) }
        var table: (names: Set<String>, repeating: Set<String>) = ([], [])
        for argument in arguments {
            let names = (argument["names"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String == "long" ? $0["name"] as? String : nil }
            table.names.formUnion(names)
            if argument["isRepeating"] as? Bool == true { table.repeating.formUnion(names) }
        }
        return table
    }
}

enum SettingsParsing {
    /// False while `Settings.defaults` parses.
    @TaskLocal static var checks = true
}

/// What kind of argument a setting is.
public enum DeclaredSettingKind {
    case option, flag, positional
    case group(any Settings.Type)
}

public struct DeclaredSettingInfo {
    public let key: String
    public let kind: DeclaredSettingKind
}

struct SettingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ key: String) { stringValue = key }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// argument-parser's property wrappers, as `Settings` reads them.
protocol DeclaredSetting {
    var kind: DeclaredSettingKind { get }
    /// The parsed value (only on a parsed instance).
    var parsedValue: Any { get }
}

extension Option: DeclaredSetting {
    var kind: DeclaredSettingKind { .option }
    var parsedValue: Any { wrappedValue }
}

extension Flag: DeclaredSetting {
    var kind: DeclaredSettingKind { .flag }
    var parsedValue: Any { wrappedValue }
}

extension Argument: DeclaredSetting {
    var kind: DeclaredSettingKind { .positional }
    var parsedValue: Any { wrappedValue }
}

extension OptionGroup: DeclaredSetting {
    var kind: DeclaredSettingKind {
        guard let type = Value.self as? any Settings.Type else { preconditionFailure("\(Value.self) is an option group but not Settings") }
        return .group(type)
    }
    var parsedValue: Any { wrappedValue }
}
