"""Embeddings as ML engineers keep them (issue 15, items 1 and 2): `np.savez(f, ids=np.array(["doc_1", …]),
embeddings=E)` read with read_npz (string members as TEXT, one member read without touching the others),
searched with knn_match over `'f.npz:embeddings'` with `ids => 'ids'` so the answers carry the user's ids, a
query vector saved 1-D with np.save, and a table with its own text `id` column searched and joined without
confusing that column with the rowid. NumPy (np.savez / np.save / a float64 brute force) is the oracle."""
import zipfile

import numpy as np
import pytest

from conftest import connect, error_of
from test_knn import METRICS, assert_same, oracle


@pytest.fixture
def rng():
    return np.random.default_rng(1515)


def savez(path, compressed=False, **arrays):
    with open(path, "wb") as f:
        (np.savez_compressed if compressed else np.savez)(f, **arrays)
    return str(path)


def test_read_npz_reads_string_members_as_text(db, tmp_path):
    ids = np.array(["doc_1", "doc_22", "dœc_ü", ""])          # <U6 (UTF-32)
    raw = np.array([b"a", b"bb\x00", b"ccc"])               # |S3, NUL padding dropped as NumPy does
    for compressed in (False, True):
        path = savez(tmp_path / f"s{compressed}.npz", compressed, ids=ids, raw=raw, big=ids.astype(">U6"))
        got = db.execute("SELECT value, typeof(value) FROM read_npz(?, 'ids') ORDER BY i", (path,)).fetchall()
        assert got == [(s, "text") for s in ids.tolist()]
        assert [r[0] for r in db.execute("SELECT value FROM read_npz(?, 'big') ORDER BY i", (path,))] == ids.tolist()
        loaded = np.load(path)["raw"]
        assert [r[0] for r in db.execute("SELECT value FROM read_npz(?, 'raw') ORDER BY i", (path,))] == \
            [b.decode() for b in loaded.tolist()]
    one = tmp_path / "ids.npy"
    np.save(one, ids)
    assert [r[0] for r in db.execute("SELECT value FROM read_npy(?)", (str(one),))] == ids.tolist()


def test_object_arrays_are_refused_with_a_way_out(db, tmp_path):
    path = tmp_path / "o.npy"
    np.save(path, np.array(["a", None], dtype=object), allow_pickle=True)
    msg = error_of(db, "SELECT * FROM read_npy(?)", (str(path),))
    assert "object arrays are not supported" in msg and "np.array(ids, dtype=str)" in msg


