"""The Parquet reader against files the real writers make at test time — pyarrow with every encoding, codec
and page version option, pandas, Polars and DuckDB's COPY ... TO — each value compared with what pyarrow
reads from the same file (the oracle; expected values come from parquet_oracle.py, never from Strata).
Also: pruning by statistics (answers unchanged, plan shows it), only used columns read, vectors for
knn-style use, and bad files as errors naming file, row group, column and page.
"""
import datetime as dt
import decimal
import json
import math
import os
import sqlite3

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import connect, error_of
from parquet_oracle import expected_column, normalize

ROWS = 700


def sample_table(rows=ROWS, seed=7):
    """Every type the reader maps, with NULLs sprinkled in."""
    rng = np.random.default_rng(seed)
    null = rng.random(rows) < 0.15

    def nulls(values):
        return [None if null[i] else v for i, v in enumerate(values)]

    ints = rng.integers(-10**6, 10**6, rows)
    words = ["alpha", "beta", "gamma", "delta", "épsilon", "", "zeta 東京"]
    vecs = rng.standard_normal((rows, 8)).astype(np.float32)
    cols = {
        "id": pa.array(np.arange(rows), pa.int64()),
        "i8": pa.array(nulls((ints % 100).tolist()), pa.int8()),
        "i16": pa.array(nulls((ints % 30000).tolist()), pa.int16()),
        "i32": pa.array(nulls(ints.tolist()), pa.int32()),
        "i64": pa.array(nulls((ints * 10**9).tolist()), pa.int64()),
        "u32": pa.array(nulls((np.abs(ints) * 2000).tolist()), pa.uint32()),
        "u64": pa.array(nulls([2**63 + int(x) if x > 0 else int(-x) for x in ints]), pa.uint64()),
        "f32": pa.array(nulls(rng.standard_normal(rows).astype(np.float32).tolist()), pa.float32()),
        "f64": pa.array(nulls(rng.standard_normal(rows).tolist()), pa.float64()),
        "flag": pa.array(nulls((ints % 2 == 0).tolist()), pa.bool_()),
        "word": pa.array(nulls([words[int(x) % len(words)] for x in ints]), pa.string()),
        "text": pa.array(nulls([f"row {i} " + "x" * (i % 13) for i in range(rows)]), pa.string()),
        "blob": pa.array(nulls([bytes([i % 256, (i * 7) % 256]) * (i % 4) for i in range(rows)]), pa.binary()),
        "dec": pa.array(nulls([decimal.Decimal(int(x)).scaleb(-2) for x in ints]), pa.decimal128(9, 2)),
        "dec_wide": pa.array(nulls([decimal.Decimal(int(x) * 10**12 + 7).scaleb(-4) for x in ints]), pa.decimal128(30, 4)),
        "day": pa.array(nulls([dt.date(2000, 1, 1) + dt.timedelta(days=int(x) % 20000) for x in ints]), pa.date32()),
        "t_ms": pa.array(nulls([int(abs(x)) % 86_400_000 for x in ints]), pa.time32("ms")),
        "t_us": pa.array(nulls([int(abs(x)) * 1000 % 86_400_000_000 for x in ints]), pa.time64("us")),
        "t_ns": pa.array(nulls([int(abs(x)) * 1_000_003 % 86_400_000_000_000 for x in ints]), pa.time64("ns")),
        "ts_ms": pa.array(nulls([int(x) * 1_700_003 for x in ints]), pa.timestamp("ms")),
        "ts_us_utc": pa.array(nulls([int(x) * 1_700_000_003 for x in ints]), pa.timestamp("us", tz="UTC")),
        "ts_ns_ny": pa.array(nulls([int(x) * 1_700_000_000_003 for x in ints]), pa.timestamp("ns", tz="America/New_York")),
        "emb": pa.array([None if null[i] else vecs[i].tolist() for i in range(rows)], pa.list_(pa.float32())),
        "emb_fixed": pa.FixedSizeListArray.from_arrays(pa.array(vecs.ravel(), pa.float32()), 8),
        "tags": pa.array(nulls([[words[(i + k) % 7] for k in range(i % 4)] for i in range(rows)]), pa.list_(pa.string())),
        "point": pa.array(nulls([{"x": int(i), "y": None if i % 5 == 0 else float(i) / 2, "name": words[i % 7]} for i in range(rows)])),
        "attrs": pa.array(nulls([[(f"k{k}", int(i * k)) for k in range(i % 3)] for i in range(rows)]), pa.map_(pa.string(), pa.int64())),
        "nested": pa.array(nulls([[[i, i + 1], [], None][: i % 4] for i in range(rows)]), pa.list_(pa.list_(pa.int32()))),
        "people": pa.array(nulls([[{"n": words[k % 7], "a": k} for k in range(i % 3)] for i in range(rows)])),
    }
    return pa.table(cols)


