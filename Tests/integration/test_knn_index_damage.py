"""knn_index's data lives in ordinary tables (<idx>_meta, <idx>_lists): a database someone sent, or one edited
by hand, can hold any values there. Whatever they hold, a query or a merge gives a result or an error naming the
index — never a crash of the host. Each case runs in a child process, so a trap fails its test instead of
taking pytest down with it.
"""
import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import LIB, connect

CHILD = r"""
import json, sqlite3, sys
path, lib, steps = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
conn = sqlite3.connect(path)
conn.enable_load_extension(True)
conn.load_extension(lib)
try:
    for sql in steps[:-1]:
        conn.execute(sql)
    print("rows", len(conn.execute(steps[-1]).fetchall()))
except sqlite3.Error as e:
    print("error", e)
"""


@pytest.fixture
def indexed(tmp_path):
    path = tmp_path / "docs.db"
    conn = connect(str(path))
    X = np.random.default_rng(7).normal(size=(300, 8)).astype(np.float32)
    conn.execute("CREATE TABLE docs(id INTEGER PRIMARY KEY, embedding BLOB)")
    conn.executemany("INSERT INTO docs VALUES (?, ?)", [(i + 1, X[i].tobytes()) for i in range(len(X))])
    conn.execute("CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding, lists=4)")
    conn.commit()
    conn.close()
    return path, "x'" + X[0].tobytes().hex() + "'"


def run(path, *steps):
    p = subprocess.run([sys.executable, "-c", CHILD, str(path), str(LIB), json.dumps(steps)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, f"the host died (rc {p.returncode}): {p.stderr[-2000:]}"
    return p.stdout.strip()


def search(q, extra=""):
    return f"SELECT * FROM knn_match WHERE corpus = 'docs.embedding' AND query = {q} AND k = 5 {extra}"


def test_undamaged_answers(indexed):
    path, q = indexed
    assert run(path, search(q)) == "rows 5"
    assert run(path, search(q, "AND filter = 'id = 5'")) == "rows 1"


def test_row_count_of_a_list_beyond_its_blobs(indexed):
    # n × 8, n × 4 and n × dimensions all wrap to small numbers for n = 2^61 + 1 (which passed IVFScan's length
    # checks); the lists are read from their ids, terms and codes blobs, whatever n says.
    path, q = indexed
    assert run(path, "UPDATE docs_idx_lists SET n = 2305843009213693953", search(q)) == "rows 5"


def test_index_row_count_at_the_int64_limit(indexed):
    # A filter matching one row widens the probes by rows / 1: a count near 2^63 must not overflow an Int.
    # (An index whose meta is damaged is not used: the search is exact.)
    path, q = indexed
    out = run(path, "UPDATE docs_idx_meta SET value = 9223372036854775807 WHERE key = 'rows'",
              search(q, "AND filter = 'id = 5'"))
    assert out == "rows 1", out


def test_merge_with_list_counts_summing_past_int64(indexed):
    # merge re-counts the rows as total(n), a REAL: 2 × 9e18 is beyond Int64.
    path, _ = indexed
    v = np.ones(8, dtype=np.float32).tobytes().hex()
    out = run(path, "UPDATE docs_idx_lists SET n = 9000000000000000000",
              f"INSERT INTO docs VALUES (1000, x'{v}')",
              "INSERT INTO docs_idx(command) VALUES ('merge')",
              "SELECT * FROM docs_idx_meta WHERE key = 'rows' AND value = 301")
    assert out == "rows 1", out  # merged, and the rows counted from the lists' ids: 300 + the new one


def test_lists_beyond_what_create_allows_is_damage(indexed):
    # CREATE takes at most 65,536 lists; a meta saying 2^20 would have 'rebuild' train a million lists (a k-means
    # buffer of rows x lists). Such a meta is damaged: the search is exact, and rebuild names the index.
    path, q = indexed
    out = run(path, "UPDATE docs_idx_meta SET value = 1048576 WHERE key = 'lists'", search(q))
    assert out == "rows 5", out
    out = run(path, "UPDATE docs_idx_meta SET value = 1048576 WHERE key = 'lists'",
              "INSERT INTO docs_idx(command) VALUES ('rebuild')", "SELECT 1")
    assert "docs_idx_meta is damaged" in out, out
