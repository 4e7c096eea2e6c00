"""Map-style and streaming access to a dataset's records, for NumPy and PyTorch."""
import os

import numpy as np

from .shards import SPLITS, UNLABELED, Manifest, Shard

try:  # torch is optional: without it images are NumPy arrays and workers/ranks are given by hand
    import torch
    from torch.utils.data import Dataset as _MapBase, IterableDataset as _StreamBase
except ImportError:  # pragma: no cover - exercised where torch is absent
    torch = None
    _MapBase = _StreamBase = object


DTYPES = ("float32", "uint8")


def _images(rows, dtype, shape):
    """The images of records' rows (n, record size), shape (n, channels, height, width): float32 pixels
    / 255 (the model's input), or uint8 pixels as stored; a tensor when torch is there. Records store
    height x width x channels, so colour images are transposed to channels first."""
    channels, height, width = shape
    pixels = rows[:, :channels * height * width].reshape(-1, height, width, channels).transpose(0, 3, 1, 2)
    if dtype == "float32":
        pixels = pixels.astype(np.float32)
        pixels /= np.float32(255)
    else:
        pixels = np.ascontiguousarray(pixels)
    return torch.from_numpy(pixels) if torch is not None else pixels


def _label(byte):
    return -1 if byte == UNLABELED else int(byte)


class _Records:
    """The dataset's shards and the (shard, record) places of the records a reader wants."""

    def __init__(self, path, split, labelled, dtype):
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
        self.dtype = dtype
        self.manifest = Manifest(path)
        if split is not None and split not in SPLITS:
            raise ValueError(f"split must be one of {', '.join(SPLITS)} or None, got {split!r}")
        self.shards = [Shard(os.path.join(self.manifest.directory, name)) for name in self.manifest.shards]
        for shard in self.shards:
            if shard.shape != self.manifest.shape:
                raise ValueError(f"{shard.path}: images of {shard.shape}, the manifest says {self.manifest.shape}")
        self.label_at = self.shards[0].pixels if self.shards else 0
        self.places = []  # per shard: the record indexes wanted, in file order
        for shard in self.shards:
            labels, splits = shard.labels_and_splits()
            keep = np.ones(shard.count, dtype=bool)
            if split is not None:
                keep &= splits == SPLITS[split]
            if labelled:
                keep &= labels != UNLABELED
            self.places.append(np.nonzero(keep)[0])

    def item(self, shard, record, transform):
        row = self.shards[shard].raw(record)
        image = _images(row[None], self.dtype, self.manifest.shape)[0]
        if transform is not None:
            image = transform(image)
        return image, _label(row[self.label_at])

    def batch(self, places, transform):
        """Records at `places` ((shard, record) pairs) as one batch: images (n, channels, height, width)
        and labels (n,).
        The records of each shard are gathered at once (an epoch's order visits shard after shard)."""
        starts = np.flatnonzero(np.r_[True, places[1:, 0] != places[:-1, 0]])
        ends = np.r_[starts[1:], len(places)]
        rows = np.concatenate([self.shards[places[a, 0]].rows(places[a:b, 1]) for a, b in zip(starts, ends)])
        images = _images(rows, self.dtype, self.manifest.shape)
        if transform is not None:
            images = transform(images)
        labels = rows[:, self.label_at].astype(np.int64)
        labels[labels == UNLABELED] = -1
        return images, (torch.from_numpy(labels) if torch is not None else labels)


class Dataset(_MapBase):
    """Map-style: `data[i]` is record i of the chosen split as `(image, label)`, read from the
    memory-mapped shards and checked against its CRC. `classes` and `shape` come from the manifest.
    Unlabeled records are left out unless `labelled=False` (their label is then -1). `dtype="uint8"`
    gives the pixels as stored (0-255), as `IterableDataset` does."""

    def __init__(self, path, split=None, transform=None, labelled=True, dtype="float32"):
        self._records = _Records(path, split, labelled, dtype)
        self.classes = self._records.manifest.classes
        self.shape = self._records.manifest.shape
        self.transform = transform
        self._index = np.array([(s, r) for s, places in enumerate(self._records.places) for r in places], dtype=np.int64).reshape(-1, 2)

    def __len__(self):
        return len(self._index)

    def __getitem__(self, i):
        if not -len(self) <= i < len(self):
            raise IndexError(f"record {i} of {len(self)}")
        shard, record = self._index[i]
        return self._records.item(int(shard), int(record), self.transform)


class IterableDataset(_StreamBase):
    """Streaming, shard-shuffled: each epoch visits the shards in a seeded order and each shard's
    records in a seeded order, and splits that sequence into contiguous, nearly equal slices, one per
    reader: the `DataLoader` workers of each rank of a `torch.distributed` job (rank and world size
    from torch.distributed, else RANK / WORLD_SIZE, else `rank`, `world_size`). Every record is read
    by exactly one reader, once per epoch. Call `set_epoch(n)` before each epoch for a new order.

    With `batch_size`, each reader yields whole batches of its slice, `(images (n, 1, 48, 48), labels (n,))`
    (its last batch may be shorter), assembled with one array operation instead of a collate of n
    items: give the `DataLoader` `batch_size=None`. A `transform` then receives the batch.

    `dtype="uint8"` yields the pixels as stored (0-255) instead of float32 / 255: a quarter of the bytes
    to pass from the `DataLoader` workers (where float32 batches cap the rate: their transfer alone
    runs at about 90,000 faces/s on 2 cores) and to the GPU; divide by 255 where they are used."""

    def __init__(self, path, split=None, transform=None, labelled=True, shuffle=True, seed=0, rank=None, world_size=None,
                 batch_size=None, dtype="float32"):
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.batch_size = batch_size
        self._records = _Records(path, split, labelled, dtype)
        self.classes = self._records.manifest.classes
        self.shape = self._records.manifest.shape
        self.transform = transform
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0
        self.rank, self.world_size = rank, world_size

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return sum(len(places) for places in self._records.places)

    def order(self):
        """The epoch's sequence of (shard, record) for all readers together, as an (n, 2) array."""
        rng = np.random.default_rng([self.seed, self.epoch])
        shards = rng.permutation(len(self._records.shards)) if self.shuffle else range(len(self._records.shards))
        pieces = []
        for shard in shards:
            places = self._records.places[shard]
            places = rng.permutation(places) if self.shuffle else places
            pieces.append(np.stack([np.full(len(places), shard, dtype=np.int64), places.astype(np.int64)], axis=1))
        return np.concatenate(pieces) if pieces else np.empty((0, 2), dtype=np.int64)

    def reader(self):
        """(this reader's slot, readers in all): rank x workers + worker, world size x workers."""
        rank, world = self.rank, self.world_size
        if rank is None or world is None:
            if torch is not None and torch.distributed.is_available() and torch.distributed.is_initialized():
                rank, world = torch.distributed.get_rank(), torch.distributed.get_world_size()
            else:
                rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
        worker, workers = 0, 1
        info = torch.utils.data.get_worker_info() if torch is not None else None
        if info is not None:
            worker, workers = info.id, info.num_workers
        return rank * workers + worker, world * workers

    def __iter__(self):
        sequence = self.order()
        slot, readers = self.reader()
        start, end = len(sequence) * slot // readers, len(sequence) * (slot + 1) // readers
        mine = sequence[start:end]
        if self.batch_size is None:
            for shard, record in mine.tolist():
                yield self._records.item(shard, record, self.transform)
        else:
            for first in range(0, len(mine), self.batch_size):
                yield self._records.batch(mine[first:first + self.batch_size], self.transform)
