"""The dataset folder as docs/format.md describes it: manifest.json and memory-mapped shard files."""
import json
import math
import os
import struct
import zlib

import numpy as np

HEADER_SIZE = 64
METADATA_SIZE = {1: 128, 2: 192, 3: 200}
CLASSES = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
SPLITS = {"train": 0, "val": 1, "test": 2}
USAGES = ["unspecified", "Training", "PublicTest", "PrivateTest"]
UNLABELED = 255
# How a record's face was cut from a larger picture (docs/format.md): its frame's method byte.
FACE_METHODS = {1: "detect", 2: "aligned", 3: "box", 4: "framed"}
# Which search found it (version 3): its detector byte.
FACE_DETECTORS = {0: None, 1: "haar", 2: "mtcnn"}


class CorruptRecord(ValueError):
    """A record (or shard) whose bytes do not match its CRC or its header."""

    def __init__(self, shard, record, message):
        super().__init__(f"{shard}: record {record}: {message}" if record is not None else f"{shard}: {message}")
        self.shard = shard
        self.record = record


class Manifest:
    """manifest.json of a dataset folder: its classes, shape, record count and shard list."""

    def __init__(self, directory):
        self.directory = os.fspath(directory)
        path = os.path.join(self.directory, "manifest.json")
        if not os.path.exists(path):
            raise FileNotFoundError(f"{self.directory}: no manifest.json: not a ferdata dataset")
        with open(path) as f:
            self.raw = json.load(f)
        if self.raw.get("format") != "ferdata-dataset":
            raise ValueError(f"{path}: not a ferdata manifest")
        version = self.raw.get("formatVersion")
        shape = self.raw.get("shape") or {"height": 48, "width": 48, "channels": 1}
        height, width, channels = shape["height"], shape["width"], shape["channels"]
        if version not in METADATA_SIZE or self.raw.get("recordSize") != height * width * channels + METADATA_SIZE[version]:
            raise ValueError(f"{path}: format version {version} is not one this reader knows (1, 2, 3)")
        self.classes = list(self.raw.get("classes", CLASSES))
        self.shape = (channels, height, width)
        self.record_count = int(self.raw["recordCount"])
        self.shards = [entry["file"] for entry in self.raw["shards"]]
        self.shard_records = [int(entry["records"]) for entry in self.raw["shards"]]


class Shard:
    """One shard file, memory-mapped; records are checked against their CRC when read."""

    def __init__(self, path, index=None):
        self.path = os.fspath(path)
        with open(self.path, "rb") as f:
            header = f.read(HEADER_SIZE)
        if len(header) < HEADER_SIZE or header[:8] != b"FERSHARD":
            raise CorruptRecord(self.path, None, "not a ferdata shard (bad magic or short header)")
        version, record_size, count, _ = struct.unpack_from("<IIQI", header, 8)
        (crc,) = struct.unpack_from("<I", header, 28)
        if zlib.crc32(header[:28] if version == 1 else header[:28] + header[32:64]) != crc:
            raise CorruptRecord(self.path, None, "header CRC mismatch")
        height, width, channels = (48, 48, 1) if version == 1 else struct.unpack_from("<HHB", header, 32)
        if version not in METADATA_SIZE or record_size != height * width * channels + METADATA_SIZE[version]:
            raise CorruptRecord(self.path, None, f"format version {version}, record size {record_size}: not one this reader knows")
        if os.path.getsize(self.path) != HEADER_SIZE + count * record_size:
            raise CorruptRecord(self.path, None, f"{os.path.getsize(self.path)} bytes for {count} records")
        self.count = count
        self.version = version
        self.shape = (channels, height, width)
        self.pixels = height * width * channels  # the metadata block starts here: label, split, ...
        self.crc_at = record_size - 4
        # A plain ndarray view of the map: indexing a np.memmap subclass costs more per record.
        self.records = np.asarray(np.memmap(self.path, dtype=np.uint8, mode="r", offset=HEADER_SIZE, shape=(count, record_size)))

    def raw(self, record):
        """The checked bytes of record `record` (0-based) as a uint8 array."""
        row = self.records[record]
        if zlib.crc32(row[:self.crc_at]) != int.from_bytes(row[self.crc_at:].tobytes(), "little"):
            raise CorruptRecord(self.path, record, "record CRC mismatch")
        return row

    def rows(self, records):
        """The checked bytes of the records at indexes `records` (0-based, any order) as one (n, record
        size) uint8 array: one gather, then each row's CRC against the CRCs stored in the rows."""
        rows = self.records[records]
        stored = rows[:, self.crc_at:].copy().view("<u4").ravel()
        for i, (row, crc) in enumerate(zip(rows, stored.tolist())):
            if zlib.crc32(row[:self.crc_at]) != crc:
                raise CorruptRecord(self.path, int(records[i]), "record CRC mismatch")
        return rows

    def labels_and_splits(self):
        """Every record's label byte and split byte, unchecked (for indexing; reads check each record)."""
        return np.asarray(self.records[:, self.pixels]), np.asarray(self.records[:, self.pixels + 1])

    def record_id(self, row):
        return struct.unpack("<Q", row[self.pixels + 16:self.pixels + 24].tobytes())[0]

    def record(self, index):
        """Record `index` (0-based), checked, as a dict: its pixels (height x width x channels bytes,
        row-major), label name, split, usage and every metadata field of docs/format.md."""
        return decode_record(self.raw(index).tobytes(), self.pixels, self.version)