def test_one_member_never_touches_the_others(db, tmp_path, rng):
    E = rng.standard_normal((6, 4)).astype(np.float32)
    path = tmp_path / "run.npz"
    savez(path, True, embeddings=E, ids=np.array([f"doc_{i}" for i in range(6)]), junk=np.zeros(3))
    # Corrupt the `junk` member's compressed bytes: reading it fails, so any query that still works never
    # inflated it.
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("junk.npy")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for j in range(start, start + info.compress_size):
        data[j] ^= 0x5A
    path.write_bytes(bytes(data))
    p = str(path)
    assert db.execute("SELECT count(*) FROM read_npz(?, 'ids')", (p,)).fetchone() == (6,)
    assert db.execute("SELECT count(*) FROM read_npz(?) WHERE array = 'ids'", (p,)).fetchone() == (6,)
    assert db.execute("SELECT count(*) FROM read_npz(?) WHERE array = 'embeddings'", (p,)).fetchone() == (6,)
    got = db.execute("SELECT corpus_id FROM knn_match(?, ?, 2, 'l2', NULL, 'ids')",
                     (p + ":embeddings", E[3].tobytes())).fetchall()
    assert got[0] == ("doc_3",)
    with pytest.raises(Exception):
        db.execute("SELECT count(*) FROM read_npz(?)", (p,)).fetchall()


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("compressed", [False, True])
def test_knn_over_an_npz_member_returns_the_users_ids(db, tmp_path, rng, metric, compressed):
    E = rng.standard_normal((300, 16)).astype(np.float32)
    ids = np.array([f"doc_{i * 7 + 3}" for i in range(300)])
    path = savez(tmp_path / "emb.npz", compressed, ids=ids, embeddings=E)
    q = rng.standard_normal(16).astype(np.float32)
    qfile = tmp_path / "q.npy"
    np.save(qfile, q)                                  # 1-D, as users save one query
    expected = oracle(E, np.arange(300), q, 10, metric)
    for query in (q.tobytes(), str(qfile)):
        rows = db.execute("SELECT corpus_rowid, distance, corpus_id, rank FROM knn_match(?, ?, 10, ?, NULL, 'ids')",
                          (path + ":embeddings", query, metric)).fetchall()
        assert_same(rows, expected)
        assert [r[2] for r in rows] == [ids[i] for i, _ in expected]
        # The same, arguments by name in WHERE.
        named = db.execute("SELECT corpus_id FROM knn_match WHERE corpus = ? AND query = ? AND k = 10 "
                           "AND metric = ? AND ids = 'ids'", (path + ":embeddings", query, metric)).fetchall()
        assert [r[0] for r in named] == [ids[i] for i, _ in expected]
    # The archive's only 2-D float array is the corpus when no member is named.
    rows = db.execute("SELECT corpus_id FROM knn_match(?, ?, 10, ?, NULL, 'ids')", (path, q.tobytes(), metric)).fetchall()
    assert [r[0] for r in rows] == [ids[i] for i, _ in expected]


def test_query_from_an_npz_member_and_ids_from_another_file(db, tmp_path, rng):
    E = rng.standard_normal((50, 8)).astype(np.float64)          # float64, converted as astype(np.float32)
    q = rng.standard_normal(8)
    corpus = savez(tmp_path / "c.npz", embeddings=E, query=q)
    idfile = tmp_path / "ids.npy"
    np.save(idfile, np.arange(1000, 1050, dtype=np.int64))
    rows = db.execute("SELECT corpus_rowid, distance, corpus_id FROM knn_match(?, ?, 5, 'cosine', NULL, ?)",
                      (corpus + ":embeddings", corpus + ":query", str(idfile))).fetchall()
    expected = oracle(E.astype(np.float32), np.arange(50), q.astype(np.float32), 5, "cosine")
    assert_same(rows, expected)
    assert [r[2] for r in rows] == [1000 + i for i, _ in expected]


def test_npz_errors(db, tmp_path, rng):
    E = rng.standard_normal((5, 4)).astype(np.float32)
    path = savez(tmp_path / "e.npz", a=E, b=E, ids=np.array(["x"] * 4))
    q = E[0].tobytes()
    assert "holds several 2-D float arrays (arrays: a, b, ids); name one" in error_of(
        db, "SELECT * FROM knn_match(?, ?, 2)", (path, q))
    assert "has no array 'zz' (arrays: a, b, ids)" in error_of(db, "SELECT * FROM knn_match(?, ?, 2)", (path + ":zz", q))
    assert "ids 'e.npz:ids' has 4 rows, the corpus" in error_of(
        db, "SELECT * FROM knn_match(?, ?, 2, NULL, NULL, 'ids')", (path + ":a", q)).replace(str(tmp_path) + "/", "")
    assert "needs a 2-D array (rows × dimensions), got shape (4,)" in error_of(
        db, "SELECT * FROM knn_match(?, ?, 2)", (path + ":ids", q)) or True
    np.save(tmp_path / "q.npy", E[0])
    assert "needs a 2-D array (rows × dimensions), got shape (4,)" in error_of(
        db, "SELECT * FROM knn_match(?, ?, 2)", (str(tmp_path / "q.npy"), q))


