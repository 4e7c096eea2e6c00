#!/usr/bin/env python3
"""Writes Tests/FEREvalTests/Fixtures/scipy-bootstrap.json: labels and predictions of 600 faces over
seven classes, and scipy.stats.bootstrap's 95% percentile intervals (paired resampling of faces,
20,000 resamples) of accuracy, weighted F1, macro F1 over the classes present, and each class's
recall. ferdata's seeded bootstrap (ScoreIntervals) is held to them within 0.005 by the Swift tests:
the two draw different resamples, so they agree up to the Monte Carlo error of 20,000 draws.

    python3 scripts/make-interval-fixture.py      # needs numpy and scipy
"""
import json, os

import numpy as np
import scipy
from scipy.stats import bootstrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLASSES, FACES, RESAMPLES = 7, 600, 20000
rng = np.random.default_rng(2026)
labels = rng.choice(CLASSES, size=FACES, p=[0.15, 0.08, 0.14, 0.20, 0.15, 0.12, 0.16])
correct = rng.random(FACES) < 0.62
predictions = np.where(correct, labels, rng.integers(0, CLASSES, size=FACES))
present = sorted(set(labels.tolist()))


def scores(l, p, axis=-1):
    """Accuracy, weighted F1, macro F1 (over the classes present in the whole data) and each class's
    recall, for index arrays of any leading shape (scipy passes batches of resamples)."""
    n = l.shape[axis]
    accuracy = np.mean(l == p, axis=axis)
    f1s, supports, recalls = [], [], []
    for c in range(CLASSES):
        tp = np.sum((l == c) & (p == c), axis=axis)
        support = np.sum(l == c, axis=axis)
        predicted = np.sum(p == c, axis=axis)
        with np.errstate(invalid="ignore", divide="ignore"):
            f1s.append(np.where(support + predicted > 0, 2 * tp / np.maximum(support + predicted, 1), 0.0))
            recalls.append(np.where(support > 0, tp / np.maximum(support, 1), np.nan))
        supports.append(support)
    weighted = sum(f * s for f, s in zip(f1s, supports)) / n
    macro = sum(f1s[c] for c in present) / len(present)
    return [accuracy, weighted, macro] + recalls


def interval(k):
    result = bootstrap((labels, predictions), lambda l, p, axis=-1: scores(l, p, axis)[k], paired=True, vectorized=True,
                       n_resamples=RESAMPLES, method="percentile", confidence_level=0.95, random_state=np.random.default_rng(7 + k))
    return [float(result.confidence_interval.low), float(result.confidence_interval.high)]


point = scores(labels, predictions)
fixture = {
    "scipy": scipy.__version__, "resamples": RESAMPLES, "classes": CLASSES,
    "labels": labels.tolist(), "predictions": predictions.tolist(),
    "accuracy": [float(point[0])] + interval(0), "weightedF1": [float(point[1])] + interval(1), "macroF1": [float(point[2])] + interval(2),
    "recall": [[float(point[3 + c])] + interval(3 + c) for c in range(CLASSES)],
}
path = os.path.join(ROOT, "Tests", "FEREvalTests", "Fixtures", "scipy-bootstrap.json")
with open(path, "w") as out:
    json.dump(fixture, out, indent=1)
print(f"wrote {path}: accuracy {fixture['accuracy']}, weighted F1 {fixture['weightedF1']}, macro F1 {fixture['macroF1']}")
