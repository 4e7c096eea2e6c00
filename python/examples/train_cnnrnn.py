#!/usr/bin/env python3
"""Trains the reference CNN-RNN in PyTorch on a ferdata dataset through the ferdata package, scores the
test split, and saves a ferdata model file that `ferdata eval` scores the same.

    pip install ./python torch
    python python/examples/train_cnnrnn.py ferdata-work/datasets/0003-split --epochs 30 --out cnnrnn.safetensors
    ferdata eval cnnrnn.safetensors 0003-split
"""
import argparse
import json

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

import ferdata


def score(model, data):
    model.eval()
    truth, predicted = [], []
    with torch.no_grad():
        for images, labels in DataLoader(data, batch_size=256):
            predicted += model(images).argmax(1).tolist()
            truth += labels.tolist()
    truth, predicted = np.array(truth), np.array(predicted)
    f1s, weights = [], []
    for k in np.unique(truth):
        tp = np.sum((predicted == k) & (truth == k))
        precision = tp / max(1, np.sum(predicted == k))
        recall = tp / max(1, np.sum(truth == k))
        f1s.append(0 if tp == 0 else 2 * precision * recall / (precision + recall))
        weights.append(np.sum(truth == k))
    return float(np.mean(truth == predicted)), float(np.average(f1s, weights=weights))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="cnnrnn.safetensors")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    train = ferdata.IterableDataset(args.dataset, split="train", seed=args.seed, batch_size=args.batch_size)
    test = ferdata.Dataset(args.dataset, split="test")
    model = ferdata.cnnrnn(classes=train.classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        train.set_epoch(epoch)
        total, seen = 0.0, 0
        for images, labels in DataLoader(train, batch_size=None, num_workers=args.workers):  # the stream batches
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
            seen += len(labels)
        print(f"epoch {epoch + 1}: loss {total / max(1, seen):.4f} over {seen} faces")
    accuracy, weighted_f1 = score(model, test)
    ferdata.save_model(model, args.out)
    print(json.dumps({"testFaces": len(test), "accuracy": accuracy, "weightedF1": weighted_f1, "model": args.out}))


if __name__ == "__main__":
    main()
