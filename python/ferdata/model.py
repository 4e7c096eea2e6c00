"""ferdata model files (safetensors with the PyTorch state_dict names) as PyTorch modules."""
import json
import os
import struct

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}
from .shards import CLASSES as DEFAULT_CLASSES


def read_safetensors(path):
    """(tensors as NumPy arrays by name, the file's __metadata__)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (length,) = struct.unpack_from("<Q", data, 0)
    if 8 + length > len(data):
        raise ValueError(f"{path}: header of {length} bytes past the end of the file")
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] not in DTYPES:
            raise ValueError(f"{path}: tensor {name} has dtype {entry['dtype']}, not one ferdata writes")
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data, dtype=DTYPES[entry["dtype"]], count=(end - begin) // np.dtype(DTYPES[entry["dtype"]]).itemsize,
                                      offset=8 + length + begin).reshape(entry["shape"]).copy()
    return tensors, metadata


def cnnrnn(classes=None, hidden=128, layers=2, dropout=0.5, filters=(32, 64), batch_norm=False):
    """A fresh CNN-RNN (PyTorch's default initialisation) of ferdata's shape: one convolution block per
    entry of `filters` (3x3 convolution of that many channels, ReLU, 2x2 max-pooling, and with
    `batch_norm` a BatchNorm2d after the pooling; (32, 64) is the seed network, `ferdata train --width`),
    the rows of the last map as an LSTM's time steps (12 after two blocks, 6 after three), dropout and a
    linear layer. Input: (batch, 1, 48, 48) float pixels / 255."""
    import torch.nn.functional as F
    from torch import nn

    classes = list(classes or DEFAULT_CLASSES)
    filters = [int(f) for f in filters]
    if not 1 <= len(filters) <= 4:
        raise ValueError(f"one to four convolution blocks, got {len(filters)}")
    steps = 48 >> len(filters)

    class CNNRNN(nn.Module):
        def __init__(self):
            super().__init__()
            for block, (inputs, outputs) in enumerate(zip([1] + filters, filters), 1):
                setattr(self, f"conv{block}", nn.Conv2d(inputs, outputs, 3, padding=1))
                if batch_norm:
                    setattr(self, f"bn{block}", nn.BatchNorm2d(outputs))
            self.lstm = nn.LSTM(filters[-1] * steps, hidden, num_layers=layers, batch_first=True, dropout=dropout if layers > 1 else 0)
            self.drop = nn.Dropout(dropout)
            self.fc = nn.Linear(hidden, len(classes))
            self.classes = classes
            self.architecture = {"filters": filters, "batch_norm": batch_norm, "hidden": hidden, "layers": layers, "dropout": dropout}

        def forward(self, x):
            for block in range(1, len(filters) + 1):
                x = F.max_pool2d(F.relu(getattr(self, f"conv{block}")(x)), 2)
                if batch_norm:
                    x = getattr(self, f"bn{block}")(x)
            x = x.permute(0, 2, 1, 3).reshape(x.size(0), steps, filters[-1] * steps)
            out, _ = self.lstm(x)
            return self.fc(self.drop(out[:, -1]))

    return CNNRNN()


def _filters(tensors, metadata):
    """The blocks' channels: the metadata's "filters" ("32,64,128"), else the older "filters1" and
    "filters2", else the conv tensors present."""
    if "filters" in metadata:
        return [int(f) for f in metadata["filters"].split(",")]
    filters = []
    for block in range(1, 5):
        if f"conv{block}.weight" not in tensors:
            break
        filters.append(int(metadata.get(f"filters{block}", tensors[f"conv{block}.weight"].shape[0])))
    return filters


def load_model(path):
    """A ferdata model file as a `torch.nn.Module` in eval mode (see `cnnrnn`); `model.classes`
    names its outputs. Every tensor must match the module's names and shapes."""
    import torch

    tensors, metadata = read_safetensors(path)
    model = cnnrnn(
        classes=metadata.get("classes", ",".join(DEFAULT_CLASSES)).split(","),
        hidden=int(metadata.get("hidden", tensors["lstm.weight_hh_l0"].shape[1])),
        layers=int(metadata.get("layers", sum(1 for name in tensors if name.startswith("lstm.weight_ih_l")))),
        dropout=float(metadata.get("dropout", 0.5)),
        filters=_filters(tensors, metadata),
        batch_norm=metadata.get("batch-norm", str("bn1.weight" in tensors).lower()) == "true")
    state = {name: torch.from_numpy(value) for name, value in tensors.items()}
    for name in model.state_dict():
        if name.endswith(".num_batches_tracked"):  # PyTorch's step count, which ferdata does not keep
            state.setdefault(name, torch.tensor(0))
    model.load_state_dict(state, strict=True)
    return model.eval()


def save_model(model, path, classes=None):
    """Writes a module of `load_model`'s shape (its state_dict names) as a ferdata model file, with the
    metadata ferdata reads: `ferdata eval` and `crosseval` score it like one of their own."""
    state = {name: value.detach().cpu().float().contiguous().numpy() for name, value in model.state_dict().items()
             if not name.endswith(".num_batches_tracked")}
    architecture = getattr(model, "architecture", {})
    metadata = {
        "format": "ferdata-cnnrnn", "filters": ",".join(str(state[f"conv{block}.weight"].shape[0]) for block in range(1, 5)
                                                        if f"conv{block}.weight" in state),
        "batch-norm": str("bn1.weight" in state).lower(),
        "hidden": str(state["lstm.weight_hh_l0"].shape[1]),
        "layers": str(sum(1 for name in state if name.startswith("lstm.weight_ih_l"))),
        "dropout": str(architecture.get("dropout", 0.5)),
        "classes": ",".join(classes or getattr(model, "classes", None) or DEFAULT_CLASSES),
        "input": "1x48x48", "normalisation": "pixel/255",
    }
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name in sorted(state):
        blob = state[name].astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(state[name].shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    temporary = f"{path}.partial"
    with open(temporary, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)
