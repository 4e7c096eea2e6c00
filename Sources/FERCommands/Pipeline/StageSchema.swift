/// What each pipeline stage accepts: its keys are the long options of the ferdata command of the
/// same name (`label-smoothing: 0.1` is `--label-smoothing 0.1`), with the type each must have. The
/// pipeline file is checked against this before any work starts; a test checks that every key here
/// is an option its command parses.
struct StageSchema {
    enum Kind: Equatable {
        case integer, number, text, flag, texts
        case choice([String])

        var description: String {
            switch self {
            case .integer: "an integer"
            case .number: "a number"
            case .text: "a string"
            case .flag: "true or false"
            case .texts: "a list of strings"
            case .choice(let choices): "one of " + choices.joined(separator: ", ")
            }
        }
    }

    /// What a stage makes, which decides where it may stand.
    enum Role: Equatable {
        case ingest  // the first stage: sources to a dataset
        case dataset  // a dataset to a dataset
        case training  // a dataset to a run with a model
        case scoring  // a model (and datasets) to reports
    }

    struct Key {
        var name: String
        var kind: Kind
        /// The command's positional arguments rather than an option.
        var positional = false
        var required = false
        /// Paths that must exist before the pipeline starts.
        var paths = false
    }

    let name: String
    let role: Role
    let keys: [Key]
    /// Takes `--seed`: the pipeline's seed is passed unless the stage sets its own.
    var seeded: Bool { keys.contains { $0.name == "seed" } }

    func key(_ name: String) -> Key? { keys.first { $0.name == name } }

    static let augmentation: [Key] = ["flip", "rotation", "translate", "scale", "brightness", "contrast", "noise", "erase"]
        .map { Key(name: $0, kind: .number) }

    static let all: [StageSchema] = [
        StageSchema(name: "ingest", role: .ingest, keys: [
            Key(name: "sources", kind: .texts, positional: true, required: true, paths: true),
            Key(name: "label-map", kind: .text, paths: true), Key(name: "public-test-as-val", kind: .flag),
            Key(name: "strict", kind: .flag), Key(name: "shard-size", kind: .integer),
        ]),
        StageSchema(name: "dedup", role: .dataset, keys: [
            Key(name: "threshold", kind: .integer), Key(name: "mirror", kind: .flag),
            Key(name: "conflicts", kind: .choice(["drop", "majority"])), Key(name: "keep-degenerate", kind: .flag),
            Key(name: "sheet-groups", kind: .integer),
        ]),
        StageSchema(name: "split", role: .dataset, keys: [Key(name: "val", kind: .number), Key(name: "seed", kind: .integer)]),
        StageSchema(name: "balance", role: .dataset, keys: [
            Key(name: "target", kind: .text, required: true), Key(name: "seed", kind: .integer),
        ] + augmentation),
        StageSchema(name: "augment", role: .dataset, keys: [
            Key(name: "copies", kind: .integer), Key(name: "seed", kind: .integer),
        ] + augmentation),
        StageSchema(name: "train", role: .training, keys: [
            Key(name: "epochs", kind: .integer), Key(name: "batch-size", kind: .integer), Key(name: "lr", kind: .number),
            Key(name: "optimizer", kind: .choice(["adam", "sgd"])), Key(name: "momentum", kind: .number),
            Key(name: "weight-decay", kind: .number), Key(name: "schedule", kind: .choice(["constant", "cosine", "step"])),
            Key(name: "label-smoothing", kind: .number), Key(name: "class-weights", kind: .choice(["none", "balanced"])),
            Key(name: "augment", kind: .choice(["flip-rotate", "standard", "none"])), Key(name: "patience", kind: .integer),
            Key(name: "hidden", kind: .integer), Key(name: "layers", kind: .integer), Key(name: "dropout", kind: .number),
            Key(name: "seed", kind: .integer), Key(name: "max-minutes", kind: .number),
        ]),
        StageSchema(name: "eval", role: .scoring, keys: [Key(name: "split", kind: .choice(["train", "val", "test", "all"]))]),
        StageSchema(name: "crosseval", role: .scoring, keys: [
            Key(name: "others", kind: .texts, positional: true, required: true, paths: true),
            Key(name: "label-map", kind: .text, paths: true), Key(name: "groups", kind: .text),
        ]),
        StageSchema(name: "annotate", role: .scoring, keys: [
            Key(name: "source", kind: .text, positional: true, required: true, paths: true),
            Key(name: "min-confidence", kind: .number), Key(name: "ingest", kind: .flag),
        ]),
    ]

    static func named(_ name: String) -> StageSchema? { all.first { $0.name == name } }
}
