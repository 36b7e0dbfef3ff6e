"""knn_match against a NumPy float64 brute force: every metric, single and batch queries, filters, k larger
than the table, ties, NULL vectors, cache invalidation on this and on another connection, the query plan,
DIRECTONLY, and the exact text of every error."""
import sqlite3

import numpy as np
import pytest

from conftest import connect, error_of

METRICS = ["cosine", "l2", "dot"]


def oracle(X, ids, q, k, metric, mask=None):
    """[(id, distance)] of the k nearest rows, by (distance, id), computed in float64. NaN rows of X are NULLs."""
    X64 = X.astype(np.float64)
    q64 = np.asarray(q, dtype=np.float32).astype(np.float64)
    valid = ~np.isnan(X64).any(axis=1)
    if mask is not None:
        valid &= mask
    Xv = np.where(valid[:, None], X64, 0.0)
    if metric == "cosine":
        nx = np.linalg.norm(Xv, axis=1)
        nq = np.linalg.norm(q64)
        valid &= nx > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            d = 1 - np.clip((Xv @ q64) / (nx * nq), -1, 1)
    elif metric == "l2":
        d = np.linalg.norm(Xv - q64, axis=1)
    else:
        d = -(Xv @ q64)
    ids = np.asarray(ids)
    order = [i for i in np.lexsort((ids, d)) if valid[i]]
    return [(int(ids[i]), float(d[i])) for i in order[:k]]


def assert_same(rows, expected):
    """Rows of (id, distance[, rank]) agree with the oracle: same ids in the same order, distances to 1e-5."""
    assert [r[0] for r in rows] == [e[0] for e in expected]
    for r, e in zip(rows, expected):
        assert r[1] == pytest.approx(e[1], abs=1e-5)


def make_table(conn, X, name="docs", nulls=(), extra=None):
    """Table `name`(id INTEGER PRIMARY KEY, e BLOB[, extra columns]) with row i + 1 holding X[i]."""
    cols = "".join(f", {c}" for c in (extra or {}))
    conn.execute(f"CREATE TABLE {name}(id INTEGER PRIMARY KEY, e BLOB{cols})")
    for i, v in enumerate(X):
        values = [i + 1, None if i in nulls else v.tobytes()] + [col[i] for col in (extra or {}).values()]
        conn.execute(f"INSERT INTO {name} VALUES ({', '.join('?' * len(values))})", values)
    conn.commit()


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def auto(tmp_path):
    """An autocommit connection (no implicit transactions), so the corpus cache is used."""
    conn = connect()
    conn.isolation_level = None
    yield conn
    conn.close()


def with_nans(X, nulls):
    Y = X.copy()
    Y[list(nulls)] = np.nan
    return Y


@pytest.mark.parametrize("metric", METRICS)
def test_single_query_matches_numpy(db, rng, metric):
    X = rng.standard_normal((700, 24)).astype(np.float32)
    nulls = {0, 13, 699}
    make_table(db, X, nulls=nulls)
    ids = np.arange(1, 701)
    for k in (1, 7, 100, 1000):
        q = rng.standard_normal(24).astype(np.float32)
        rows = db.execute("SELECT id, distance, rank, query_id FROM knn_match('docs.e', ?, ?, ?)",
                          (q.tobytes(), k, metric)).fetchall()
        assert_same(rows, oracle(with_nans(X, nulls), ids, q, k, metric))
        assert [r[2] for r in rows] == list(range(1, len(rows) + 1))
        assert all(r[3] is None for r in rows)
        assert len(rows) == min(k, 700 - len(nulls))


def test_json_query_and_default_metric(db, rng):
    X = rng.standard_normal((50, 3)).astype(np.float32)
    make_table(db, X)
    q = [0.25, -1.5, 2.0]
    rows = db.execute("SELECT id, distance FROM knn_match('docs.e', '[0.25, -1.5, 2]', 5)").fetchall()
    assert_same(rows, oracle(X, np.arange(1, 51), q, 5, "cosine"))
    same = db.execute("SELECT id, distance FROM knn_match('docs.e', ?, 5, NULL, NULL)",
                      (np.float32(q).tobytes(),)).fetchall()
    assert same == rows


