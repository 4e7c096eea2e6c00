import FERCore
import Foundation

/// Confident learning (Northcutt, Jiang and Chuang, JAIR 2021) over out-of-sample predicted
/// probabilities, computed as the `cleanlab` library computes it (its 2.x `find_label_issues`,
/// `compute_confident_joint` and `get_label_quality_scores`; a fixture test holds the two equal):
///
/// 1. each class's threshold is the mean probability of that class over the faces labelled with it;
/// 2. a face is counted in the confident joint at (given label, likely label) when its probability
///    reaches the threshold of some class: the only such class, or its argmax when several do;
/// 3. the joint is calibrated so that each row sums to its label count (the noise matrix, in faces);
/// 4. a filter picks that many issues per class and confusion; a face the model predicts as its given
///    label is never an issue; issues are ranked by a label quality score, worst first.
///
/// Ties (equal probabilities) are broken by record order; cleanlab leaves them to NumPy's sort.
public struct ConfidentLearning: Sendable {
    /// How issues are chosen from the confident joint.
    public enum Filter: String, StageChoice {
        /// For each off-diagonal cell (given i, likely j), the faces labelled i with the largest margin
        /// p(j) - p(i), as many as the calibrated joint counts there (cleanlab's default).
        case pruneByNoiseRate = "prune-by-noise-rate"
        /// For each class, its faces with the lowest probability of it, as many as the class's estimated errors.
        case pruneByClass = "prune-by-class"
        /// Faces both of the above flag.
        case both
        /// The off-diagonal faces of the confident joint themselves.
        case confidentLearning = "confident-learning"
        /// Every face whose argmax is not its label (the baseline).
        case predictedNeqGiven = "predicted-neq-given"
    }

    /// The label quality score that orders issues (lowest first).
    public enum Ranking: String, StageChoice {
        /// (p(given) - max other p + 1) / 2.
        case normalizedMargin = "normalized-margin"
        /// p(given).
        case selfConfidence = "self-confidence"
        /// Confidence-weighted entropy: log(H/p(given) + 1) / (H/p(given)), H the normalised entropy.
        case entropy
    }

    public let classes: Int
    /// The given label of each face.
    public let labels: [Int]
    /// Row-major, `labels.count` rows of `classes`.
    public let probabilities: [Double]
    /// Per class: the mean probability of the class over its labelled faces (2 for a class no face has).
    public let thresholds: [Double]
    /// Faces counted at [given][likely], the diagonal at least 1.
    public let confidentJoint: [[Int]]
    /// The confident joint calibrated to the label counts: the estimated noise matrix, in faces,
    /// rows given label, columns likely true label; it sums to the number of faces.
    public let noiseMatrix: [[Int]]
    /// The faces off the confident joint's diagonal (confident in a class other than their label).
    let offDiagonal: [Int]

    /// - Throws: `.invalidArgument` for a label outside the classes, a row of the wrong length, or a
    ///   probability outside 0-1 or not a number.
    public init(labels: [Int], probabilities: [Double], classes: Int) throws {
        guard classes >= 2 else { throw FerError(.invalidArgument, "confident learning needs at least two classes") }
        guard !labels.isEmpty else { throw FerError(.nothingRead, "no labelled faces to look for label issues in") }
        guard probabilities.count == labels.count * classes else {
            throw FerError(.invalidArgument, "\(probabilities.count) probabilities for \(labels.count) faces of \(classes) classes")
        }
        if let bad = labels.firstIndex(where: { !(0..<classes).contains($0) }) {
            throw FerError(.invalidArgument, "face \(bad) has label \(labels[bad]), outside the \(classes) classes")
        }
        if let bad = probabilities.firstIndex(where: { !(0...1).contains($0) }) {
            throw FerError(.invalidArgument, "face \(bad / classes) has probability \(probabilities[bad]), outside 0-1")
        }
        self.classes = classes
        self.labels = labels
        self.probabilities = probabilities

        var ownProbabilities = [[Double]](repeating: [], count: classes)
        for (face, label) in labels.enumerated() { ownProbabilities[label].append(probabilities[face * classes + label]) }
        let counts = ownProbabilities.map(\.count)
        let thresholds = ownProbabilities.map { own in
            max(own.isEmpty ? 2 : Self.sum(own[...]) / Double(own.count), 2e-6)
        }
        self.thresholds = thresholds

        var joint = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var offDiagonal: [Int] = []
        for (face, label) in labels.enumerated() {
            let row = face * classes
            let confident = (0..<classes).filter { probabilities[row + $0] >= thresholds[$0] - 1e-6 }
            guard let first = confident.first else { continue }
            let likely = confident.count > 1 ? Self.argmax(probabilities, row: row, classes: classes) : first
            joint[label][likely] += 1
            if likely != label { offDiagonal.append(face) }
        }
        for k in 0..<classes { joint[k][k] = max(joint[k][k], 1) }
        confidentJoint = joint
        self.offDiagonal = offDiagonal
        noiseMatrix = Self.calibrate(joint, labelCounts: counts)
    }

