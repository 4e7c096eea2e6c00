# The two set-up commands of the README, and the benchmarks.
SAMPLE_WORK := .build/sample-work

.PHONY: deps sample test bench-ingest

deps:
	@scripts/ensure-deps

# The main job on the bundled samples: ingest them and print the summary.
sample: deps
	swift build -c release
	rm -rf $(SAMPLE_WORK)
	.build/release/ferdata ingest samples/faces.csv samples/foreign.zip --workspace $(SAMPLE_WORK)

# The whole test suite, optimised (numeric code is 10-100x slower in debug builds).
test: deps
	swift test -c release -Xswiftc -enable-testing

bench-ingest: deps
	scripts/bench-ingest
