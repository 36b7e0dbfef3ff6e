"""Bad corpus rows (issue 15, item 3): a float64 blob saved by mistake, a NaN row, a blob of odd length.
A row the filter excludes never blocks a search; the error names the rowid and the likely cause ("float64
bytes?"), in the same words vec_check gives; skip_bad => 1 leaves bad rows out and the hidden `skipped`
column counts them; vec_valid makes data-quality queries need no CASE guard. NumPy is the oracle."""
import numpy as np
import pytest

from conftest import connect, error_of
from test_knn import assert_same, oracle

D = 8


@pytest.fixture
def rng():
    return np.random.default_rng(15_3)


@pytest.fixture
def docs(db, rng):
    """docs(lang, e): 60 good float32 rows; rowid 7 float64 bytes (lang 'de'), rowid 9 holds a NaN (lang
    'de'), rowid 11 an odd-length blob (lang 'de'). Everything else is 'en'."""
    E = rng.standard_normal((60, D)).astype(np.float32)
    db.execute("CREATE TABLE docs(lang TEXT, e BLOB)")
    for i, v in enumerate(E, start=1):
        blob, lang = v.tobytes(), "en"
        if i == 7:
            blob, lang = v.astype(np.float64).tobytes(), "de"
        elif i == 9:
            w = v.copy(); w[3] = np.nan
            blob, lang = w.tobytes(), "de"
        elif i == 11:
            blob, lang = v.tobytes()[:-2], "de"
        db.execute("INSERT INTO docs(rowid, lang, e) VALUES (?, ?, ?)", (i, lang, blob))
    db.commit()
    return E


def test_a_row_the_filter_excludes_never_blocks(db, docs, rng):
    q = rng.standard_normal(D).astype(np.float32)
    rows = db.execute("SELECT corpus_rowid, distance FROM knn_match('docs.e', ?, 5, 'l2', 'lang = ''en''')",
                      (q.tobytes(),)).fetchall()
    mask = np.array([i not in (7, 9, 11) for i in range(1, 61)])
    assert_same(rows, oracle(docs, np.arange(1, 61), q, 5, "l2", mask))


def test_the_error_names_the_rowid_and_float64(db, docs, rng):
    q = rng.standard_normal(D).astype(np.float32).tobytes()
    msg = error_of(db, "SELECT * FROM knn_match('docs.e', ?, 5)", (q,))
    assert msg.startswith("knn_match: rowid 7 of docs.e: 16 dimensions, expected 8 — float64 bytes?"), msg
    assert "3 bad rows in all; skip_bad => 1 leaves them out, vec_check(e, 8) lists them" in msg
    # A filter matching only the NaN row: that one is named.
    msg = error_of(db, "SELECT * FROM knn_match('docs.e', ?, 5, 'l2', 'rowid >= 8')", (q,))
    assert msg.startswith("knn_match: rowid 9 of docs.e: non-finite value (NaN or Inf) at index 3"), msg
    # vec_check says the same about each bad row.
    checks = dict(db.execute("SELECT rowid, vec_check(e, 8) FROM docs WHERE vec_check(e, 8) IS NOT NULL"))
    assert set(checks) == {7, 9, 11}
    assert msg.split("docs.e: ")[1].startswith(checks[9])
    assert checks[7].startswith("16 dimensions, expected 8 — float64 bytes?")
    assert checks[11].startswith("vector blob length 30 is not a multiple of 4")


def test_a_float32_row_of_twice_the_dimensions_is_not_called_float64(db, rng):
    """Read as float64, float32 embeddings near 1 give values near 2^-7: only the low halves' random bits
    (what float64 data has and float32 data does not) may suggest float64."""
    db.execute("CREATE TABLE t(e BLOB)")
    for _ in range(5):
        db.execute("INSERT INTO t VALUES (?)", (rng.standard_normal(D).astype(np.float32).tobytes(),))
    for scale in (1, 0.05, 30):
        wide = (rng.standard_normal(2 * D) * scale).astype(np.float32).tobytes()
        assert db.execute("SELECT vec_check(?, ?)", (wide, D)).fetchone() == (f"{2 * D} dimensions, expected {D}",)
        for f64 in ((rng.standard_normal(D) * scale).astype(np.float64),                    # full float64
                    (rng.standard_normal(D) * scale).astype(np.float32).astype(np.float64)):  # low bits zero
            assert "float64 bytes?" in db.execute("SELECT vec_check(?, ?)", (f64.tobytes(), D)).fetchone()[0]