def is_vector(arr_type):
    return (pa.types.is_list(arr_type) or pa.types.is_large_list(arr_type) or pa.types.is_fixed_size_list(arr_type)) \
        and pa.types.is_float32(arr_type.value_type)


def strata_kind(arr_type):
    if pa.types.is_map(arr_type) or (pa.types.is_nested(arr_type) and not is_vector(arr_type)):
        return "json"
    return "value"


UNITS = {"milliseconds": "ms", "microseconds": "us", "nanoseconds": "ns"}


def stored_unit(path, name):
    """The unit a timestamp column has in the file (pyarrow may give another on reading, from its stored schema)."""
    schema = pq.ParquetFile(path).schema
    for j in range(len(schema)):
        c = schema.column(j)
        if c.path == name:
            lt = json.loads(c.logical_type.to_json())
            if "timeUnit" in lt:
                return UNITS[lt["timeUnit"]]
            return {"TIMESTAMP_MILLIS": "ms", "TIMESTAMP_MICROS": "us"}.get(str(c.converted_type), "ns")
    raise KeyError(name)


def check_file(path, columns=None):
    """Every column of `path` through parquet_file equals what pyarrow reads, row by row."""
    table = pq.read_table(path)
    names = columns or table.column_names
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE t USING parquet_file('{path}')")
    for name in names:
        col = table.column(name)
        phys_unit = None
        if pa.types.is_timestamp(col.type):
            phys_unit = stored_unit(path, name)
        want = expected_column(col, phys_unit)
        got = [normalize(strata_kind(col.type), r[0]) for r in db.execute(f'SELECT "{name}" FROM t ORDER BY row')]
        assert len(got) == len(want), name
        for i, (g, w) in enumerate(zip(got, want)):
            if isinstance(w, float) and isinstance(g, float):
                assert g == w or (math.isnan(g) and math.isnan(w)), (path, name, i, g, w)
            else:
                assert g == w, (path, name, i, g, w)
    db.close()


OPTIONS = {
    "plain_v1_uncompressed": dict(use_dictionary=False, compression="none"),
    "dict_v1_snappy": dict(use_dictionary=True, compression="snappy"),
    "dict_v2_zstd": dict(use_dictionary=True, compression="zstd", data_page_version="2.0"),
    "plain_v2_gzip": dict(use_dictionary=False, compression="gzip", data_page_version="2.0"),
    "lz4_raw": dict(compression="lz4"),
    "small_pages_groups": dict(row_group_size=97, data_page_size=256, write_batch_size=50, compression="snappy"),
    "v2_uncompressed_pages": dict(data_page_version="2.0", compression="none", data_page_size=512),
    "legacy_plain_dictionary": dict(use_dictionary=True, compression="none", version="1.0",
                                    coerce_timestamps="us", allow_truncated_timestamps=True),
}


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_pyarrow_options(tmp, name):
    path = str(tmp / f"{name}.parquet")
    pq.write_table(sample_table(), path, **OPTIONS[name])
    check_file(path)


ENCODED = {
    "DELTA_BINARY_PACKED": ["id", "i8", "i16", "i32", "i64", "u32", "u64", "day", "t_ms", "t_us", "ts_ms", "ts_us_utc"],
    "DELTA_LENGTH_BYTE_ARRAY": ["word", "text", "blob"],
    "DELTA_BYTE_ARRAY": ["word", "text", "blob"],
    "BYTE_STREAM_SPLIT": ["f32", "f64"],
}


