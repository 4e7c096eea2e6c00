import FERCore
import FERCuration
import FERData
import FERIngest
import FERMedia
import Foundation

/// What `suspects` found, as written to its report folder: `suspects.json` (this), `suspects.csv`
/// (the ranked issues: the review queue), `noise-matrix.png` and `suspects.png`.
public struct LabelIssueReport: Codable, Sendable {
    public var dataset: String
    public var classes: [String]
    /// Labelled records examined.
    public var faces: Int
    /// Records not examined, by reason (unlabeled, augmented copies, the test split unless asked).
    public var notExamined: [String: Int]
    /// Where the probabilities came from: "out-of-fold, K folds" or the file given.
    public var probabilities: String
    public var filter: String
    public var rank: String
    public var thresholds: [Double]
    /// Faces counted at [given][likely] before calibration.
    public var confidentJoint: [[Int]]
    /// The calibrated confident joint: estimated faces with given label (row) and true label (column).
    public var noiseMatrix: [[Int]]
    /// P(given = row | true = column).
    public var noiseRates: [[Double]]
    public var labelCounts: [Int]
    /// Each given label's estimated mislabelled faces.
    public var estimatedErrors: [String: Int]
    /// The estimated number of label issues (off-diagonal faces of the confident joint the model does not predict as given).
    public var estimatedIssueCount: Int
    /// Issues the filter found.
    public var issues: Int
    /// Issues by "given -> likely".
    public var issuesByPair: [String: Int]
    /// How the FER+ crowd's majority compares, where votes were given.
    public var crowd: CrowdAgreement?

    /// The FER+ majority against the suspects' labels.
    public struct CrowdAgreement: Codable, Sendable {
        public var votes: String
        /// Suspects whose faces have a crowd majority (no tie, not unknown, not contempt, a face).
        public var suspectsWithMajority: Int
        /// ... of which the majority is the suggested (likely) label.
        public var majorityIsLikely: Int
        /// ... of which the majority is the given label.
        public var majorityIsGiven: Int
        /// The same for the examined faces not flagged: how often the crowd agrees with their label.
        public var othersWithMajority: Int
        public var othersMajorityIsGiven: Int
    }

    public init(dataset: String, classes: [String], learning: ConfidentLearning, issues: [Int], notExamined: [String: Int],
                probabilities: String, filter: ConfidentLearning.Filter, rank: ConfidentLearning.Ranking) {
        self.dataset = dataset
        self.classes = classes
        faces = learning.labels.count
        self.notExamined = notExamined
        self.probabilities = probabilities
        self.filter = filter.rawValue
        self.rank = rank.rawValue
        thresholds = learning.thresholds
        confidentJoint = learning.confidentJoint
        noiseMatrix = learning.noiseMatrix
        noiseRates = learning.noiseRates
        labelCounts = learning.labelCounts
        estimatedErrors = Dictionary(uniqueKeysWithValues: zip(classes, learning.estimatedErrorsPerClass))
        estimatedIssueCount = learning.estimatedIssueCount
        self.issues = issues.count
        issuesByPair = issues.reduce(into: [:]) { pairs, face in
            pairs[classes[learning.labels[face]] + " -> " + classes[learning.likely(face)], default: 0] += 1
        }
    }

    /// Compares the crowd's majority with the given and suggested labels.
    public mutating func compare(with verdicts: [FERPlusVotes.Verdict], learning: ConfidentLearning, issues: [Int], votes: String) {
        let flagged = Set(issues)
        var agreement = CrowdAgreement(votes: votes, suspectsWithMajority: 0, majorityIsLikely: 0, majorityIsGiven: 0,
                                       othersWithMajority: 0, othersMajorityIsGiven: 0)
        for (face, verdict) in verdicts.enumerated() {
            guard case .emotion(let emotion) = verdict else { continue }
            let majority = Int(emotion.rawValue)
            if flagged.contains(face) {
                agreement.suspectsWithMajority += 1
                if majority == learning.likely(face) { agreement.majorityIsLikely += 1 }
                if majority == learning.labels[face] { agreement.majorityIsGiven += 1 }
            } else {
                agreement.othersWithMajority += 1
                if majority == learning.labels[face] { agreement.othersMajorityIsGiven += 1 }
            }
        }
        crowd = agreement
    }

    /// `suspects.csv`, the review queue: one row per issue, worst first, with where the face came
    /// from, its given and likely labels, the ranking's score and (with votes) the crowd's verdict.
    public static func suspectsCSV(_ issues: [Int], records: [FaceRecord], learning: ConfidentLearning, scores: [Double],
                                   dataset: String, classes: [String], verdicts: [FERPlusVotes.Verdict]?) -> String {
        let rows = issues.map { face in
            let (given, likely) = (learning.labels[face], learning.likely(face))
            let crowd: String? = verdicts.map {
                switch $0[face] {
                case .emotion(let emotion): emotion.name
                case .dropped(let reason): reason
                }
            }
            return SuspectsFile.Row(record: records[face], given: classes[given], likely: classes[likely], score: scores[face],
                                    pGiven: Double(learning.probability(face, given)), pLikely: Double(learning.probability(face, likely)),
                                    crowd: crowd)
        }
        return SuspectsFile.csv(rows, dataset: dataset)
    }

    /// The noise matrix as a heatmap.
    public func noiseMatrixPicture() -> Canvas {
        ConfusionHeatmap.render(noiseMatrix, classes: classes, title: "ESTIMATED NOISE MATRIX (\(faces) FACES)",
                                rows: "GIVEN LABEL", columns: "LIKELY TRUE LABEL",
                                footer: "ROWS: GIVEN LABEL. CELLS: ESTIMATED FACES AND SHARE OF THE ROW. OFF THE DIAGONAL: LIKELY MISLABELLED.")
    }

    /// The top suspects of each confused pair (the most frequent pairs first), ten faces a row.
    public static func suspectSheet(_ issues: [Int], records: [FaceRecord], learning: ConfidentLearning, classes: [String]) -> Canvas? {
        let faces = issues.map { face in
            (caption: "LABELLED \(classes[learning.labels[face]].uppercased()), LIKELY \(classes[learning.likely(face)].uppercased())",
             image: records[face].image)
        }
        return ContactSheet.grouped(faces, largestFirst: true, title: "LABEL-ISSUE SUSPECTS BY CONFUSION (WORST FIRST)")
    }
}

extension ConfidentLearning {
    /// The suggested label of a face: its most probable class.
    public func likely(_ face: Int) -> Int { Self.argmax(probabilities, row: face * classes, classes: classes) }

    public func probability(_ face: Int, _ k: Int) -> Double { probabilities[face * classes + k] }
}
