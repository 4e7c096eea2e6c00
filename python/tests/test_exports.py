"""A 112x112 RGB dataset made by the ferdata binary, read back by the webdataset package (its
WebDataset export, as 112x112x3 images) and by ferdata.Dataset (as 3x112x112 tensors). `make test`
installs webdataset and Pillow (scripts/ensure-deps --test)."""
import glob
import json
import os
import subprocess

import numpy as np
import pytest

from test_dataset import BINARY, ROOT, ferdata  # noqa: F401

import PIL  # noqa: F401 (webdataset decodes PNGs with it)
import webdataset as wds


@pytest.fixture(scope="module")
def rgb_workspace(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("rgb") / "work")
    run = lambda *args: subprocess.run([BINARY, *args, "--workspace", work], check=True, capture_output=True, text=True)
    run("ingest", os.path.join(ROOT, "samples", "foreign.zip"), "--size", "112", "--color", "rgb", "-q")
    run("split", "--val", "0.2", "-q")
    out = os.path.join(os.path.dirname(work), "wds")
    run("export", "--format", "webdataset", "--out", out, "-q")
    return work, out


def test_the_webdataset_export_reads_back_as_112x112x3_images(rgb_workspace):
    work, out = rgb_workspace
    shards = sorted(glob.glob(os.path.join(out, "*.tar")))
    assert [os.path.basename(s) for s in shards] == ["train-000000.tar", "val-000000.tar"]
    seen = 0
    for sample in wds.WebDataset(shards, shardshuffle=False).decode("rgb8"):
        image, meta = sample["png"], sample["json"]
        assert image.shape == (112, 112, 3) and image.dtype == np.uint8
        assert meta["split"] in ("train", "val")
        seen += 1
    datasets = sorted(os.listdir(os.path.join(work, "datasets")))
    with open(os.path.join(work, "datasets", datasets[-1], "manifest.json")) as f:
        manifest = json.load(f)
    assert seen == manifest["recordCount"] and manifest["shape"] == {"height": 112, "width": 112, "channels": 3}


def test_the_package_reads_rgb_records_channels_first(rgb_workspace):
    work, out = rgb_workspace
    datasets = sorted(os.listdir(os.path.join(work, "datasets")))
    data = ferdata.Dataset(os.path.join(work, "datasets", datasets[-1]), split="train", dtype="uint8")
    assert data.shape == (3, 112, 112)
    image, label = data[0]
    image = np.asarray(image)
    assert image.shape == (3, 112, 112) and 0 <= label < 7
    # The same face in the WebDataset export, height x width x channels.
    first = next(iter(wds.WebDataset(os.path.join(out, "train-000000.tar"), shardshuffle=False).decode("rgb8")))
    assert np.array_equal(image.transpose(1, 2, 0), first["png"])
