"""Glob expansion (Sources/StrataCommon/Glob.swift) against Python's glob module as the oracle, and its limits.

Every reader expands paths the same way; read_csv shows which files a pattern matched (its `path` column).
"""
import os
import random
import subprocess
import sys

import pytest

from conftest import LIB, ROOT, connect, error_of

NAMES = ["a.log", "b.log", "ab.log", ".hidden.log", "a.log.1", "a.log.2.gz", "x[1].log", "weird name.log",
         "c.txt", "A.LOG", "aaa", "a-b_c", "é.log", "z*", "q?"]


def make_tree(root, rng):
    dirs = [root]
    for d in ["logs", "logs/app", "logs/app/old", "logs/.git", "other", "other/logs", "x", "x/y", "x/y/z"]:
        (root / d).mkdir(parents=True, exist_ok=True)
        dirs.append(root / d)
    for d in dirs:
        for n in rng.sample(NAMES, 8):
            (d / n).write_text("h\n1\n")
    (root / "logs" / "dir.log").mkdir()           # a directory a pattern matches: skipped
    os.mkfifo(root / "logs" / "fifo.log")         # a FIFO a pattern matches: skipped (never opened)
    os.symlink(root / "x", root / "logs" / "link")  # a symlink to a directory is followed


PATTERNS = ["*.log", "logs/*.log", "logs/*", "*/*.log", "*/*/*.log", "logs/app/*.log*", "logs/a*.log",
            "logs/[ab].log", "logs/[!a]*.log", "logs/[a-c]*", "logs/?.log", "*/*/*/*", "logs/*/*.log",
            "x/*/z/*", "logs/link/y/*", "logs/.*", "logs/.hidden*", "*/.hidden.log", "logs/x[[]1].log", "logs/*[*]", "logs/é*", "logs/weird*", "*", "*/*", "logs/*.LOG", "logs/A*",
            "logs/*.log.[0-9]*", "nomatch/*", "logs/*.nomatch", "logs/**/*.log"]


def oracle(pattern):
    return sorted(p for p in __import__("glob").glob(pattern) if os.path.isfile(p) and not
                  __import__("stat").S_ISFIFO(os.stat(p).st_mode))


@pytest.mark.parametrize("seed", [1, 2])
def test_glob_matches_python_glob(tmp, db, seed):
    make_tree(tmp, random.Random(seed))
    for pattern in PATTERNS:
        want = oracle(pattern)
        if not want:
            assert "no files match" in error_of(db, "select distinct path from read_csv(?)", (pattern,)), pattern
            continue
        got = [r[0] for r in db.execute("select distinct path from read_csv(?, 'header=false')", (pattern,))]
        assert sorted(got) == want, pattern
        assert got == sorted(got), f"{pattern}: not in name order"


def test_backslash_escapes_a_wildcard_character(tmp, db):
    # As glibc's glob() (without GLOB_NOESCAPE), which Strata used before; Python's glob has no escapes.
    (tmp / "x[1].log").write_text("h\n1\n")
    (tmp / "x1.log").write_text("h\n1\n")
    assert db.execute(r"select distinct path from read_csv('x\[1\].log*')").fetchall() == [("x[1].log",)]
    assert db.execute(r"select distinct path from read_csv('x[1].log*')").fetchall() == [("x1.log",)]


def test_long_and_deep_patterns_are_errors_not_crashes(tmp, db):
    # glibc glob() recursed once per component: 3,000 of them overflowed the host's stack.
    assert "path components (limit 128)" in error_of(db, "select * from read_log(replace(hex(zeroblob(1000)),'00','*/'))")
    assert "bytes long (limit 4096)" in error_of(db, "select * from read_log(replace(hex(zeroblob(3000)),'00','*/'))")
    # fnmatch was exponential on many stars against a long name.
    (tmp / ("a" * 200)).write_text("x\n")
    pattern = "*a" * 60 + "*b"
    assert "no files match" in error_of(db, "select * from read_csv(?)", (pattern,))


def test_wide_glob_stops_at_the_file_limit(tmp, db):
    for i in range(3):
        d = tmp / f"d{i}"
        d.mkdir()
        for j in range(4000):
            (d / f"f{j}").write_text("")
    assert "matches more than 10000 files" in error_of(db, "select count(*) from read_csv('*/*')")


def test_planted_long_glob_in_a_jsonl_table_cannot_crash(tmp):
    # Planted straight into sqlite_master: the connection refuses it before expanding anything.
    script = f"""
import sqlite3
c = sqlite3.connect('planted.db'); c.execute('create table t(x)'); c.execute('pragma writable_schema=on')
c.execute("insert into sqlite_master values('table','j','j',0,'CREATE VIRTUAL TABLE j USING jsonl(''" + "*/" * 3000 + "'')')")
c.commit(); c.close()
c = sqlite3.connect('planted.db'); c.enable_load_extension(True); c.load_extension({str(LIB)!r})
for sql in ['pragma table_info(j)', 'select * from j']:
    try: c.execute(sql).fetchall(); print('READ')
    except sqlite3.Error as e: print('refused', e)
"""
    r = subprocess.run([sys.executable, "-c", script], cwd=tmp, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("refused") == 2 and "not created by this connection" in r.stdout
