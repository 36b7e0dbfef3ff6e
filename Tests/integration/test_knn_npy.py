"""knn_match over .npy files (a corpus argument ending in .npy names a file; ids are row indexes, read_npy's
`i`) against a NumPy float64 brute force: every metric, float32/float64/float16 files in C and Fortran order,
batch queries from a table and from a .npy file, k larger than the file, the cache (reused while the file is
unchanged, rebuilt after np.save rewrites it), EXPLAIN QUERY PLAN, DIRECTONLY, and the exact errors."""
import os
import time

import numpy as np
import pytest

from conftest import connect, error_of
from test_knn import METRICS, assert_same, oracle


@pytest.fixture
def rng():
    return np.random.default_rng(4321)


@pytest.fixture
def auto():
    """An autocommit connection (the corpus cache is used)."""
    conn = connect()
    conn.isolation_level = None
    yield conn
    conn.close()


def save(path, X, order="C"):
    """np.save to exactly `path` (given a name, np.save would add .npy to `Docs.NPY`), truncating in place."""
    with open(path, "wb") as f:
        np.save(f, np.asfortranarray(X) if order == "F" else np.ascontiguousarray(X))
    return str(path)


def settle(path):
    """Backdates the file's times so knn_match trusts its stamp and caches the packed copy (a file changed
    within the last seconds is packed for each query, since timestamps have limited granularity)."""
    past = time.time() - 3600
    os.utime(path, (past, past))


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("dtype,order", [(np.float32, "C"), (np.float32, "F"), (np.float64, "C"),
                                         (np.float64, "F"), (np.float16, "C"), (">f4", "C")])
def test_single_query_matches_numpy(db, rng, tmp_path, metric, dtype, order):
    X = rng.standard_normal((500, 24)).astype(dtype)
    path = save(tmp_path / "corpus.npy", X, order)
    X32 = X.astype(np.float32)  # what knn_match packs: every float dtype converted to float32
    ids = np.arange(len(X))
    for k in (1, 10, 600):
        q = rng.standard_normal(24).astype(np.float32)
        rows = db.execute("SELECT id, distance, rank FROM knn_match(?, ?, ?, ?)",
                          (path, q.tobytes(), k, metric)).fetchall()
        assert_same(rows, oracle(X32, ids, q, k, metric))
        assert [r[2] for r in rows] == list(range(1, min(k, len(X)) + 1))


@pytest.mark.parametrize("metric", METRICS)
def test_batch_queries_from_a_table_and_from_a_file(db, rng, tmp_path, metric):
    X = rng.standard_normal((800, 16)).astype(np.float32)
    Q = rng.standard_normal((300, 16)).astype(np.float64)
    corpus = save(tmp_path / "c.npy", X, "F")
    queries = save(tmp_path / "q.npy", Q)
    db.execute("CREATE TABLE q(e BLOB)")
    db.executemany("INSERT INTO q(rowid, e) VALUES (?, ?)",
                   [(i + 1, v.astype(np.float32).tobytes()) for i, v in enumerate(Q)])
    ids = np.arange(len(X))
    from_table = db.execute("SELECT query_id, id, distance FROM knn_match(?, 'q.e', 5, ?)",
                            (corpus, metric)).fetchall()
    from_file = db.execute("SELECT query_id, id, distance FROM knn_match(?, ?, 5, ?)",
                           (corpus, queries, metric)).fetchall()
    assert len(from_file) == len(from_table) == 5 * len(Q)
    for j, q in enumerate(Q.astype(np.float32)):
        expected = oracle(X, ids, q, 5, metric)
        assert [r[0] for r in from_file[5 * j:5 * j + 5]] == [j] * 5          # a query file's rows: 0-based
        assert [r[0] for r in from_table[5 * j:5 * j + 5]] == [j + 1] * 5     # a query table's: rowids
        assert_same([r[1:] for r in from_file[5 * j:5 * j + 5]], expected)
        assert_same([r[1:] for r in from_table[5 * j:5 * j + 5]], expected)


