# The two set-up commands of the README, and the benchmarks.
.PHONY: deps sample test bench-ingest

deps:
	@scripts/ensure-deps

# The main job on the bundled samples: pipelines/sample.yaml end to end (ingest, dedup, split,
# balance, augment, train, eval, crosseval); a second run finds every stage up to date. A model that
# learned nothing fails it (exit status 3).
sample: deps
	swift build -c release --product ferdata
	.build/release/ferdata run pipelines/sample.yaml --fail-on-collapse

# The whole test suite: first everything it runs against (scripts/ensure-deps --test: the C libraries,
# Slurm's daemons and munge, Chromium and its WebDriver, numpy, pytest, Pillow, PyTorch, webdataset,
# selenium and onnxruntime; it stops with one line naming what it could not install), then the Swift suite,
# optimised (numeric code is 10-100x slower in debug builds), then the Python package's tests
# (python/), the review server and page (tests/review: HTTP, and headless Chromium), and the Slurm
# integration test (tests/slurm: a one-node cluster started and stopped by the test, as root). No
# test is skipped. The Python tests run the ferdata binary the Swift tests built. Examples/ (ferdata as a
# library, from a package of its own) is built and run on samples/ between the two.
test:
	@scripts/ensure-deps --test
	swift test -c release -Xswiftc -enable-testing
	swift run --package-path Examples ingest-and-split samples
	SE_AVOID_STATS=true python3 -m pytest python/tests tests/review tests/slurm -q -rs -p no:cacheprovider

bench-ingest: deps
	scripts/bench-ingest
