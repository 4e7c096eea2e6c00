"""What the review tests share: a workspace holding the sample faces, a suspects file for them,
`ferdata review` started as a real process whose printed URL the tests use, and the page's state
as a browser sees it."""
import csv
import os
import signal
import sqlite3
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))
from ferdata.shards import CLASSES, Manifest, Shard  # noqa: E402

BINARY = os.environ.get("FERDATA_BIN", os.path.join(ROOT, ".build", "release", "ferdata"))


def require_binary():
    if not os.access(BINARY, os.X_OK):
        pytest.fail(f"no ferdata binary at {BINARY}: swift build -c release first, or set FERDATA_BIN")


def ferdata(*args, check=True):
    result = subprocess.run([BINARY, *args], capture_output=True, text=True)
    if check:
        assert result.returncode == 0, f"ferdata {' '.join(args)}: {result.stdout}{result.stderr}"
    return result


def records(dataset_dir):
    """(record id, label name, flags) of every record of a dataset, in order."""
    manifest = Manifest(dataset_dir)
    out = []
    for name in manifest.shards:
        shard = Shard(os.path.join(dataset_dir, name))
        for i in range(shard.count):
            row = shard.raw(i)
            label = int(row[shard.pixels])
            out.append((shard.record_id(row), CLASSES[label] if label < 7 else None, int(row[shard.pixels + 3])))
    return out


def sample_workspace(path):
    """A workspace with the sample faces ingested, and a suspects.csv for its first 40 faces whose
    suggested label is the next class after the given one."""
    workspace = os.fspath(path)
    ferdata("ingest", os.path.join(ROOT, "samples", "faces.csv"), "--workspace", workspace, "--quiet")
    dataset = os.path.join(workspace, "datasets", "0001-ingest")
    faces = records(dataset)[:40]
    suspects = os.path.join(workspace, "suspects.csv")
    with open(suspects, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["rank", "record_id", "dataset", "given", "likely", "score"])
        for rank, (record_id, label, _) in enumerate(faces, 1):
            writer.writerow([rank, record_id, "0001-ingest", label, CLASSES[(CLASSES.index(label) + 1) % 7], f"{rank / 100:.2f}"])
    return workspace, dataset, suspects, faces


class Server:
    """`ferdata review ARGS --port 0` as a process; `url` is the page's URL it printed."""

    def __init__(self, workspace, *args):
        self.process = subprocess.Popen([BINARY, "review", *args, "--workspace", workspace, "--port", "0"],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.url = None
        for line in self.process.stdout:
            if line.startswith("open "):
                self.url = line.split()[1]
                break
        if self.url is None:
            self.process.wait()
            raise AssertionError(f"ferdata review printed no URL (exit {self.process.returncode}): {self.process.stderr.read()}")
        self.base, self.token = self.url.split("/?token=")

    def kill(self):
        """SIGKILL: no shutdown, no flush of anything not already stored."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)


def stored(workspace):
    """The store's decision rows, in order: (record id, annotator, new label, undone, batch)."""
    connection = sqlite3.connect(os.path.join(workspace, "review", "decisions.sqlite"))
    try:
        rows = connection.execute("SELECT record_id, annotator, new_label, undone, batch FROM decision ORDER BY id").fetchall()
    finally:
        connection.close()
    return [(record_id & (2**64 - 1), annotator, label, undone, batch) for record_id, annotator, label, undone, batch in rows]


CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def page_state(driver):
    return driver.execute_script(
        "const d = document.body.dataset; return {ready: d.ready, done: d.done, pending: d.pending, cursor: d.cursor,"
        " message: document.getElementById('message').textContent};")


def wait_until(driver, what, check):
    from selenium.webdriver.support.ui import WebDriverWait
    try:
        WebDriverWait(driver, 60).until(lambda d: check(page_state(d)))
    except Exception as error:
        raise AssertionError(f"page never reached: {what}; it shows {page_state(driver)}") from error


def wait_saved(driver, done):
    wait_until(driver, f"{done} done, nothing pending", lambda s: s["done"] == str(done) and s["pending"] == "0")


def press(driver, *keys, shift=False):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    actions = ActionChains(driver)
    if shift:
        actions.key_down(Keys.SHIFT)
    for key in keys:
        actions.send_keys(key)
    if shift:
        actions.key_up(Keys.SHIFT)
    actions.perform()


def card(driver, index):
    return driver.execute_script(
        "const c = document.getElementById('grid').children[arguments[0]]; return {state: c.dataset.state, decision: c.dataset.decision};",
        index)
