#!/usr/bin/env python3
"""Makes the PyTorch reference fixtures for the FERNet tests (the Swift tests never need PyTorch).

Builds the peer's CNNRNN (../shared/peers/peer_cnnrnn.py) with 8 hidden units (so the file stays
small), seeds it, and writes:
  Tests/FERNetTests/Fixtures/cnnrnn-h8.safetensors     its state_dict, with the metadata ferdata wrote
                                                       before --width ("filters1", "filters2")
  Tests/FERNetTests/Fixtures/cnnrnn-h8-io.safetensors  3 fixed inputs [3,1,48,48] and the logits
                                                       PyTorch computes for them in eval mode [3,7]
and a wider network of three blocks (8,16,32 channels, 8 hidden) from python/ferdata's module, written
by its save_model: cnnrnn-w8-16-32-h8.safetensors and cnnrnn-w8-16-32-h8-io.safetensors; and the same
with batch normalisation (its running statistics and scales drawn at random, eval mode):
cnnrnn-w8-16-32-bn-h8.safetensors and its -io file.
Run with the peer environment:  /tmp/peer/bin/python scripts/make-torch-fixture.py
"""
import os, sys
import torch
from safetensors.torch import save_file

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "..", "shared", "peers"))
from peer_cnnrnn import CNNRNN, CLASSES  # noqa: E402

torch.manual_seed(7)
model = CNNRNN(hidden=8).eval()
# Inputs in [0, 1]: a gradient, a checkerboard, random noise.
y, x = torch.meshgrid(torch.arange(48.0), torch.arange(48.0), indexing="ij")
inputs = torch.stack([
    (x + y) / 94.0,
    ((x // 6 + y // 6) % 2).float(),
    torch.rand(48, 48),
]).unsqueeze(1)
with torch.no_grad():
    logits = model(inputs)
out = os.path.join(root, "Tests", "FERNetTests", "Fixtures")
metadata = {"format": "ferdata-cnnrnn", "hidden": "8", "layers": "2", "filters1": "32", "filters2": "64",
            "dropout": "0.5", "classes": ",".join(CLASSES), "input": "1x48x48", "normalisation": "pixel/255"}
save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(out, "cnnrnn-h8.safetensors"), metadata)
save_file({"inputs": inputs.contiguous(), "logits": logits.contiguous()}, os.path.join(out, "cnnrnn-h8-io.safetensors"))
print("logits:", logits)

sys.path.insert(0, os.path.join(root, "python"))
import ferdata  # noqa: E402

torch.manual_seed(8)
wide = ferdata.cnnrnn(hidden=8, filters=(8, 16, 32)).eval()
with torch.no_grad():
    # Biases drawn wider than PyTorch's default so that no block's ReLU is all but silent.
    for name, value in wide.named_parameters():
        if name.startswith("conv") and name.endswith("bias"):
            value.uniform_(-0.2, 0.2)
    logits = wide(inputs)
ferdata.save_model(wide, os.path.join(out, "cnnrnn-w8-16-32-h8.safetensors"))
save_file({"inputs": inputs.contiguous(), "logits": logits.contiguous()}, os.path.join(out, "cnnrnn-w8-16-32-h8-io.safetensors"))
print("wide logits:", logits)

torch.manual_seed(9)
normalised = ferdata.cnnrnn(hidden=8, filters=(8, 16, 32), batch_norm=True).eval()
with torch.no_grad():
    for name, value in normalised.named_parameters():
        if name.startswith("conv") and name.endswith("bias"):
            value.uniform_(-0.2, 0.2)
        if name.startswith("bn"):
            value.uniform_(0.5, 1.5) if name.endswith("weight") else value.uniform_(-0.3, 0.3)
    for name, value in normalised.named_buffers():
        if name.endswith("running_mean"):
            value.uniform_(0, 0.3)
        elif name.endswith("running_var"):
            value.uniform_(0.01, 0.1)
    logits = normalised(inputs)
ferdata.save_model(normalised, os.path.join(out, "cnnrnn-w8-16-32-bn-h8.safetensors"))
save_file({"inputs": inputs.contiguous(), "logits": logits.contiguous()}, os.path.join(out, "cnnrnn-w8-16-32-bn-h8-io.safetensors"))
print("batch-normalised logits:", logits)
