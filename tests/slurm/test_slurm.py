"""The repo's sbatch files (deploy/slurm/) on a real one-node Slurm cluster (scripts/slurm-cluster):
array jobs of ingest, augment and annotate merged after them, each equal to a single run file for
file; a cancelled task and a task killed halfway make the merge refuse, naming the part, and
requeueing them makes it succeed. Every wait is for a state Slurm reports, never a fixed sleep.

Needs root and Debian's slurmctld, slurmd, slurm-client and munge (`make test` installs them:
`scripts/ensure-deps --test`); without them the test fails, saying what is missing.
"""
import csv
import filecmp
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))
from ferdata.shards import Manifest, Shard  # noqa: E402
DEPLOY = os.path.join(ROOT, "deploy", "slurm")
BINARY = os.environ.get("FERDATA_BIN", os.path.join(ROOT, ".build", "release", "ferdata"))
FER2013_ZIP = os.path.join(ROOT, "..", "shared", "data", "fer2013-images.zip")
TASKS = 4
FINISHED = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE"}


def tools_missing():
    missing = [t for t in ("munged", "slurmctld", "slurmd", "sbatch") if shutil.which(t) is None]
    if os.geteuid() != 0:
        missing.append("root")
    return missing


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    missing = tools_missing()
    if missing:
        pytest.fail(f"no Slurm cluster possible here (missing: {', '.join(missing)}): scripts/ensure-deps --slurm, as root")
    if not os.access(BINARY, os.X_OK):
        pytest.fail(f"no ferdata binary at {BINARY}: swift build -c release first, or set FERDATA_BIN")
    state = str(tmp_path_factory.mktemp("slurm-state"))
    env = dict(os.environ, FERDATA_SLURM_DIR=state)
    started = subprocess.run([os.path.join(ROOT, "scripts", "slurm-cluster"), "start"], env=env,
                             capture_output=True, text=True)
    assert started.returncode == 0, started.stdout + started.stderr
    os.environ["SLURM_CONF"] = os.path.join(state, "slurm.conf")
    yield state
    subprocess.run([os.path.join(ROOT, "scripts", "slurm-cluster"), "stop"], env=env, check=False)


