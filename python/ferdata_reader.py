"""Read ferdata datasets from Python with the standard library only.

A dataset folder holds manifest.json and shard files; docs/format.md describes the bytes.

    from ferdata_reader import read_dataset
    for record in read_dataset("ferdata-work/datasets/0001-ingest"):
        record["pixels"]  # height x width x channels bytes (48x48 gray: 2304), row-major
"""
import json
import math
import os
import struct
import zlib

HEADER_SIZE = 64
CLASSES = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
SPLITS = ["train", "val", "test"]
USAGES = ["unspecified", "Training", "PublicTest", "PrivateTest"]
METADATA_SIZE = {1: 128, 2: 192}

# How a record's face was cut from a larger picture (docs/format.md): its frame's method byte.
FACE_METHODS = {1: "detect", 2: "aligned", 3: "box"}


def parse_record(raw, shape=(48, 48, 1), version=2):
    """Decode one record (its pixels of `shape`, height x width x channels, then the metadata block of
    format `version`) into a dict; raises ValueError on a CRC mismatch."""
    base = shape[0] * shape[1] * shape[2]
    end = len(raw) - 4
    (crc,) = struct.unpack_from("<I", raw, end)
    if zlib.crc32(raw[:end]) != crc:
        raise ValueError("record CRC mismatch")
    label, split, usage, flags = raw[base], raw[base + 1], raw[base + 2], raw[base + 3]
    source_index, locator, record_id, parent_id = struct.unpack_from("<IQQQ", raw, base + 4)
    aug = struct.unpack_from("<BBBBB3x7fI", raw, base + 32)
    record = {
        "pixels": bytes(raw[:base]),
        "shape": tuple(shape),
        "label": None if label == 255 else CLASSES[label],
        "split": SPLITS[split],
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
                "side": side, "angle_degrees": math.degrees(angle), "rank": rank,
            }
    return record


def shard_header(data, path):
    """(version, record size, shape, count) of a shard's bytes, after checking magic, CRC and size."""
    if data[:8] != b"FERSHARD":
        raise ValueError(f"{path}: bad magic, expected FERSHARD")
    version, record_size, count, _index, header_crc = struct.unpack_from("<IIQII", data, 8)
    covered = data[:28] if version == 1 else data[:28] + data[32:64]
    if zlib.crc32(covered) != header_crc:
        raise ValueError(f"{path}: header CRC mismatch")
    shape = (48, 48, 1) if version == 1 else struct.unpack_from("<HHB", data, 32)
    if version not in METADATA_SIZE or record_size != shape[0] * shape[1] * shape[2] + METADATA_SIZE[version]:
        raise ValueError(f"{path}: format version {version} with {record_size}-byte records is not one this reader knows (1, 2)")
    if len(data) != HEADER_SIZE + count * record_size:
        raise ValueError(f"{path}: header says {count} records but the file is {len(data)} bytes")
    return version, record_size, tuple(shape), count


def read_shard(path):
    """Yield the records of one shard, checking its header and every record's CRC."""
    with open(path, "rb") as handle:
        data = handle.read()
    version, record_size, shape, count = shard_header(data, path)
    for index in range(count):
        start = HEADER_SIZE + index * record_size
        try:
            yield parse_record(data[start:start + record_size], shape, version)
        except ValueError as error:
            raise ValueError(f"{path}: record {index}: {error}") from None


def read_dataset(folder):
    """Yield every record of a dataset folder, shard by shard."""
    with open(os.path.join(folder, "manifest.json")) as handle:
        manifest = json.load(handle)
    for shard in manifest["shards"]:
        yield from read_shard(os.path.join(folder, shard["file"]))