@pytest.mark.parametrize("metric", METRICS)
def test_batch_matches_numpy(db, rng, metric):
    X = rng.standard_normal((400, 12)).astype(np.float32)
    make_table(db, X, nulls={5})
    Q = rng.standard_normal((30, 12)).astype(np.float32)
    db.execute("CREATE TABLE q(v BLOB)")
    for i, v in enumerate(Q):
        db.execute("INSERT INTO q(rowid, v) VALUES (?, ?)", (10 * (i + 1), None if i == 3 else v.tobytes()))
    rows = db.execute(f"SELECT query_id, id, distance, rank FROM knn_match('docs.e', 'q.v', 6, '{metric}')").fetchall()
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    by_query = {}
    for r in rows:
        by_query.setdefault(r[0], []).append(r[1:])
    assert sorted(by_query) == [10 * (i + 1) for i in range(30) if i != 3]  # NULL query rows give nothing
    for i, v in enumerate(Q):
        if i == 3:
            continue
        got = by_query[10 * (i + 1)]
        assert_same(got, oracle(with_nans(X, {5}), np.arange(1, 401), v, 6, metric))
        assert [g[2] for g in got] == [1, 2, 3, 4, 5, 6]


def test_batch_over_several_query_blocks(db, rng):
    X = rng.standard_normal((300, 4)).astype(np.float32)
    make_table(db, X)
    Q = rng.standard_normal((1100, 4)).astype(np.float32)  # more than one block of queries
    db.execute("CREATE TABLE q(v BLOB)")
    db.executemany("INSERT INTO q VALUES (?)", [(v.tobytes(),) for v in Q])
    rows = db.execute("SELECT query_id, id, distance FROM knn_match('docs.e', 'q.v', 3, 'l2')").fetchall()
    assert len(rows) == 3300
    ids = np.arange(1, 301)
    for qi in (1, 1024, 1025, 1100):
        got = [r[1:] for r in rows if r[0] == qi]
        assert_same(got, oracle(X, ids, Q[qi - 1], 3, "l2"))


@pytest.mark.parametrize("metric", METRICS)
def test_filter_is_the_true_top_k_among_matching_rows(db, rng, metric):
    n = 2000
    X = rng.standard_normal((n, 16)).astype(np.float32)
    lang = ["en" if i % 10 == 0 else "fr" for i in range(n)]
    version = ["v2" if i % 3 else "v1" for i in range(n)]
    make_table(db, X, extra={"lang": lang, "model_version": version})
    mask = np.array([l == "en" and v == "v2" for l, v in zip(lang, version)])
    ids = np.arange(1, n + 1)
    flt = "model_version = 'v2' AND lang = 'en'"
    q = rng.standard_normal(16).astype(np.float32)
    for k in (1, 10, 200):  # 200 > the 133 matching rows: all of them
        rows = db.execute("SELECT id, distance FROM knn_match('docs.e', ?, ?, ?, ?)",
                          (q.tobytes(), k, metric, flt)).fetchall()
        assert_same(rows, oracle(X, ids, q, k, metric, mask))
        assert len(rows) == min(k, int(mask.sum()))
    # The same filter in a batch.
    db.execute("CREATE TABLE q(v BLOB)")
    db.executemany("INSERT INTO q VALUES (?)", [(v.tobytes(),) for v in X[:5]])
    rows = db.execute("SELECT query_id, id, distance FROM knn_match('docs.e', 'q.v', 4, ?, ?)", (metric, flt)).fetchall()
    for qi in range(1, 6):
        assert_same([r[1:] for r in rows if r[0] == qi], oracle(X, ids, X[qi - 1], 4, metric, mask))


def test_filter_matching_nothing_and_subqueries(db, rng):
    X = rng.standard_normal((100, 4)).astype(np.float32)
    make_table(db, X, extra={"tag": [i % 7 for i in range(100)]})
    assert db.execute("SELECT * FROM knn_match('docs.e', '[1,2,3,4]', 5, 'l2', 'tag = 99')").fetchall() == []
    db.execute("CREATE TABLE allowed(x)")
    db.executemany("INSERT INTO allowed VALUES (?)", [(3,), (50,), (77,)])
    rows = db.execute("SELECT id FROM knn_match('docs.e', '[1,2,3,4]', 10, 'l2', 'id IN (SELECT x FROM allowed)')").fetchall()
    assert sorted(r[0] for r in rows) == [3, 50, 77]


