import ArgumentParser
import FERCore
import FERCuration
import FERData
import FEREval
import FERIngest
import Foundation

/// One face to review: the record, the label it has, what a model or the crowd suggests and how
/// sure, and the key its neighbours share (`group:12` a duplicate group, `subject:S005` a person).
public struct ReviewItem: Codable, Sendable, Equatable {
    public var recordID: UInt64
    public var given: String?
    public var suggested: String?
    public var score: Double?
    public var neighbours: String?

    public init(recordID: UInt64, given: String?, suggested: String? = nil, score: Double? = nil, neighbours: String? = nil) {
        self.recordID = recordID
        self.given = given
        self.suggested = suggested
        self.score = score
        self.neighbours = neighbours
    }
}

/// The faces a person is asked to look at, in order, from one dataset. Its name says what it is
/// (`suspects@0003-split`, `pseudo<0.6@0005-annotate`), so a second `ferdata review` of the same
/// queue continues it.
public struct ReviewQueue: Sendable, Equatable {
    public var name: String
    /// What made it: one of `Kind`'s names.
    public var kind: String
    /// The dataset whose records are shown and decided on.
    public var dataset: String
    public var items: [ReviewItem]
    /// The gold faces mixed into `items` (`--gold`), with their known labels: kept in the store, never
    /// sent to the page, so a person cannot tell them from the others.
    public var gold: [UInt64: String]

    public init(name: String, kind: String, dataset: String, items: [ReviewItem], gold: [UInt64: String] = [:]) {
        self.name = name
        self.kind = kind
        self.dataset = dataset
        self.items = items
        self.gold = gold
    }

    /// Where a queue's faces come from.
    public enum Kind: String, StageChoice {
        /// Label-noise suspects: `ferdata suspects`' suspects.csv (or `annotate --suspects`' file).
        case suspects
        /// Pseudo-labels (`annotate --ingest`) whose confidence is below `below`.
        case pseudo
        /// FER+ faces whose ten votes split: the crowd's largest share below `below`, or no majority.
        case ferplus
        /// Dedup's duplicate groups whose members carry different labels (all members, side by side).
        case conflicts
        /// Every original face of a dataset, filtered by split and class.
        case dataset
        /// The faces a model (`--model`) is least sure of, by `--by`, in batches of `--batch` without
        /// near-duplicates in one batch (active learning's uncertainty sampling).
        case uncertain
        /// A queue already in the review store, by `--name` (each round of `ferdata active-learn`).
        case stored
    }

    /// What a queue is made from besides its kind and dataset.
    /// Which faces a queue holds: review's options.
    public struct Options: Settings, Sendable {
        @Option(help: ArgumentHelp("suspects: the suspects file (default: WORKSPACE/reports/suspects-DATASET/suspects.csv).", valueName: "FILE"))
        public var file: String?
        @Option(help: ArgumentHelp("pseudo: queue confidences below this; ferplus: the crowd's largest vote shares below this.", valueName: "P"))
        public var below: Double = 0.6
        @Option(help: ArgumentHelp("ferplus: the FER+ votes file (fer2013new.csv).", valueName: "FILE"))
        public var votes: String?
        @Option(help: "dataset: only this split.")
        public var split = SplitChoice.all
        @Option(name: .customLong("class"), help: "dataset: only this class.")
        public var emotion: Emotion?
        @Option(help: ArgumentHelp("uncertain: the model whose uncertainty ranks the faces (.safetensors or .onnx).", valueName: "MODEL"))
        public var model: String?
        @Option(help: "uncertain: how uncertainty is read from the model's probabilities.")
        public var by = UncertaintySampling.Measure.margin
        @Option(help: ArgumentHelp("uncertain: faces per batch; no two near-duplicates (dedup's hash, 4 bits) share one.", valueName: "N"))
        public var batch = 100
        @Option(help: ArgumentHelp("stored: the queue's name in the review store (as active-learn prints it).", valueName: "NAME"))
        public var name: String?
        @OptionGroup(title: "Gold faces")
        public var goldFaces: GoldFaces
        @Flag(help: "Replace a stored queue of the same name whose source now gives other faces (a newer suspects file); decisions are kept.")
        public var newQueue = false

