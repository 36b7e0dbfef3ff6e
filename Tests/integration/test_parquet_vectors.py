"""knn_match over a Parquet vector column, with NumPy as the oracle (issue 18, item 4).

Vectors are read straight from the pages while every list and element of a page is present, and through the
general reader for the rest of a row group once a page holds a NULL or empty list, a NULL element, or an
encoding the fast path leaves alone (dictionary pages). These files mix both inside one row group (many small
pages per group, NULL and empty lists on later pages of some groups, none in others), with each codec, page
version and float encoding pyarrow writes; every answer must equal NumPy's top-k over the present rows.
"""
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import connect, error_of

ROWS, DIMS, K = 1500, 8, 12
NULL_ROWS = {5, 650, 651, 1100}   # groups 0, 1 (its second page), 2 (its third page); group 3 has none
EMPTY_ROWS = {7, 1101}             # lists only (a fixed_size_list cannot be empty)


def vectors(seed=11):
    return np.random.default_rng(seed).standard_normal((ROWS, DIMS)).astype(np.float32)


def numpy_top_k(vecs, present, q, k=K):
    """(row, cosine distance) of the k nearest present rows, computed in float64 from the float32 values."""
    v = vecs.astype(np.float64)
    qq = q.astype(np.float64)
    d = 1 - (v @ qq) / (np.linalg.norm(v, axis=1) * np.linalg.norm(qq))
    rows = [r for r in np.argsort(d, kind="stable") if r in present][:k]
    return [(int(r), float(d[r])) for r in rows]


def knn(db, spec, q):
    return db.execute("SELECT corpus_rowid, distance FROM knn_match(?, ?, ?)",
                      (spec, json.dumps([float(x) for x in q]), K)).fetchall()


def assert_same(got, want):
    assert [r for r, _ in got] == [r for r, _ in want]
    for (_, a), (_, b) in zip(got, want):
        assert a == pytest.approx(b, abs=1e-5)


def column(vecs, kind, nulls=True, empties=True):
    if kind == "fixed":
        flat = pa.array(vecs.ravel(), pa.float32())
        mask = pa.array([nulls and i in NULL_ROWS for i in range(ROWS)])
        return pa.FixedSizeListArray.from_arrays(flat, DIMS, mask=mask if nulls else None)
    rows = []
    for i in range(ROWS):
        if nulls and i in NULL_ROWS:
            rows.append(None)
        elif empties and i in EMPTY_ROWS:
            rows.append([])
        else:
            rows.append(vecs[i].tolist())
    return pa.array(rows, pa.list_(pa.float32()))


OPTIONS = [  # (list kind, compression, page version, float encoding)
    ("fixed", "none", "1.0", "PLAIN"),
    ("fixed", "snappy", "2.0", "PLAIN"),
    ("fixed", "zstd", "1.0", "BYTE_STREAM_SPLIT"),
    ("fixed", "none", "2.0", "BYTE_STREAM_SPLIT"),
    ("fixed", "gzip", "1.0", "dictionary"),
    ("list", "none", "1.0", "PLAIN"),
    ("list", "snappy", "1.0", "BYTE_STREAM_SPLIT"),
    ("list", "zstd", "2.0", "PLAIN"),
    ("list", "none", "2.0", "dictionary"),
]


@pytest.mark.parametrize("kind,compression,version,encoding", OPTIONS)
def test_knn_over_present_null_and_empty_lists(tmp, kind, compression, version, encoding):
    vecs = vectors()
    t = pa.table({"id": pa.array(np.arange(ROWS)), "emb": column(vecs, kind)})
    options = dict(row_group_size=400, data_page_size=512, compression=compression, data_page_version=version,
                   write_statistics=False)
    if encoding == "dictionary":
        options["use_dictionary"] = True
    else:
        options["use_dictionary"] = False
        options["column_encoding"] = {"emb.list.element": encoding, "id": "PLAIN"}
    pq.write_table(t, "v.parquet", **options)
    meta = pq.ParquetFile("v.parquet").metadata
    assert meta.num_row_groups == 4
    present = set(range(ROWS)) - NULL_ROWS - (EMPTY_ROWS if kind == "list" else set())
    db = connect()
    for seed in (1, 2):
        q = np.random.default_rng(seed).standard_normal(DIMS).astype(np.float32)
        assert_same(knn(db, "v.parquet", q), numpy_top_k(vecs, present, q))
    # A query that is one of the rows finds it first.
    assert knn(db, "v.parquet", vecs[900])[0][0] == 900


def test_every_row_present_matches_the_npy(tmp):
    """No NULLs at all (every group on the fast path): the same neighbours and distances as the .npy."""
    vecs = vectors(5)
    np.save("v.npy", vecs)
    pq.write_table(pa.table({"emb": column(vecs, "fixed", nulls=False)}), "v.parquet", row_group_size=400,
                   data_page_size=700, use_dictionary=False, compression="snappy")
    db = connect()
    q = vecs[3] + 0.5
    want = db.execute("SELECT corpus_rowid, distance FROM knn_match('v.npy', ?, ?)",
                      (json.dumps([float(x) for x in q]), K)).fetchall()
    assert knn(db, "v.parquet", q) == want
    assert_same(want, numpy_top_k(vecs, set(range(ROWS)), q))


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_null_element_on_a_later_page_is_an_error(tmp, version):
    """A NULL inside a list, after whole groups and pages of present rows, stops the query naming the row."""
    vecs = vectors()
    rows = [vecs[i].tolist() for i in range(ROWS)]
    rows[1234] = rows[1234][:3] + [None] + rows[1234][4:]
    t = pa.table({"emb": pa.array(rows, pa.list_(pa.float32()))})
    pq.write_table(t, "v.parquet", row_group_size=400, data_page_size=512, use_dictionary=False,
                   data_page_version=version)
    msg = error_of(connect(), f"SELECT * FROM knn_match('v.parquet', '{json.dumps([1.0] * DIMS)}', 3)")
    assert "NULL element" in msg and "row 34 of its row group" in msg, msg


def test_short_list_is_an_error_naming_the_row(tmp):
    """Lists of unequal length: the engine's own error for the row, as from any corpus."""
    vecs = vectors()
    rows = [vecs[i].tolist() for i in range(ROWS)]
    rows[1300] = rows[1300][:DIMS - 1]
    pq.write_table(pa.table({"emb": pa.array(rows, pa.list_(pa.float32()))}), "v.parquet", row_group_size=400,
                   data_page_size=512, use_dictionary=False)
    msg = error_of(connect(), f"SELECT * FROM knn_match('v.parquet', '{json.dumps([1.0] * DIMS)}', 3)")
    assert "1300" in msg, msg