@pytest.mark.parametrize("metric", METRICS)
def test_ties_are_broken_by_smaller_id(db, rng, metric):
    X = rng.standard_normal((200, 8)).astype(np.float32)
    dup = rng.standard_normal(8).astype(np.float32)
    dup_rows = [150, 7, 99, 42, 180, 3]
    for r in dup_rows:
        X[r] = dup
    make_table(db, X)
    q = (dup * 0.5 + 0.01).astype(np.float32)
    rows = db.execute("SELECT id, distance FROM knn_match('docs.e', ?, 4, ?)", (q.tobytes(), metric)).fetchall()
    assert_same(rows, oracle(X, np.arange(1, 201), q, 4, metric))
    if metric != "dot":
        exact = db.execute("SELECT id, rank FROM knn_match('docs.e', ?, 4, ?)", (dup.tobytes(), metric)).fetchall()
        assert exact == [(r + 1, i + 1) for i, r in enumerate(sorted(dup_rows)[:4])]


def test_null_and_zero_vectors(db):
    db.execute("CREATE TABLE docs(e)")
    db.executemany("INSERT INTO docs VALUES (?)", [(None,), (np.float32([0, 0]).tobytes(),),
                                                   (np.float32([1, 0]).tobytes(),), ('[0, 1]',)])
    # NULL rows are skipped; a zero vector has no cosine distance, so it never matches under cosine.
    assert [r[0] for r in db.execute("SELECT id FROM knn_match('docs.e', '[1, 0.5]', 10)")] == [3, 4]
    assert [r[0] for r in db.execute("SELECT id FROM knn_match('docs.e', '[1, 0.5]', 10, 'l2')")] == [3, 2, 4]
    # A NULL or all-zero (cosine) query matches nothing.
    assert db.execute("SELECT * FROM knn_match('docs.e', NULL, 3)").fetchall() == []
    assert db.execute("SELECT * FROM knn_match('docs.e', '[0, 0]', 3)").fetchall() == []
    db.execute("CREATE TABLE empty(e)")
    assert db.execute("SELECT * FROM knn_match('empty.e', '[1, 2]', 3)").fetchall() == []


def test_documented_join(db, rng):
    X = rng.standard_normal((30, 5)).astype(np.float32)
    make_table(db, X, extra={"title": [f"doc {i + 1}" for i in range(30)]})
    q = X[11]
    rows = db.execute("SELECT d.title, m.distance FROM knn_match('docs.e', :q, 3) m JOIN docs d ON d.rowid = m.id",
                      {"q": q.tobytes()}).fetchall()
    want = oracle(X, np.arange(1, 31), q, 3, "cosine")
    assert [r[0] for r in rows] == [f"doc {i}" for i, _ in want]
    assert rows[0][1] == pytest.approx(0, abs=1e-7)


def test_attached_and_quoted_names(tmp_path, rng):
    conn = connect()
    conn.execute(f"ATTACH '{tmp_path / 'other.db'}' AS other")
    X = rng.standard_normal((20, 3)).astype(np.float32)
    conn.execute('CREATE TABLE other."my docs"("the vec" BLOB)')
    conn.executemany('INSERT INTO other."my docs" VALUES (?)', [(v.tobytes(),) for v in X])
    want = oracle(X, np.arange(1, 21), X[4], 3, "l2")
    for corpus in ('other."my docs"."the vec"', '"my docs"."the vec"', 'OTHER."MY DOCS"."THE VEC"'):
        rows = conn.execute("SELECT id, distance FROM knn_match(?, ?, 3, 'l2')", (corpus, X[4].tobytes())).fetchall()
        assert_same(rows, want)
    conn.close()


def test_json_text_corpus_rows(db):
    db.execute("CREATE TABLE docs(e TEXT)")
    db.executemany("INSERT INTO docs VALUES (?)", [("[1, 0]",), ("[0.9, 0.1]",), ("[0, 1]",)])
    assert [r[0] for r in db.execute("SELECT id FROM knn_match('docs.e', '[1, 0]', 2, 'l2')")] == [1, 2]


# --- the cache -----------------------------------------------------------------------------------------

