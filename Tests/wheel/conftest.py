"""Client tests against the installed wheel, never the build tree.

scripts/wheel-test.sh (`make wheel-test`) installs the wheel into a fresh venv of Debian's /usr/bin/python3
and runs these with that venv's pytest: `strata_sqlite`, the `strata` command and the plugins all come from
the venv's site-packages and bin/. Data files are made here, in temporary folders.
"""
import array
import json
import logging
import os
import pathlib
import socket
import sqlite3
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

import strata_sqlite

VENV = pathlib.Path(sys.prefix)
BIN = pathlib.Path(sys.executable).parent
SITE = pathlib.Path(sysconfig.get_paths()["platlib"])
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def pytest_sessionstart(session):
    # The point of this suite: the package under test is the installed one.
    here = pathlib.Path(strata_sqlite.__file__).resolve()
    if SITE.resolve() not in here.parents:
        raise pytest.UsageError(f"strata_sqlite imported from {here}, not from the venv's {SITE}")


def f32(*values):
    """A vector as sqlite-vec and NumPy write it: little-endian float32 bytes."""
    a = array.array("f", values)
    if sys.byteorder != "little":
        a.byteswap()
    return a.tobytes()


def connect(path=":memory:", safe=False):
    conn = sqlite3.connect(path)
    strata_sqlite.load(conn, safe=safe)
    return conn


@pytest.fixture
def tmp(tmp_path, monkeypatch):
    """A temporary folder that is also the current one (Strata resolves paths against it)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_log(path, records):
    """A log file written by Python's logging with LOG_FORMAT: records are (level, logger, message[, exc])."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    for level, name, message, *exc in records:
        logger = logging.getLogger(name)
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        if exc:
            try:
                raise exc[0]
            except Exception:
                logger.log(level, message, exc_info=True)
        else:
            logger.log(level, message)
        logger.removeHandler(handler)
    handler.close()


def write_jsonl(path, docs):
    pathlib.Path(path).write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")


def make_docs_db(path):
    """A table of 2-D unit-ish vectors with a `lang` column, for knn_match."""
    conn = sqlite3.connect(path)
    conn.execute("create table docs (id integer primary key, title text, lang text, embedding blob)")
    rows = [
        (1, "east", "en", f32(1, 0)),
        (2, "north-east", "de", f32(1, 1)),
        (3, "north", "en", f32(0, 1)),
        (4, "west", "en", f32(-1, 0)),
        (5, "almost east", "de", f32(1, 0.05)),
    ]
    conn.executemany("insert into docs values (?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Datasette:
    """A `datasette serve` process of the venv on 127.0.0.1, queried over HTTP."""

    def __init__(self, *args, cwd, env=None):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [str(BIN / "datasette"), "serve", *args, "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=cwd, env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.get("/-/versions.json")
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"datasette did not start:\n{self.output}")
                time.sleep(0.1)

    def get(self, path):
        """(status, JSON body) of a GET."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def sql(self, database, sql):
        """(status, JSON body) of /database.json?sql=... with array rows."""
        query = urllib.parse.urlencode({"sql": sql, "_shape": "array"})
        return self.get(f"/{database}.json?{query}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.output = self.proc.stdout.read() if self.proc.stdout else ""
        if self.proc.stdout:
            self.proc.stdout.close()


def run(*args, cwd=None, env=None, input=None):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, input=input,
                          env={**os.environ, **(env or {})}, timeout=120)
