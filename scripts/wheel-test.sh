#!/usr/bin/env bash
# The client suite against the installed wheel (`make wheel-test`, after `make wheel`): a fresh venv of Debian's
# /usr/bin/python3 (whose sqlite3 can load extensions) gets the wheel plus the clients (sqlite-utils, Datasette)
# and pytest, and Tests/wheel runs with that venv's pytest from a folder outside the repository, so nothing
# can come from the build tree. Then one timing, printed (never asserted): a new Python process that imports
# strata_sqlite, loads it into a connection and runs a first query.
#   scripts/wheel-test.sh [PYTEST ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=.build-wheel-py
venv=$work/test-venv

wheel=$(ls -t "$work"/dist/strata_sqlite-*-manylinux_*.whl 2>/dev/null | head -1 || true)
[ -n "$wheel" ] || { echo "wheel-test: no wheel in $work/dist (run make wheel)" >&2; exit 1; }
echo "wheel-test: $wheel" >&2

rm -rf "$venv"
/usr/bin/python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "$wheel" -r scripts/requirements-wheel-test.txt

# pytest's rootdir and cache live in a temporary folder; the tests import strata_sqlite from site-packages.
run_dir=$(mktemp -d)
trap 'rm -rf "$run_dir"' EXIT
cp Tests/wheel/*.py "$run_dir/"
(cd "$run_dir" && "$root/$venv/bin/python" -I -m pytest -q -p no:cacheprovider "$@" .)

# Timing: import + load + first query in a fresh process (best of 10 runs, after one warm-up).
"$venv/bin/python" - <<'EOF'
import subprocess, sys, time
code = ("import time; t = time.perf_counter(); import sqlite3, strata_sqlite; c = sqlite3.connect(':memory:'); "
        "strata_sqlite.load(c); c.execute(\"select cosine_distance('[1,2,3]', '[3,2,1]')\").fetchone(); "
        "print((time.perf_counter() - t) * 1000)")
once = lambda: float(subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                                   check=True).stdout)
once()  # warm-up: the page cache
runs = sorted(once() for _ in range(10))
print(f"wheel-test: import + load(conn) + first query: best {runs[0]:.1f} ms, median {runs[5]:.1f} ms "
      f"(in-process, Python {sys.version.split()[0]})", file=sys.stderr)
EOF