def plan(conn, sql, params=()):
    """The EXPLAIN QUERY PLAN text, from a freshly prepared statement (the plan is fixed when prepared, and
    Python reuses prepared statements of the same text)."""
    plan.calls = getattr(plan, "calls", 0) + 1
    return " ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql} -- {plan.calls}", params))


def nearest(conn, q, k=3, metric="l2"):
    """The answer, asked twice: the first time a corpus is used it is streamed, the second time it is packed and
    cached (docs/knn.md), so what follows a call runs against the cache."""
    sql = "SELECT id FROM knn_match('docs.e', ?, ?, ?)"
    first = [r[0] for r in conn.execute(sql, (q, k, metric))]
    again = [r[0] for r in conn.execute(sql, (q, k, metric))]
    assert first == again
    return first


def test_cache_sees_writes_on_the_same_connection(auto, rng):
    X = rng.standard_normal((500, 8)).astype(np.float32)
    make_table(auto, X)
    q = rng.standard_normal(8).astype(np.float32)
    qb = q.tobytes()
    sql = "SELECT id FROM knn_match('docs.e', x'00', 3, 'l2')"
    assert "not cached" in plan(auto, sql)
    before = nearest(auto, qb)
    assert "(cached)" in plan(auto, sql)
    assert before == [i for i, _ in oracle(X, np.arange(1, 501), q, 3, "l2")]
    auto.execute("INSERT INTO docs(id, e) VALUES (1000, ?)", (q.tobytes(),))       # INSERT: the new row wins
    assert nearest(auto, qb) == [1000] + before[:2]
    auto.execute("UPDATE docs SET e = ? WHERE id = ?", ((q + 0.001).astype(np.float32).tobytes(), before[2]))
    assert nearest(auto, qb) == [1000, before[2], before[0]]                        # UPDATE
    auto.execute("DELETE FROM docs WHERE id IN (1000, ?)", (before[2],))            # DELETE
    assert nearest(auto, qb) == before[:2] + [nearest(auto, qb)[2]]
    assert 1000 not in nearest(auto, qb, k=500)
    auto.execute("DELETE FROM docs")                                               # truncate
    assert nearest(auto, qb) == []


def test_cache_is_not_fooled_by_rollback(auto, rng):
    X = rng.standard_normal((100, 4)).astype(np.float32)
    make_table(auto, X)
    q = np.float32([9, 9, 9, 9])
    before = nearest(auto, q.tobytes())
    auto.execute("BEGIN")
    auto.execute("INSERT INTO docs(id, e) VALUES (999, ?)", (q.tobytes(),))
    assert nearest(auto, q.tobytes())[0] == 999      # visible inside the transaction
    auto.execute("ROLLBACK")
    assert nearest(auto, q.tobytes()) == before      # and gone after the rollback
    auto.execute("DROP TABLE docs")                  # a new table of the same name
    auto.execute("CREATE TABLE docs(e BLOB)")
    auto.execute("INSERT INTO docs VALUES (?)", (np.float32([1, 1, 1, 1]).tobytes(),))
    assert nearest(auto, q.tobytes()) == [1]


def test_cache_sees_commits_from_another_connection(tmp_path, rng):
    path = str(tmp_path / "knn.db")
    a = connect(path)
    a.isolation_level = None
    b = sqlite3.connect(path)
    X = rng.standard_normal((300, 6)).astype(np.float32)
    make_table(b, X)
    q = rng.standard_normal(6).astype(np.float32)
    before = nearest(a, q.tobytes())
    assert "(cached)" in plan(a, "SELECT * FROM knn_match('docs.e', x'00', 3, 'l2')")
    b.execute("INSERT INTO docs(id, e) VALUES (5000, ?)", (q.tobytes(),))
    assert nearest(a, q.tobytes()) == before            # not committed yet: invisible
    b.commit()
    assert nearest(a, q.tobytes()) == [5000] + before[:2]
    b.execute("UPDATE docs SET e = ? WHERE id = 5000", (np.float32(-q * 10).tobytes(),))
    b.commit()
    assert nearest(a, q.tobytes()) == before
    b.execute("DELETE FROM docs WHERE id = ?", (before[0],))
    b.commit()
    assert nearest(a, q.tobytes())[:2] == before[1:3]
    a.close()
    b.close()


