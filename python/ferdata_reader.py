"""Read ferdata datasets from Python with the standard library only.

A dataset folder holds manifest.json and shard files; docs/format.md describes the bytes.

    from ferdata_reader import read_dataset
    for record in read_dataset("ferdata-work/datasets/0001-ingest"):
        record["pixels"]  # 2304 bytes, 48x48 row-major
"""
import json
import os
import struct
import zlib

RECORD_SIZE = 2432
HEADER_SIZE = 64
CLASSES = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
SPLITS = ["train", "val", "test"]
USAGES = ["unspecified", "Training", "PublicTest", "PrivateTest"]


def parse_record(raw):
    """Decode one 2432-byte record into a dict; raises ValueError on a CRC mismatch."""
    (crc,) = struct.unpack_from("<I", raw, 2428)
    if zlib.crc32(raw[:2428]) != crc:
        raise ValueError("record CRC mismatch")
    label, split, usage, flags = raw[2304], raw[2305], raw[2306], raw[2307]
    source_index, locator, record_id, parent_id = struct.unpack_from("<IQQQ", raw, 2308)
    aug = struct.unpack_from("<BBBBB3x7fI", raw, 2336)
    return {
        "pixels": bytes(raw[:2304]),
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
        "source_name": raw[2376:2428].split(b"\0", 1)[0].decode("utf-8", "replace"),
    }


def read_shard(path):
    """Yield the records of one shard, checking its header and every record's CRC."""
    with open(path, "rb") as handle:
        data = handle.read()
    if data[:8] != b"FERSHARD":
        raise ValueError(f"{path}: bad magic, expected FERSHARD")
    version, record_size, count, _index, header_crc = struct.unpack_from("<IIQII", data, 8)
    if zlib.crc32(data[:28]) != header_crc:
        raise ValueError(f"{path}: header CRC mismatch")
    if version != 1 or record_size != RECORD_SIZE:
        raise ValueError(f"{path}: format version {version} with {record_size}-byte records; expected 1 and {RECORD_SIZE}")
    if len(data) != HEADER_SIZE + count * RECORD_SIZE:
        raise ValueError(f"{path}: header says {count} records but the file is {len(data)} bytes")
    for index in range(count):
        start = HEADER_SIZE + index * RECORD_SIZE
        try:
            yield parse_record(data[start:start + RECORD_SIZE])
        except ValueError as error:
            raise ValueError(f"{path}: record {index}: {error}") from None


def read_dataset(folder):
    """Yield every record of a dataset folder, shard by shard."""
    with open(os.path.join(folder, "manifest.json")) as handle:
        manifest = json.load(handle)
    for shard in manifest["shards"]:
        yield from read_shard(os.path.join(folder, shard["file"]))
