"""ferdata model files (safetensors with the PyTorch state_dict names) as PyTorch modules."""
import json
import struct

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}


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


def load_model(path):
    """The CNN-RNN of a ferdata model file as a `torch.nn.Module` in eval mode: conv 32 and 64 with
    ReLU and 2x2 max-pooling, the twelve rows of the 12x12x64 feature map as an LSTM's time steps,
    dropout and a linear layer. Input: (batch, 1, 48, 48) float pixels / 255. `model.classes` names
    the outputs."""
    import torch
    from torch import nn
    import torch.nn.functional as F

    tensors, metadata = read_safetensors(path)
    layers = int(metadata.get("layers", 2))
    hidden = int(metadata.get("hidden", tensors["lstm.weight_hh_l0"].shape[1]))
    classes = metadata.get("classes", "angry,disgust,fear,happy,sad,surprise,neutral").split(",")
    dropout = float(metadata.get("dropout", 0.5))

    class CNNRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
            self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
            self.lstm = nn.LSTM(64 * 12, hidden, num_layers=layers, batch_first=True, dropout=dropout if layers > 1 else 0)
            self.drop = nn.Dropout(dropout)
            self.fc = nn.Linear(hidden, len(classes))

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.permute(0, 2, 1, 3).reshape(x.size(0), 12, 64 * 12)
            out, _ = self.lstm(x)
            return self.fc(self.drop(out[:, -1]))

    model = CNNRNN()
    model.load_state_dict({name: torch.from_numpy(value) for name, value in tensors.items()}, strict=True)
    model.classes = classes
    return model.eval()