# --- plan, flags, registration ------------------------------------------------------------------------

def test_explain_query_plan_describes_the_search(db, rng):
    make_table(db, rng.standard_normal((10, 2)).astype(np.float32))
    db.execute("CREATE TABLE q(v)")
    single = plan(db, "SELECT * FROM knn_match('docs.e', '[1, 2]', 5, 'l2', 'id > 3')")
    assert "corpus docs.e (not cached)" in single
    assert "single query vector" in single and "k=5" in single and "metric l2" in single
    assert "filter (id > 3)" in single
    batch = plan(db, "SELECT * FROM knn_match('docs.e', 'q.v', 2)")
    assert "batch of queries from q.v" in batch and "metric cosine" in batch and "no filter" in batch
    params = plan(db, "SELECT * FROM knn_match(?, ?, ?)", ("docs.e", b"", 1))
    assert "corpus ?" in params and "query ?" in params


def test_results_are_ordered_without_a_sort(db, rng):
    make_table(db, rng.standard_normal((50, 3)).astype(np.float32))
    sql = "SELECT * FROM knn_match('docs.e', '[1, 2, 3]', 5) ORDER BY rank"
    assert "TEMP B-TREE" not in plan(db, sql)
    ranks = [r[3] for r in db.execute(sql)]
    assert ranks == [1, 2, 3, 4, 5]
    desc = [r[3] for r in db.execute("SELECT * FROM knn_match('docs.e', '[1, 2, 3]', 5) ORDER BY distance DESC")]
    assert desc == [5, 4, 3, 2, 1]


def test_directonly_and_registration(db, rng):
    make_table(db, rng.standard_normal((5, 2)).astype(np.float32))
    assert db.execute("SELECT count(*) FROM pragma_module_list WHERE name = 'knn_match'").fetchone() == (1,)
    db.execute("CREATE VIEW v AS SELECT * FROM knn_match('docs.e', '[1, 2]', 1)")
    assert error_of(db, "SELECT * FROM v") == 'unsafe use of virtual table "knn_match"'
    assert error_of(db, "CREATE VIRTUAL TABLE t USING knn_match") == "no such module: knn_match"


# --- errors --------------------------------------------------------------------------------------------

@pytest.fixture
def small(db):
    db.execute("CREATE TABLE docs(id INTEGER PRIMARY KEY, tag, e)")
    db.execute("INSERT INTO docs VALUES (1, 'a', ?)", (np.float32([1, 2, 3]).tobytes(),))
    db.execute("CREATE TABLE q(v)")
    return db