    /// The faces per given label.
    public var labelCounts: [Int] {
        labels.reduce(into: [Int](repeating: 0, count: classes)) { $0[$1] += 1 }
    }

    /// Each given label's estimated mislabelled faces: its noise-matrix row off the diagonal.
    public var estimatedErrorsPerClass: [Int] {
        (0..<classes).map { k in noiseMatrix[k].reduce(0, +) - noiseMatrix[k][k] }
    }

    /// The estimated number of label issues (cleanlab's `num_label_issues`): off-diagonal faces of the
    /// confident joint that the model does not predict as their label.
    public var estimatedIssueCount: Int {
        offDiagonal.filter { !predictsGiven($0) }.count
    }

    /// P(given label = i | true label = j), from the noise matrix; off-diagonal rates clipped below
    /// 1 and each column normalised (cleanlab's `estimate_latent`).
    public var noiseRates: [[Double]] {
        let columnTotals = (0..<classes).map { j in Double(noiseMatrix.reduce(0) { $0 + $1[j] }) }
        var rates = (0..<classes).map { i in (0..<classes).map { j in Double(noiseMatrix[i][j]) / max(columnTotals[j], 1e-100) } }
        for i in 0..<classes {
            for j in 0..<classes where i != j { rates[i][j] = min(max(rates[i][j], 0), 0.9999) }
        }
        for j in 0..<classes {
            let total = max((0..<classes).reduce(0) { $0 + rates[$1][j] }, 1e-100)
            for i in 0..<classes { rates[i][j] /= total }
        }
        return rates
    }

    /// Which faces have a label issue under `filter`.
    public func issueMask(_ filter: Filter) -> [Bool] {
        var mask = [Bool](repeating: false, count: labels.count)
        switch filter {
        case .pruneByNoiseRate:
            mask = pruneByNoiseRate()
        case .pruneByClass:
            mask = pruneByClass()
        case .both:
            mask = zip(pruneByNoiseRate(), pruneByClass()).map { $0 && $1 }
        case .confidentLearning:
            for face in offDiagonal { mask[face] = true }
        case .predictedNeqGiven:
            for face in labels.indices { mask[face] = Self.argmax(probabilities, row: face * classes, classes: classes) != labels[face] }
        }
        for face in labels.indices where mask[face] && predictsGiven(face) { mask[face] = false }
        return mask
    }

    /// Each face's label quality score under `ranking`: lower is more likely mislabelled.
    public func qualityScores(_ ranking: Ranking) -> [Double] {
        labels.indices.map { face in
            let row = face * classes
            let given = probabilities[row + labels[face]]
            switch ranking {
            case .selfConfidence:
                return given
            case .normalizedMargin:
                let other = (0..<classes).filter { $0 != labels[face] }.map { probabilities[row + $0] }.max() ?? 0
                return (given - other + 1) / 2
            case .entropy:
                var entropy = 0.0
                for k in 0..<classes where probabilities[row + k] > 0 {
                    entropy -= probabilities[row + k] * Foundation.log(probabilities[row + k])
                }
                let ratio = entropy / Foundation.log(Double(classes)) / max(given, 1e-6)
                return Foundation.log(ratio + 1) / max(ratio, 1e-6)
            }
        }
    }

    /// The issues under `filter`, worst (lowest score under `ranking`) first.
    public func rankedIssues(_ filter: Filter, by ranking: Ranking) -> [Int] {
        rankedIssues(filter, scores: qualityScores(ranking))
    }

    /// The issues under `filter`, lowest of `scores` (a ranking's `qualityScores`) first.
    public func rankedIssues(_ filter: Filter, scores: [Double]) -> [Int] {
        let mask = issueMask(filter)
        return Self.ascending(mask.indices.filter { mask[$0] }, by: { scores[$0] })
    }

    // MARK: - The filters

    /// cleanlab's `_keep_at_least_n_per_class` with n = 1: the noise matrix transposed (rows likely,
    /// columns given), each column's diagonal raised to at least 1 by taking evenly from its
    /// off-diagonal cells.
    private var pruneCounts: [[Int]] {
        var matrix = (0..<classes).map { r in (0..<classes).map { c in Double(noiseMatrix[c][r]) } }
        for c in 0..<classes {
            let diagonal = matrix[c][c]
            let raised = max(diagonal, 1)
            let nonZero = (0..<classes).filter { matrix[$0][c] != 0 }.count
            let share = (raised - diagonal) / max(Double(nonZero) - 1, 1)
            for r in 0..<classes { matrix[r][c] = max(matrix[r][c] - share, 0) }
            matrix[c][c] = raised
        }
        return matrix.map { $0.map { Int($0) } }
    }

