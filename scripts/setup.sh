#!/usr/bin/env bash
# Installs what Strata needs on Debian, only when missing: the C libraries it builds against, the sqlite3
# CLI, and a Python venv (from Debian's /usr/bin/python3, whose sqlite3 can load extensions) holding the
# test oracles (NumPy, croniter, cronsim) and the clients the tests load the extension into (sqlite-utils, Datasette).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libsqlite3-dev libopenblas-dev libedit-dev zlib1g-dev libsnappy-dev libzstd-dev liblz4-dev sqlite3 pkg-config python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--with-python" ]; then
  # strace: a shell test delays the terminal's ioctls with it to widen a race deterministically.
  if ! dpkg -s strace >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    { $SUDO apt-get install -y -qq strace || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq strace; }; } >/dev/null
  fi
  venv=.build-venv
  if [ ! -x "$venv/bin/python" ]; then
    /usr/bin/python3 -m venv "$venv"
  fi
  if ! "$venv/bin/python" -c "import numpy, pytest, xdist, croniter, cronsim, sqlite_utils, pyarrow, polars, duckdb" 2>/dev/null; then
    echo "setup: installing Python test tools into $venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check -r scripts/requirements-test.txt
  fi
  # sqlite-vec (test_sqlite_vec_coexist.py), also into a venv made before it was listed.
  "$venv/bin/python" -c "import sqlite_vec" 2>/dev/null ||
    "$venv/bin/pip" install -q --disable-pip-version-check "sqlite-vec==0.1.9"
fi
