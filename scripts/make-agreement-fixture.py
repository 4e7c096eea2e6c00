#!/usr/bin/env python3
"""Writes Tests/FERReviewTests/Fixtures/agreement.json: annotators' labels for the same faces and the
agreement that scikit-learn (cohen_kappa_score) and statsmodels (fleiss_kappa) compute from them. The
Swift tests of Agreement, and of the store's agreement over stored decisions, compare against it.
scikit-learn and statsmodels are used here only to write the expected figures.

Cases: "two", 400 faces labelled by two annotators who agree on about 70% (seeded); "three", the same
faces with a third annotator (Fleiss); "rare", 50 faces where one annotator never uses one label.

    python3 -m pip install scikit-learn statsmodels numpy
    python3 scripts/make-agreement-fixture.py
"""
import json, os

import numpy as np
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral", "unusable"]
SEED = 20261128


def annotate(rng, truth, accuracy):
    """Each face's true label kept with probability `accuracy`, else another label at random."""
    out = []
    for label in truth:
        if rng.random() < accuracy:
            out.append(label)
        else:
            out.append(rng.choice([other for other in LABELS if other != label]))
    return out


def main():
    rng = np.random.default_rng(SEED)
    weights = np.array([0.14, 0.02, 0.14, 0.25, 0.17, 0.11, 0.15, 0.02])
    truth = list(rng.choice(LABELS, size=400, p=weights / weights.sum()))
    a, b, c = (annotate(rng, truth, accuracy) for accuracy in (0.85, 0.8, 0.75))
    cases = {}
    cases["two"] = {"ratings": [list(pair) for pair in zip(a, b)], "cohen": cohen_kappa_score(a, b)}
    table, _ = aggregate_raters(np.array([[LABELS.index(x) for x in row] for row in zip(a, b, c)]))
    cases["three"] = {"ratings": [list(row) for row in zip(a, b, c)], "fleiss": fleiss_kappa(table, method="fleiss")}
    small_a = [x if x != "fear" else "sad" for x in a[:50]]
    cases["rare"] = {"ratings": [list(pair) for pair in zip(small_a, b[:50])], "cohen": cohen_kappa_score(small_a, b[:50])}
    path = os.path.join(ROOT, "Tests/FERReviewTests/Fixtures/agreement.json")
    with open(path, "w") as f:
        json.dump({"seed": SEED, "labels": LABELS, "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {path}: " + ", ".join(f"{name} {value.get('cohen', value.get('fleiss')):.6f}" for name, value in cases.items()))


if __name__ == "__main__":
    main()
