#!/usr/bin/env python3
"""Reads a ferdata dataset with the ferdata package (`ferdata.read_records`) and the exports of
`ferdata export` with each format's standard reader, and checks counts and pixels against it.

    python3 python/check_exports.py DATASET_FOLDER EXPORTS_FOLDER

EXPORTS_FOLDER holds `webdataset/`, `npz/`, `csv/` and `folder/`, as `ferdata export --format F --out
EXPORTS_FOLDER/F` writes them. The reader needs NumPy; the WebDataset and Pillow checks run where those packages are installed and
are reported as skipped elsewhere.
Exit status 0 when every check that ran passed.
"""
import csv
import glob
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ferdata.shards import CLASSES, read_records  # noqa: E402


def main():
    dataset, exports = sys.argv[1], sys.argv[2]
    records = list(read_records(dataset))
    by_id = {record["record_id"]: record for record in records}
    failures = []

    def check(name, condition, detail):
        if not condition:
            failures.append(f"{name}: {detail}")

    check("reader", len(records) == len(by_id) and len(records) > 0, f"{len(records)} records, {len(by_id)} ids")
    print(f"reader: ok, {len(records)} records")

    rows = list(csv.DictReader(open(os.path.join(exports, "csv", "fer2013.csv"))))
    labelled = [r for r in records if r["label"] is not None]
    check("csv", len(rows) == len(labelled), f"{len(rows)} rows for {len(labelled)} labelled records")
    for row, record in zip(rows, labelled):
        if bytes(int(v) for v in row["pixels"].split()) != record["pixels"] or CLASSES[int(row["emotion"])] != record["label"]:
            check("csv", False, f"row for record {record['record_id']} differs")
            break
    print(f"csv: {len(rows)} rows checked")

    try:
        import numpy as np
    except ImportError:
        print("npz: skipped (no numpy)")
    else:
        for path in sorted(glob.glob(os.path.join(exports, "npz", "*.npz"))):
            split = os.path.basename(path)[:-4]
            expected = [r for r in records if r["split"] == split]
            with np.load(path) as arrays:
                x, y = arrays["x"], arrays["y"]
            check("npz", x.shape == (len(expected), 48, 48) and x.dtype == np.uint8, f"{split}: x {x.shape} {x.dtype}")
            check("npz", y.dtype == np.int64 and len(y) == len(expected), f"{split}: y {y.shape} {y.dtype}")
            check("npz", all(x[i].tobytes() == r["pixels"] for i, r in enumerate(expected)), f"{split}: pixels differ")
            check("npz", all(int(y[i]) == (CLASSES.index(r["label"]) if r["label"] else -1) for i, r in enumerate(expected)),
                  f"{split}: labels differ")
            print(f"npz: {split} {x.shape} checked")

    try:
        from PIL import Image
    except ImportError:
        print("folder: skipped (no Pillow)")
        Image = None
    if Image is not None:
        files = sorted(glob.glob(os.path.join(exports, "folder", "*", "*", "*.png")))
        check("folder", len(files) == len(records), f"{len(files)} files for {len(records)} records")
        for path in files:
            split, label, name = path.split(os.sep)[-3:]
            record = by_id.get(int(name[:-4], 16))
            if record is None or Image.open(path).tobytes() != record["pixels"] or (record["label"] or "unlabeled") != label \
                    or record["split"] != split:
                check("folder", False, f"{path} does not match its record")
                break
        print(f"folder: {len(files)} PNGs checked")

    try:
        import webdataset as wds
    except ImportError:
        print("webdataset: skipped (no webdataset)")
    else:
        shards = sorted(glob.glob(os.path.join(exports, "webdataset", "*.tar")))
        seen = 0
        for sample in wds.WebDataset(shards, shardshuffle=False).decode("pil"):
            record = by_id.get(int(sample["__key__"], 16))
            seen += 1
            if record is None or sample["png"].convert("L").tobytes() != record["pixels"] \
                    or sample["json"]["split"] != record["split"] \
                    or (record["label"] is not None and CLASSES[int(sample["cls"])] != record["label"]):
                check("webdataset", False, f"sample {sample['__key__']} does not match its record")
                break
        check("webdataset", seen == len(records), f"{seen} samples for {len(records)} records")
        print(f"webdataset: {seen} samples in {len(shards)} shards checked")

    for failure in failures:
        print("FAILED", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