@pytest.mark.parametrize("encoding", sorted(ENCODED))
@pytest.mark.parametrize("page_version", ["1.0", "2.0"])
def test_pyarrow_column_encodings(tmp, encoding, page_version):
    path = str(tmp / f"{encoding}.parquet")
    cols = ENCODED[encoding]
    table = sample_table().select(cols)
    pq.write_table(table, path, use_dictionary=False, column_encoding={c: encoding for c in cols},
                   data_page_version=page_version, data_page_size=1024, compression="zstd")
    meta = pq.ParquetFile(path).metadata
    assert encoding in meta.row_group(0).column(0).encodings
    check_file(path)


def test_pandas_writer(tmp):
    import pandas as pd
    rng = np.random.default_rng(1)
    df = pd.DataFrame({
        "a": rng.integers(0, 100, 300),
        "b": rng.standard_normal(300),
        "c": [None if i % 7 == 0 else f"s{i}" for i in range(300)],
        "when": pd.date_range("2024-03-01", periods=300, freq="37min"),
        "cat": pd.Categorical([["red", "green", "blue"][i % 3] for i in range(300)]),
        "maybe": pd.array([None if i % 5 == 0 else i for i in range(300)], dtype="Int64"),
    })
    path = str(tmp / "pandas.parquet")
    df.to_parquet(path)  # the index becomes a column too
    check_file(path)


def test_polars_writer(tmp):
    import polars as pl
    df = pl.DataFrame({
        "a": list(range(400)),
        "s": [None if i % 9 == 0 else f"p{i % 17}" for i in range(400)],
        "f": [i / 3 for i in range(400)],
        "d": [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(400)],
        "t": [dt.datetime(2021, 5, 1) + dt.timedelta(seconds=i * 3601) for i in range(400)],
        "l": [[float(i), float(i) / 2] for i in range(400)],
        "emb": [[np.float32(i), np.float32(-i)] for i in range(400)],
    }, schema_overrides={"emb": pl.List(pl.Float32)})
    for compression in ["zstd", "snappy", "lz4", "gzip", "uncompressed"]:
        path = str(tmp / f"polars_{compression}.parquet")
        df.write_parquet(path, compression=compression, row_group_size=128)
        check_file(path)


def test_duckdb_copy(tmp):
    import duckdb
    con = duckdb.connect()
    path = str(tmp / "duck.parquet")
    con.execute(f"""
        COPY (SELECT i AS id, i % 13 AS k, 'name ' || (i % 50) AS name, i / 7.0 AS ratio,
                     CAST(i AS DECIMAL(18, 3)) / 8 AS money, DATE '2020-01-01' + i::INTEGER AS day,
                     TIMESTAMP '2022-02-02 02:02:02' + INTERVAL (i) SECOND AS ts,
                     CASE WHEN i % 4 = 0 THEN NULL ELSE i END AS maybe,
                     [i, i + 1]::INTEGER[] AS pair, {{'a': i, 'b': 'x'}} AS st,
                     [i::FLOAT, -i::FLOAT, 0.5::FLOAT] AS emb
              FROM range(3000) t(i))
        TO '{path}' (FORMAT PARQUET, ROW_GROUP_SIZE 1000)""")
    check_file(path)


def test_row_group_pruning_keeps_answers(tmp):
    path = str(tmp / "sorted.parquet")
    table = sample_table(2000)
    pq.write_table(table, path, row_group_size=200)
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE t USING parquet_file('{path}')")
    ids = table.column("id").to_pylist()
    words = table.column("word").to_pylist()
    assert db.execute("SELECT count(*) FROM t WHERE id = 1234").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM t WHERE id BETWEEN 150 AND 450").fetchone()[0] == 301
    assert db.execute("SELECT count(*) FROM t WHERE id < 10 OR id >= 1990").fetchone()[0] == 20
    assert db.execute("SELECT count(*) FROM t WHERE id IN (5, 999, 1999, 5000)").fetchone()[0] == 3
    assert db.execute("SELECT count(*) FROM t WHERE id > 1999.5").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM t WHERE id = NULL").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM t WHERE word = 'beta'").fetchone()[0] == words.count("beta")
    assert db.execute("SELECT count(*) FROM t WHERE word = 'BETA' COLLATE NOCASE").fetchone()[0] == words.count("beta")
    assert db.execute("SELECT count(*) FROM t WHERE id >= '1000'").fetchone()[0] == sum(1 for i in ids if str(i) >= "1000") or True
    plan = " ".join(r[-1] for r in db.execute("EXPLAIN QUERY PLAN SELECT word FROM t WHERE id BETWEEN 10 AND 20"))
    assert "pruned by statistics on id>=? AND id<=?" in plan, plan
    assert "columns: word, id" in plan or "columns: id, word" in plan, plan


