#!/usr/bin/env bash
# The integration tests (Tests/integration) against a sanitizer build of libstrata.so: the host processes
# (Python's sqlite3, Debian's sqlite3 CLI, sqlite-utils, Datasette) load the instrumented library with the
# sanitizer's runtime preloaded.
#   scripts/sanitize-integration.sh address [PYTEST ARGS...]   every integration test under AddressSanitizer
#   scripts/sanitize-integration.sh thread  [PYTEST ARGS...]   the multi-threaded ones under ThreadSanitizer
#
# The tests run in TEST_WORKERS pytest-xdist processes (default `auto`: one a CPU; 0 runs them in pytest's own
# process): on two cores both runs take about two thirds of the time they take in one process (less than
# half is out of reach: the multi-threaded tests already use both cores). conftest.SANITIZER (STRATA_SANITIZER,
# set here) also makes a few tests repeat less: fewer fuzz calls, smaller generated data, the same checks (see
# the tests that read it).
#
# AddressSanitizer: leak checking stays off (CPython never frees everything; the unit tests run under
# LeakSanitizer instead, see `make sanitize`). The strata CLI links its own static ASan runtime, so it runs
# through a wrapper that drops the preload; its interactive-shell tests are left out because that static
# runtime does not interpose malloc for shared libraries, so freeing libedit's readline() buffer (made by
# glibc's strdup) looks like a bad free to ASan, although the release build pairs glibc's malloc and free.
set -euo pipefail
export STRATA_SANITIZER=${1:-}
cd "$(dirname "$0")/.."
kind=${1:?usage: sanitize-integration.sh address|thread [PYTEST ARGS...]}
shift
# worksteal: a worker that runs out takes queued tests from the other, so one slow test does not end the run alone.
parallel=(-n "${TEST_WORKERS:-auto}" --dist worksteal)
swift_root=$(dirname "$(dirname "$(readlink -f "$(command -v swiftc)")")")
clang_rt=$(ls -d "$swift_root"/lib/clang/*/lib/linux | head -1)
case "$kind" in
  address)
    swift build --sanitize=address --scratch-path .build-asan
    wrapper=.build-asan/strata-cli-without-preload
    printf '#!/bin/sh\nunset LD_PRELOAD\nexec "%s" "$@"\n' "$PWD/.build-asan/debug/strata-cli" > "$wrapper"
    chmod +x "$wrapper"
    # Reports go to files: pytest captures stderr, and an aborting host would take the report with it.
    reports=$PWD/.build-asan/reports
    rm -rf "$reports" && mkdir -p "$reports"
    status=0
    LD_PRELOAD=$clang_rt/libclang_rt.asan-x86_64.so \
      ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:log_path=$reports/asan \
      STRATA_LIB=$PWD/.build-asan/debug/libstrata STRATA_CLI=$PWD/$wrapper \
      .build-venv/bin/python -m pytest -q "${parallel[@]}" Tests/integration --ignore=Tests/integration/test_cli_shell.py "$@" \
      || status=$?
    if compgen -G "$reports/asan.*" > /dev/null; then
      echo "AddressSanitizer reports:" >&2
      cat "$reports"/asan.* >&2
      [ "$status" -ne 0 ] || status=1
    fi
    exit "$status"
    ;;
  thread)
    swift build --sanitize=thread --scratch-path .build-tsan
    # Swift's TSan runtime needs libdispatch loaded beside it. Reports also go to files: one raised while pytest
    # captures stderr, or as the interpreter exits, would otherwise leave only TSan's exit status 66.
    swift_lib=$swift_root/lib/swift/linux
    reports=$PWD/.build-tsan/reports
    rm -rf "$reports" && mkdir -p "$reports"
    status=0
    # test_concurrency and test_knn whole, and from test_files the JSON lines read on worker threads
    # (JSONLinesParallelScan, the two_threads tests): one pytest run, so both workers share out all of them.
    LD_PRELOAD="$clang_rt/libclang_rt.tsan-x86_64.so $swift_lib/libdispatch.so $swift_lib/libBlocksRuntime.so" \
      TSAN_OPTIONS="halt_on_error=1 log_path=$reports/tsan" STRATA_LIB=$PWD/.build-tsan/debug/libstrata \
      .build-venv/bin/python -m pytest -q "${parallel[@]}" Tests/integration/test_concurrency.py Tests/integration/test_knn.py \
      Tests/integration/test_files.py -k "not test_files.py or two_threads" "$@" || status=$?
    if compgen -G "$reports/tsan*" >/dev/null; then
      echo "ThreadSanitizer reports:" >&2
      cat "$reports"/tsan* >&2
      [ "$status" != 0 ] || status=1
    fi
    exit "$status"
    ;;
  *) echo "sanitize-integration.sh: unknown sanitizer '$kind' (address or thread)" >&2; exit 2 ;;
esac
