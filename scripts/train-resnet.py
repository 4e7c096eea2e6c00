#!/usr/bin/env python3
"""Trains the small ResNet of scripts/tinyresnet.py in PyTorch on a ferdata dataset of RGB faces,
read through the ferdata Python package, scores its test split in PyTorch, and exports it with
torch.onnx.export beside its contract, so that `ferdata eval` and `ferdata crosseval` score it:
the model of another architecture that docs/results.md compares ferdata's ONNX scoring with.

    ferdata ingest ../shared/data/fer2013-images.zip --size 112 --color rgb --workspace resnet-work
    PYTHONPATH=python scripts/train-resnet.py resnet-work/datasets/0001-ingest --epochs 5 --out resnet112.onnx
    ferdata eval resnet112.onnx 0001-ingest --workspace resnet-work --tta none

Prints one JSON line: PyTorch's test faces, accuracy and weighted F1; writes PyTorch's test-split
probabilities (in the dataset's record order) to OUT.probabilities.npy.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

import ferdata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tinyresnet import TinyResNet, export  # noqa: E402 (scripts/, beside this file)

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def normalise(images):
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (images - mean) / std


def probabilities(model, data):
    model.eval()
    rows, labels = [], []
    with torch.no_grad():
        for images, truth in DataLoader(data, batch_size=256):
            rows.append(torch.softmax(model(normalise(images)), 1).numpy())
            labels.append(truth.numpy())
    return np.concatenate(rows), np.concatenate(labels)


def weighted_f1(truth, predicted):
    f1s, weights = [], []
    for k in np.unique(truth):
        tp = np.sum((predicted == k) & (truth == k))
        precision, recall = tp / max(1, np.sum(predicted == k)), tp / max(1, np.sum(truth == k))
        f1s.append(0 if tp == 0 else 2 * precision * recall / (precision + recall))
        weights.append(np.sum(truth == k))
    return float(np.average(f1s, weights=weights))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", help="a ferdata dataset folder of RGB faces with train and test splits")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="resnet.onnx")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    # Map-style, drawn at random: a dataset ingested from class folders stores each class's faces together,
    # and the stream's shard-by-shard order would give batches of one class.
    train = ferdata.Dataset(args.dataset, split="train")
    test = ferdata.Dataset(args.dataset, split="test")
    channels, height, width = train.shape
    if channels != 3 or height != width:
        sys.exit(f"{args.dataset}: faces of {channels}x{height}x{width}; ingest them with --color rgb")
    model = TinyResNet(len(train.classes))
    generator = torch.Generator().manual_seed(args.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps = args.epochs * -(-len(train) // args.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=steps)
    for epoch in range(args.epochs):
        model.train()
        total, seen, started = 0.0, 0, time.perf_counter()
        for images, labels in DataLoader(train, batch_size=args.batch_size, shuffle=True, generator=generator):
            flip = torch.rand(len(images)) < 0.5  # mirrored faces, half of them
            images[flip] = images[flip].flip(3)
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(normalise(images)), labels)
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(labels)
            seen += len(labels)
        print(f"epoch {epoch + 1}: loss {total / max(1, seen):.4f} over {seen} faces, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    probs, truth = probabilities(model, test)
    predicted = probs.argmax(1)
    export(model.eval(), args.out, height)
    with open(args.out + ".json", "w") as f:
        json.dump({"input_size": [height, width], "channels": 3, "channel_order": "RGB", "scale": 1 / 255, "mean": MEAN, "std": STD,
                   "output": "logits", "classes": list(train.classes)}, f, indent=2)
    np.save(args.out + ".probabilities.npy", probs.astype(np.float32))
    print(json.dumps({"testFaces": len(test), "accuracy": float(np.mean(predicted == truth)),
                      "weightedF1": weighted_f1(truth, predicted), "model": args.out}))


if __name__ == "__main__":
    main()
