#!/usr/bin/env python3
"""One timed epoch of ferdata's CNN-RNN of any width written in PyTorch (python/ferdata's `cnnrnn`):
the training faces of a ferdata dataset held as one tensor, batches of 64 flipped and turned by up to
10 degrees on the whole batch (ferdata's default flip-rotate), Adam, the given threads. The PyTorch side
of `scripts/bench-train --width`; prints the samples/s as JSON.

    scripts/torch-train-epoch.py DATASET --width 32,64,128 [--batch-norm] [--threads 2] [--batch-size 64]
"""
import argparse, json, math, os, sys, time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python"))
import ferdata  # noqa: E402


def flipped_and_turned(images):
    count = images.size(0)
    flip = torch.rand(count) < 0.5
    images = torch.where(flip[:, None, None, None], images.flip(3), images)
    angle = (torch.rand(count) * 2 - 1) * math.radians(10)
    affine = torch.zeros(count, 2, 3)
    affine[:, 0, 0], affine[:, 0, 1], affine[:, 1, 0], affine[:, 1, 1] = angle.cos(), -angle.sin(), angle.sin(), angle.cos()
    return F.grid_sample(images, F.affine_grid(affine, images.shape, align_corners=False), align_corners=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset")
    parser.add_argument("--width", default="32,64")
    parser.add_argument("--batch-norm", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    records = [r for r in ferdata.read_records(args.dataset) if r["split"] == "train" and r["label"] is not None]
    if not records:
        sys.exit(f"{args.dataset}: no labelled training faces")
    images = torch.from_numpy(np.stack([np.frombuffer(r["pixels"], np.uint8).reshape(48, 48) for r in records])).float().div(255).unsqueeze(1)
    labels = torch.tensor([ferdata.CLASSES.index(r["label"]) for r in records])
    model = ferdata.cnnrnn(filters=[int(c) for c in args.width.split(",")], batch_norm=args.batch_norm).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.randperm(len(labels))
    start = time.perf_counter()
    for first in range(0, len(labels), args.batch_size):
        batch = order[first:first + args.batch_size]
        optimizer.zero_grad()
        F.cross_entropy(model(flipped_and_turned(images[batch])), labels[batch]).backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    print(json.dumps({"width": args.width, "batchNorm": args.batch_norm, "faces": len(labels), "seconds": seconds, "samplesPerSecond": len(labels) / seconds}))


if __name__ == "__main__":
    main()