@pytest.mark.parametrize("sql, message", [
    ("knn_match('nope.e', '[1,2,3]', 1)", "knn_match: no such table: nope"),
    ("knn_match('docs.nope', '[1,2,3]', 1)", "knn_match: no such column: docs.nope"),
    ("knn_match('nodb.docs.e', '[1,2,3]', 1)", "knn_match: no such database: nodb"),
    ("knn_match('docs', '[1,2,3]', 1)", "knn_match: corpus must be 'table.column' or 'schema.table.column', got 'docs'"),
    ("knn_match('a.b.c.d', '[1,2,3]', 1)",
     "knn_match: corpus must be 'table.column' or 'schema.table.column', got 'a.b.c.d'"),
    ("knn_match(42, '[1,2,3]', 1)", "knn_match: corpus must be 'table.column' or 'schema.table.column', got 42"),
    ("knn_match('docs.e', '[1,2,3]', 0)", "knn_match: k must be an integer between 1 and 100000, got 0"),
    ("knn_match('docs.e', '[1,2,3]', 100001)", "knn_match: k must be an integer between 1 and 100000, got 100001"),
    ("knn_match('docs.e', '[1,2,3]', -5)", "knn_match: k must be an integer between 1 and 100000, got -5"),
    ("knn_match('docs.e', '[1,2,3]', 2.5)", "knn_match: k must be an integer between 1 and 100000, got 2.5"),
    ("knn_match('docs.e', '[1,2,3]', 'ten')", "knn_match: k must be an integer between 1 and 100000, got 'ten'"),
    ("knn_match('docs.e', '[1,2,3]', NULL)", "knn_match: k must be an integer between 1 and 100000, got NULL"),
    ("knn_match('docs.e', '[1,2,3]', 1, 'cos')", "knn_match: unknown metric 'cos' (expected 'cosine', 'l2' or 'dot')"),
    ("knn_match('docs.e', '[1,2,3]', 1, 7)", "knn_match: unknown metric 7 (expected 'cosine', 'l2' or 'dot')"),
    ("knn_match('docs.e', '[1,2,3]', 1, 'l2', 'nope = 1')", "knn_match: invalid filter: no such column: nope"),
    ("knn_match('docs.e', '[1,2,3]', 1, 'l2', 'tag =')", "knn_match: invalid filter: syntax error at the end of 'tag ='"),
    ("knn_match('docs.e', '[1,2,3]', 1, 'l2', '1); DELETE FROM docs; SELECT (1')",
     "knn_match: invalid filter: must be a single expression"),
    ("knn_match('docs.e', '[1,2,3]', 1, 'l2', '1) UNION SELECT (2')",
     "knn_match: invalid filter: must be a single expression"),
    ("knn_match('docs.e', '[1,2,3]', 1, 'l2', '  ')", "knn_match: invalid filter: empty expression"),
    ("knn_match('docs.e', '[1,2]', 1)", "knn_match: query has 2 dimensions, corpus has 3"),
    ("knn_match('docs.e', '[1,2,', 1)", "knn_match: query: invalid JSON vector: expected a number at offset 5"),
    ("knn_match('docs.e', x'0000', 1)",
     "knn_match: query: vector blob length 2 is not a multiple of 4 (expected little-endian float32)"),
    ("knn_match('docs.e', 5, 1)",
     "knn_match: query must be a vector (float32 BLOB or JSON array text) or 'table.column', got integer"),
    ("knn_match('docs.e', 'q.nope', 1)", "knn_match: no such column: q.nope"),
    ("knn_match('docs.e', 'q', 1)", "knn_match: query must be 'table.column' or 'schema.table.column', got 'q'"),
    ("knn_match('docs.e')",
     "knn_match: missing argument 'query' (usage: knn_match(corpus, query, k, [metric], [filter], [ids], [skip_bad], [exact], [probes]))"),
    ("knn_match('docs.e', '[1,2,3]')",
     "knn_match: missing argument 'k' (usage: knn_match(corpus, query, k, [metric], [filter], [ids], [skip_bad], [exact], [probes]))"),
])
def test_error_messages(small, sql, message):
    assert error_of(small, f"SELECT * FROM {sql}") == message


SKIP = " (skip_bad => 1 leaves them out, vec_check(e, 3) lists them)"


@pytest.mark.parametrize("value, message", [
    (np.float32([1, 2]).tobytes(), "knn_match: rowid 2 of docs.e: 2 dimensions, expected 3" + SKIP),
    ("[1, 2, 3, 4]", "knn_match: rowid 2 of docs.e: 4 dimensions, expected 3" + SKIP),
    (b"\x00" * 5, "knn_match: rowid 2 of docs.e: vector blob length 5 is not a multiple of 4 "
                  "(expected little-endian float32)" + SKIP),
    (np.float32([1, np.nan, 3]).tobytes(), "knn_match: rowid 2 of docs.e: non-finite value (NaN or Inf) at index 1" + SKIP),
    (7, "knn_match: rowid 2 of docs.e: expected a vector (float32 BLOB or JSON array text), got integer" + SKIP),
    ("[1, x]", "knn_match: rowid 2 of docs.e: invalid JSON vector: expected a number at offset 4" + SKIP),
])
def test_bad_corpus_rows_name_their_rowid(small, value, message):
    """Issue 15: the diagnosis is vec_check's (`vec_check(e, 3)` says the same), with the way to skip them."""
    small.execute("INSERT INTO docs VALUES (2, 'b', ?)", (value,))
    assert error_of(small, "SELECT * FROM knn_match('docs.e', '[1,2,3]', 1)") == message
    assert message.endswith(small.execute("SELECT vec_check(e, 3) FROM docs WHERE rowid = 2").fetchone()[0] + SKIP)


