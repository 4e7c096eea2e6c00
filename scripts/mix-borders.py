#!/usr/bin/env python3
"""Copies a class-folder layout of 48x48 face crops with each crop's border band taken from another crop.

How much a model reads what surrounds the face: score the crops and their mixed copies with the same
model (`ferdata crosseval MODEL CROPS` and `... OUT`); the difference is the accuracy the band's content
moves. The band is WIDTH pixels on every side (default 6: what lies beyond the face's own picture when
the landmarks' crop is 4/3 of its side, a face framed that much tighter than FER-2013's median,
docs/faces.md); the other crop is drawn from the whole folder, seeded:

    scripts/mix-borders.py /tmp/xscenes4k/crops /tmp/mixed [--width 6] [--seed 5]
"""
import argparse
import os
import random
import sys

from PIL import Image


def crops(folder):
    """(class, file name, path) of every picture in a class-folder layout, sorted."""
    found = []
    for label in sorted(os.listdir(folder)):
        directory = os.path.join(folder, label)
        if not os.path.isdir(directory):
            continue
        for name in sorted(os.listdir(directory)):
            if name.lower().endswith((".png", ".jpg", ".jpeg")):
                found.append((label, name, os.path.join(directory, name)))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("crops")
    parser.add_argument("out")
    parser.add_argument("--width", type=int, default=6)
    parser.add_argument("--seed", type=int, default=5)
    arguments = parser.parse_args()
    width = arguments.width
    if not 1 <= width < 24:
        sys.exit(f"--width {width}: give 1-23 pixels")
    found = crops(arguments.crops)
    if len(found) < 2:
        sys.exit(f"{arguments.crops}: fewer than two crops in class folders")
    if os.path.exists(arguments.out):
        sys.exit(f"{arguments.out} exists: give a new folder")
    pictures = [Image.open(path).convert("L") for _, _, path in found]
    for (_, name, path), picture in zip(found, pictures):
        if picture.size != (48, 48):
            sys.exit(f"{path}: {picture.size[0]}x{picture.size[1]}, not a 48x48 crop")
    generator = random.Random(arguments.seed)
    inside = (width, width, 48 - width, 48 - width)
    for index, ((label, name, _), picture) in enumerate(zip(found, pictures)):
        other = generator.randrange(len(found) - 1)
        mixed = pictures[other if other < index else other + 1].copy()
        mixed.paste(picture.crop(inside), inside[:2])
        os.makedirs(os.path.join(arguments.out, label), exist_ok=True)
        mixed.save(os.path.join(arguments.out, label, name))
    print(f"{len(found)} crops, a {width}-pixel band from another crop (seed {arguments.seed}): {arguments.out}")


if __name__ == "__main__":
    main()
