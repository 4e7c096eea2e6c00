"""A round of `ferdata active-learn` answered in a real browser (Debian's headless Chromium): the
round's queue shows the faces its model is least sure of first (checked against the model's own
probabilities, computed in PyTorch from the same model file), the gold faces mixed into it look like
every other face, on the page and in what the page is sent, and the decisions made there are what
the next round trains on: the pool faces with the labels chosen, the face called unusable left out,
the answers on gold faces left out. The next round is killed at its first checkpoint to read its
training set, then run to the end. Every wait is for a state the page or the store reports."""
import csv
import json
import os
import subprocess
import urllib.request

import numpy as np

from reviewsite import BINARY, CLASSES, ROOT, Server, ferdata, press, stored, wait_saved, wait_until
from ferdata.shards import read_records

START, PER_ROUND, GOLD_FACES = 100, 30, 8


def margins(model_path, faces):
    """The margin (top probability minus the second) of each face, by the model in PyTorch."""
    import torch
    from ferdata.model import load_model
    model = load_model(model_path)
    pixels = np.stack([np.frombuffer(face["pixels"], dtype=np.uint8).reshape(1, 48, 48) for face in faces]).astype(np.float32) / 255
    with torch.no_grad():
        probabilities = torch.softmax(model(torch.from_numpy(pixels)), 1).numpy()
    top = np.sort(probabilities, axis=1)
    return top[:, -1] - top[:, -2]


def test_a_round_answered_in_the_browser_feeds_the_next_round(browser, tmp_path):
    workspace = os.fspath(tmp_path / "workspace")
    ferdata("ingest", os.path.join(ROOT, "samples", "faces.csv"), "--workspace", workspace, "--quiet")
    faces = {face["record_id"]: face for face in read_records(os.path.join(workspace, "datasets", "0001-ingest"))}
    gold = {face["record_id"]: face["label"] for face in list(faces.values()) if face["split"] == "test"}
    gold = dict(list(gold.items())[:GOLD_FACES])
    gold_file = tmp_path / "gold.csv"
    with open(gold_file, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["record_id", "label"])
        writer.writerows(gold.items())
    report = tmp_path / "loop"
    loop = ("active-learn", "0001-ingest", "--start", str(START), "--per-round", str(PER_ROUND), "--rounds", "1", "--by", "margin",
            "--gold", os.fspath(gold_file), "--gold-rate", "0.1", "--epochs", "30", "--batch-size", "16", "--report", os.fspath(report),
            "--workspace", workspace, "--json")
    first = json.loads(ferdata(*loop).stdout)
    queue = first["waiting"]
    assert queue == "active-learn-1:margin:seed0@0001-ingest" and first["rounds"][0]["labelled"] == START, first
    model = first["rounds"][0]["model"]

    server = Server(workspace, "stored", "--name", queue, "--annotator", "ann")
    try:
        browser.get(server.url)
        wait_until(browser, "the round's queue loaded", lambda s: s["ready"] == "true" and s["done"] == "0")
        shown = browser.execute_script(
            "return [...document.querySelectorAll('#grid figure')].map(f => ({id: f.dataset.id, caption: f.querySelector('figcaption').textContent,"
            " classes: f.className, keys: Object.keys(f.dataset).sort().join(','), lines: f.querySelectorAll('figcaption div').length}));")
        ids = [int(face["id"]) for face in shown]
        with urllib.request.urlopen(f"{server.base}/api/state?token={server.token}") as response:
            sent = response.read().decode()

        # Gold faces: 10% of the round's 30, among them, and nothing on the page or in what it is sent
        # tells them apart: the same caption lines (no given label, the model's class and score), the
        # same attributes and classes, the same fields.
        mixed = [i for i in ids if i in gold]
        assert len(ids) == PER_ROUND + 3 and len(mixed) == 3, shown
        assert "gold" not in sent.lower() and "gold" not in browser.page_source.lower()
        items = json.loads(sent)["items"]
        assert len({tuple(sorted(item)) for item in items}) == 1, items
        assert all(item.get("given") is None for item in items)
        for face in shown:
            assert face["caption"].startswith("given: —suggested: ") and face["lines"] == 3, face
            assert (face["classes"].replace("current", "").strip(), face["keys"]) == ("", shown[0]["keys"]), face

        # Most uncertain first: the pool faces' margins, by the round's model in PyTorch, never fall.
        pool_shown = [i for i in ids if i not in gold]
        shown_margins = margins(model, [faces[i] for i in pool_shown])
        assert np.all(np.diff(shown_margins) >= -1e-5), list(zip(pool_shown, shown_margins))

        # Decide every face: the pool faces a class each (cycling), one of them unusable (0); the gold
        # faces a wrong class, which must not reach the training set.
        chosen, keys = {}, []
        for index, record_id in enumerate(ids):
            if record_id in gold:
                key = str(1 + (CLASSES.index(gold[record_id]) + 1) % 7)
            elif index == 4:
                key = "0"
            else:
                key = str(1 + index % 7)
            chosen[record_id] = "unusable" if key == "0" else CLASSES[int(key) - 1]
            keys.append(key)
        for start in range(0, len(keys), 5):
            press(browser, *keys[start:start + 5])
            wait_saved(browser, min(start + 5, len(keys)))
    finally:
        server.stop()
    assert {(record_id, label) for record_id, annotator, label, undone, _ in stored(workspace) if annotator == "ann" and not undone} \
        == set(chosen.items())

    # The next round, killed once its run has written a checkpoint: its training set is on disk.
    killed = subprocess.run([BINARY, *loop], env={**os.environ, "FERDATA_KILL_AT": "checkpoint:1"}, capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr
    rounds = [name for name in os.listdir(report / "work" / "datasets") if name.endswith("-round1")]
    assert len(rounds) == 1, os.listdir(report / "work" / "datasets")
    trained = {face["record_id"]: face for face in read_records(report / "work" / "datasets" / rounds[0])}
    training = {i: face["label"] for i, face in trained.items() if face["split"] == "train"}
    unusable = [i for i, label in chosen.items() if label == "unusable"]
    decided = {i: label for i, label in chosen.items() if i not in gold and label != "unusable"}
    assert len(training) == START + PER_ROUND - 1 and len(unusable) == 1 and unusable[0] not in trained
    assert all(training.get(i) == label for i, label in decided.items()), "the labels chosen on the page are trained on"
    assert all(trained[i]["split"] == "test" and trained[i]["label"] == label for i, label in gold.items()), \
        "gold faces keep their known labels and stay out of training"
    # The page's first face is the pool's least certain (the faces after it skip the near-duplicates
    # of faces already queued, so a smaller margin may be left for a later round: UncertaintySampling's tests).
    start_set = set(training) - set(decided)
    pool = [face for i, face in faces.items() if face["split"] == "train" and i not in start_set]
    assert len(pool) == 224 - START
    assert shown_margins[0] <= margins(model, pool).min() + 1e-5

    finished = json.loads(ferdata(*loop).stdout)
    assert finished.get("waiting") is None and [r["labelled"] for r in finished["rounds"]] == [START, START + PER_ROUND - 1], finished
    assert finished["rounds"][0]["decided"] == PER_ROUND, "the gold faces' answers are not counted as labelled faces"
