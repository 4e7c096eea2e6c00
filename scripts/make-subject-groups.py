#!/usr/bin/env python3
"""FER-2013 faces as a lab-style dataset of made-up people, for the mechanics of `ferdata crossval`.

FER-2013 names no person. This writes the faces of one of its usages (default PrivateTest, faces a
model trained on FER-2013's Training rows never saw) as PNGs with a manifest.csv (`path,label,subject`)
whose subjects are made-up groups: the faces dealt at random (seeded) to `--people` groups. Subject folds
then hold out whole groups, as they would hold out people, so fine-tuning from a FER-2013 model against
training from scratch can be measured on data the project can make (docs/evaluation.md):

    python3 scripts/make-subject-groups.py ../shared/data/fer2013.csv.gz /tmp/groups --faces 2000 --people 20
    ferdata ingest /tmp/groups/manifest.csv --workspace /tmp/groups-work
    ferdata crossval --by subject --folds 10 --init MODEL --epochs 5 --workspace /tmp/groups-work

Needs Pillow and NumPy. OUT must not exist.
"""
import argparse
import csv
import gzip
import os
import random
import sys

import numpy as np
from PIL import Image

CLASSES = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", help="fer2013.csv or fer2013.csv.gz")
    parser.add_argument("out", help="the folder to write (must not exist)")
    parser.add_argument("--usage", default="PrivateTest", choices=["Training", "PublicTest", "PrivateTest"])
    parser.add_argument("--faces", type=int, default=2000, help="how many faces, the first of the usage in file order")
    parser.add_argument("--people", type=int, default=20, help="made-up people the faces are dealt to")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if os.path.exists(args.out):
        sys.exit(f"{args.out} exists")
    if args.faces < args.people or args.people < 2:
        sys.exit("--people must be at least 2 and at most --faces")

    opener = gzip.open if args.csv.endswith(".gz") else open
    rows = []
    with opener(args.csv, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Usage"] == args.usage:
                rows.append(row)
                if len(rows) == args.faces:
                    break
    if len(rows) < args.faces:
        sys.exit(f"only {len(rows)} {args.usage} faces in {args.csv}")

    people = [index % args.people for index in range(len(rows))]
    random.Random(args.seed).shuffle(people)
    os.makedirs(os.path.join(args.out, "faces"))
    with open(os.path.join(args.out, "manifest.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "label", "subject"])
        for index, (row, person) in enumerate(zip(rows, people)):
            pixels = np.array(row["pixels"].split(), dtype=np.uint8).reshape(48, 48)
            path = f"faces/{index:05d}.png"
            Image.fromarray(pixels).save(os.path.join(args.out, path))
            writer.writerow([path, CLASSES[int(row["emotion"])], f"P{person:02d}"])
    print(f"{len(rows)} {args.usage} faces of {args.people} made-up people in {args.out}")


if __name__ == "__main__":
    main()