        public init() {}

        public func check() throws {
            guard below > 0 && below <= 1 else { throw FerError(.invalidArgument, "below must be in (0, 1], got \(below)") }
            guard batch > 0 else { throw FerError(.invalidArgument, "batch must be positive, got \(batch)") }
            try goldFaces.check()
        }
    }
}

extension ReviewQueue {
    /// Builds the queue of `kind` over `dataset`. Returns the queue and the dataset whose records it
    /// shows (for conflicts, the dataset dedup read, which still holds every member).
    /// - Throws: a missing file, a dataset that does not fit the kind, or a queue with no face.
    public static func build(_ kind: Kind, from dataset: Dataset, options: Options, workspace: Workspace) throws -> (ReviewQueue, Dataset) {
        var shown = dataset
        var name = "\(kind.rawValue)@\(dataset.name)"
        var items: [ReviewItem]
        /// How a gold face is shown in this kind of queue, like its other faces (nil: gold cannot hide here).
        var goldItems: (([FaceRecord]) throws -> [ReviewItem])?
        switch kind {
        case .suspects:
            let file = options.file ?? workspace.root.appendingPathComponent("reports/suspects-\(dataset.name)/suspects.csv").path
            items = try suspects(file, dataset: dataset)
        case .pseudo:
            name = "pseudo<\(options.below)@\(dataset.name)"
            items = try pseudoLabels(dataset, below: options.below)
        case .ferplus:
            guard let votes = options.votes else { throw FerError(.invalidArgument, "a ferplus queue needs the votes file (FER+'s fer2013new.csv)") }
            name = "ferplus<\(options.below)@\(dataset.name)"
            items = try ferplusSplits(dataset, votes: FERPlusVotes(path: votes), below: options.below)
        case .conflicts:
            (items, shown) = try conflicts(dataset, workspace: workspace)
        case .dataset:
            name = "dataset" + (options.split.split.map { ":" + $0.name } ?? "") + (options.emotion.map { ":" + $0.name } ?? "") + "@\(dataset.name)"
            var found: [ReviewItem] = []
            try dataset.forEachRecord { record in
                guard !record.flags.contains(.augmented), options.split.split.map({ $0 == record.split }) ?? true,
                      options.emotion.map({ $0 == record.label }) ?? true else { return }
                found.append(ReviewItem(recordID: record.recordID, given: record.label?.name, neighbours: subjectKey(record)))
            }
            items = found
            goldItems = { records in records.map { ReviewItem(recordID: $0.recordID, given: $0.label?.name, neighbours: subjectKey($0)) } }
        case .uncertain:
            guard let model = options.model else {
                throw FerError(.invalidArgument, "an uncertain queue needs --model (a model file ferdata scores: .safetensors or .onnx)")
            }
            name = "uncertain:\(options.by.rawValue):\(URL(fileURLWithPath: model).lastPathComponent)" + (options.split.split.map { ":" + $0.name } ?? "")
                + "@\(dataset.name)"
            let classifier = try Classifier(path: model)
            items = try uncertain(dataset, classifier: classifier, options: options)
            goldItems = { records in try uncertainItems(records, classifier: classifier, by: options.by) }
        case .stored:
            throw FerError(.invalidArgument, "a stored queue is opened from the review store (ReviewQueue.stored), not built")
        }
        guard !items.isEmpty else {
            throw FerError(.nothingRead, "the \(kind.rawValue) queue of \(dataset.name) has no face to review")
        }
        var gold: [UInt64: String] = [:]
        if options.goldFaces.gold != nil {
            guard let goldItems else {
                throw FerError(.invalidArgument, "gold faces are mixed into uncertain and dataset queues, whose faces they look like; "
                    + "a \(kind.rawValue) queue shows what its source file says of each face")
            }
            (items, gold) = try options.goldFaces.mix(into: items, records: try recordsByID(shown), dataset: shown.name, show: goldItems)
        }
        return (ReviewQueue(name: name, kind: kind.rawValue, dataset: shown.name, items: items, gold: gold), shown)
    }