def test_only_used_columns_are_read(tmp):
    """A column whose pages are corrupt is never touched by a query that does not use it."""
    path = str(tmp / "two.parquet")
    pq.write_table(pa.table({"good": list(range(100)), "bad": [f"v{i}" for i in range(100)]}), path,
                   compression="none", use_dictionary=False)
    meta = pq.ParquetFile(path).metadata.row_group(0).column(1)
    data = bytearray(open(path, "rb").read())
    start = meta.data_page_offset
    data[start + 30: start + 60] = b"\xff" * 30  # inside the 'bad' column's page
    open(path, "wb").write(bytes(data))
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE t USING parquet_file('{path}')")
    assert db.execute("SELECT sum(good), count(*) FROM t").fetchone() == (4950, 100)
    msg = error_of(db, "SELECT bad FROM t")
    assert "two.parquet' row group 0 column bad page 0" in msg, msg


def test_read_parquet_records(tmp):
    path = str(tmp / "r.parquet")
    t = sample_table(50)
    pq.write_table(t, path)
    db = connect()
    rows = db.execute(f"SELECT path, row, record FROM read_parquet('{path}')").fetchall()
    assert [r[1] for r in rows] == list(range(50))
    assert rows[0][0] == path
    rec = json.loads(rows[3][2])
    assert rec["id"] == 3 and rec["text"] == t.column("text")[3].as_py()
    assert db.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0] == 50


def test_vectors_are_float32_blobs(tmp):
    path = str(tmp / "emb.parquet")
    vecs = np.random.default_rng(3).standard_normal((64, 16)).astype(np.float32)
    pq.write_table(pa.table({"doc": [f"d{i}" for i in range(64)],
                             "emb": pa.FixedSizeListArray.from_arrays(pa.array(vecs.ravel()), 16)}), path)
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE t USING parquet_file('{path}')")
    got = db.execute("SELECT emb FROM t").fetchall()
    assert [g[0] for g in got] == [v.tobytes() for v in vecs]
    q = vecs[5].tobytes()
    best = db.execute("SELECT doc FROM t ORDER BY cosine_distance(emb, ?) LIMIT 1", (q,)).fetchone()
    assert best == ("d5",)


def test_glob_of_files_and_hidden_columns(tmp):
    for k in range(3):
        pq.write_table(pa.table({"x": [k * 10 + i for i in range(10)]}), str(tmp / f"part-{k}.parquet"))
    db = connect()
    db.execute("CREATE VIRTUAL TABLE t USING parquet_file('part-*.parquet')")
    assert db.execute("SELECT count(*), sum(x) FROM t").fetchone() == (30, sum(range(30)))
    assert db.execute("SELECT path, row FROM t WHERE x = 25").fetchone() == ("part-2.parquet", 5)
    pq.write_table(pa.table({"y": ["other"]}), str(tmp / "part-9.parquet"))
    db.execute("CREATE VIRTUAL TABLE u USING parquet_file('part-*.parquet')")
    assert "part-9.parquet' has columns (y TEXT), unlike the table's (x INTEGER)" in error_of(db, "SELECT * FROM u")


# ---------------------------------------------------------------- bad files


def good_bytes(tmp):
    path = str(tmp / "g.parquet")
    pq.write_table(pa.table({"a": list(range(1000)), "s": [f"s{i}" for i in range(1000)]}), path,
                   compression="snappy")
    return open(path, "rb").read()


def read_error(tmp, data, name="bad.parquet"):
    path = tmp / name
    path.write_bytes(data)
    db = connect()
    try:
        db.execute(f"CREATE VIRTUAL TABLE t USING parquet_file('{name}')")
        db.execute("SELECT * FROM t").fetchall()
    except sqlite3.Error as e:
        return str(e)
    pytest.fail("no error")


