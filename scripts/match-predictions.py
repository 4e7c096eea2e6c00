#!/usr/bin/env python3
"""Accuracy of several reports on the faces they all scored, matched by file name.

The same faces scored in different forms (FER-2013's original crops, the same faces pasted into scenes
and found by a detector, the pasted pictures alone: scripts/make-face-scenes.py --classes) are different
datasets to ferdata; their reports' predictions.csv name each face's file. This keeps the faces every
report scored (a detector may miss some) and gives each report's accuracy on them, so that the
differences are of framing, not of which faces were found (docs/faces.md):

    scripts/match-predictions.py crops=REPORT_A/predictions.csv scenes=REPORT_B/predictions.csv [...]
"""
import csv
import os
import sys


def read(path):
    """file name -> whether the prediction was right, from a ferdata predictions.csv."""
    right = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            name = os.path.basename(row["source"].replace("\\", "/"))
            if name in right:
                sys.exit(f"{path}: {name} scored twice")
            right[name] = row["true"] == row["predicted"]
    if not right:
        sys.exit(f"{path}: no predictions")
    return right


def main():
    if len(sys.argv) < 3 or any("=" not in argument for argument in sys.argv[1:]):
        sys.exit(__doc__)
    reports = [argument.split("=", 1) for argument in sys.argv[1:]]
    scored = {label: read(path) for label, path in reports}
    common = set.intersection(*(set(right) for right in scored.values()))
    if not common:
        sys.exit("no face is in every report")
    print(f"{len(common)} faces scored in every report")
    for label, right in scored.items():
        hits = sum(right[name] for name in common)
        alone = sum(right.values()) / len(right)
        print(f"{label:>12}: {hits / len(common):.4f} on the common faces ({len(right)} scored, {alone:.4f} on all of them)")


if __name__ == "__main__":
    main()
