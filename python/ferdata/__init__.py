"""ferdata datasets and models in Python.

    import ferdata
    data = ferdata.Dataset("ferdata-work/datasets/0003-split", split="train")
    image, label = data[0]                      # uint8 (1, 48, 48) array (a tensor with torch), int
    stream = ferdata.IterableDataset("ferdata-work/datasets/0003-split", split="train", seed=0)
    model = ferdata.load_model("ferdata-work/runs/0001-train/best.safetensors")   # needs torch

numpy is the only hard dependency; torch is imported only where a tensor or a module is asked for.
Every record's CRC is checked as it is read: a damaged record raises `CorruptRecord` naming the shard
and the record.
"""
from .shards import CLASSES, CorruptRecord, Manifest, Shard, read_records
from .dataset import Dataset, IterableDataset
from .model import cnnrnn, load_model, read_safetensors, save_model

__all__ = ["CLASSES", "CorruptRecord", "Manifest", "Shard", "read_records", "Dataset", "IterableDataset", "cnnrnn", "load_model", "read_safetensors", "save_model"]