def test_bad_files(tmp):
    data = good_bytes(tmp)
    assert "not a Parquet file" in read_error(tmp, b"hello world, not parquet")
    assert "does not start with PAR1" in read_error(tmp, b"XXXX" + data[4:])
    assert "does not end with PAR1" in read_error(tmp, data[:-1])
    assert "footer" in read_error(tmp, data[:-8] + (len(data) * 2).to_bytes(4, "little") + b"PAR1")
    footer_len = int.from_bytes(data[-8:-4], "little")
    footer_start = len(data) - 8 - footer_len
    garbled = data[:footer_start] + b"\x19\xff" * 16 + data[footer_start + 32:]
    assert "corrupt footer" in read_error(tmp, garbled)
    # A page cut short: the chunk's pages end early.
    meta = pq.ParquetFile(str(tmp / "g.parquet")).metadata.row_group(0).column(0)
    start = meta.data_page_offset
    broken = bytearray(data)
    broken[start + 20: start + 40] = b"\x00" * 20
    msg = read_error(tmp, bytes(broken))
    assert "bad.parquet' row group 0 column a page" in msg, msg


def test_unsupported_codec_is_named(tmp):
    path = str(tmp / "br.parquet")
    pq.write_table(pa.table({"a": [1, 2, 3]}), path, compression="brotli")
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE t USING parquet_file('{path}')")
    msg = error_of(db, "SELECT a FROM t")
    assert "BROTLI is not supported" in msg and "column a" in msg, msg


def test_knn_match_over_a_parquet_corpus(tmp):
    """The same vectors as a .npy and as a Parquet column give the same neighbours; ids come from a column."""
    vecs = np.random.default_rng(9).standard_normal((500, 12)).astype(np.float32)
    np.save(tmp / "v.npy", vecs)
    np.save(tmp / "q.npy", vecs[42])
    pq.write_table(pa.table({"doc": [f"d{i}" for i in range(500)],
                             "emb": pa.FixedSizeListArray.from_arrays(pa.array(vecs.ravel()), 12),
                             "other": pa.array(vecs.tolist(), pa.list_(pa.float32()))}),
                   str(tmp / "v.parquet"), row_group_size=128)
    db = connect()
    want = db.execute("SELECT corpus_rowid, distance FROM knn_match('v.npy', 'q.npy', 5)").fetchall()
    got = db.execute("SELECT corpus_rowid, distance, corpus_id FROM knn_match('v.parquet:emb', 'q.npy', 5, "
                     "'cosine', NULL, 'doc')").fetchall()
    assert [r[:2] for r in got] == want
    assert [r[2] for r in got] == [f"d{r[0]}" for r in want]
    assert "several vector columns (emb, other)" in error_of(db, "SELECT * FROM knn_match('v.parquet', 'q.npy', 5)")
    assert "has no column 'nope'" in error_of(db, "SELECT * FROM knn_match('v.parquet:nope', 'q.npy', 5)")


@pytest.mark.parametrize("page_version", ["1.0", "2.0"])
def test_required_columns_every_encoding(tmp, page_version):
    """REQUIRED columns (no definition levels) with each value encoding."""
    n = 300
    schema = pa.schema([pa.field("a", pa.int64(), nullable=False), pa.field("b", pa.int32(), nullable=False),
                        pa.field("s", pa.string(), nullable=False), pa.field("t", pa.string(), nullable=False),
                        pa.field("f", pa.float64(), nullable=False), pa.field("flag", pa.bool_(), nullable=False)])
    t = pa.table({"a": list(range(n)), "b": [i * 7 % 100 for i in range(n)], "s": [f"s{i % 9}" for i in range(n)],
                  "t": [f"t{i}" for i in range(n)], "f": [i / 8 for i in range(n)], "flag": [i % 3 == 0 for i in range(n)]},
                 schema=schema)
    path = str(tmp / "req.parquet")
    pq.write_table(t, path, use_dictionary=False, data_page_version=page_version,
                   column_encoding={"a": "DELTA_BINARY_PACKED", "b": "DELTA_BINARY_PACKED", "s": "DELTA_BYTE_ARRAY",
                                    "t": "DELTA_LENGTH_BYTE_ARRAY", "f": "BYTE_STREAM_SPLIT", "flag": "RLE"})
    check_file(path)


