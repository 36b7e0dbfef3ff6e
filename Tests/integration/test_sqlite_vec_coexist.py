"""Strata beside sqlite-vec (from PyPI) in one connection, loaded in either order (issue 15, item 5).

The names both define (vec_f32, vec_to_json, vec_normalize) answer as sqlite-vec alone answers, whichever was
loaded last: Strata registers them only where no function of that name exists, and sqlite-vec loaded after
Strata replaces them. sqlite-vec's int8 and bit vectors are refused by every Strata distance function and by
knn_match (as a query or a vec0 corpus column) with an error that says what they are — never read as float32.
"""
import sqlite3

import numpy as np
import pytest

sqlite_vec = pytest.importorskip("sqlite_vec")

from conftest import LIB

ORDERS = [("vec",), ("vec", "strata"), ("strata", "vec")]

SHARED = [
    "SELECT vec_to_json(vec_f32('[1, 2.5, 3]'))",
    "SELECT hex(vec_f32('[1e39]'))",
    "SELECT hex(vec_f32('[0.1, -2]'))",
    "SELECT hex(vec_normalize(vec_f32('[3, 4]')))",
    "SELECT vec_to_json(vec_normalize('[3, 4, 0]'))",
    "SELECT vec_to_json(x'0000803f')",
    "SELECT vec_length(vec_f32('[1, 2]'))",
    "SELECT vec_type(vec_f32('[1, 2]'))",
]


def connect(order):
    conn = sqlite3.connect(":memory:")
    conn.enable_load_extension(True)
    for name in order:
        if name == "vec":
            sqlite_vec.load(conn)
        else:
            conn.load_extension(str(LIB))
    conn.enable_load_extension(False)
    return conn


def answer(conn, sql):
    try:
        return ("ok", conn.execute(sql).fetchall())
    except sqlite3.Error as e:
        return ("error", str(e))


@pytest.mark.parametrize("order", ORDERS[1:])
def test_shared_names_answer_as_sqlite_vec_alone(order):
    alone = connect(ORDERS[0])
    both = connect(order)
    for sql in SHARED:
        assert answer(both, sql) == answer(alone, sql), sql


@pytest.mark.parametrize("order", ORDERS[1:])
@pytest.mark.parametrize("sql, what", [
    ("SELECT vec_dims(vec_int8('[1, 2, 3, 4]'))", "int8 vector"),
    ("SELECT vec_norm(vec_bit(x'ff'))", "bit vector"),
    ("SELECT cosine_distance(vec_f32('[1, 2, 3, 4]'), vec_int8('[1, 2, 3, 4]'))", "argument 2 is an int8 vector"),
    ("SELECT l2_distance(vec_int8('[1, 2, 3, 4]'), vec_f32('[1, 2, 3, 4]'))", "argument 1 is an int8 vector"),
    ("SELECT inner_product(vec_bit(x'ff'), vec_bit(x'ff'))", "bit vector"),
    ("SELECT cosine_similarity(vec_int8('[1, 2]'), vec_int8('[1, 2]'))", "int8 vector"),
    ("SELECT vec_avg(vec_int8('[1, 2, 3, 4]'))", "int8 vector"),
])
def test_int8_and_bit_vectors_are_refused_by_name(order, sql, what):
    conn = connect(order)
    with pytest.raises(sqlite3.OperationalError, match=what):
        conn.execute(sql).fetchall()


@pytest.mark.parametrize("order", ORDERS[1:])
def test_knn_match_refuses_int8_and_bit_columns_and_queries(order):
    conn = connect(order)
    conn.execute("CREATE VIRTUAL TABLE v USING vec0(e int8[4])")
    conn.execute("INSERT INTO v(rowid, e) VALUES (1, vec_int8('[1, 2, 3, 4]')), (2, vec_int8('[4, 3, 2, 1]'))")
    with pytest.raises(sqlite3.OperationalError, match="v.e holds an int8 vector"):
        conn.execute("SELECT * FROM knn_match('v.e', vec_f32('[1, 2, 3, 4]'), 1)").fetchall()
    conn.execute("CREATE VIRTUAL TABLE b USING vec0(e bit[32])")
    conn.execute("INSERT INTO b(rowid, e) VALUES (1, vec_bit(x'ffffffff'))")
    with pytest.raises(sqlite3.OperationalError, match="b.e holds a bit vector"):
        conn.execute("SELECT * FROM knn_match('b.e', vec_f32('[1]'), 1)").fetchall()
    conn.execute("CREATE TABLE t (e BLOB)")
    conn.execute("INSERT INTO t VALUES (vec_f32('[1, 2, 3, 4]'))")
    with pytest.raises(sqlite3.OperationalError, match="query is an int8 vector"):
        conn.execute("SELECT * FROM knn_match('t.e', vec_int8('[1, 2, 3, 4]'), 1)").fetchall()


@pytest.mark.parametrize("order", ORDERS[1:])
def test_float32_answers_agree_with_numpy_and_sqlite_vec(order):
    conn = connect(order)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((50, 16)).astype(np.float32)
    q = rng.standard_normal(16).astype(np.float32)
    conn.execute("CREATE VIRTUAL TABLE v USING vec0(e float[16])")
    conn.executemany("INSERT INTO v(rowid, e) VALUES (?, ?)", [(i + 1, r.tobytes()) for i, r in enumerate(x)])
    conn.execute("CREATE TABLE t (e BLOB)")
    conn.executemany("INSERT INTO t(rowid, e) VALUES (?, ?)", [(i + 1, r.tobytes()) for i, r in enumerate(x)])
    d = np.linalg.norm(x.astype(np.float64) - q, axis=1)
    want = [int(i) + 1 for i in np.argsort(d, kind="stable")[:5]]
    ours = [r[0] for r in conn.execute(
        "SELECT id FROM knn_match('t.e', ?, 5, 'l2') ORDER BY rank", (q.tobytes(),))]
    theirs = [r[0] for r in conn.execute(
        "SELECT rowid FROM v WHERE e MATCH ? AND k = 5 ORDER BY distance", (q.tobytes(),))]
    over_vec0 = [r[0] for r in conn.execute(
        "SELECT id FROM knn_match('v.e', ?, 5, 'l2') ORDER BY rank", (q.tobytes(),))]
    assert ours == want == theirs == over_vec0
    # Distances agree with sqlite-vec's own function and with NumPy.
    for (rowid,) in conn.execute("SELECT rowid FROM t LIMIT 5"):
        mine, vecs = conn.execute(
            "SELECT l2_distance(e, ?), vec_distance_l2(e, ?) FROM t WHERE rowid = ?", (q.tobytes(), q.tobytes(), rowid)
        ).fetchone()
        assert mine == pytest.approx(d[rowid - 1], rel=1e-12)
        assert vecs == pytest.approx(d[rowid - 1], rel=1e-5)
    # vec_check names an int8 vector; vec_valid gives NULL for it (never reads its bytes as float32).
    assert conn.execute("SELECT vec_check(vec_int8('[1, 2, 3, 4]'))").fetchone()[0].startswith("an int8 vector")
    assert conn.execute("SELECT vec_valid(vec_bit(x'ff')), vec_type(vec_valid(vec_f32('[1, 2]')))").fetchone() == (
        None, "float32")
    # Strata's float32 results are sqlite-vec vectors.
    assert conn.execute("SELECT vec_type(vec_avg(e)), vec_length(vec_avg(e)) FROM t").fetchone() == ("float32", 16)