    /// The queue stored under `options.name` (`review stored --name`) and the dataset it shows.
    /// - Throws: no name, or no such queue in the store.
    public static func stored(_ options: Options, store: ReviewStore, workspace: Workspace) throws -> (ReviewQueue, Dataset) {
        guard let name = options.name else { throw FerError(.invalidArgument, "a stored queue needs --name (the queue's name in the review store)") }
        guard let queue = try store.queue(named: name) else {
            let known = try store.queueNames()
            throw FerError(.invalidArgument, "the review store holds no queue \(name)"
                + (known.isEmpty ? "" : " (it holds: \(known.suffix(5).joined(separator: ", ")))"))
        }
        return (queue, try workspace.dataset(queue.dataset))
    }

    static func subjectKey(_ record: FaceRecord) -> String? { record.subject.map { "subject:" + $0 } }

    /// suspects.csv of `ferdata suspects` (record_id, given, likely, score) or of `annotate
    /// --suspects` (record_id, given, predicted, confidence), in its rank order. Every value is
    /// checked as it is read, since the file may come from anyone: the record is the dataset's, given
    /// and likely are class names (given may be empty), the score a finite number; the first value
    /// that is not is an error naming its line and column, and nothing is stored.
    static func suspects(_ file: String, dataset: Dataset) throws -> [ReviewItem] {
        guard FileManager.default.fileExists(atPath: file) else {
            throw FerError(.sourceMissing, "no suspects file \(file): run `ferdata suspects` on \(dataset.name) first, or give --file",
                           at: InputLocation(source: file))
        }
        let table = try CSVTable(path: file)
        let id = try table.column("record_id"), given = try table.column("given")
        let likely = try table.column("likely"), score = try table.column("score")
        let records = try recordsByID(dataset)
        var seen = Set<UInt64>()
        return try table.rows.enumerated().map { index, fields in
            func bad(_ what: String, _ column: Int) -> FerError {
                FerError(.badDataRow, what, at: table.location(row: index, field: table.header[column]))
            }
            guard let recordID = UInt64(fields[id]), let record = records[recordID] else {
                throw bad("record_id '\(fields[id].prefix(40))' is not a record of \(dataset.name)", id)
            }
            guard seen.insert(recordID).inserted else { throw bad("record \(recordID) is listed twice", id) }
            guard fields[given].isEmpty || Emotion(name: fields[given]) != nil else {
                throw bad("given '\(fields[given].prefix(40))' is not a class name (\(Emotion.allCases.map(\.name).joined(separator: ", ")))", given)
            }
            guard Emotion(name: fields[likely]) != nil else {
                throw bad("'\(fields[likely].prefix(40))' is not a class name (\(Emotion.allCases.map(\.name).joined(separator: ", ")))", likely)
            }
            guard let value = Double(fields[score]), value.isFinite else {
                throw bad("score '\(fields[score].prefix(40))' is not a finite number", score)
            }
            return ReviewItem(recordID: recordID, given: fields[given].isEmpty ? nil : fields[given], suggested: fields[likely],
                              score: value, neighbours: subjectKey(record))
        }
    }