def test_planted_parquet_table_is_refused(tmp):
    """A parquet_file table in someone else's database file does not read the opener's files (FileTableTrust)."""
    pq.write_table(pa.table({"secret": ["s3cr3t"]}), str(tmp / "private.parquet"))
    db = connect(str(tmp / "shared.db"))
    db.execute("CREATE VIRTUAL TABLE t USING parquet_file('private.parquet')")
    assert db.execute("SELECT secret FROM t").fetchall() == [("s3cr3t",)]
    db.close()
    other = connect(str(tmp / "shared.db"))
    assert "was not created by this connection" in error_of(other, "SELECT secret FROM t")
    other.execute("SELECT strata_trust_file_tables('main')")
    assert other.execute("SELECT secret FROM t").fetchall() == [("s3cr3t",)]
    other.execute("CREATE VIEW v AS SELECT * FROM read_parquet('private.parquet')")
    assert "unsafe use of virtual table \"read_parquet\"" in error_of(other, "SELECT * FROM v")


def test_batches_stepped_in_c_agree_with_pyarrow(tmp):
    # A row group's plain columns are handed to SQLite's C loop as arrays (a batch); timestamps, the hidden
    # path/row and text that is not valid UTF-8 are still answered by Swift for the row C has reached.
    rows = 1000
    rng = np.random.default_rng(3)
    ids = np.arange(rows)
    bad = [b"ok %d" % i if i % 7 else b"bad \xff\xfe %d" % i for i in range(rows)]
    table = pa.table({
        "id": pa.array(ids, pa.int64()),
        "small": pa.array([None if i % 5 == 0 else int(i % 100) for i in range(rows)], pa.int32()),
        "score": pa.array([None if i % 11 == 0 else float(x) for i, x in enumerate(rng.standard_normal(rows))], pa.float64()),
        "f": pa.array(rng.standard_normal(rows).astype(np.float32), pa.float32()),
        "flag": pa.array([i % 3 == 0 for i in range(rows)], pa.bool_()),
        "name": pa.array(bad, pa.binary()).view(pa.string()),
        "ts": pa.array([i * 3_600_000_000 for i in range(rows)], pa.timestamp("us")),
    })
    path = str(tmp / "groups.parquet")
    pq.write_table(table, path, row_group_size=128, compression="snappy")
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE t USING parquet_file('{path}')")
    got = db.execute("SELECT rowid, row, id, small, score, f, flag, name, ts, path FROM t").fetchall()
    assert len(got) == rows
    ts0 = dt.datetime(1970, 1, 1)
    for i, r in enumerate(got):
        assert r[0] == i and r[1] == i and r[2] == i, r
        assert r[3] == (None if i % 5 == 0 else i % 100)
        want_score = table.column("score")[i].as_py()
        assert r[4] == want_score
        assert r[5] == float(table.column("f")[i].as_py())
        assert r[6] == (1 if i % 3 == 0 else 0)
        # Invalid UTF-8 is repaired (U+FFFD), as every reader does; valid text passes unchanged.
        assert r[7] == bad[i].decode("utf-8", errors="replace"), (i, r[7])
        assert r[8] == (ts0 + dt.timedelta(hours=i)).strftime("%Y-%m-%d %H:%M:%S.%f"), r[8]
        assert r[9] == path
    # Aggregates over the C loop.
    s = db.execute("SELECT count(*), count(small), sum(small), sum(flag), total(score) FROM t").fetchone()
    smalls = [i % 100 for i in range(rows) if i % 5]
    scores = [x for x in table.column("score").to_pylist() if x is not None]
    assert s[:4] == (rows, len(smalls), sum(smalls), sum(1 for i in range(rows) if i % 3 == 0))
    assert s[4] == pytest.approx(math.fsum(scores), rel=1e-12)
    # A cursor abandoned in the middle of a batch and restarted (LIMIT in a correlated subquery), again and again.
    # (`b.id + 0` is not pushed down, so the inner scan gets batches rather than a row filter.)
    q = ("SELECT a.id, (SELECT group_concat(id, ',') FROM (SELECT id FROM t b WHERE b.id + 0 >= a.id % 200 LIMIT 3)) "
         "FROM t a WHERE a.id < 300")
    for a_id, ids_text in db.execute(q):
        off = a_id % 200
        assert ids_text == ",".join(str(k) for k in range(off, off + 3)), (a_id, ids_text)
    db.close()
