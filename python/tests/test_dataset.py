"""ferdata's Python package against datasets the ferdata binary writes (built by `make test`, or
FERDATA_BIN): every record read exactly once, map-style and streamed across workers and ranks; a
flipped byte named by shard and record; model files as PyTorch modules (where torch is installed)."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))
import ferdata  # noqa: E402

BINARY = os.environ.get("FERDATA_BIN", os.path.join(ROOT, ".build", "release", "ferdata"))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """samples/faces.csv in shards of 50 records (6 shards): 224 train, 56 val (PublicTest)."""
    if not os.path.exists(BINARY):
        pytest.fail(f"no ferdata binary at {BINARY}: run `make test` (or swift build -c release) first, or set FERDATA_BIN")
    work = tmp_path_factory.mktemp("work")
    subprocess.run([BINARY, "ingest", os.path.join(ROOT, "samples", "faces.csv"), "--shard-size", "50", "--public-test-as-val",
                    "--workspace", str(work), "-q"], check=True)
    return str(work / "datasets" / "0001-ingest")


def ids(records):
    return [r["record_id"] for r in records]


def test_map_style_reads_every_record_of_a_split_once(dataset):
    everything = list(ferdata.read_records(dataset))
    for split in ("train", "val", "test", None):
        data = ferdata.Dataset(dataset, split=split)
        expected = [r for r in everything if split is None or r["split"] == split]
        assert len(data) == len(expected)
        for i in range(len(data)):
            image, label = data[i]
            assert np.asarray(image).shape == (1, 48, 48)
            assert label == ferdata.CLASSES.index(expected[i]["label"])
            assert np.allclose(np.asarray(image).ravel() * 255, np.frombuffer(expected[i]["pixels"], dtype=np.uint8), atol=1e-3)
    assert ferdata.Dataset(dataset).classes == ferdata.CLASSES
    with pytest.raises(IndexError):
        ferdata.Dataset(dataset, split="test")[10_000]


@pytest.mark.parametrize("readers", [(1, 1), (1, 4), (2, 1), (2, 4), (3, 2)])
def test_streaming_splits_each_epoch_among_readers_exactly_once(dataset, readers):
    ranks, workers = readers
    stream = ferdata.IterableDataset(dataset, split="train", seed=5)
    expected = sorted(range(len(stream)))
    data = ferdata.Dataset(dataset, split="train")
    everything = sorted((np.asarray(image).tobytes(), label) for image, label in (data[i] for i in range(len(data))))
    orders = []
    for epoch in range(3):
        stream.set_epoch(epoch)
        seen = []
        for slot in range(ranks * workers):
            stream.reader = lambda slot=slot: (slot, ranks * workers)
            seen += [(np.asarray(image).tobytes(), label) for image, label in stream]
        assert len(seen) == len(expected), f"epoch {epoch}: {len(seen)} items for {len(expected)} records"
        assert sorted(seen) == everything, f"epoch {epoch}: not every record exactly once"
        orders.append([tuple(place) for place in stream.order().tolist()])
        assert sorted(orders[-1]) == sorted(set(orders[-1])) and len(orders[-1]) == len(expected)
    assert orders[0] != orders[1], "each epoch has its own order"


@pytest.mark.parametrize("batch_size", [1, 7, 64])
def test_batches_hold_the_same_records_as_single_items(dataset, batch_size):
    stream = ferdata.IterableDataset(dataset, split="train", seed=2)
    batched = ferdata.IterableDataset(dataset, split="train", seed=2, batch_size=batch_size)
    for slot in range(3):
        stream.reader = batched.reader = lambda slot=slot: (slot, 3)
        items = [(np.asarray(image).tobytes(), label) for image, label in stream]
        from_batches = []
        for images, labels in batched:
            assert 1 <= len(labels) <= batch_size and np.asarray(images).shape == (len(labels), 1, 48, 48)
            from_batches += [(np.asarray(image).tobytes(), int(label)) for image, label in zip(images, labels)]
        assert from_batches == items, f"reader {slot}: batches differ from items"
    with pytest.raises(ValueError):
        ferdata.IterableDataset(dataset, batch_size=0)


def test_uint8_images_are_the_stored_pixels(dataset):
    floats = ferdata.IterableDataset(dataset, split="train", seed=4, batch_size=50)
    stored = ferdata.IterableDataset(dataset, split="train", seed=4, batch_size=50, dtype="uint8")
    for (a, labels_a), (b, labels_b) in zip(floats, stored):
        b = np.asarray(b)
        assert b.dtype == np.uint8 and np.array_equal(np.asarray(labels_a), np.asarray(labels_b))
        assert np.array_equal(b.astype(np.float32) / np.float32(255), np.asarray(a))
    image, _ = ferdata.Dataset(dataset, dtype="uint8")[0]
    assert np.asarray(image).dtype == np.uint8 and np.asarray(image).shape == (1, 48, 48)
    with pytest.raises(ValueError):
        ferdata.Dataset(dataset, dtype="float16")


def test_a_flipped_byte_names_its_shard_and_record(dataset, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(dataset, damaged)
    shard = damaged / "shard-00002.frs"
    data = bytearray(shard.read_bytes())
    data[64 + 7 * 2504 + 100] ^= 0x20
    shard.write_bytes(bytes(data))
    reader = ferdata.Dataset(str(damaged))
    with pytest.raises(ferdata.CorruptRecord) as raised:
        for i in range(len(reader)):
            reader[i]
    assert raised.value.shard == str(shard) and raised.value.record == 7
    assert "shard-00002.frs: record 7: record CRC mismatch" in str(raised.value)


@pytest.mark.parametrize("detector", ["haar", "mtcnn"])
def test_the_stdlib_reader_gives_each_found_face_its_frame(tmp_path, detector):
    """Faces found in larger pictures keep their box and cut in the record; the reader decodes them:
    the Haar search's box grown (method detect) on sample faces pasted on gray, MTCNN's landmarks' crop
    (method framed) on the MTCNN fixture's drawn face (Tests/FERDataTests/Fixtures/mtcnn); each names its
    detector, and MTCNN's its score (at least --min-score's 0.8)."""
    from PIL import Image
    pictures = tmp_path / "pictures" / "happy"
    pictures.mkdir(parents=True)
    if detector == "haar":
        rows = [line.split(",") for line in open(os.path.join(ROOT, "samples", "faces.csv")).read().splitlines()[1:3]]
        for number, (_label, pixels, _usage) in enumerate(rows):
            face = Image.fromarray(np.array([int(v) for v in pixels.split()], dtype=np.uint8).reshape(48, 48)).resize((160, 160))
            canvas = Image.new("L", (400, 300), 120)
            canvas.paste(face, (120, 60))
            canvas.save(pictures / f"{number}.png")
        centre = (200, 140)
    else:
        shutil.copy(os.path.join(ROOT, "Tests", "FERDataTests", "Fixtures", "mtcnn", "picture00.png"), pictures / "0.png")
        centre = (160, 120)
    subprocess.run([BINARY, "ingest", str(tmp_path / "pictures"), "--faces", "detect", "--detector", detector,
                    "--workspace", str(tmp_path / "work"), "-q"], check=True)
    records = list(ferdata.read_records(str(tmp_path / "work" / "datasets" / "0001-ingest")))
    assert records and all(r["face"] is not None for r in records)
    for record in records:
        face = record["face"]
        x, y, width, height = face["box"]
        assert face["method"] == {"haar": "detect", "mtcnn": "framed"}[detector] and face["rank"] == 0 and face["angle_degrees"] == 0
        assert face["detector"] == detector, face
        assert face["score"] is None if detector == "haar" else 0.8 <= face["score"] <= 1, face
        assert abs(x + width / 2 - centre[0]) < 20 and abs(y + height / 2 - centre[1]) < 20, face
        if detector == "haar":
            assert face["side"] >= width and abs(face["centre"][0] - (x + width / 2)) <= 2, face
        else:
            assert abs(face["centre"][0] - centre[0]) < 20 and abs(face["centre"][1] - centre[1]) < 25 and 100 <= face["side"] <= 250, face
