# The two set-up commands of the README, and the benchmarks.
.PHONY: deps sample test bench-ingest

deps:
	@scripts/ensure-deps

# The main job on the bundled samples: pipelines/sample.yaml end to end (ingest, dedup, split,
# balance, augment, train, eval, crosseval); a second run finds every stage up to date.
sample: deps
	swift build -c release --product ferdata
	.build/release/ferdata run pipelines/sample.yaml

# The whole test suite, optimised (numeric code is 10-100x slower in debug builds), then the Python
# package's (python/; its PyTorch tests run where torch is installed), the review server and page
# (tests/review: HTTP, and headless Chromium where chromium, chromium-driver and selenium are
# installed, `scripts/ensure-deps --browser`) and the Slurm integration test
# (tests/slurm: a one-node cluster started and stopped by the test; it runs as root where Slurm is
# installed, `scripts/ensure-deps --slurm`). The Python tests run the ferdata binary the Swift tests built.
test: deps
	swift test -c release -Xswiftc -enable-testing
	python3 -m pytest python/tests tests/review tests/slurm -q -rs -p no:cacheprovider

bench-ingest: deps
	scripts/bench-ingest
