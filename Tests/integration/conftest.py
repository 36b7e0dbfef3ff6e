"""Integration tests: the built libstrata.so loaded into real SQLite clients.

Run through `make integration` (venv from Debian's /usr/bin/python3, whose sqlite3 can load extensions).
Answers are checked against oracles we did not write: NumPy, croniter, Python's logging, np.save.
"""
import os
import pathlib
import sqlite3
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# No suffix: SQLite adds .so, as `.load` users type it. STRATA_LIB/STRATA_CLI point elsewhere (helpers' builds).
LIB = pathlib.Path(os.environ.get("STRATA_LIB", ROOT / ".build" / "release" / "libstrata"))
CLI = pathlib.Path(os.environ.get("STRATA_CLI", ROOT / ".build" / "release" / "strata-cli"))
# Set by scripts/sanitize-integration.sh: tests of peak memory, address-space limits and the line editor
# measure the sanitizer's runtime (shadow memory, its own allocator), not Strata, and skip under one.
SANITIZER = os.environ.get("STRATA_SANITIZER", "")
not_under_sanitizer = pytest.mark.skipif(SANITIZER != "", reason=f"measures the {SANITIZER} sanitizer's runtime, not Strata")
# Plain JSON-lines files of two blocks or more are read on worker threads (Sources/Files/JSONLinesParallelScan.
# swift: 4 MiB blocks). The tests ask for 512 KiB blocks through the test hook STRATA_JSONL_BLOCK_BYTES, read once
# per process, so it is set here before any test loads the library (subprocesses inherit it): the same block
# structure from files an eighth the size (several blocks, a line longer than one) — under ThreadSanitizer the
# 14–28 MB files of 4 MiB blocks took minutes. test_files.py checks that the hook takes effect.
JSONL_BLOCK = int(os.environ.setdefault("STRATA_JSONL_BLOCK_BYTES", str(512 << 10)))


def connect(path=":memory:"):
    """A Python sqlite3 connection with Strata loaded."""
    conn = sqlite3.connect(path)
    conn.enable_load_extension(True)
    conn.load_extension(str(LIB))
    conn.enable_load_extension(False)
    return conn


@pytest.fixture
def tmp(tmp_path, monkeypatch):
    """A temporary directory that is also the current one: Strata resolves paths against it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def db():
    conn = connect()
    yield conn
    conn.close()


def error_of(conn, sql, params=()):
    """The message of the error `sql` raises (fails the test when it succeeds)."""
    with pytest.raises(sqlite3.Error) as e:
        conn.execute(sql, params).fetchall()
    return str(e.value)


def run_sqlite3(*args, input=None):
    """Debian's sqlite3 CLI with the extension loaded first."""
    return subprocess.run(["sqlite3", ":memory:", f".load {LIB}", *args], input=input,
                          capture_output=True, text=True, cwd=ROOT)


def run_cli(*args, input=None, cwd=ROOT, env=None):
    return subprocess.run([str(CLI), *args], input=input, capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})})