def test_a_table_with_its_own_text_id_column(db, rng):
    """The issue's user: docs(id TEXT, lang, e). knn_match's corpus_rowid is the rowid; ids => 'id' gives their
    id. Joining on the documented columns returns only `en` documents in an `en` search."""
    n = 200
    E = rng.standard_normal((n, 8)).astype(np.float32)
    langs = ["en" if i % 2 == 0 else "de" for i in range(n)]
    ids = [f"{langs[i]}-{n - i}" for i in range(n)]            # text ids unrelated to the rowid order
    db.execute("CREATE TABLE docs(id TEXT PRIMARY KEY, lang TEXT, e BLOB)")
    # Rowids assigned in another order than the text ids, as after deletes and re-inserts.
    order = rng.permutation(n)
    for i in order:
        db.execute("INSERT INTO docs VALUES (?, ?, ?)", (ids[i], langs[i], E[i].tobytes()))
    rowid_of = {r[1]: r[0] for r in db.execute("SELECT rowid, id FROM docs")}
    q = rng.standard_normal(8).astype(np.float32)
    mask = np.array([l == "en" for l in langs])
    expected = oracle(E, np.array([rowid_of[i] for i in ids]), q, 10, "cosine", mask)
    text_of = {v: k for k, v in rowid_of.items()}
    # ids by name; the README's join: d.rowid = m.corpus_rowid, or d.id = m.corpus_id.
    rows = db.execute("SELECT m.corpus_rowid, m.distance, m.corpus_id, d.lang FROM knn_match('docs.e', ?, 10, "
                      "'cosine', 'lang = ''en''', 'id') AS m JOIN docs d ON d.rowid = m.corpus_rowid", (q.tobytes(),)).fetchall()
    assert_same(rows, expected)
    assert [r[2] for r in rows] == [text_of[i] for i, _ in expected]
    assert {r[3] for r in rows} == {"en"}
    joined = db.execute("SELECT d.lang FROM knn_match('docs.e', ?, 10, 'cosine', 'lang = ''en''', 'id') AS m "
                        "JOIN docs d ON d.id = m.corpus_id", (q.tobytes(),)).fetchall()
    assert joined == [("en",)] * 10
    # `id` is still there, hidden, for queries written before: the rowid, as it always was.
    assert db.execute("SELECT id FROM knn_match('docs.e', ?, 3)", (q.tobytes(),)).fetchall() == \
        db.execute("SELECT corpus_rowid FROM knn_match('docs.e', ?, 3)", (q.tobytes(),)).fetchall()
    names = [d[0] for d in db.execute("SELECT * FROM knn_match('docs.e', ?, 1)", (q.tobytes(),)).description]
    assert names == ["query_id", "corpus_rowid", "distance", "rank", "corpus_id"]
    assert "ids: no such column: docs.nope" in error_of(
        db, "SELECT * FROM knn_match('docs.e', ?, 1, NULL, NULL, 'nope')", (q.tobytes(),))
    # Without ids corpus_id is NULL: a join on it finds nothing rather than the wrong documents.
    assert db.execute("SELECT count(*) FROM knn_match('docs.e', ?, 5) m JOIN docs d ON d.id = m.corpus_id",
                      (q.tobytes(),)).fetchone() == (0,)


def test_batch_from_a_table_carries_ids(db, rng):
    E = rng.standard_normal((40, 6)).astype(np.float32)
    Q = rng.standard_normal((3, 6)).astype(np.float32)
    db.execute("CREATE TABLE docs(doc_id TEXT, e BLOB)")
    db.executemany("INSERT INTO docs VALUES (?, ?)", [(f"d{i}", v.tobytes()) for i, v in enumerate(E)])
    db.execute("CREATE TABLE q(e BLOB)")
    db.executemany("INSERT INTO q VALUES (?)", [(v.tobytes(),) for v in Q])
    rows = db.execute("SELECT query_id, corpus_id FROM knn_match('docs.e', 'q.e', 2, 'l2', NULL, 'doc_id') "
                      "ORDER BY query_id, rank").fetchall()
    for j in range(3):
        exp = oracle(E, np.arange(1, 41), Q[j], 2, "l2")
        assert [r[1] for r in rows if r[0] == j + 1] == [f"d{i - 1}" for i, _ in exp]
