"""Files readers against the tools that write the files: numpy.save/savez/savez_compressed, Python's csv
writer, and JSON lines in the Extended JSON that mongoexport writes. Every file is made at test time and
every expected value is computed here from the data that was written, never copied from Strata's output.
"""
import csv
import datetime as dt
import gzip
import io
import json
import math
import os
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import JSONL_BLOCK, LIB, ROOT, connect, error_of


def f32_rows(arr):
    """What read_npy's vector column must hold: each row of the first axis, C-order, as float32 bytes."""
    a = np.asarray(arr)
    return [np.ascontiguousarray(a[i]).astype("<f4").ravel().tobytes() for i in range(a.shape[0])]


# ---------------------------------------------------------------- .npy

FLOAT_DTYPES = ["f2", "f4", "f8"]
INT_DTYPES = ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"]


def sample(dtype, shape, seed=3):
    rng = np.random.default_rng(seed)
    kind = np.dtype(dtype).kind
    if kind == "f":
        return (rng.standard_normal(shape) * 10).astype(dtype)
    if kind == "b":
        return rng.integers(0, 2, shape).astype(dtype)
    info = np.iinfo(np.dtype(dtype))
    lo, hi = max(info.min, -(2**62)), min(info.max, 2**62)
    a = rng.integers(lo, hi, shape, dtype=np.int64 if info.min < 0 else np.uint64, endpoint=True).astype(dtype)
    a.flat[0] = info.max  # the extremes survive the conversion
    a.flat[-1] = info.min
    return a


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("endian", ["<", ">"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES + INT_DTYPES + ["b1"])
def test_npy_2d_rows_are_float32_vectors(tmp, dtype, endian, order):
    arr = np.asarray(sample(endian + dtype if dtype != "b1" else "?", (7, 5)), order=order)
    np.save("a.npy", arr)
    assert np.load("a.npy").flags.f_contiguous == (order == "F")
    db = connect()
    rows = db.execute("select i, vector, value from read_npy('a.npy')").fetchall()
    assert [r[0] for r in rows] == list(range(7))
    assert [r[1] for r in rows] == f32_rows(arr)
    assert all(r[2] is None for r in rows)


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
@pytest.mark.parametrize("order", ["C", "F"])
def test_npy_format_versions(tmp, version, order):
    arr = np.asarray(sample("<f4", (4, 3)), order=order)
    with open("v.npy", "wb") as f:
        np.lib.format.write_array(f, arr, version=version)
    with open("v.npy", "rb") as f:
        assert f.read(8)[6] == version[0]
    db = connect()
    assert [r[0] for r in db.execute("select vector from read_npy('v.npy')")] == f32_rows(arr)


@pytest.mark.parametrize("endian", ["<", ">"])
@pytest.mark.parametrize("dtype", INT_DTYPES + ["b1"])
def test_npy_1d_integers_are_exact(tmp, dtype, endian):
    arr = sample(endian + dtype if dtype != "b1" else "?", (50,))
    np.save("v.npy", arr)
    db = connect()
    rows = db.execute("select i, vector, value from read_npy('v.npy')").fetchall()
    expected = [int(x) for x in arr]
    got = [r[2] for r in rows]
    if dtype == "u8":  # above 2**63-1 a uint64 comes back as REAL
        expected = [x if x < 2**63 else float(x) for x in expected]
    assert got == expected
    assert [r[0] for r in rows] == list(range(50))
    assert all(r[1] is None for r in rows)


@pytest.mark.parametrize("endian", ["<", ">"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_npy_1d_floats(tmp, dtype, endian):
    arr = sample(endian + dtype, (40,))
    arr[3] = np.inf
    arr[4] = -0.0
    np.save("v.npy", arr)
    got = [r[0] for r in connect().execute("select value from read_npy('v.npy')")]
    assert got == [float(x) for x in arr]


def test_npy_higher_dimensions_flatten_each_row_in_c_order(tmp):
    arr = sample("<f8", (4, 3, 2))
    for order in ("C", "F"):
        np.save("n.npy", np.asarray(arr, order=order))
        got = [r[0] for r in connect().execute("select vector from read_npy('n.npy')")]
        assert got == f32_rows(arr)


def test_npy_scalar_and_empty_arrays(tmp):
    np.save("s.npy", np.float64(2.5))
    assert connect().execute("select i, value from read_npy('s.npy')").fetchall() == [(0, 2.5)]
    np.save("e.npy", np.zeros((0, 8), np.float32))
    assert connect().execute("select count(*) from read_npy('e.npy')").fetchone() == (0,)
    np.save("w.npy", np.zeros((3, 0), np.float32))
    assert connect().execute("select length(vector) from read_npy('w.npy')").fetchall() == [(0,), (0,), (0,)]


def test_npy_vectors_feed_cosine_distance(tmp):
    rng = np.random.default_rng(5)
    emb = rng.standard_normal((200, 64)).astype(np.float32)
    q = rng.standard_normal(64).astype(np.float32)
    np.save("emb.npy", emb)
    db = connect()
    got = db.execute("select i, cosine_distance(vector, ?) d from read_npy('emb.npy') order by d limit 5",
                     (q.tobytes(),)).fetchall()
    e64, q64 = emb.astype(np.float64), q.astype(np.float64)
    dist = 1 - (e64 @ q64) / (np.linalg.norm(e64, axis=1) * np.linalg.norm(q64))
    assert [r[0] for r in got] == list(np.argsort(dist)[:5])
    for i, d in got:
        assert d == pytest.approx(dist[i], abs=1e-5)


def test_npy_row_constraints_are_pushed_down(tmp):
    arr = sample("<f4", (100, 4))
    np.save("a.npy", arr)
    db = connect()
    assert db.execute("select vector from read_npy('a.npy') where i = 42").fetchall() == [(f32_rows(arr)[42],)]
    assert [r[0] for r in db.execute("select i from read_npy('a.npy') where i > 95")] == [96, 97, 98, 99]
    assert [r[0] for r in db.execute("select i from read_npy('a.npy') where i >= 2.5 and i < 5")] == [3, 4]
    assert [r[0] for r in db.execute("select i from read_npy('a.npy') where i = '7'")] == [7]
    assert db.execute("select count(*) from read_npy('a.npy') where i < -3").fetchone() == (0,)
    plan = " ".join(str(r) for r in db.execute("explain query plan select * from read_npy('a.npy') where i = 3"))
    assert "i=?" in plan


def npy_error(sql):
    return error_of(connect(), sql)


def test_npy_errors_name_the_file_and_reason(tmp):
    np.save("obj.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    assert npy_error("select * from read_npy('obj.npy')") == \
        "read_npy: 'obj.npy': object arrays are not supported (dtype '|O'; Strata never unpickles; save strings with a fixed-width dtype: np.array(ids, dtype=str))"
    np.save("c.npy", np.zeros(3, np.complex64))
    assert npy_error("select * from read_npy('c.npy')") == "read_npy: 'c.npy': complex dtypes are not supported (dtype '<c8')"
    np.save("st.npy", np.zeros(3, dtype=[("a", "<f4"), ("b", "<i4")]))
    assert npy_error("select * from read_npy('st.npy')") == "read_npy: 'st.npy': structured dtypes are not supported"
    # Strings are read (issue 15) as text; only 2-D string arrays are refused.
    np.save("u.npy", np.array([["x", "yy"]]))
    assert npy_error("select * from read_npy('u.npy')") == ("read_npy: 'u.npy': string arrays of 2 or more dimensions "
                                                            "are not supported (dtype '<U2', shape (1, 2)); save ids as a 1-D array")
    np.save("full.npy", np.ones((10, 4), np.float32))
    data = open("full.npy", "rb").read()
    open("trunc.npy", "wb").write(data[:-5])
    assert npy_error("select * from read_npy('trunc.npy')") == \
        "read_npy: 'trunc.npy': data is truncated: shape (10, 4) of <f4 needs 160 bytes, the file holds 155 after the header"
    open("magic.npy", "wb").write(b"PK\x03\x04" + data[4:])
    assert npy_error("select * from read_npy('magic.npy')") == "read_npy: 'magic.npy': not a .npy file (bad magic)"
    open("v9.npy", "wb").write(data[:6] + b"\x09\x00" + data[8:])
    assert npy_error("select * from read_npy('v9.npy')") == "read_npy: 'v9.npy': unsupported .npy format version 9.0"
    open("hdr.npy", "wb").write(data[:10] + data[10:].replace(b"'shape': (10, 4)", b"'shape': [10, 4]", 1))
    assert npy_error("select * from read_npy('hdr.npy')").startswith("read_npy: 'hdr.npy': bad header:")
    open("short.npy", "wb").write(data[:30])
    assert npy_error("select * from read_npy('short.npy')") == \
        "read_npy: 'short.npy': bad header: truncated (the file ends inside the header)"
    assert npy_error("select * from read_npy('missing.npy')") == \
        "read_npy: cannot open 'missing.npy': No such file or directory"
    assert npy_error("select * from read_npy()").startswith("read_npy: missing argument 'files'")
    assert npy_error("select * from read_npy(42)") == "read_npy: path must be a file path (text)"


def test_npy_rewritten_while_read_is_an_error_not_a_crash(tmp):
    """np.save truncates before writing: a reader must see an error, never SIGBUS (why .npy is not mmapped)."""
    np.save("live.npy", np.ones((4000, 1000), np.float32))  # 16 MB: more than one read window
    db = connect()
    cur = db.execute("select i, length(vector) from read_npy('live.npy')")
    assert cur.fetchmany(10) == [(i, 4000) for i in range(10)]
    np.save("live.npy", np.ones((2, 2), np.float32))
    with pytest.raises(sqlite3.OperationalError) as e:
        cur.fetchall()
    assert str(e.value) == "read_npy: 'live.npy' is shorter than when it was opened (changed while being read)"


# ---------------------------------------------------------------- .npz

def test_npz_stored_and_compressed(tmp):
    a = sample("<f4", (6, 3))
    b = sample(">f8", (4, 2))
    c = np.arange(5, dtype=np.int16)
    f = np.asfortranarray(sample("<f2", (3, 4)))
    np.savez("s.npz", a, b, named=c, fort=f)
    np.savez_compressed("z.npz", a, b, named=c, fort=f)
    for path in ("s.npz", "z.npz"):
        names = list(np.load(path).files)
        db = connect()
        rows = db.execute(f"select array, i, vector, value from read_npz('{path}')").fetchall()
        expected = []
        for name in names:
            arr = np.load(path)[name]
            if arr.ndim >= 2:
                expected += [(name, i, v, None) for i, v in enumerate(f32_rows(arr))]
            else:
                expected += [(name, i, None, int(x)) for i, x in enumerate(arr)]
        assert rows == expected
        assert db.execute(f"select count(*), min(i), max(i) from read_npz('{path}', 'named')").fetchone() == (5, 0, 4)
        assert db.execute(f"select count(*) from read_npz('{path}', 'arr_1.npy')").fetchone() == (4,)
        assert error_of(db, f"select * from read_npz('{path}', 'nope')") == \
            f"read_npz: '{path}' has no array 'nope' (arrays: {', '.join(names)})"


def test_npz_large_compressed_member_streams(tmp):
    big = sample("<f4", (3000, 700))  # 8.4 MB: larger than the inflate window
    np.savez_compressed("big.npz", emb=big, ids=np.arange(3000, dtype=np.int64))
    db = connect()
    got = db.execute("select vector from read_npz('big.npz', 'emb')").fetchall()
    assert [r[0] for r in got] == f32_rows(big)
    assert db.execute("select vector from read_npz('big.npz', 'emb') where i = 2999").fetchone()[0] == f32_rows(big)[2999]
    assert db.execute("select sum(value) from read_npz('big.npz', 'ids')").fetchone() == (sum(range(3000)),)


def test_npz_errors(tmp):
    np.savez_compressed("z.npz", emb=np.ones((100, 16), np.float32))
    data = bytearray(open("z.npz", "rb").read())
    # Corrupt one byte of the compressed stream: zlib or the CRC check must notice.
    data[80] ^= 0xFF
    open("bad.npz", "wb").write(bytes(data))
    msg = error_of(connect(), "select count(*) from read_npz('bad.npz')")
    assert msg.startswith("read_npz: 'bad.npz': member 'emb.npy'"), msg
    open("notzip.npz", "wb").write(b"hello world, this is not a zip archive at all")
    assert error_of(connect(), "select * from read_npz('notzip.npz')") == \
        "read_npz: 'notzip.npz': not a zip archive (no end-of-central-directory record)"
    np.savez("obj.npz", o=np.array([1, "x"], dtype=object))
    assert error_of(connect(), "select * from read_npz('obj.npz')") == \
        "read_npz: 'obj.npz': member 'o.npy': object arrays are not supported (dtype '|O'; Strata never unpickles; save strings with a fixed-width dtype: np.array(ids, dtype=str))"


# ---------------------------------------------------------------- JSON lines (mongoexport-style)

def oid(n):
    return f"{0x6553 << 80 | n:024x}"


def make_records(n=60):
    """Plain records and how mongoexport writes them (relaxed Extended JSON v2, as in `mongoexport`)."""
    base = dt.datetime(2026, 11, 14, 0, 30, tzinfo=dt.timezone.utc)
    plain, extended = [], []
    for k in range(n):
        t = base + dt.timedelta(minutes=17 * k, milliseconds=123 * k)
        ms = int(t.timestamp() * 1000)
        iso = t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}"
        score = round(0.5 + 0.4 * math.sin(k), 4)
        p = {"_id": oid(k), "model": f"m{k % 3}", "score": score, "n": 10**12 + k, "small": k,
             "ts": iso, "ts2": iso, "tags": ["a", f"t{k}"], "meta": {"created": iso, "count": k, "ok": k % 2 == 0},
             "note": "naïve ☃ \"quoted\"\n" if k % 5 == 0 else None, "flag": k % 2 == 0, "dec": 1.25 + k}
        e = {"_id": {"$oid": oid(k)}, "model": p["model"], "score": score,
             "n": {"$numberLong": str(p["n"])}, "small": {"$numberInt": str(k)},
             "ts": {"$date": t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"},
             "ts2": {"$date": {"$numberLong": str(ms)}},
             "tags": ["a", f"t{k}"],
             "meta": {"created": {"$date": t.astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30))).isoformat(
                 timespec="milliseconds")}, "count": {"$numberInt": str(k)}, "ok": k % 2 == 0},
             "note": p["note"], "flag": p["flag"], "dec": {"$numberDecimal": str(1.25 + k)}}
        plain.append(p)
        extended.append(e)
    return plain, extended


def test_jsonl_unwraps_extended_json(tmp):
    plain, ext = make_records()
    with open("p.jsonl", "w") as f:
        for e in ext:
            f.write(json.dumps(e, ensure_ascii=False) + "\n")
    rows = connect().execute("select path, line, doc from read_jsonl('p.jsonl')").fetchall()
    assert [r[1] for r in rows] == list(range(1, len(plain) + 1))
    assert all(r[0] == "p.jsonl" for r in rows)
    assert [json.loads(r[2]) for r in rows] == plain


def test_jsonl_table_members_unwrapped_without_doc(tmp):
    """The typed table reads wrappers lazily (only a member's value asked for is unwrapped): every column alone,
    never the doc text, must equal the plain records; then doc read after members, and members after doc."""
    plain, ext = make_records()
    with open("p.jsonl", "w") as f:
        for e in ext:
            f.write(json.dumps(e, ensure_ascii=False) + "\n")
    db = connect()
    db.execute("create virtual table t using jsonl('p.jsonl')")
    for c in plain[0]:
        got = [r[0] for r in db.execute(f'select "{c}" from t')]
        want = [p[c] for p in plain]
        if isinstance(want[0], (dict, list)):
            got = [json.loads(v) for v in got]
        if isinstance(want[0], bool):
            want = [int(v) for v in want]
        assert got == want, c
    rows = db.execute("select meta, _id, doc from t").fetchall()
    assert [json.loads(r[2]) for r in rows] == plain
    assert [json.loads(r[0]) for r in rows] == [p["meta"] for p in plain]
    assert db.execute("select count(*), sum(n) from t").fetchone() == (len(plain), sum(p["n"] for p in plain))


def test_jsonl_special_numbers_and_untouched_wrappers(tmp):
    docs = ['{"a": {"$numberDouble": "Infinity"}, "b": {"$numberDouble": "-Infinity"}, "c": {"$numberDouble": "NaN"}}',
            '{"x": {"$binary": {"base64": "AAE=", "subType": "00"}}, "y": {"$oid": "abc", "extra": 1}}',
            '{"d": {"$date": "1969-12-31T23:59:59.999Z"}, "e": {"$date": -1}, "f": {"$numberLong": "007"}}']
    open("s.jsonl", "w").write("\n".join(docs) + "\n")
    db = connect()
    got = [json.loads(r[0]) for r in db.execute("select doc from read_jsonl('s.jsonl')")]
    assert got[0] == {"a": math.inf, "b": -math.inf, "c": None}
    assert got[1] == json.loads(docs[1])  # not one of the unwrapped forms: left as written
    assert got[2] == {"d": "1969-12-31 23:59:59.999", "e": "1969-12-31 23:59:59.999", "f": {"$numberLong": "007"}}
    assert db.execute("select doc ->> '$.a' > 1e308 from read_jsonl('s.jsonl') limit 1").fetchone() == (1,)


def test_json_array_file_and_gzip(tmp):
    plain, ext = make_records(25)
    text = json.dumps(ext, indent=2, ensure_ascii=False)
    open("arr.json", "w").write("\ufeff" + text)
    with gzip.open("p.jsonl.gz", "wt") as f:
        for e in ext:
            f.write(json.dumps(e) + "\n")
    db = connect()
    rows = db.execute("select line, doc from read_jsonl('arr.json')").fetchall()
    assert [json.loads(r[1]) for r in rows] == plain
    starts = [i + 1 for i, l in enumerate(text.split("\n")) if l == "  {"]
    assert [r[0] for r in rows] == starts
    assert [json.loads(r[0]) for r in db.execute("select doc from read_jsonl('p.jsonl.gz')")] == plain
    # A glob reads both, in name order.
    assert db.execute("select count(*), count(distinct path) from read_jsonl('*.json*')").fetchone() == (50, 2)


def test_jsonl_errors_name_file_and_line(tmp):
    open("bad.jsonl", "w").write('{"a": 1}\n\n{"a": 2,}\n')
    assert error_of(connect(), "select * from read_jsonl('bad.jsonl')") == \
        "read_jsonl: 'bad.jsonl' line 3: expected a string key at column 9"
    open("bad2.jsonl", "w").write('{"a": 1}\n{"a": "unterminated}\n')
    assert error_of(connect(), "select * from read_jsonl('bad2.jsonl')").startswith(
        "read_jsonl: 'bad2.jsonl' line 2: unexpected end of input")
    open("bad.json", "w").write('[\n {"a": 1},\n {"a": tru}\n]')
    assert error_of(connect(), "select * from read_jsonl('bad.json')") == \
        "read_jsonl: 'bad.json' line 3: unexpected '}' (expected 'true')"
    open("deep.jsonl", "w").write("[" * 5000 + "]" * 5000 + "\n")
    assert "nesting deeper than 1000" in error_of(connect(), "select * from read_jsonl('deep.jsonl')")
    assert error_of(connect(), "select * from read_jsonl('nothing*.jsonl')") == \
        "read_jsonl: no files match 'nothing*.jsonl'"


def test_jsonl_table_infers_columns(tmp):
    plain, ext = make_records()
    with open("p.jsonl", "w") as f:
        for e in ext:
            f.write(json.dumps(e) + "\n")
    db = connect()
    db.execute("create virtual table preds using jsonl('p.jsonl')")
    cols = db.execute("select name, type, hidden from pragma_table_xinfo('preds')").fetchall()
    assert cols == [("_id", "TEXT", 0), ("model", "TEXT", 0), ("score", "REAL", 0), ("n", "INTEGER", 0),
                    ("small", "INTEGER", 0), ("ts", "TEXT", 0), ("ts2", "TEXT", 0), ("tags", "JSON", 0),
                    ("meta", "JSON", 0), ("note", "TEXT", 0), ("flag", "INTEGER", 0), ("dec", "REAL", 0),
                    ("doc", "TEXT", 1), ("path", "TEXT", 1), ("line", "INTEGER", 1)]
    rows = db.execute("select _id, model, score, n, small, ts, ts2, tags, meta, note, flag, dec, doc, line "
                      "from preds").fetchall()
    assert len(rows) == len(plain)
    for k, (r, p) in enumerate(zip(rows, plain)):
        assert r[:7] == (p["_id"], p["model"], p["score"], p["n"], p["small"], p["ts"], p["ts2"])
        assert json.loads(r[7]) == p["tags"] and json.loads(r[8]) == p["meta"]
        assert r[9:12] == (p["note"], int(p["flag"]), p["dec"])
        assert json.loads(r[12]) == p and r[13] == k + 1
    assert db.execute("select typeof(score), typeof(n), typeof(dec) from preds limit 1").fetchone() == \
        ("real", "integer", "real")
    assert db.execute("select count(*) from preds where meta ->> 'ok'").fetchone() == (sum(p["meta"]["ok"] for p in plain),)


def test_jsonl_table_sample_mixed_and_missing_keys(tmp):
    lines = [{"a": 1, "b": "x"}, {"a": 2.5, "c": [1]}, {"a": 3, "b": 4, "doc": "mine"}]
    open("m.jsonl", "w").write("\n".join(json.dumps(l) for l in lines) + "\n")
    db = connect()
    db.execute("create virtual table m using jsonl('m.jsonl')")
    assert db.execute("select name, type from pragma_table_xinfo('m')").fetchall() == \
        [("a", "REAL"), ("b", ""), ("c", "JSON"), ("doc", "TEXT"), ("_doc", "TEXT"), ("path", "TEXT"), ("line", "INTEGER")]
    assert db.execute("select a, b, c, doc from m").fetchall() == \
        [(1.0, "x", None, None), (2.5, None, "[1]", None), (3.0, 4, None, "mine")]
    open("scalars.jsonl", "w").write('1\n"x"\n')
    db.execute("create virtual table sc using jsonl('scalars.jsonl')")
    assert db.execute("select * from sc").fetchall() == [("1",), ('"x"',)]
    db.execute("create virtual table m1 using jsonl('m.jsonl', sample=1)")
    assert [r[0] for r in db.execute("select name from pragma_table_info('m1')")] == ["a", "b"]
    assert error_of(db, "create virtual table m2 using jsonl('m.jsonl', sample=0)").startswith("jsonl: sample must be")
    assert error_of(db, "create virtual table m3 using jsonl('m.jsonl', bogus=1)") == "jsonl: unknown option 'bogus' (options: sample)"


# ---------------------------------------------------------------- CSV

AWKWARD = [
    ["id", "text", "score", "when"],
    [1, 'he said "hi", then left', 0.5, "2026-11-14"],
    [2, "multi\nline\r\nfield", -3, ""],
    [3, "", 1e-7, "comma, inside"],
    [4, "trailing space ", 12345678901234567890, "x"],
    [5, "ünïcødé ☃", "007", '"quoted"'],
]


def expected_json_value(text, quoted):
    """The rule of read_csv's `row`: quoted → string; unquoted empty → null; unquoted JSON number → number."""
    if quoted:
        return text
    if text == "":
        return None
    try:
        v = json.loads(text)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return v
    except ValueError:
        pass
    return text


@pytest.mark.parametrize("quoting", [csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])
@pytest.mark.parametrize("delimiter,ext", [(",", "csv"), ("\t", "tsv"), (";", "txt")])
@pytest.mark.parametrize("bom", [False, True])
def test_read_csv_matches_python_csv(tmp, quoting, delimiter, ext, bom):
    path = f"r.{ext}"
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        csv.writer(f, delimiter=delimiter, quoting=quoting).writerows(AWKWARD)
    raw = open(path, encoding="utf-8-sig").read()
    with open(path, newline="", encoding="utf-8-sig") as f:
        records = list(csv.reader(f, delimiter=delimiter))
    header, data = records[0], records[1:]
    db = connect()
    opts = "" if ext in ("csv", "tsv") else ", 'delimiter=;'"
    rows = db.execute(f"select path, line, row from read_csv('{path}'{opts})").fetchall()
    assert len(rows) == len(data)
    # Which fields were quoted: Python's writer decides; recover it from the raw text of each record.
    for (p, line, row), rec, src in zip(rows, data, AWKWARD[1:]):
        got = json.loads(row)
        assert list(got) == header
        for name, text, value in zip(header, rec, src):
            quoted = quoting == csv.QUOTE_ALL or (quoting == csv.QUOTE_NONNUMERIC and not isinstance(value, (int, float))) \
                or (quoting == csv.QUOTE_MINIMAL and (any(c in text for c in delimiter + '"\r\n')))
            assert got[name] == expected_json_value(text, quoted), (name, text)
    # Lines: where each record starts in the file.
    logical = []
    buf = io.StringIO(raw, newline="")
    physical = 1
    reader = csv.reader(buf, delimiter=delimiter)
    for rec in reader:
        logical.append(physical)
        physical = reader.line_num + 1
    assert [r[1] for r in rows] == logical[1:]


def test_csv_file_table_types_and_options(tmp):
    with open("t.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "score", "zip", "mixed", "id"])
        for k in range(1, 21):
            w.writerow([k, f"n{k}", k / 4, f"{k:05d}", k if k % 2 else f"x{k}", -k])
        w.writerow([99, "", "", "", "", ""])
    db = connect()
    db.execute("create virtual table t using csv_file('t.csv')")
    assert db.execute("select name, type, hidden from pragma_table_xinfo('t')").fetchall() == [
        ("id", "INTEGER", 0), ("name", "TEXT", 0), ("score", "REAL", 0), ("zip", "TEXT", 0), ("mixed", "", 0),
        ("id_2", "INTEGER", 0), ("path", "TEXT", 1), ("line", "INTEGER", 1)]
    rows = db.execute("select id, name, score, zip, mixed, id_2, line from t").fetchall()
    for k in range(1, 21):
        assert rows[k - 1] == (k, f"n{k}", k / 4, f"{k:05d}", k if k % 2 else f"x{k}", -k, k + 1)
    assert rows[-1] == (99, None, None, None, None, None, 22)
    assert db.execute("select typeof(score) from t where id = 4").fetchone() == ("real",)

    open("h.txt", "w").write("1;'a;b';2\n3;'it''s';4\n")
    db.execute("create virtual table h using csv_file('h.txt', header=false, delimiter=';', quote=\"'\")")
    assert db.execute("select name from pragma_table_info('h')").fetchall() == [("c1",), ("c2",), ("c3",)]
    assert db.execute("select * from h").fetchall() == [(1, "a;b", 2), (3, "it's", 4)]
    assert db.execute("select row from read_csv('h.txt', '{\"header\": false, \"delimiter\": \";\", \"quote\": \"''\"}')"
                      ).fetchall() == [('{"c1":1,"c2":"a;b","c3":2}',), ('{"c1":3,"c2":"it\'s","c3":4}',)]


def test_csv_ragged_records_and_errors(tmp):
    open("rg.csv", "w").write("a,b\n1\n2,3,4\n")
    db = connect()
    assert [json.loads(r[0]) for r in db.execute("select row from read_csv('rg.csv')")] == \
        [{"a": 1, "b": None}, {"a": 2, "b": 3, "c3": 4}]
    open("uq.csv", "w").write('a,b\n1,2\n3,"never closed\n4,5\n')
    assert error_of(db, "select * from read_csv('uq.csv')") == "read_csv: 'uq.csv' line 3: unterminated quoted field"
    assert error_of(db, "select * from read_csv('uq.csv', 'delimiter=ab')") == \
        "read_csv: delimiter must be one ASCII character (or '\\t'), not 'ab'"
    assert error_of(db, "select * from read_csv('uq.csv', 'colour=red')") == \
        "read_csv: unknown option 'colour' (options: header, delimiter, quote)"
    assert error_of(db, "create virtual table x using csv_file('nope.csv')") == \
        "csv_file: cannot open 'nope.csv': No such file or directory"


# ---------------------------------------------------------------- privileges and surface

def test_readers_are_direct_only(tmp):
    np.save("a.npy", np.ones((2, 2), np.float32))
    open("a.jsonl", "w").write('{"a": 1}\n')
    open("a.csv", "w").write("a\n1\n")
    db = connect()
    for src in ("read_npy('a.npy')", "read_jsonl('a.jsonl')", "read_csv('a.csv')"):
        db.execute(f"create view v as select * from {src}")
        assert "unsafe use of" in error_of(db, "select * from v")
        db.execute("drop view v")
    db.execute("create virtual table j using jsonl('a.jsonl')")
    db.execute("create view vj as select * from j")
    assert "unsafe use of" in error_of(db, "select * from vj")


def test_modules_registered():
    names = {r[0] for r in connect().execute("select name from pragma_module_list")}
    assert {"read_jsonl", "jsonl", "read_csv", "csv_file", "read_npy", "read_npz"} <= names


# ---------------------------------------------------------------- jsonl on two threads
# The blocks are JSONL_BLOCK bytes (512 KiB, set in conftest; 4 MiB outside the tests): a record below is about
# 470 bytes, so 1,118 rows to a block, and 3,750 rows make four blocks, the last one partial.

def write_big_jsonl(path, n, newline="\n", bom=False, last_newline=True, long_line_at=None):
    """mongoexport-style records with every kind of value (mixed per key, missing keys, nested, unicode), blank
    lines, optionally CRLF ends, a BOM, no final newline and one line longer than a block (1.25 blocks)."""
    plain, ext = make_records(50)
    out = []
    for k in range(n):
        e = dict(ext[k % 50])
        e["i"] = k
        e["mixed"] = k if k % 3 == 0 else (f"s{k}" if k % 3 == 1 else k / 8)
        if k % 11 == 0:
            del e["model"]
        if long_line_at is not None and k == long_line_at:
            e["blob"] = "x" * (JSONL_BLOCK * 5 // 4)
        out.append(json.dumps(e, ensure_ascii=False))
        if k % 997 == 5:
            out.append("   ")
    text = newline.join(out) + (newline if last_newline else "")
    with open(path, "w", newline="") as f:
        f.write(("\ufeff" if bom else "") + text)


def block_first_lines(path):
    """The first line number of each block the scan cuts `path` into: a block ends just past the first line end
    at or after its start + JSONL_BLOCK - 1 (JSONLinesParallelScan.cutEnd), the last one at the file's end."""
    data = open(path, "rb").read()
    firsts, start = [], 0
    while start < len(data):
        firsts.append(data.count(b"\n", 0, start) + 1)
        end = data.find(b"\n", start + JSONL_BLOCK - 1)
        start = len(data) if end < 0 else end + 1
    return firsts


def threads_of_this_process():
    return len(os.listdir("/proc/self/task"))


def test_jsonl_block_size_hook_puts_small_files_on_worker_threads(tmp):
    # The tests below get their blocks from STRATA_JSONL_BLOCK_BYTES (conftest); were it ignored, their files
    # (under two 4 MiB blocks) would be read on one thread and those tests would compare that thread with itself.
    # A file of 12 blocks: with the first row taken, the workers are still there — they cut at most two blocks
    # each ahead of the caller (four workers at most), so they cannot have cut the last block and left. A file
    # under two blocks stays on the caller's thread.
    write_big_jsonl("big.jsonl", 13_500)
    assert len(block_first_lines("big.jsonl")) >= 12
    write_big_jsonl("small.jsonl", 1_000)
    assert len(block_first_lines("small.jsonl")) == 1
    db = connect()
    db.execute("create virtual table big using jsonl('big.jsonl')")
    db.execute("create virtual table small using jsonl('small.jsonl')")
    before = threads_of_this_process()
    for sql, threaded in [("select i from big", True), ("select line from read_jsonl('big.jsonl')", True),
                          ("select i from small", False), ("select line from read_jsonl('small.jsonl')", False)]:
        cur = db.execute(sql)
        assert cur.fetchone() is not None
        during = threads_of_this_process()
        cur.close()
        assert (during > before) == threaded, (sql, before, during)
        # Closing the statement joins the workers; a joined thread can stay listed in /proc for a moment.
        for _ in range(1000):
            if threads_of_this_process() == before:
                break
            time.sleep(0.01)
        assert threads_of_this_process() == before, sql


def gzip_copies(names):
    """A gzip copy of each file: gzip files are always read on one thread, so their rows are the reference
    for the worker threads' reading of the plain files (paths then end in .gz)."""
    for name in names:
        with open(name, "rb") as f, gzip.open(name + ".gz", "wb") as g:
            g.write(f.read())


def one_thread(rows, path_index):
    return [r[:path_index] + (r[path_index][:-3],) + r[path_index + 1:] for r in rows]


def rows_both_ways(db, columns, pattern, files):
    """The same statement over the plain files on worker threads (typed columns, then with doc) and over their
    gzip copies on one thread; the paths are compared without .gz."""
    gzip_copies(files)
    db.execute(f"create virtual table g using jsonl('{pattern}.gz', sample=100000)")
    sel = ", ".join(f'"{c}"' for c in columns)
    threaded = db.execute(f"select rowid, {sel}, line, path from t").fetchall()
    threaded_doc = db.execute(f"select rowid, {sel}, line, path, doc from t").fetchall()
    single = one_thread(db.execute(f"select rowid, {sel}, line, path, doc from g").fetchall(), len(columns) + 2)
    return threaded, threaded_doc, single


@pytest.mark.parametrize("shape", ["lf", "crlf_bom_no_final_newline", "long_line", "two_files"])
def test_jsonl_table_on_two_threads_reads_what_one_thread_reads(tmp, shape):
    # Files of several blocks are cut at line ends and read by worker threads; every row (rowid, each
    # typed column, line, path, and doc when asked for) must equal the one-thread scan's of a gzip copy, and
    # the counts and sums must equal Python's own reading of the file.
    n = 3_750
    if shape == "lf":
        write_big_jsonl("a.jsonl", n)
    elif shape == "crlf_bom_no_final_newline":
        write_big_jsonl("a.jsonl", n, newline="\r\n", bom=True, last_newline=False)
    elif shape == "long_line":
        write_big_jsonl("a.jsonl", n, long_line_at=1_543)  # in the second block
    else:
        write_big_jsonl("a.jsonl", n)
        write_big_jsonl("b.jsonl", n // 2)
    assert len(block_first_lines("a.jsonl")) == 4
    pattern = "*.jsonl" if shape == "two_files" else "a.jsonl"
    db = connect()
    db.execute(f"create virtual table t using jsonl('{pattern}', sample=100000)")
    columns = [r[1] for r in db.execute("pragma table_info(t)")]
    assert "i" in columns and "mixed" in columns
    files = ["a.jsonl", "b.jsonl"] if shape == "two_files" else ["a.jsonl"]
    threaded, threaded_doc, single = rows_both_ways(db, columns, pattern, files)
    assert len(threaded) == len(threaded_doc) == len(single)
    for a, d, b in zip(threaded, threaded_doc, single):
        assert a == b[:-1] and d == b, (a, d, b)
    # Python's reading of the same bytes.
    want_is, want_models = [], 0
    for name in (["a.jsonl", "b.jsonl"] if shape == "two_files" else ["a.jsonl"]):
        with open(name, encoding="utf-8-sig") as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    want_is.append(d["i"])
                    want_models += "model" in d
    assert db.execute("select count(*), sum(i), count(model) from t").fetchone() == (len(want_is), sum(want_is), want_models)


@pytest.mark.parametrize("bad", ["first block", "end of the first block", "start of the second block",
                                 "second block", "third block", "last"])
def test_jsonl_table_on_two_threads_stops_at_a_broken_line_like_one_thread(tmp, bad):
    # Workers number lines from their block's start; the block with the error is read again with the lines
    # before it known, so the message names the file's line — in the first block, on either side of a block's
    # end, in later blocks, the last line. (Not line 1: the table reads the first documents to find its columns.)
    write_big_jsonl("a.jsonl", 3_750)
    firsts = block_first_lines("a.jsonl")
    assert len(firsts) == 4
    with open("a.jsonl") as f:
        lines = f.read().split("\n")
    bad = {"first block": 150, "end of the first block": firsts[1] - 1, "start of the second block": firsts[1],
           "second block": firsts[1] + 53, "third block": firsts[2] + 383,
           "last": max(k + 1 for k, line in enumerate(lines) if line.strip())}[bad]
    lines[bad - 1] = '{"i": 1, "score": oops}'
    with open("a.jsonl", "w") as f:
        f.write("\n".join(lines))
    db = connect()
    db.execute("create virtual table t using jsonl('a.jsonl')")

    def until_error(sql):
        got = []
        with pytest.raises(sqlite3.OperationalError) as e:
            for r in db.execute(sql):
                got.append(r[0])
        return got, str(e.value)

    gzip_copies(["a.jsonl"])
    db.execute("create virtual table g using jsonl('a.jsonl.gz')")
    threaded, e1 = until_error("select i from t")
    threaded_doc, e3 = until_error("select i, doc from t")
    single, e2 = until_error("select i, doc from g")
    assert e1 == e3 == e2.replace(".gz", "") == f"jsonl: 'a.jsonl' line {bad}: unexpected 'o' at column 19"
    assert threaded == threaded_doc
    # (Python's sqlite3 steps one row ahead: the row before the failing step is not handed out.)
    before = sum(1 for line in lines[:bad - 1] if line.strip())
    assert threaded == single and len(threaded) in (before - 1, before)


@pytest.mark.parametrize("sql", ["select sum(i), max(mixed) from t", "select sum(length(doc)) from t",
                                 "select sum(length(doc)) from read_jsonl('a.jsonl')"])
def test_jsonl_table_on_two_threads_is_interruptible(tmp, sql):
    # Typed columns, and documents rendered on the worker threads.
    write_big_jsonl("a.jsonl", 7_500)
    assert len(block_first_lines("a.jsonl")) == 7
    db = connect()
    db.execute("create virtual table t using jsonl('a.jsonl')")
    calls = [0]

    # A whole scan makes 30-45 calls of 1,000 steps: the 7th stops it in its first blocks, workers still busy.
    def progress():
        calls[0] += 1
        return 1 if calls[0] > 6 else 0

    db.set_progress_handler(progress, 1000)
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        db.execute(sql).fetchone()
    db.set_progress_handler(None, 0)
    # The workers are gone and the table reads again, whole.
    assert db.execute("select count(*) from t").fetchone()[0] == 7_500


@pytest.mark.parametrize("shape", ["lf", "crlf_bom_no_final_newline", "long_line"])
def test_read_jsonl_on_two_threads(tmp, shape):
    # Big plain files are read on worker threads, with or without each document's text (rendered there, in C
    # when it can); rows, lines and text equal the one-thread reading of a gzip copy.
    kw = {"lf": {}, "crlf_bom_no_final_newline": dict(newline="\r\n", bom=True, last_newline=False),
          "long_line": dict(long_line_at=7)}[shape]
    write_big_jsonl("a.jsonl", 3_750, **kw)
    assert len(block_first_lines("a.jsonl")) >= 4
    db = connect()
    threaded = db.execute("select rowid, path, line from read_jsonl('a.jsonl')").fetchall()
    threaded_doc = db.execute("select rowid, path, line, doc from read_jsonl('a.jsonl')").fetchall()
    gzip_copies(["a.jsonl"])
    single = one_thread(db.execute("select rowid, path, line, doc from read_jsonl('a.jsonl.gz')").fetchall(), 1)
    assert threaded == [r[:3] for r in single] and threaded_doc == single
    with open("a.jsonl", encoding="utf-8-sig", newline="") as f:
        want = [k + 1 for k, line in enumerate(f.read().splitlines()) if line.strip()]
    assert [r[2] for r in threaded] == want
    assert db.execute("select count(*) from read_jsonl('a.jsonl')").fetchone()[0] == len(want)


DOC_HASH = r"""
import hashlib, sqlite3, sys
c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(sys.argv[1])
h = hashlib.sha256()
for line, doc in c.execute("select line, doc from read_jsonl(?)", (sys.argv[2],)):
    h.update(f"{line}:{doc}\n".encode())
print(h.hexdigest())
"""


@pytest.mark.parametrize("source", ["go_driver_export", "python_records"])
def test_read_jsonl_doc_rendered_in_c_equals_the_swift_rendering(tmp, source):
    # Each document's text with Extended JSON unwrapped: rendered in C on the worker threads, and with
    # STRATA_JSON_SCAN=swift by the Swift scanner alone (another process) — every line and text the same. The
    # first source is the encoder mongoexport itself uses (Tests/fixtures/mongoexport, relaxed mode: ISO dates,
    # $numberDouble NaN/Infinity), repeated past two blocks.
    if source == "go_driver_export":
        one = (ROOT / "Tests" / "fixtures" / "mongoexport" / "predictions.json").read_bytes()
        with open("a.jsonl", "wb") as f:
            f.write(one * (9 * JSONL_BLOCK // 4 // len(one) + 1))
    else:
        write_big_jsonl("a.jsonl", 3_750)
    assert len(block_first_lines("a.jsonl")) >= 3
    hashes = {}
    for mode in ("c", "swift"):
        env = dict(os.environ, STRATA_JSON_SCAN=mode)
        out = subprocess.run([sys.executable, "-c", DOC_HASH, str(LIB), "a.jsonl"], env=env, capture_output=True,
                             text=True, check=True)
        hashes[mode] = out.stdout.strip()
    assert hashes["c"] == hashes["swift"] and len(hashes["c"]) == 64


TYPED_HASH = r"""
import hashlib, sqlite3, sys
c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(sys.argv[1])
c.execute("create virtual table t using jsonl('" + sys.argv[2] + "')")
cols = ", ".join('"' + r[1] + '"' for r in c.execute("pragma table_info(t)"))
h = hashlib.sha256()
for row in c.execute("select rowid, " + cols + ", line from t"):
    h.update(repr(row).encode())
print(h.hexdigest())
"""


def test_jsonl_table_read_by_line_shapes_equals_the_full_scan_on_the_go_driver_export(tmp):
    # The Go driver's export (the encoder mongoexport calls) repeats one layout: on the worker threads most
    # lines are read through a learnt shape. Every typed value must be what the full scan gives
    # (STRATA_JSON_SHAPES=0, another process) and, for the plain fields, what Python's json module reads.
    one = (ROOT / "Tests" / "fixtures" / "mongoexport" / "predictions.json").read_bytes()
    with open("a.jsonl", "wb") as f:
        f.write(one * (9 * JSONL_BLOCK // 4 // len(one) + 1))
    assert len(block_first_lines("a.jsonl")) >= 3
    hashes = {}
    for mode in ("1", "0"):
        env = dict(os.environ, STRATA_JSON_SHAPES=mode)
        out = subprocess.run([sys.executable, "-c", TYPED_HASH, str(LIB), "a.jsonl"], env=env, capture_output=True,
                             text=True, check=True)
        hashes[mode] = out.stdout.strip()
    assert hashes["1"] == hashes["0"] and len(hashes["1"]) == 64
    db = connect()
    db.execute("create virtual table t using jsonl('a.jsonl')")
    docs = [json.loads(line) for line in open("a.jsonl", encoding="utf-8") if line.strip()]
    latency = [d["latency_ms"] for d in docs if isinstance(d.get("latency_ms"), int)]
    labels = [d["label"] for d in docs if isinstance(d.get("label"), str)]
    models = [d["model"] for d in docs if isinstance(d.get("model"), str)]
    got = db.execute("select count(*), sum(latency_ms), count(label), max(label), min(model) from t").fetchone()
    assert got == (len(docs), sum(latency), len(labels), max(labels), min(models))


def test_read_jsonl_count_on_two_threads_names_the_broken_line(tmp):
    write_big_jsonl("a.jsonl", 3_750)
    with open("a.jsonl", "a") as f:
        f.write('{"i": 1,}\n')
    db = connect()
    n = sum(1 for line in open("a.jsonl") if line.strip())
    msg = f"read_jsonl: 'a.jsonl' line {sum(1 for _ in open('a.jsonl'))}: "
    assert error_of(db, "select count(*) from read_jsonl('a.jsonl')").startswith(msg)
    assert error_of(db, "select count(doc) from read_jsonl('a.jsonl')").startswith(msg)
    assert n > 3_750 and len(block_first_lines("a.jsonl")) == 4