def test_views_and_without_rowid_tables_are_refused(small):
    small.execute("CREATE VIEW v AS SELECT e FROM docs")
    small.execute("CREATE TABLE w(k PRIMARY KEY, e) WITHOUT ROWID")
    assert error_of(small, "SELECT * FROM knn_match('v.e', '[1,2,3]', 1)") == \
        "knn_match: v.e has no rowids (a view? knn_match reads tables)"
    assert error_of(small, "SELECT * FROM knn_match('w.e', '[1,2,3]', 1)") == \
        "knn_match: cannot read w.e: no such column: rowid"


def test_bad_query_rows_name_their_rowid(small):
    small.execute("INSERT INTO q(rowid, v) VALUES (8, ?)", (np.float32([1, 2]).tobytes(),))
    assert error_of(small, "SELECT * FROM knn_match('docs.e', 'q.v', 1)") == \
        "knn_match: rowid 8 of q.v has 2 dimensions, expected 3"


def test_cache_cap_from_the_environment(tmp_path):
    """STRATA_KNN_CACHE_MB=0 disables caching (read once per process, so checked in a child process)."""
    import os
    import subprocess
    import sys
    from conftest import LIB
    code = f"""
import sqlite3, numpy as np
c = sqlite3.connect(':memory:', isolation_level=None)
c.enable_load_extension(True); c.load_extension({str(LIB)!r})
c.execute('CREATE TABLE docs(e)')
c.executemany('INSERT INTO docs VALUES (?)', [(np.float32([i, 1]).tobytes(),) for i in range(10)])
print(c.execute("SELECT id FROM knn_match('docs.e', '[3, 1]', 2, 'l2')").fetchall())
print(c.execute("EXPLAIN QUERY PLAN SELECT * FROM knn_match('docs.e', '[3, 1]', 2, 'l2')").fetchall()[0][3])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "STRATA_KNN_CACHE_MB": "0"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "[(4,), (3,)]"
    assert "(not cached)" in lines[1]


KERNEL_RUN = r"""
import ctypes, json, sqlite3, sys
import numpy as np
lib, shapes = sys.argv[1], json.loads(sys.argv[2])
c = sqlite3.connect(':memory:', isolation_level=None)
c.enable_load_extension(True); c.load_extension(lib)
name = ctypes.CDLL(lib + '.so').strata_score_kernel_name
name.restype = ctypes.c_char_p
rng = np.random.default_rng(4321)
out = {'kernel': name().decode(), 'rows': []}
for n, d in shapes:
    X = rng.standard_normal((n, d)).astype(np.float32)
    q = rng.standard_normal(d).astype(np.float32)
    c.execute(f'CREATE TABLE t{n}_{d}(id INTEGER PRIMARY KEY, e BLOB)')
    c.executemany(f'INSERT INTO t{n}_{d} VALUES (?, ?)', ((i + 1, X[i].tobytes()) for i in range(n)))
    for metric in ('cosine', 'l2', 'dot'):
        out['rows'].append(c.execute(f"SELECT id, distance FROM knn_match('t{n}_{d}.e', ?, 10, ?)",
                                     (q.tobytes(), metric)).fetchall())
print(json.dumps(out))
"""

# Every tail of the kernels' loops (d below one vector, between, above) and, at 20,000 rows, the scan split
# over threads.
KERNEL_SHAPES = [(40, 1), (300, 7), (300, 8), (300, 16), (300, 17), (300, 33), (300, 63), (300, 100),
                 (200, 384), (20000, 40)]


def cpu_flags():
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


@pytest.mark.parametrize("kernel", ["default", "avx512", "avx2", "baseline"])
def test_every_scan_kernel_matches_numpy(kernel):
    """Each scan kernel (chosen once per process from the CPU, or by STRATA_KNN_KERNEL) gives NumPy's answers;
    the default is AVX2 where the CPU has it (measured faster than AVX-512 here: docs/knn.md)."""
    import json
    import os
    import subprocess
    import sys
    from conftest import LIB
    env = {k: v for k, v in os.environ.items() if k != "STRATA_KNN_KERNEL"}
    if kernel != "default":
        env["STRATA_KNN_KERNEL"] = kernel
    r = subprocess.run([sys.executable, "-c", KERNEL_RUN, str(LIB), json.dumps(KERNEL_SHAPES)],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    flags = cpu_flags()
    has2, has512 = {"avx2", "fma"} <= flags, "avx512f" in flags
    expected = {"default": "avx2" if has2 else "avx512" if has512 else "baseline",
                "avx512": "avx512" if has512 else "avx2" if has2 else "baseline",
                "avx2": "avx2" if has2 else "avx512" if has512 else "baseline",
                "baseline": "baseline"}[kernel]
    assert out["kernel"] == expected
    rng = np.random.default_rng(4321)
    got = iter(out["rows"])
    for n, d in KERNEL_SHAPES:
        X = rng.standard_normal((n, d)).astype(np.float32)
        q = rng.standard_normal(d).astype(np.float32)
        for metric in METRICS:
            assert_same(next(got), oracle(X, np.arange(1, n + 1), q, 10, metric))


BLAS_RUN = r"""
import json, sqlite3, sys
import numpy as np
lib = sys.argv[1]
def blas_loaded():
    return any('openblas' in line for line in open('/proc/self/maps'))
