#!/usr/bin/env python3
"""Writes Tests/FEREvalTests/Fixtures/cleanlab-confident-learning.json: given labels and out-of-sample
probabilities over seven classes, and what cleanlab computes from them: the per-class thresholds, the
confident joint (raw and calibrated), the noise rates, the estimated issue count, the issue mask of
find_label_issues for every filter, the label quality scores of every ranking method and the issue
order of find_label_issues(return_indices_ranked_by=...). The Swift tests of ConfidentLearning
compare against it. cleanlab is used here only to write the expected figures.

Two cases: "main", 3,000 faces with 15% of labels flipped (a fifth of them along one confusion, the
rest uniform) and one rare class; "sparse", 60 faces where one class never occurs as a label.

    python3 -m venv /tmp/peer && /tmp/peer/bin/pip install cleanlab numpy
    /tmp/peer/bin/python scripts/make-cleanlab-fixture.py
"""
import json, os

import numpy as np
import cleanlab
from cleanlab.count import compute_confident_joint, estimate_latent, get_confident_thresholds, num_label_issues
from cleanlab.filter import find_label_issues
from cleanlab.rank import get_label_quality_scores

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILTERS = {"prune-by-noise-rate": "prune_by_noise_rate", "prune-by-class": "prune_by_class", "both": "both",
           "confident-learning": "confident_learning", "predicted-neq-given": "predicted_neq_given"}
RANKINGS = {"self-confidence": "self_confidence", "normalized-margin": "normalized_margin",
            "entropy": "confidence_weighted_entropy"}


def make_case(rng, count, class_weights, flip_rate, sharpness):
    classes = len(class_weights)
    truth = rng.choice(classes, size=count, p=np.array(class_weights) / sum(class_weights))
    given = truth.copy()
    for i in np.nonzero(rng.random(count) < flip_rate)[0]:
        given[i] = 4 if truth[i] == 2 and rng.random() < 0.2 else rng.choice([c for c in range(classes) if c != truth[i]])
    logits = rng.normal(0, 1, size=(count, classes))
    logits[np.arange(count), truth] += sharpness * rng.random(count)
    probabilities = np.exp(logits)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    # Single precision, as ferdata's models give them; JSON keeps each value exactly.
    probabilities = probabilities.astype(np.float32).astype(np.float64)
    return given, probabilities


def expected(labels, probabilities):
    cj_raw = compute_confident_joint(labels, probabilities, calibrate=False)
    cj = compute_confident_joint(labels, probabilities, calibrate=True)
    _, noise_rates, _ = estimate_latent(cj, labels)
    case = {
        "labels": labels.tolist(),
        "probabilities": probabilities.tolist(),
        "thresholds": get_confident_thresholds(labels, probabilities).tolist(),
        "confidentJoint": cj_raw.tolist(),
        "calibratedJoint": cj.tolist(),
        "noiseRates": noise_rates.tolist(),
        "estimatedIssueCount": int(num_label_issues(labels, probabilities)),
        "issues": {},
        "scores": {},
        "ranked": {},
    }
    for name, filter_by in FILTERS.items():
        mask = find_label_issues(labels, probabilities, filter_by=filter_by, n_jobs=1)
        case["issues"][name] = np.nonzero(mask)[0].tolist()
        case["ranked"][name] = {}
        for rank_name, method in RANKINGS.items():
            order = find_label_issues(labels, probabilities, filter_by=filter_by, n_jobs=1,
                                      return_indices_ranked_by=method)
            case["ranked"][name][rank_name] = order.tolist()
    for rank_name, method in RANKINGS.items():
        case["scores"][rank_name] = get_label_quality_scores(labels, probabilities, method=method).tolist()
    return case


rng = np.random.default_rng(2026)
main = make_case(rng, 3000, [10, 1, 10, 18, 12, 8, 12], 0.15, 6.0)
sparse_labels, sparse_probabilities = make_case(rng, 60, [5, 3, 5, 5, 5, 5, 0.0001], 0.1, 4.0)
sparse_labels[sparse_labels == 6] = 0
fixture = {
    "cleanlab": cleanlab.__version__,
    "numpy": np.__version__,
    "cases": {"main": expected(*main), "sparse": expected(sparse_labels, sparse_probabilities)},
}
path = os.path.join(ROOT, "Tests", "FEREvalTests", "Fixtures", "cleanlab-confident-learning.json")
with open(path, "w") as out:
    json.dump(fixture, out, separators=(",", ":"))
print("wrote", path, os.path.getsize(path), "bytes")