def test_ids_join_read_npy_and_relative_paths(db, rng, tmp_path, monkeypatch):
    X = rng.standard_normal((60, 8)).astype(np.float32)
    (tmp_path / "sub").mkdir()
    save(tmp_path / "sub" / "Docs.NPY", X)
    monkeypatch.chdir(tmp_path)  # paths are resolved against the current directory, as read_npy's are
    q = X[17] + 0.01
    rows = db.execute("""SELECT m.id, r.i, m.distance, r.vector FROM knn_match('sub/Docs.NPY', ?, 3, 'l2') m
                         JOIN read_npy('sub/Docs.NPY') r ON r.i = m.id ORDER BY m.rank""", (q.tobytes(),)).fetchall()
    assert_same([(r[0], r[2]) for r in rows], oracle(X, np.arange(60), q, 3, "l2"))
    assert rows[0][0] == rows[0][1] == 17
    assert all(np.frombuffer(r[3], dtype=np.float32).tolist() == X[r[0]].tolist() for r in rows)


def test_a_column_called_npy_is_quoted(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db.execute("CREATE TABLE t(npy BLOB)")
    db.execute("INSERT INTO t VALUES (?), (?)", (np.float32([1, 0]).tobytes(), np.float32([0, 1]).tobytes()))
    q = np.float32([0.1, 1]).tobytes()
    assert db.execute("""SELECT id FROM knn_match('t."npy"', ?, 1)""", (q,)).fetchall() == [(2,)]
    assert error_of(db, "SELECT id FROM knn_match('t.npy', ?, 1)", (q,)) == \
        "knn_match: cannot open 't.npy': No such file or directory"


def test_empty_file_and_json_query(db, tmp_path):
    empty = save(tmp_path / "empty.npy", np.zeros((0, 4), dtype=np.float32))
    assert db.execute("SELECT * FROM knn_match(?, '[1, 2, 3, 4]', 5)", (empty,)).fetchall() == []
    small = save(tmp_path / "small.npy", np.float32([[1, 0], [0, 1], [1, 1]]))
    assert db.execute("SELECT id, rank FROM knn_match(?, '[2, 2]', 5)", (small,)).fetchall() == \
        [(2, 1), (0, 2), (1, 3)]


def nearest(conn, path, q, k=3):
    """Asked twice: streamed the first time a corpus is used, packed and cached the second (docs/knn.md)."""
    sql = "SELECT id, distance FROM knn_match(?, ?, ?, 'l2')"
    first = conn.execute(sql, (path, q.tobytes(), k)).fetchall()
    assert conn.execute(sql, (path, q.tobytes(), k)).fetchall() == first
    return first


def plan_of(conn, path):
    """EXPLAIN QUERY PLAN from a freshly prepared statement (Python reuses statements of the same text)."""
    plan_of.calls = getattr(plan_of, "calls", 0) + 1
    sql = f"EXPLAIN QUERY PLAN SELECT * FROM knn_match('{path}', '[1, 2]', 3) -- {plan_of.calls}"
    return " ".join(r[3] for r in conn.execute(sql).fetchall())


def test_cache_is_reused_and_rebuilt_after_np_save_rewrites_the_file(auto, rng, tmp_path):
    path = tmp_path / "c.npy"
    A = rng.standard_normal((300, 2)).astype(np.float32)
    B = rng.standard_normal((300, 2)).astype(np.float32)   # same shape: same size, same inode after np.save
    q = np.float32([0.5, -0.25])
    save(path, A)
    settle(path)
    assert f"corpus file '{path}' (not cached)" in plan_of(auto, path)
    assert_same(nearest(auto, str(path), q), oracle(A, np.arange(300), q, 3, "l2"))
    assert f"corpus file '{path}' (cached)" in plan_of(auto, path)
    assert_same(nearest(auto, str(path), q), oracle(A, np.arange(300), q, 3, "l2"))

    save(path, B)  # rewritten in place: the stamp (size, times) no longer matches
    assert_same(nearest(auto, str(path), q), oracle(B, np.arange(300), q, 3, "l2"))
    save(path, A)  # rewritten again at once, within the timestamp granularity of the previous write
    assert_same(nearest(auto, str(path), q), oracle(A, np.arange(300), q, 3, "l2"))
    settle(path)
    assert_same(nearest(auto, str(path), q), oracle(A, np.arange(300), q, 3, "l2"))
    os.replace(save(tmp_path / "new.npy", B), path)  # replaced by rename: another inode
    assert_same(nearest(auto, str(path), q), oracle(B, np.arange(300), q, 3, "l2"))
    save(path, B[:100])  # a smaller matrix
    assert_same(nearest(auto, str(path), q, k=500), oracle(B[:100], np.arange(100), q, 500, "l2"))


def test_file_corpora_are_directonly(db, tmp_path):
    path = save(tmp_path / "c.npy", np.float32([[1, 0], [0, 1]]))
    db.execute(f"CREATE VIEW v AS SELECT * FROM knn_match('{path}', '[1, 0]', 1)")
    assert error_of(db, "SELECT * FROM v") == 'unsafe use of virtual table "knn_match"'
    db.execute("CREATE TABLE log(x)")
    db.execute(f"""CREATE TRIGGER tr AFTER INSERT ON log BEGIN
                   SELECT id FROM knn_match('{path}', '[1, 0]', 1); END""")
    assert error_of(db, "INSERT INTO log VALUES (1)") == 'unsafe use of virtual table "knn_match"'


def test_errors_name_knn_match_and_the_file(db, tmp_path):
    d = tmp_path
    good = save(d / "good.npy", np.ones((10, 4), dtype=np.float32))
    save(d / "one_d.npy", np.ones(10, dtype=np.float32))
    save(d / "three_d.npy", np.ones((2, 3, 4), dtype=np.float32))
    save(d / "ints.npy", np.ones((10, 4), dtype=np.int64))
    save(d / "zero_dims.npy", np.ones((10, 0), dtype=np.float32))
    nan = np.ones((10, 4), dtype=np.float32)
    nan[3, 2] = np.nan
    save(d / "nan.npy", nan)
    raw = (d / "good.npy").read_bytes()
    (d / "trunc.npy").write_bytes(raw[:-5])
    (d / "text.npy").write_text("not numpy\n")
    q4 = np.ones(4, dtype=np.float32).tobytes()

    def err(name, q=q4, extra=""):
        return error_of(db, f"SELECT * FROM knn_match(?, ?, 3{extra})", (str(d / name), q))

    assert err("missing.npy") == f"knn_match: cannot open '{d}/missing.npy': No such file or directory"
    assert err("trunc.npy") == (f"knn_match: '{d}/trunc.npy': data is truncated: shape (10, 4) of <f4 needs 160 "
                                f"bytes, the file holds 155 after the header")
    assert err("one_d.npy") == f"knn_match: '{d}/one_d.npy': needs a 2-D array (rows × dimensions), got shape (10,)"
    assert err("three_d.npy") == \
        f"knn_match: '{d}/three_d.npy': needs a 2-D array (rows × dimensions), got shape (2, 3, 4)"
    assert err("ints.npy") == \
        f"knn_match: '{d}/ints.npy' has dtype <i8; knn_match reads float16, float32 and float64 arrays"
    assert err("zero_dims.npy") == f"knn_match: '{d}/zero_dims.npy' has rows of 0 dimensions (1 to 65536 supported)"
    assert err("nan.npy") == f"knn_match: row 3 of '{d}/nan.npy': non-finite value (NaN or Inf) at index 2 (skip_bad => 1 leaves them out)"
    assert err("text.npy").startswith(f"knn_match: '{d}/text.npy': ")
    assert err("good.npy", np.ones(3, dtype=np.float32).tobytes()) == \
        "knn_match: query has 3 dimensions, corpus has 4"
    assert err("good.npy", extra=", 'l2', 'i > 3'") == \
        f"knn_match: a filter needs a table corpus; '{good}' is a file"
    # A 1-D file is one query vector (issue 15), here of the wrong length.
    assert error_of(db, "SELECT * FROM knn_match(?, ?, 3)", (good, str(d / "one_d.npy"))) == \
        "knn_match: query has 10 dimensions, corpus has 4"
    save(d / "q3.npy", np.ones((5, 3), dtype=np.float32))
    assert error_of(db, "SELECT * FROM knn_match(?, ?, 3)", (good, str(d / "q3.npy"))) == \
        "knn_match: query has 3 dimensions, corpus has 4"