    private func facesByLabel() -> [[Int]] {
        labels.indices.reduce(into: [[Int]](repeating: [], count: classes)) { $0[labels[$1]].append($1) }
    }

    private func pruneByClass() -> [Bool] {
        var mask = [Bool](repeating: false, count: labels.count)
        let prune = pruneCounts
        for (k, faces) in facesByLabel().enumerated() where faces.count > 1 {
            let issues = faces.count - prune[k][k]
            guard issues >= 1 else { continue }
            for face in Self.ascending(faces, by: { probabilities[$0 * classes + k] }).prefix(issues) { mask[face] = true }
        }
        return mask
    }

    private func pruneByNoiseRate() -> [Bool] {
        var mask = [Bool](repeating: false, count: labels.count)
        let prune = pruneCounts
        for (k, faces) in facesByLabel().enumerated() where faces.count > 1 {
            for j in 0..<classes where j != k && prune[j][k] > 0 {
                let largestMargin = Self.ascending(faces) { -(probabilities[$0 * classes + j] - probabilities[$0 * classes + k]) }
                for face in largestMargin.prefix(prune[j][k]) { mask[face] = true }
            }
        }
        return mask
    }

    /// Whether the model predicts the face's given label (a 1e-6 lead to the given label breaks ties).
    private func predictsGiven(_ face: Int) -> Bool {
        let row = face * classes
        let given = labels[face]
        var best = 0
        var bestValue = -Double.infinity
        for k in 0..<classes {
            let value = probabilities[row + k] + (k == given ? 1e-6 : 0)
            if value > bestValue { (best, bestValue) = (k, value) }
        }
        return best == given
    }

    // MARK: - Arithmetic as NumPy does it

    /// The first index of the largest probability in a row.
    static func argmax(_ values: [Double], row: Int, classes: Int) -> Int {
        var best = 0
        for k in 1..<classes where values[row + k] > values[row + best] { best = k }
        return best
    }

    /// NumPy's pairwise summation (`np.sum` of a contiguous array): eight running sums for blocks up
    /// to 128 values, halves above; so that means and totals round as cleanlab's do.
    static func sum(_ values: ArraySlice<Double>) -> Double {
        let n = values.count
        let start = values.startIndex
        if n < 8 { return values.reduce(0, +) }
        if n <= 128 {
            var partial = Array(values[start..<start + 8])
            var i = 8
            while i < n - n % 8 {
                for j in 0..<8 { partial[j] += values[start + i + j] }
                i += 8
            }
            var result = ((partial[0] + partial[1]) + (partial[2] + partial[3])) + ((partial[4] + partial[5]) + (partial[6] + partial[7]))
            while i < n {
                result += values[start + i]
                i += 1
            }
            return result
        }
        var half = n / 2
        half -= half % 8
        return sum(values[start..<start + half]) + sum(values[(start + half)...])
    }

    /// `items` sorted by `key`, equal keys in their given order.
    static func ascending(_ items: [Int], by key: (Int) -> Double) -> [Int] {
        items.enumerated().map { (position: $0.offset, item: $0.element, key: key($0.element)) }
            .sorted { $0.key != $1.key ? $0.key < $1.key : $0.position < $1.position }
            .map(\.item)
    }

    /// cleanlab's `calibrate_confident_joint`: each row scaled to its label count, the whole to the
    /// number of faces, then rounded row by row keeping the row totals.
    static func calibrate(_ joint: [[Int]], labelCounts: [Int]) -> [[Int]] {
        let classes = joint.count
        var scaled = (0..<classes).map { i in
            let rowTotal = Double(joint[i].reduce(0, +))
            return joint[i].map { Double($0) / max(rowTotal, 1e-100) * Double(labelCounts[i]) }
        }
        let total = sum(Array(scaled.joined())[...])
        let faces = Double(labelCounts.reduce(0, +))
        scaled = scaled.map { $0.map { $0 / max(total, 1e-100) * faces } }
        return scaled.map(roundPreservingSum)
    }

    /// cleanlab's `round_preserving_sum`: round half to even, then move the largest remainders up
    /// (or the smallest down) until the integers sum to the rounded total.
    static func roundPreservingSum(_ values: [Double]) -> [Int] {
        var rounded = values.map { $0.rounded(.toNearestOrEven) }
        let target = values.reduce(0, +).rounded(.toNearestOrEven)
        var sum = rounded.reduce(0, +)
        while abs(sum - target) > 1e-6 {
            let difference = (target - sum).rounded(.toNearestOrEven)
            let step: Double = difference < 0 ? -1 : 1
            let changes = min(Int(abs(difference)), values.count)
            var order = ascending(Array(values.indices)) { values[$0] - rounded[$0] }
            if step > 0 { order.reverse() }
            for index in order.prefix(changes) { rounded[index] += step }
            sum = rounded.reduce(0, +)
        }
        return rounded.map { Int($0) }
    }
}
