"""Parquet files Apache Spark wrote (parquet-mr 1.13, the JVM writer; Tests/fixtures/parquet/spark, made by
make_spark.py there): its defaults (INT96 timestamps, PLAIN_DICTIONARY, snappy), TIMESTAMP_MICROS/MILLIS, data
pages v2 with DELTA encodings, no dictionary with several row groups, Hadoop-framed LZ4, and the legacy
(Hive-compatible) layout. Every value of every row is compared with Spark's own reading of the same file
(NAME.truth.jsonl) — nothing expected here comes from Strata.
"""
import datetime as dt
import decimal
import json
import math
import pathlib

import numpy as np
import pytest

from conftest import ROOT, connect

SPARK = ROOT / "Tests" / "fixtures" / "parquet" / "spark"
MANIFEST = json.loads((SPARK / "manifest.json").read_text())

INTEGERS = ("id", "small", "tiny", "n")


def micros(text):
    """Timestamp text (3, 6 or 9 fraction digits) → microseconds since the epoch, UTC wall clock."""
    day, _, frac = text.partition(".")
    whole = dt.datetime.strptime(day, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone.utc)
    return int(whole.timestamp()) * 10**6 + int((frac + "000000")[:6])


def expected(name, v):
    """Spark's value (as make_spark.py wrote it) in the form Strata's parquet_file gives (docs/files.md)."""
    if v is None:
        return None
    if name in INTEGERS or name in ("label", "day"):
        return v
    if name == "ok":
        return int(v)
    if name in ("f", "x"):
        if v == "nan":
            return None  # SQLite has no NaN: a REAL NaN is NULL
        return float(v)
    if name == "raw":
        return bytes.fromhex(v)
    if name == "price":  # DECIMAL(10, 2): REAL, exact to its digits
        return float(decimal.Decimal(v))
    if name == "big":  # DECIMAL(38, 10): exact text
        return v
    if name == "at":
        return micros(v)
    if name == "embedding":
        return np.array(v, dtype="<f4").tobytes()
    return json.loads(json.dumps(v))  # tags, counts, meta: JSON


def got(name, v):
    if v is None:
        return None
    if name == "at":
        return micros(v)
    if name in ("tags", "counts", "meta"):
        return json.loads(v)
    return v


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_spark_file_matches_sparks_reading(entry):
    truth = [json.loads(l) for l in (SPARK / entry["truth"]).read_text(encoding="utf-8").splitlines()]
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE t USING parquet_file('{SPARK / entry['file']}')")
    names = [r[1] for r in db.execute("PRAGMA table_info(t)")]
    assert names == list(truth[0].keys()), names
    rows = db.execute("SELECT * FROM t ORDER BY row").fetchall()
    assert len(rows) == len(truth)
    for i, (row, t) in enumerate(zip(rows, truth)):
        for name, value in zip(names, row):
            want, have = expected(name, t[name]), got(name, value)
            if isinstance(want, float) and isinstance(have, float) and math.isinf(want):
                assert have == want, (entry["file"], i, name)
            else:
                assert have == want, (entry["file"], i, name, value, t[name])


def test_spark_embedding_column_is_a_knn_corpus():
    """The float arrays Spark wrote are a knn_match corpus, with NumPy as the oracle."""
    entry = MANIFEST[0]
    truth = [json.loads(l) for l in (SPARK / entry["truth"]).read_text(encoding="utf-8").splitlines()]
    present = [(i, t["embedding"]) for i, t in enumerate(truth) if t["embedding"] is not None]
    m = np.array([e for _, e in present], dtype=np.float32).astype(np.float64)
    q = m[3] + 0.01
    d = 1 - (m @ q) / (np.linalg.norm(m, axis=1) * np.linalg.norm(q))
    want = [present[j][0] for j in np.argsort(d, kind="stable")[:5]]
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE s USING parquet_file('{SPARK / entry['file']}')")
    db.execute("CREATE TABLE docs(id INTEGER PRIMARY KEY, embedding BLOB)")
    db.execute("INSERT INTO docs SELECT row, embedding FROM s WHERE embedding IS NOT NULL")
    rows = db.execute("SELECT corpus_rowid FROM knn_match('docs.embedding', ?, 5)",
                      (np.asarray(q, dtype=np.float32).tobytes(),)).fetchall()
    assert [r[0] for r in rows] == want