def decode_record(raw, base, version):
    """The fields of one record's bytes whose metadata block starts at `base`."""
    label, split, usage, flags = raw[base], raw[base + 1], raw[base + 2], raw[base + 3]
    source_index, locator, record_id, parent_id = struct.unpack_from("<IQQQ", raw, base + 4)
    aug = struct.unpack_from("<BBBBB3x7fI", raw, base + 32)
    record = {
        "pixels": raw[:base],
        "label": None if label == UNLABELED else CLASSES[label],
        "split": list(SPLITS)[split],
        "usage": USAGES[usage],
        "flags": flags,
        "source_index": source_index,
        "locator": locator,
        "record_id": record_id,
        "parent_id": parent_id,
        "augmentation": {
            "flipped": bool(aug[0]), "erase": aug[1:5], "rotation": aug[5], "translate": aug[6:8],
            "scale": aug[8], "brightness": aug[9], "contrast": aug[10], "noise_sigma": aug[11], "noise_seed": aug[12],
        },
        "source_name": raw[base + 72:base + 124].split(b"\0", 1)[0].decode("utf-8", "replace"),
        "subject": None, "valence": None, "arousal": None, "face": None,
    }
    if version >= 2:
        subject = raw[base + 124:base + 156].split(b"\0", 1)[0].decode("utf-8", "replace")
        valence, arousal = struct.unpack_from("<ff", raw, base + 156)
        record["subject"] = subject or None
        record["valence"] = None if math.isnan(valence) else valence
        record["arousal"] = None if math.isnan(arousal) else arousal
        centre_x, centre_y, angle, x, y, width, height, side, method, rank = struct.unpack_from("<3f5HBB", raw, base + 164)
        if method:
            record["face"] = {
                "method": FACE_METHODS[method], "box": (x, y, width, height), "centre": (centre_x, centre_y),
                "side": side, "angle_degrees": math.degrees(angle), "rank": rank, "detector": None, "score": None,
            }
            if version >= 3:
                detector, = struct.unpack_from("<B", raw, base + 188)
                score, = struct.unpack_from("<f", raw, base + 192)
                if detector not in FACE_DETECTORS:
                    raise ValueError(f"face detector {detector} is not one this reader knows")
                record["face"]["detector"] = FACE_DETECTORS[detector]
                record["face"]["score"] = None if math.isnan(score) else score
    return record


def read_records(directory):
    """Every record of a dataset folder as a dict (`Shard.record`), shard by shard, each checked."""
    manifest = Manifest(directory)
    for name in manifest.shards:
        shard = Shard(os.path.join(manifest.directory, name))
        for index in range(shard.count):
            yield shard.record(index)
