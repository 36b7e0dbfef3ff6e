"""Comparisons parquet_file evaluates inside the table (issue 18, item 4): rows a pushed `col > x` rejects are
stepped over without going through SQLite. The answer to every query must be SQLite's own over the same rows
copied into an ordinary table (SQLite's comparison semantics: NULL, NaN read as NULL, integers against
fractions and against numbers beyond 2^63, text arguments), and pyarrow's count for the plain ones.
"""
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import connect

ROWS = 3000


@pytest.fixture
def db(tmp):
    rng = np.random.default_rng(4)
    null = rng.random(ROWS) < 0.1
    score = rng.random(ROWS)
    score[::97] = np.nan
    big = rng.integers(-2**63, 2**63 - 1, ROWS, dtype=np.int64)
    big[:4] = [2**63 - 1, -2**63, 2**53 + 1, -(2**53) - 1]
    t = pa.table({
        "score": pa.array(score, mask=null),
        "f": pa.array(rng.random(ROWS).astype(np.float32)),
        "n": pa.array(rng.integers(-50, 50, ROWS), mask=np.roll(null, 1)),
        "small": pa.array(rng.integers(-50, 50, ROWS).astype(np.int32)),
        "big": pa.array(big),
        "word": pa.array([f"w{i % 7}" for i in range(ROWS)]),
    })
    pq.write_table(t, "f.parquet", row_group_size=700, data_page_size=1024)
    conn = connect()
    conn.execute("CREATE VIRTUAL TABLE t USING parquet_file('f.parquet')")
    conn.execute("CREATE TABLE copy AS SELECT row AS r, * FROM t")
    return conn, t


WHERES = [
    "score > 0.9", "score >= 0.5 AND score < 0.6", "score <= 0.01", "score = 0.5", "score > 1", "score > -1",
    "score BETWEEN 0.2 AND 0.25", "score > 0", "score < 1", "0.95 < score",
    "f > 0.5", "f <= 0.25", "f = 0.5", "f > 0",
    "n > 10", "n >= 10", "n < -45", "n <= -45", "n = 0", "n > 10.5", "n >= 10.5", "n < -44.5", "n = 3.5", "n = 3.0",
    "n > 1e30", "n < 1e30", "n > -1e30", "n < -1e30", "n BETWEEN -3 AND 3",
    "small > 40", "small = -7", "small < 40.25",
    "big > 9007199254740992", "big < -9007199254740992", "big >= 9223372036854775807",
    "big > 9.3e18", "big < 9.3e18", "big > 4611686018427387904.5", "big = -9223372036854775808",
    "score > '0.9'", "n > '10'", "score > NULL", "n > 10 AND score > 0.5 AND small < 0", "word > 'w3' AND n > 0",
]


@pytest.mark.parametrize("where", WHERES)
def test_filter_answers_are_sqlites(db, where):
    db, _ = db
    got = db.execute(f"SELECT count(*), total(row), group_concat(row) FROM t WHERE {where}").fetchone()
    want = db.execute(f"SELECT count(*), total(r), group_concat(r) FROM copy WHERE {where}").fetchone()
    assert got == want


def test_filter_counts_match_pyarrow(db):
    db, t = db
    assert db.execute("SELECT count(*) FROM t WHERE score > 0.9").fetchone()[0] == pc.sum(pc.greater(t["score"], 0.9)).as_py()
    assert db.execute("SELECT count(*) FROM t WHERE n >= 10").fetchone()[0] == pc.sum(pc.greater_equal(t["n"], 10)).as_py()
    # rowid and the hidden row column stay the file's row numbers when rows are stepped over.
    rows = db.execute("SELECT rowid, row FROM t WHERE small = -7").fetchall()
    want = [i for i, v in enumerate(t["small"].to_pylist()) if v == -7]
    assert [r for _, r in rows] == want and [r for r, _ in rows] == want


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_sorted_timestamps_reuse_their_day_text(tmp, unit):
    """Timestamps many to a day (the cursor reuses a day's date text while rows stay on it), crossing
    midnights, the 1970 epoch and a leap day, with NULLs between: each as pyarrow reads it."""
    from test_parquet import check_file
    per = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    start = -3 * 86400 - 7  # 1969-12-28 23:59:53
    secs = [start + i * 3607 for i in range(200)] + [951_782_400 + i * 1799 for i in range(100)]  # 2000-02-29
    values = [None if i % 17 == 5 else s * per + (i * 37 % per) for i, s in enumerate(secs)]
    pq.write_table(pa.table({"ts": pa.array(values, pa.timestamp(unit, tz="UTC")),
                             "local": pa.array(values, pa.timestamp(unit))}), "ts.parquet", row_group_size=120)
    check_file("ts.parquet")
