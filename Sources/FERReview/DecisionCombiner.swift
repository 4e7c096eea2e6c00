import FERCore

/// Turns the standing decisions of several annotators into one label per face.
public struct DecisionCombiner: Sendable {
    /// How annotators' decisions on one face become one.
    public enum Rule: String, StageChoice {
        /// The label most annotators gave; a tie leaves the face as it is (reported).
        case majority
        /// The adjudicator's decision where they made one, else the majority.
        case adjudicator
    }

    public var rule: Rule
    public var adjudicator: String?

    public init(rule: Rule, adjudicator: String?) throws {
        if rule == .adjudicator && adjudicator == nil {
            throw FerError(.invalidArgument, "combine adjudicator needs an adjudicator (the annotator whose decision wins)")
        }
        self.rule = rule
        self.adjudicator = adjudicator
    }

    /// One face's outcome.
    public enum Outcome: Equatable, Sendable {
        /// The face gets this label, from these decisions.
        case decided(ReviewLabel, [Decision])
        /// Annotators split evenly: the face is left as it is.
        case tie([Decision])
    }

    /// The outcome per record of every standing decision (latest per annotator and record, undone
    /// ones left out) in `decisions`.
    public func combine(_ decisions: [Decision]) -> [UInt64: Outcome] {
        var latest: [UInt64: [String: Decision]] = [:]
        for (annotator, byRecord) in Decision.standing(decisions) {
            for (record, decision) in byRecord { latest[record, default: [:]][annotator] = decision }
        }
        return latest.mapValues { byAnnotator in
            let standing = byAnnotator.values.sorted { $0.id < $1.id }
            if rule == .adjudicator, let adjudicator, let final = byAnnotator[adjudicator] {
                return .decided(final.newLabel, standing)
            }
            var votes: [ReviewLabel: Int] = [:]
            for decision in standing { votes[decision.newLabel, default: 0] += 1 }
            let ranked = votes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.name < $1.key.name }
            if ranked.count > 1 && ranked[0].value == ranked[1].value { return .tie(standing) }
            return .decided(ranked[0].key, standing)
        }
    }
}
