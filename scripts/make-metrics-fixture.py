#!/usr/bin/env python3
"""Writes Tests/FERNetTests/Fixtures/sklearn-metrics.json: labels and predictions over seven classes
(one class never predicted, one never in the labels, so zero divisions and the macro mean's class
set are exercised) and scikit-learn's figures for them, with the default macro mean and with
labels= restricted to the classes present in the labels. The Swift tests compare against it.

    /tmp/peer/bin/python scripts/make-metrics-fixture.py
"""
import json, os, random

import sklearn
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
random.seed(2026)
classes = 7
labels, predictions = [], []
for _ in range(300):
    truth = random.choice([0, 0, 1, 2, 3, 3, 3, 4, 6, 6])  # class 5 never occurs
    guess = truth if truth != 1 and random.random() < 0.55 else random.choice([0, 2, 3, 4, 5, 6])  # class 1 never predicted
    labels.append(truth)
    predictions.append(guess)
everything = list(range(classes))
precision, recall, f1, support = precision_recall_fscore_support(labels, predictions, labels=everything, zero_division=0)
present = sorted(set(labels))
fixture = {
    "sklearn": sklearn.__version__,
    "classes": classes,
    "labels": labels,
    "predictions": predictions,
    "accuracy": accuracy_score(labels, predictions),
    "precision": precision.tolist(),
    "recall": recall.tolist(),
    "f1": f1.tolist(),
    "support": support.tolist(),
    "confusion": confusion_matrix(labels, predictions, labels=everything).tolist(),
    "macroF1": f1_score(labels, predictions, average="macro", zero_division=0),
    "weightedF1": f1_score(labels, predictions, average="weighted", zero_division=0),
    "presentClasses": present,
    "macroF1OverPresent": f1_score(labels, predictions, labels=present, average="macro", zero_division=0),
}
path = os.path.join(ROOT, "Tests", "FERNetTests", "Fixtures", "sklearn-metrics.json")
with open(path, "w") as out:
    json.dump(fixture, out, indent=1)
print("wrote", path)