class Site:
    """A workspace, a log folder and a PATH on which `ferdata` is the binary under test (wrapped, where a
    test needs a task to stall or die, by a script that leaves the sbatch files untouched)."""

    def __init__(self, root, wrapper=None):
        self.root = root
        self.work = os.path.join(root, "work")
        self.logs = os.path.join(root, "logs")
        self.bin = os.path.join(root, "bin")
        os.makedirs(self.logs)
        os.makedirs(self.bin)
        target = os.path.join(self.bin, "ferdata")
        if wrapper:
            with open(target, "w") as f:
                f.write(wrapper.replace("@BINARY@", BINARY).replace("@ROOT@", root))
            os.chmod(target, 0o755)
        else:
            os.symlink(BINARY, target)
        self.env = dict(os.environ, FERDATA_WORKSPACE=self.work, PATH=self.bin + ":" + os.environ["PATH"])

    def ferdata(self, *args):
        return subprocess.run([BINARY, *args, "--workspace", self.work], check=True, capture_output=True, text=True).stdout

    def sbatch(self, script, *args, options=()):
        command = ["sbatch", "--parsable", "--chdir", self.root, "--output", os.path.join(self.logs, "%x-%A_%a.out"),
                   "--cpus-per-task", "1", *options, os.path.join(DEPLOY, script), *args]
        result = subprocess.run(command, env=self.env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().split(";")[0]

    def logs_text(self):
        text = ""
        for name in sorted(os.listdir(self.logs)):
            with open(os.path.join(self.logs, name)) as f:
                text += f"--- {name}\n{f.read()}"
        return text

    def datasets(self):
        return sorted(os.listdir(os.path.join(self.work, "datasets")))


def states(job):
    """{array task id or '-': state} of a job as slurmctld knows it (finished jobs stay known: MinJobAge)."""
    result = subprocess.run(["scontrol", "show", "job", "-o", job], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    found = {}
    for line in result.stdout.splitlines():
        fields = dict(item.split("=", 1) for item in line.split() if "=" in item)
        for task in expand(fields.get("ArrayTaskId", "-")):
            found[task] = fields["JobState"]
    return found


def expand(ids):
    """'1-3,5' -> ['1', '2', '3', '5'] (a pending array's remaining tasks share one line)."""
    tasks = []
    for piece in ids.split("%")[0].split(","):
        if "-" in piece and piece != "-":
            first, last = piece.split("-")
            tasks += [str(i) for i in range(int(first), int(last) + 1)]
        else:
            tasks.append(piece)
    return tasks


def wait_until(predicate, what, site, limit=900):
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {limit}s\n{site.logs_text()}")
        time.sleep(0.2)


def wait_finished(job, site, limit=900):
    wait_until(lambda: all(s in FINISHED for s in states(job).values()), f"job {job} finishing", site, limit)
    return states(job)


def same_files(a, b):
    """The two dataset folders hold the same files with the same bytes."""
    names_a, names_b = sorted(os.listdir(a)), sorted(os.listdir(b))
    assert names_a == names_b
    match, mismatch, errors = filecmp.cmpfiles(a, b, names_a, shallow=False)
    assert mismatch == [] and errors == [], (mismatch, errors)


def records(directory):
    """Every record's bytes, checked, in order."""
    manifest = Manifest(directory)
    shards = [Shard(os.path.join(directory, name)) for name in manifest.shards]
    return np.stack([shard.raw(i) for shard in shards for i in range(shard.count)])


def same_annotation(single, merged):
    """A part scores its faces in batches of other neighbours than one run does, and BLAS sums a row's
    products in an order that depends on its place in the batch: probabilities agree to float rounding
    (labels.csv writes four decimals), not bit for bit. Everything else is equal: the faces, their order,
    sources, rejects, and every label except where the single run's top two classes are within that
    rounding of each other."""
    def rows(directory):
        with open(os.path.join(directory, "labels.csv")) as f:
            return list(csv.reader(f))
    a, b = rows(single), rows(merged)
    assert a[0] == b[0] and len(a) == len(b) and len(a) > 1
    near_ties = set()
    for x, y in zip(a[1:], b[1:]):
        assert x[:2] == y[:2]
        p, q = np.array(x[4:], dtype=float), np.array(y[4:], dtype=float)
        assert np.abs(p - q).max() <= 2e-4, (x, y)
        top = np.sort(p)[-2:]
        if top[1] - top[0] <= 2e-4:
            near_ties.add(int(x[1]))
        else:
            assert x[2] == y[2], (x, y)
    for name in ("rejects.csv",):
        assert filecmp.cmp(os.path.join(single, name), os.path.join(merged, name), shallow=False)
    manifest_a, manifest_b = (json.load(open(os.path.join(d, "manifest.json"))) for d in (single, merged))
    for key in ("stage", "parameters", "sources", "recordCount", "rejected"):
        assert manifest_a[key] == manifest_b[key], key
    x, y = records(single), records(merged)
    assert x.shape == y.shape
    label_and_crc = [2304, 2428, 2429, 2430, 2431]
    assert np.array_equal(np.delete(x, label_and_crc, axis=1), np.delete(y, label_and_crc, axis=1))
    for row in np.nonzero(x[:, 2304] != y[:, 2304])[0]:
        assert int.from_bytes(x[row, 2312:2320].tobytes(), "little") in near_ties


def source_of_faces():
    """FER-2013's image zip where ../shared/data has it, else the bundled samples' zip."""
    return FER2013_ZIP if os.path.exists(FER2013_ZIP) else os.path.join(ROOT, "samples", "foreign.zip")


def run_array_and_merge(site, stage, args):
    array = site.sbatch(f"{stage}.sbatch", *args, options=(f"--array=1-{TASKS}",))
    merge = site.sbatch("merge.sbatch", stage, options=(f"--dependency=afterok:{array}",))
    assert set(wait_finished(array, site).values()) == {"COMPLETED"}, site.logs_text()
    assert wait_finished(merge, site) == {"-": "COMPLETED"}, site.logs_text()
    return site.datasets()[-1]


def test_array_jobs_of_ingest_augment_and_annotate_merge_into_single_runs(cluster, tmp_path):
    site = Site(str(tmp_path))
    source = source_of_faces()
    started = time.monotonic()
    site.ferdata("ingest", source, "-q")
    single_ingest = site.datasets()[-1]
    merged_ingest = run_array_and_merge(site, "ingest", [source])
    ingest_seconds = time.monotonic() - started
    same_files(os.path.join(site.work, "datasets", single_ingest), os.path.join(site.work, "datasets", merged_ingest))

    site.ferdata("augment", "--from", single_ingest, "--copies", "1", "--seed", "3", "-q")
    single_augment = site.datasets()[-1]
    merged_augment = run_array_and_merge(site, "augment", ["--from", single_ingest, "--copies", "1", "--seed", "3"])
    same_files(os.path.join(site.work, "datasets", single_augment), os.path.join(site.work, "datasets", merged_augment))

    # A model to label with: one epoch on the samples is enough to give labels to compare.
    models = os.path.join(str(tmp_path), "model-work")
    subprocess.run([BINARY, "ingest", os.path.join(ROOT, "samples", "faces.csv"), "-q", "--workspace", models], check=True)
    subprocess.run([BINARY, "train", "--epochs", "1", "-q", "--workspace", models], check=True)
    runs = os.path.join(models, "runs")
    model = os.path.join(runs, sorted(os.listdir(runs))[-1], "last.safetensors")
    site.ferdata("annotate", model, source, "--ingest", "-q")
    single_annotate = site.datasets()[-1]
    merged_annotate = run_array_and_merge(site, "annotate", [model, source])
    same_annotation(os.path.join(site.work, "datasets", single_annotate), os.path.join(site.work, "datasets", merged_annotate))
    print(f"ingest of {os.path.basename(source)}: single run and {TASKS}-task array + merge in {ingest_seconds:.1f} s")


# Task 3 stalls on its first attempt until the test cancels it; task 2 kills itself after writing its
# second shard (ferdata's FERDATA_KILL_AT fault point). Requeued tasks (SLURM_RESTART_COUNT > 0) run as is.
STALL_AND_KILL = r"""#!/bin/bash
if [ "${SLURM_RESTART_COUNT:-0}" = 0 ]; then
    case "${SLURM_ARRAY_TASK_ID:-}" in
        3) touch "@ROOT@/task-3-started"; while true; do sleep 1; done ;;
        2) export FERDATA_KILL_AT=shard:2 ;;
    esac
fi
exec "@BINARY@" "$@"
"""


def test_a_cancelled_task_and_a_killed_one_make_the_merge_refuse_until_they_are_requeued(cluster, tmp_path):
    site = Site(str(tmp_path), wrapper=STALL_AND_KILL)
    source = source_of_faces()
    # Task 2 is killed at its second shard: each part must write several (the samples' zip gives a part
    # about 24 faces, FER-2013's about 9,000).
    shard_size = "500" if source == FER2013_ZIP else "5"
    site.ferdata("ingest", source, "--shard-size", shard_size, "-q")
    single = site.datasets()[-1]

    array = site.sbatch("ingest.sbatch", source, "--shard-size", shard_size, options=(f"--array=1-{TASKS}",))
    wait_until(lambda: os.path.exists(os.path.join(site.root, "task-3-started")), "task 3 starting", site)
    subprocess.run(["scancel", f"{array}_3"], check=True)
    found = wait_finished(array, site)
    assert found == {"1": "COMPLETED", "2": "FAILED", "3": "CANCELLED", "4": "COMPLETED"}, (found, site.logs_text())

    # The killed task left no half part: its folder holds no dataset, only a partial folder nothing reads.
    part_2 = os.path.join(site.work, "parts", "ingest", f"2-of-{TASKS}", "datasets")
    assert [name for name in os.listdir(part_2) if not name.startswith(".")] == []
    assert any(name.startswith(".partial-") for name in os.listdir(part_2))

    merge = site.sbatch("merge.sbatch", "ingest")
    assert wait_finished(merge, site) == {"-": "FAILED"}
    log = site.logs_text()
    assert f"ingest part 3/{TASKS} not found" in log, log

    for task in (2, 3):
        subprocess.run(["scontrol", "requeue", f"{array}_{task}"], check=True)
        # A requeued job waits a while before it is eligible again; make it eligible now.
        subprocess.run(["scontrol", "update", f"JobId={array}_{task}", "StartTime=now"], check=True)
    wait_until(lambda: set(states(array).values()) == {"COMPLETED"}, "the requeued tasks completing", site)
    merge = site.sbatch("merge.sbatch", "ingest")
    assert wait_finished(merge, site) == {"-": "COMPLETED"}, site.logs_text()
    same_files(os.path.join(site.work, "datasets", single), os.path.join(site.work, "datasets", site.datasets()[-1]))