    /// The pseudo-labelled records of an `annotate --ingest` dataset whose confidence (its
    /// labels.csv line, same order) is below `below`, least confident first.
    static func pseudoLabels(_ dataset: Dataset, below: Double) throws -> [ReviewItem] {
        let file = dataset.directory.appendingPathComponent("labels.csv").path
        guard dataset.manifest.stage == "annotate", FileManager.default.fileExists(atPath: file) else {
            throw FerError(.datasetUnfit, "a pseudo queue reads a dataset made by `ferdata annotate --ingest`; \(dataset.name) is a \(dataset.manifest.stage) dataset")
        }
        let table = try CSVTable(path: file)
        let locator = try table.column("locator"), predicted = try table.column("predicted"), confidence = try table.column("confidence")
        let records = try dataset.allRecords()
        guard records.count == table.rows.count else {
            throw FerError(.badManifest, "\(dataset.name) holds \(records.count) records but its labels.csv \(table.rows.count) lines")
        }
        var items: [ReviewItem] = []
        for (index, record) in records.enumerated() {
            let fields = table.rows[index]
            guard fields[locator] == String(record.locator), let score = Double(fields[confidence]) else {
                throw FerError(.badDataRow, "labels.csv line \(index + 2) does not match record \(record.recordID) (locator \(record.locator))",
                               at: InputLocation(source: file, line: index + 2))
            }
            if score < below {
                items.append(ReviewItem(recordID: record.recordID, given: record.label?.name, suggested: fields[predicted], score: score,
                                        neighbours: subjectKey(record)))
            }
        }
        return items.sorted { ($0.score ?? 0) < ($1.score ?? 0) }
    }

    /// Faces of a fer2013.csv dataset whose FER+ votes split: no majority emotion, or the largest
    /// emotion's share of the ten votes below `below`. Suggested: the crowd's majority, if any.
    static func ferplusSplits(_ dataset: Dataset, votes: FERPlusVotes, below: Double) throws -> [ReviewItem] {
        let records = try dataset.allRecords().filter { !$0.flags.contains(.augmented) }
        let rows = try votes.voteRows(records, of: dataset)
        var items: [ReviewItem] = []
        for (record, counts) in zip(records, rows) {
            let total = counts.reduce(0, +)
            guard total > 0 else { continue }
            let share = Double(counts[0..<7].max()!) / Double(total)
            var suggested: String?
            if case .emotion(let emotion) = FERPlusVotes.verdict(counts) { suggested = emotion.name }
            guard share < below || suggested == nil else { continue }
            items.append(ReviewItem(recordID: record.recordID, given: record.label?.name, suggested: suggested, score: share,
                                    neighbours: subjectKey(record)))
        }
        return items.sorted { ($0.score ?? 0) < ($1.score ?? 0) }
    }

    /// Every member of dedup's duplicate groups whose labels differ, group by group, shown from the
    /// dataset dedup read.
    static func conflicts(_ dataset: Dataset, workspace: Workspace) throws -> ([ReviewItem], Dataset) {
        let file = dataset.directory.appendingPathComponent("duplicates.csv").path
        guard dataset.manifest.stage == "dedup", FileManager.default.fileExists(atPath: file), let input = dataset.manifest.inputs.first else {
            throw FerError(.datasetUnfit, "a conflicts queue reads a dataset made by `ferdata dedup`; \(dataset.name) is a \(dataset.manifest.stage) dataset")
        }
        let source = try workspace.dataset(input.name)
        let table = try CSVTable(path: file)
        let group = try table.column("group"), id = try table.column("record_id"), label = try table.column("label")
        var members: [(group: String, recordID: UInt64, label: String)] = []
        for (index, fields) in table.rows.enumerated() {
            guard let recordID = UInt64(fields[id]) else {
                throw FerError(.badDataRow, "bad record_id '\(fields[id])'", at: InputLocation(source: file, line: index + 2, field: "record_id"))
            }
            members.append((fields[group], recordID, fields[label]))
        }
        let conflicting = Set(Dictionary(grouping: members, by: \.group).filter { Set($0.value.map(\.label)).count > 1 }.keys)
        let items = members.filter { conflicting.contains($0.group) }.map {
            ReviewItem(recordID: $0.recordID, given: $0.label.isEmpty ? nil : $0.label, neighbours: "group:" + $0.group)
        }
        return (items, source)
    }

