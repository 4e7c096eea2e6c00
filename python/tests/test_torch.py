"""The PyTorch side (skipped, and said so, where torch is not installed): a DataLoader with 0, 1 and 4
workers over two ranks reads every record once; a ferdata model file predicts ferdata's logits."""
import os

import numpy as np
import pytest

from test_dataset import ROOT, dataset, ferdata  # noqa: F401 (the fixture)

torch = pytest.importorskip("torch", reason="torch is not installed: the DataLoader and model tests need it")


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


def test_a_model_file_predicts_ferdatas_logits():
    fixtures = os.path.join(ROOT, "Tests", "FERNetTests", "Fixtures")
    model = ferdata.load_model(os.path.join(fixtures, "cnnrnn-h8.safetensors"))
    io, _ = ferdata.read_safetensors(os.path.join(fixtures, "cnnrnn-h8-io.safetensors"))
    with torch.no_grad():
        logits = model(torch.from_numpy(io["inputs"]))
    assert np.abs(logits.numpy() - io["logits"]).max() < 1e-4
