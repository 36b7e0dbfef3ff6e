# The README's commands. `make demo` sets up and runs the demo; `make test` runs every test.
SHELL := /bin/bash
VENV := .build-venv
PY := $(VENV)/bin/python
RELEASE := .build/release

.PHONY: setup build demo demo-html test unit integration sanitize bench fuzz clean wheel wheel-test bare-test

setup:
	@bash scripts/setup.sh

build: setup
	swift build -c release
	@ln -sf strata-cli $(RELEASE)/strata

REPORTS := jobs predictions search drift errors quality

# The morning report on the bundled demo data (sql/demo/): every report in sql/, as text with charts.
demo: build
	@for r in $(REPORTS); do $(RELEASE)/strata run sql/$$r.sql --format text || exit 1; echo; done

# The same reports as self-contained HTML pages in .build/reports/.
demo-html: build
	@mkdir -p .build/reports
	@for r in $(REPORTS); do $(RELEASE)/strata run sql/$$r.sql --output .build/reports/$$r.html || exit 1; done
	@echo "open .build/reports/jobs.html (and the others) in a browser"

unit: setup
	swift test

# The integration tests run in TEST_WORKERS pytest-xdist processes (`auto`: one a CPU; 0: in pytest's own
# process); scripts/sanitize-integration.sh reads the same variable.
TEST_WORKERS ?= auto
export TEST_WORKERS

integration: build
	@bash scripts/setup.sh --with-python
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal Tests/integration

# wheel-test last: it packs the release build that `integration` has just made in .build (no second build).
test: WHEEL_SCRATCH = .build
test: unit integration wheel-test

# The unit tests under AddressSanitizer (with LeakSanitizer) and ThreadSanitizer (XCTest is skipped: its
# harness leaks by itself and every test here is a Swift Testing test); then the integration tests with the
# sanitizer builds of libstrata.so loaded into the real clients (scripts/sanitize-integration.sh).
# ThreadSanitizer runs every unit test, not only those of code that starts threads (KNN batches, the huge-page
# collapser, JSON lines and level counts on workers, the CLI's watchdog): Swift Testing runs the tests in
# parallel, so the state connections share across threads (the KNN cache, FileTableTrust, TransactionWatch,
# ScanProgress, FileAccess, Interruption, lazy globals) is raced by suites that start no thread themselves.
sanitize: setup
	@bash scripts/setup.sh --with-python
	swift test --sanitize=address --scratch-path .build-asan --disable-xctest
	bash scripts/sanitize-integration.sh address
	swift test --sanitize=thread --scratch-path .build-tsan --disable-xctest
	bash scripts/sanitize-integration.sh thread

bench: build
	@bash scripts/setup.sh --with-python
	cd Benchmarks && swift package --allow-writing-to-package-directory benchmark
	$(PY) Benchmarks/peers/run.py

# Every fuzz target for FUZZ_SECONDS each (default 600: the ten-minute run), two at a time; not in CI.
fuzz: setup
	bash scripts/fuzz-all.sh $(or $(FUZZ_SECONDS),600) $(or $(FUZZ_JOBS),2)

clean:
	rm -rf .build .build-venv

# The Python wheel (python/, scripts/build-wheel.sh): .build-wheel-py/dist/strata_sqlite-VERSION-py3-none-
# manylinux_2_34_x86_64.whl, with OpenBLAS and the rest vendored. Built from its own Swift build folder
# (WHEEL_SCRATCH, default .build-wheel) unless told otherwise; `make test` packs .build's release build.
WHEEL_SCRATCH ?= .build-wheel

wheel: setup
	bash scripts/build-wheel.sh --scratch-path $(WHEEL_SCRATCH)

# The client suite (Tests/wheel) against the wheel installed into a fresh venv of Debian's python3.
wheel-test: wheel
	bash scripts/wheel-test.sh

# The wheel on a minimal Debian 12 root made by debootstrap (python3 only; needs root; a few minutes, not in CI).
bare-test: wheel
	bash scripts/bare-machine.sh
