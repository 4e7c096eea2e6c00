#!/usr/bin/env python3
"""Checks that a ferdata model file loads into the PyTorch reference module and predicts the same
logits as ferdata's own forward pass recorded in the io file (ferdata-bench model-io writes both).
    /tmp/peer/bin/python scripts/check-torch-interop.py MODEL.safetensors IO.safetensors"""
import os, sys
import torch
from safetensors.torch import load_file
from safetensors import safe_open
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "..", "shared", "peers"))
from peer_cnnrnn import CNNRNN  # noqa: E402

model_path, io_path = sys.argv[1], sys.argv[2]
with safe_open(model_path, "pt") as handle:
    metadata = handle.metadata() or {}
model = CNNRNN(hidden=int(metadata.get("hidden", 128)), layers=int(metadata.get("layers", 2))).eval()
model.load_state_dict(load_file(model_path))  # strict: every name and shape must match
io = load_file(io_path)
with torch.no_grad():
    logits = model(io["inputs"])
difference = (logits - io["logits"]).abs().max().item()
print(f"PyTorch loaded {model_path}; largest logit difference from ferdata: {difference:.2e}")
sys.exit(0 if difference < 1e-4 else 1)
