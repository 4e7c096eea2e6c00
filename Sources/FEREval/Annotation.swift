import FERCore
import FERCuration
import FERData
import FERIngest
import FERMedia
import Foundation

/// Labelling with a model: pseudo-labels for unlabeled faces, and label-noise suspects in a labelled set.
public enum Annotation {
    /// `labels.csv`: one line per face at or above `minConfidence`, with the predicted class, its
    /// confidence and every class probability.
    public static func labelsCSV(_ predictions: [Prediction], classes: [String], minConfidence: Float) -> String {
        var text = CSVField.line(["source", "locator", "predicted", "confidence"] + classes.map { "p_" + $0 }) + "\n"
        for p in predictions where p.confidence >= minConfidence {
            text += CSVField.line([p.source, String(p.locator), classes[p.predicted], String(format: "%.4f", p.confidence)]
                + p.probabilities.map { String(format: "%.4f", $0) }) + "\n"
        }
        return text
    }

    /// The record labelled with its prediction and flagged as a pseudo-label, when the prediction is
    /// confident enough; nil below `minConfidence` or for a class with no FER2013 counterpart.
    public static func pseudoLabel(_ record: FaceRecord, _ prediction: Prediction, classifier: Classifier,
                                   minConfidence: Float) -> FaceRecord? {
        guard prediction.confidence >= minConfidence,
              let emotion = classifier.outputIndex.first(where: { $0.value == prediction.predicted })?.key
        else { return nil }
        var labelled = record
        labelled.label = emotion
        labelled.flags.insert(.pseudoLabel)
        return labelled
    }

    /// A labelled face whose label the model contradicts with at least the asked confidence.
    public struct Suspect: Sendable {
        public var index: Int
        public var given: String
        public var predicted: String
        public var confidence: Float
    }

    /// Likely label noise: labelled faces the model puts in another class with confidence at least
    /// `minConfidence`, most confident first.
    public static func suspects(_ predictions: [Prediction], classes: [String], minConfidence: Float) -> [Suspect] {
        predictions.indices.compactMap { index -> Suspect? in
            let p = predictions[index]
            guard let truth = p.truth, p.predicted != truth, p.confidence >= minConfidence else { return nil }
            return Suspect(index: index, given: classes[truth], predicted: classes[p.predicted], confidence: p.confidence)
        }
        .sorted { $0.confidence > $1.confidence }
    }

    /// `suspects.csv` in suspects' schema (`SuspectsFile`); the score is the model's probability of the
    /// given label (cleanlab's self-confidence: lower is worse).
    public static func suspectsCSV(_ suspects: [Suspect], predictions: [Prediction], records: [FaceRecord], dataset: String) -> String {
        let rows = suspects.map { s in
            let p = predictions[s.index]
            let given = Double(p.probabilities[p.truth!])
            return SuspectsFile.Row(record: records[s.index], given: s.given, likely: s.predicted, score: given, pGiven: given,
                                    pLikely: Double(s.confidence))
        }
        return SuspectsFile.csv(rows, dataset: dataset)
    }

    /// A contact sheet of suspects, one row per (given, predicted) pair, up to ten faces each.
    public static func suspectSheet(_ suspects: [Suspect], records: [FaceRecord]) -> Canvas? {
        let faces = suspects.map { (caption: "LABELLED \($0.given), MODEL SAYS \($0.predicted)", image: records[$0.index].image) }
        return ContactSheet.grouped(faces, largestFirst: false, title: "LABEL-NOISE SUSPECTS (MOST CONFIDENT FIRST)")
    }
}