def test_a_float64_first_row_does_not_set_the_dimensions(db, rng):
    E = rng.standard_normal((20, D)).astype(np.float32)
    db.execute("CREATE TABLE t(e BLOB)")
    db.execute("INSERT INTO t VALUES (?)", (E[0].astype(np.float64).tobytes(),))
    db.executemany("INSERT INTO t VALUES (?)", [(v.tobytes(),) for v in E[1:]])
    q = rng.standard_normal(D).astype(np.float32)
    msg = error_of(db, "SELECT * FROM knn_match('t.e', ?, 3)", (q.tobytes(),))
    assert msg.startswith("knn_match: rowid 1 of t.e: 16 dimensions, expected 8 — float64 bytes?"), msg
    rows = db.execute("SELECT corpus_rowid, distance FROM knn_match('t.e', ?, 3, 'cosine', NULL, NULL, 1)",
                      (q.tobytes(),)).fetchall()
    mask = np.arange(20) > 0
    assert_same(rows, oracle(E, np.arange(1, 21), q, 3, "cosine", mask))


@pytest.mark.parametrize("metric", ["cosine", "l2", "dot"])
def test_skip_bad_leaves_them_out_and_counts_them(db, docs, rng, metric):
    q = rng.standard_normal(D).astype(np.float32)
    rows = db.execute("SELECT corpus_rowid, distance, skipped FROM knn_match('docs.e', ?, 10, ?, NULL, NULL, 1)",
                      (q.tobytes(), metric)).fetchall()
    mask = np.array([i not in (7, 9, 11) for i in range(1, 61)])
    assert_same(rows, oracle(docs, np.arange(1, 61), q, 10, metric, mask))
    assert {r[2] for r in rows} == {3}
    # By name; a filter counts only the bad rows it matches.
    rows = db.execute("SELECT skipped FROM knn_match WHERE corpus = 'docs.e' AND query = ? AND k = 3 "
                      "AND filter = 'rowid <= 8' AND skip_bad = 1", (q.tobytes(),)).fetchall()
    assert {r[0] for r in rows} == {1}
    assert {r[0] for r in db.execute("SELECT skipped FROM knn_match('docs.e', ?, 3, NULL, 'lang = ''en''')",
                                     (q.tobytes(),))} == {0}
    assert "skip_bad must be 0 or 1" in error_of(db, "SELECT * FROM knn_match('docs.e', ?, 3, NULL, NULL, NULL, 5)",
                                                 (q.tobytes(),))


def test_bad_rows_in_a_npy_corpus(db, tmp_path, rng):
    E = rng.standard_normal((30, D)).astype(np.float32)
    E[4, 2] = np.inf
    path = tmp_path / "c.npy"
    np.save(path, E)
    q = rng.standard_normal(D).astype(np.float32)
    assert error_of(db, "SELECT * FROM knn_match(?, ?, 3)", (str(path), q.tobytes())).startswith(
        f"knn_match: row 4 of '{path}': non-finite value (NaN or Inf) at index 2")
    rows = db.execute("SELECT corpus_rowid, distance, skipped FROM knn_match(?, ?, 3, 'l2', NULL, NULL, 1)",
                      (str(path), q.tobytes())).fetchall()
    assert_same(rows, oracle(E, np.arange(30), q, 3, "l2", np.arange(30) != 4))
    assert {r[2] for r in rows} == {1}


def test_data_quality_queries_need_no_case_guard(db, docs):
    # vec_valid is NULL for a bad row, so vec_norm over it is NULL instead of an error.
    rows = db.execute("SELECT rowid, vec_norm(vec_valid(e, 8)) FROM docs ORDER BY rowid").fetchall()
    for rowid, norm in rows:
        if rowid in (7, 9, 11):
            assert norm is None
        else:
            assert norm == pytest.approx(float(np.linalg.norm(docs[rowid - 1].astype(np.float64))), rel=1e-6)
    by_problem = db.execute("SELECT substr(vec_check(e, 8), 1, 14), count(*) FROM docs GROUP BY 1 ORDER BY 1").fetchall()
    assert by_problem == [(None, 57), ("16 dimensions,", 1), ("non-finite val", 1), ("vector blob le", 1)]
    assert db.execute("SELECT vec_valid('[1, 2]'), vec_valid('[1, 2]', 3), vec_check('[1, 2]', 3)").fetchone() == \
        (np.float32([1, 2]).tobytes(), None, "2 dimensions, expected 3")