    /// The original faces of `dataset` (of `--split`) in the order `UncertaintySampling` gives for the
    /// classifier's probabilities: given is the face's label, suggested the model's class, score the
    /// uncertainty.
    static func uncertain(_ dataset: Dataset, classifier: Classifier, options: Options) throws -> [ReviewItem] {
        let shape = dataset.manifest.recordFormat?.shape ?? .face48
        guard classifier.readsAnyShape || shape == .face48 else {
            throw FerError(.datasetUnfit, "the CNN-RNN takes 48x48 gray faces and \(dataset.name) holds \(shape.height)x\(shape.width) "
                + "\(shape.channels == 3 ? "colour" : "gray") faces")
        }
        let records = try dataset.allRecords().filter { record in
            !record.flags.contains(.augmented) && (options.split.split.map { $0 == record.split } ?? true)
        }
        return try uncertainOrder(records, classifier: classifier, by: options.by, batch: options.batch)
    }

    /// `records` as an uncertain queue shows them (`uncertainItems`), in the order `UncertaintySampling`
    /// gives: the most uncertain first, in batches of `batch` without near-duplicates.
    public static func uncertainOrder(_ records: [FaceRecord], classifier: Classifier, by measure: UncertaintySampling.Measure,
                                      batch: Int) throws -> [ReviewItem] {
        let scored = try uncertainItems(records, classifier: classifier, by: measure)
        let hashes = Parallel.map(count: records.count) { range in
            range.map { (plain: PerceptualHash.hash(records[$0].image), mirrored: PerceptualHash.mirroredHash(records[$0].image)) }
        }
        let order = UncertaintySampling.order(uncertainties: scored.map { $0.score ?? 0 }, recordIDs: records.map(\.recordID), hashes: hashes,
                                              batch: batch)
        return order.map { scored[$0] }
    }

    /// A CSV of `record_id,label` naming faces of `dataset` and their known labels (a gold file, an
    /// oracle's answers), in file order; checked as it is read, the first bad value an error naming its
    /// line and column.
    /// - Parameter records: the dataset's records by id (`recordsByID`), read once by the caller.
    public static func knownLabels(_ file: String, records: [UInt64: FaceRecord], dataset: String) throws -> [(recordID: UInt64, label: String)] {
        guard FileManager.default.fileExists(atPath: file) else {
            throw FerError(.sourceMissing, "no such file of record_id,label lines", at: InputLocation(source: file))
        }
        let table = try CSVTable(path: file)
        let id = try table.column("record_id"), label = try table.column("label")
        var known: [(recordID: UInt64, label: String)] = []
        var seen = Set<UInt64>()
        for (index, fields) in table.rows.enumerated() {
            func bad(_ what: String, _ column: Int) -> FerError {
                FerError(.badDataRow, what, at: table.location(row: index, field: table.header[column]))
            }
            guard let recordID = UInt64(fields[id]), records[recordID] != nil else {
                throw bad("record_id '\(fields[id].prefix(40))' is not a record of \(dataset)", id)
            }
            guard seen.insert(recordID).inserted else { throw bad("record \(recordID) is listed twice", id) }
            guard let name = ReviewLabel(name: fields[label])?.name else {
                throw bad("'\(fields[label].prefix(40))' is not a label (\(ReviewLabel.names.joined(separator: ", ")))", label)
            }
            known.append((recordID, name))
        }
        return known
    }

    /// Each record as an uncertain queue shows it, in the records' order: given is its label, suggested
    /// the model's class, score the uncertainty.
    public static func uncertainItems(_ records: [FaceRecord], classifier: Classifier, by measure: UncertaintySampling.Measure) throws -> [ReviewItem] {
        let emotionAt = Dictionary(classifier.outputIndex.map { ($0.value, $0.key) }) { first, _ in first }
        return zip(records, try classifier.predict(records)).map { record, prediction in
            ReviewItem(recordID: record.recordID, given: record.label?.name, suggested: emotionAt[prediction.predicted]?.name,
                       score: UncertaintySampling.uncertainty(prediction.probabilities, by: measure), neighbours: subjectKey(record))
        }
    }

    public static func recordsByID(_ dataset: Dataset) throws -> [UInt64: FaceRecord] {
        var records: [UInt64: FaceRecord] = [:]
        try dataset.forEachRecord { records[$0.recordID] = $0 }
        return records
    }
}
