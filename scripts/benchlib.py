"""What every benchmark script shares: the repository root, the options every one takes (the data
folder, the number of runs, the peer's Python) under one name each, and the release build."""
import argparse
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data")
PEERS = os.path.join(ROOT, "..", "shared", "peers")


def arguments(description, runs=None, peer_python=None):
    """An argument parser with --data (../shared/data), --runs when `runs` is given, and --peer-python
    (the Python that runs the peer: $PEER_PYTHON, else `peer_python`) when that is given."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DATA, help="the folder of FER-2013 (default ../shared/data)")
    if runs is not None:
        parser.add_argument("--runs", type=int, default=runs, help=f"timed runs of each side (default {runs}); the median is quoted")
    if peer_python is not None:
        parser.add_argument("--peer-python", default=os.environ.get("PEER_PYTHON", peer_python),
                            help=f"the Python that runs the peer (default $PEER_PYTHON, else {peer_python})")
    return parser


def build(*products):
    """A release build of the products named (every product when none is)."""
    command = ["swift", "build", "-c", "release"]
    for product in products:
        subprocess.run(command + ["--product", product], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    if not products:
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