# numpy brings its own OpenBLAS (another file name in a PyPI wheel, but Debian's numpy links libopenblas.so.0):
# note what was mapped before Strata was loaded.
before = [line.split()[-1] for line in open('/proc/self/maps') if 'openblas' in line]
c = sqlite3.connect(':memory:', isolation_level=None)
c.enable_load_extension(True); c.load_extension(lib)
rng = np.random.default_rng(5)
X = rng.standard_normal((500, 16)).astype(np.float32)
c.execute('CREATE TABLE docs(id INTEGER PRIMARY KEY, e BLOB)')
c.executemany('INSERT INTO docs VALUES (?, ?)', ((i + 1, X[i].tobytes()) for i in range(500)))
c.execute('CREATE TABLE queries(id INTEGER PRIMARY KEY, e BLOB)')
c.executemany('INSERT INTO queries VALUES (?, ?)', ((i + 1, X[i].tobytes()) for i in range(3)))
out = {'before': before}
c.execute("SELECT id FROM knn_match('docs.e', ?, 3)", (X[7].tobytes(),)).fetchall()
out['after_single'] = [line.split()[-1] for line in open('/proc/self/maps') if 'openblas' in line]
out['single'] = [r[0] for r in c.execute("SELECT id FROM knn_match('docs.e', ?, 3)", (X[7].tobytes(),))]
try:
    out['batch'] = c.execute("SELECT query_id, id FROM knn_match('docs.e', 'queries.e', 1)").fetchall()
except sqlite3.Error as e:
    out['batch_error'] = str(e)
out['after_batch'] = [line.split()[-1] for line in open('/proc/self/maps') if 'openblas' in line]
print(json.dumps(out))
"""


def run_blas_probe(env_extra):
    import json
    import os
    import subprocess
    import sys
    from conftest import LIB
    env = {k: v for k, v in os.environ.items() if k != "STRATA_OPENBLAS"}
    env.update(env_extra)
    r = subprocess.run([sys.executable, "-c", BLAS_RUN, str(LIB)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_openblas_is_opened_only_when_a_product_needs_it():
    """Loading Strata and single queries leave OpenBLAS unloaded (its thread pool spins for ~0.1 s when it
    starts); a batch opens it and answers."""
    out = run_blas_probe({})
    assert sorted(set(out["after_single"])) == sorted(set(out["before"]))
    assert out["single"] == [8, *out["single"][1:]] and len(out["single"]) == 3
    assert "batch_error" not in out, out
    assert out["batch"] == [(1, 1), (2, 2), (3, 3)] or out["batch"] == [[1, 1], [2, 2], [3, 3]]
    assert len(set(out["after_batch"]) - set(out["before"])) >= 1


def test_missing_openblas_is_an_error_for_batches_only():
    out = run_blas_probe({"STRATA_OPENBLAS": "/nonexistent/libopenblas.so.0"})
    assert out["single"][0] == 8
    assert out["batch_error"].startswith("knn_match: cannot load OpenBLAS (/nonexistent/libopenblas.so.0"), out
    assert "STRATA_OPENBLAS" in out["batch_error"]


def test_libstrata_does_not_link_openblas():
    import subprocess
    from conftest import LIB
    needed = subprocess.run(["readelf", "-d", str(LIB) + ".so"], capture_output=True, text=True, check=True).stdout
    assert "libopenblas" not in needed
