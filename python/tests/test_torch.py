"""The PyTorch side (`make test` installs torch: scripts/ensure-deps --test): a DataLoader with 0, 1 and 4
workers over two ranks reads every record once; a ferdata model file predicts ferdata's logits."""
import os

import numpy as np
import pytest
import torch

from test_dataset import ROOT, dataset, ferdata  # noqa: F401 (the fixture)


@pytest.mark.parametrize("workers", [0, 1, 4])
def test_a_dataloader_reads_every_record_once_with_workers_and_two_ranks(dataset, workers):
    from torch.utils.data import DataLoader
    seen = []
    for rank in range(2):
        stream = ferdata.IterableDataset(dataset, split="train", seed=1, rank=rank, world_size=2)
        for images, labels in DataLoader(stream, batch_size=16, num_workers=workers):
            assert images.shape[1:] == (1, 48, 48)
            seen += [(image.numpy().tobytes(), label) for image, label in zip(images, labels.tolist())]
    data = ferdata.Dataset(dataset, split="train")
    assert sorted(seen) == sorted((image.numpy().tobytes(), label) for image, label in (data[i] for i in range(len(data))))


@pytest.mark.parametrize("workers", [0, 4])
def test_batches_from_workers_read_every_record_once(dataset, workers):
    from torch.utils.data import DataLoader
    seen = []
    for rank in range(2):
        stream = ferdata.IterableDataset(dataset, split="train", seed=1, rank=rank, world_size=2, batch_size=32)
        for images, labels in DataLoader(stream, batch_size=None, num_workers=workers):
            assert images.dtype == torch.float32 and images.shape[1:] == (1, 48, 48) and labels.dtype == torch.int64
            seen += [(image.numpy().tobytes(), label) for image, label in zip(images, labels.tolist())]
    data = ferdata.Dataset(dataset, split="train")
    assert sorted(seen) == sorted((image.numpy().tobytes(), label) for image, label in (data[i] for i in range(len(data))))


def test_a_model_file_predicts_ferdatas_logits():
    fixtures = os.path.join(ROOT, "Tests", "FERNetTests", "Fixtures")
    model = ferdata.load_model(os.path.join(fixtures, "cnnrnn-h8.safetensors"))
    io, _ = ferdata.read_safetensors(os.path.join(fixtures, "cnnrnn-h8-io.safetensors"))
    with torch.no_grad():
        logits = model(torch.from_numpy(io["inputs"]))
    assert np.abs(logits.numpy() - io["logits"]).max() < 1e-4


def test_the_example_trains_and_ferdata_eval_scores_its_model_the_same(dataset, tmp_path):
    import json
    import subprocess
    import sys
    from test_dataset import BINARY
    work = tmp_path / "work"
    subprocess.run([BINARY, "ingest", os.path.join(ROOT, "samples", "faces.csv"), "--workspace", str(work), "-q"], check=True)
    model = tmp_path / "torch.safetensors"
    out = subprocess.run([sys.executable, os.path.join(ROOT, "python", "examples", "train_cnnrnn.py"), str(work / "datasets" / "0001-ingest"),
                          "--epochs", "2", "--workers", "0", "--out", str(model)], check=True, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.path.join(ROOT, "python")}).stdout
    torch_scores = json.loads(out.strip().splitlines()[-1])
    report = tmp_path / "report"
    ferdata_scores = json.loads(subprocess.run([BINARY, "eval", str(model), "--workspace", str(work), "--report", str(report), "--json"],
                                               check=True, capture_output=True, text=True).stdout)["metrics"]
    assert torch_scores["testFaces"] == 56
    assert abs(ferdata_scores["accuracy"] - torch_scores["accuracy"]) < 1e-9, (ferdata_scores, torch_scores)
    assert abs(ferdata_scores["weightedF1"] - torch_scores["weightedF1"]) < 1e-6
    # Face by face: the saved file, read back in PyTorch, predicts what ferdata predicts.
    import csv
    test = ferdata.Dataset(str(work / "datasets" / "0001-ingest"), split="test")
    with torch.no_grad():
        ours = torch.softmax(ferdata.load_model(str(model))(torch.stack([test[i][0] for i in range(len(test))])), 1).numpy()
    rows = list(csv.DictReader(open(report / "predictions.csv")))
    theirs = np.array([[float(row["p_" + name]) for name in ferdata.CLASSES] for row in rows])
    assert np.abs(ours - theirs).max() < 1e-4  # predictions.csv keeps four decimals
    assert [ferdata.CLASSES[k] for k in ours.argmax(1)] == [row["predicted"] for row in rows]


@pytest.mark.parametrize("batch_norm", [False, True])
def test_a_wider_network_trained_by_ferdata_predicts_the_same_in_pytorch(tmp_path, batch_norm):
    """`ferdata train --width 8,16,32` (three blocks), with or without `--batch-norm`: python/ferdata's
    module loads the model file and gives ferdata eval's probabilities, face by face."""
    import csv
    import subprocess
    from test_dataset import BINARY
    work = tmp_path / "work"
    subprocess.run([BINARY, "ingest", os.path.join(ROOT, "samples", "faces.csv"), "--workspace", str(work), "-q"], check=True)
    subprocess.run([BINARY, "train", "--width", "8,16,32", "--hidden", "16", "--epochs", "2", "--batch-size", "16", "--workspace", str(work),
                    "-q"] + (["--batch-norm"] if batch_norm else []), check=True)
    model_path = work / "runs" / "0001-train" / "best.safetensors"
    report = tmp_path / "report"
    subprocess.run([BINARY, "eval", str(model_path), "--workspace", str(work), "--report", str(report), "-q"], check=True)
    model = ferdata.load_model(str(model_path))
    assert model.architecture["filters"] == [8, 16, 32] and model.architecture["batch_norm"] == batch_norm
    test = ferdata.Dataset(str(work / "datasets" / "0001-ingest"), split="test")
    with torch.no_grad():
        ours = torch.softmax(model(torch.stack([test[i][0] for i in range(len(test))])), 1).numpy()
    rows = list(csv.DictReader(open(report / "predictions.csv")))
    theirs = np.array([[float(row["p_" + name]) for name in ferdata.CLASSES] for row in rows])
    assert len(rows) == len(test) > 0
    assert np.abs(ours - theirs).max() < 1.0001e-4  # predictions.csv keeps four decimals
