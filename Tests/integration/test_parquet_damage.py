"""Damaged Parquet files never crash the host: pyarrow writes small files (plain, dictionary, compressed,
v1 and v2 pages, delta and byte-stream-split encodings, nested lists), then they are cut short at many
offsets, bytes of their footers and page headers are flipped, huge varints are spliced in, every integer of
the Thrift footer and first page headers is set to extremes (0, -1, 2^31, 2^62, 2^63 - 1) and deeply nested
Thrift footers are made up (~4,000 files, a few seconds). Every one is read through read_parquet,
parquet_file with a pruning filter and knn_match in a child process (four children, a quarter of the cases
each): each must give rows or an SQL error, never a signal. The child reports which case it was on, so a crash
names the file that caused it (kept in the test's tmp directory).
"""
import os
import random
import struct
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import LIB

WORKER = r'''
import os, sqlite3, sys
c = sqlite3.connect(":memory:")
c.enable_load_extension(True)
c.load_extension(sys.argv[1])
answered = 0
for line in sys.stdin:
    p = line.strip()
    print(p, flush=True)
    for sql, arg in (("SELECT * FROM read_parquet(?)", p),
                     ("SELECT count(*), sum(id) FROM read_parquet(?) WHERE id > 25", p),
                     ("SELECT * FROM knn_match(?, '[1,1,2]', 3)", p + ":emb"),
                     ("SELECT * FROM knn_match(?, '[1,1,2]', 3)", p + ":vec")):
        try:
            c.execute(sql, (arg,)).fetchall()
            answered += 1
        except sqlite3.Error:
            pass
    try:
        c.execute("DROP TABLE IF EXISTS t")
        c.execute("CREATE VIRTUAL TABLE t USING parquet_file(%s)" % ("'" + p.replace("'", "''") + "'"))
        c.execute("SELECT rowid, * FROM t WHERE id > 25").fetchall()
    except sqlite3.Error:
        pass
print("DONE", answered, flush=True)
'''


def sample(n=40):
    rng = np.random.default_rng(5)
    null = rng.random(n) < 0.2
    return pa.table({
        "id": pa.array(np.arange(n), pa.int64()),
        "i32": pa.array([None if null[i] else int(x) for i, x in enumerate(rng.integers(-999, 999, n))], pa.int32()),
        "d": pa.array(rng.standard_normal(n)),
        "b": pa.array([None if null[i] else bool(i % 3) for i in range(n)], pa.bool_()),
        "s": pa.array([None if null[i] else f"w{i % 5}" * (i % 3) for i in range(n)], pa.string()),
        "emb": pa.array([None if null[i] else [float(i), 1.0, 2.0] for i in range(n)], pa.list_(pa.float32())),
        # Every list and element present: knn_match reads it straight from the pages (the vector fast path).
        "vec": pa.FixedSizeListArray.from_arrays(pa.array(rng.standard_normal(3 * n).astype(np.float32)), 3),
        "st": pa.array([{"x": i, "y": [i, i + 1]} for i in range(n)],
                       pa.struct([("x", pa.int32()), ("y", pa.list_(pa.int64()))])),
    })


WRITERS = {
    "plain": dict(compression="none", use_dictionary=False),
    "dict_snappy": dict(compression="snappy", row_group_size=15),
    "zstd_v2": dict(compression="zstd", data_page_version="2.0"),
    "delta": dict(compression="none", use_dictionary=False, data_page_version="2.0",
                  column_encoding={"id": "DELTA_BINARY_PACKED", "i32": "DELTA_BINARY_PACKED",
                                   "s": "DELTA_BYTE_ARRAY", "d": "BYTE_STREAM_SPLIT",
                                   "vec.list.element": "BYTE_STREAM_SPLIT"}),
}


def varint(n):
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        if not n:
            return out + bytes([b])
        out += bytes([b | 0x80])


def with_footer(footer):
    return b"PAR1" + footer + struct.pack("<I", len(footer)) + b"PAR1"


def damaged(name, data, rng):
    n = len(data)
    footer_start = n - 8 - int.from_bytes(data[-8:-4], "little")
    for cut in sorted(set(rng.sample(range(4, n), 25)) | {n - 1, n - 8, footer_start, footer_start + 1}):
        yield f"{name}-cut{cut}", data[:cut]
    for i in rng.sample(range(footer_start, n - 8), 30):
        for v in (0x00, 0xFF, data[i] ^ 0x01):
            b = bytearray(data)
            b[i] = v
            yield f"{name}-footer{i}-{v}", bytes(b)
    for i in rng.sample(range(4, footer_start), 30):
        b = bytearray(data)
        b[i] ^= 0x40
        yield f"{name}-body{i}", bytes(b)
    for i in rng.sample(range(4, n - 8), 8):
        yield f"{name}-huge{i}", data[:i] + b"\xff" * 9 + b"\x7f" + data[i + 1:]


def thrift_integers(b, i, out):
    """Walks the compact-protocol struct at `i`, appending (start, end, kind) of every integer, length and list
    header in it; returns where the struct ends."""
    def uvarint(i):
        r = shift = 0
        while True:
            c = b[i]
            i += 1
            r |= (c & 0x7F) << shift
            shift += 7
            if not c & 0x80:
                return r, i

    def value(i, t):
        if t in (1, 2):
            return i
        if t == 3:
            out.append((i, i + 1, "byte"))
            return i + 1
        if t in (4, 5, 6):
            _, j = uvarint(i)
            out.append((i, j, "int"))
            return j
        if t == 7:
            return i + 8
        if t == 8:
            n, j = uvarint(i)
            out.append((i, j, "length"))
            return j + n
        if t in (9, 10):
            n, et, j = b[i] >> 4, b[i] & 0x0F, i + 1
            if n == 15:
                n, j = uvarint(j)
            out.append((i, j, "list"))
            for _ in range(n):
                j = value(j, et)
            return j
        if t == 12:
            return struct_(i)
        raise ValueError(t)

    def struct_(i):
        while True:
            h = b[i]
            i += 1
            if h == 0:
                return i
            if h >> 4 == 0:
                _, i = uvarint(i)
            i = value(i, h & 0x0F)

    return struct_(i)


def extremes(name, data):
    """Every integer of the footer and of each column chunk's first page header set to extreme values."""
    values = [0, -1, 2**31, 2**62, 2**63 - 1]
    zigzag = lambda v: ((v << 1) ^ (v >> 63)) & (2**64 - 1)
    n = len(data)
    footer_start = n - 8 - int.from_bytes(data[-8:-4], "little")
    footer = data[footer_start:-8]
    spots = []
    thrift_integers(footer, 0, spots)
    for s, e, kind in spots:
        for v in values:
            if kind == "byte":
                new = bytes([v & 0xFF])
            elif kind == "list":
                new = bytes([0xF0 | footer[s] & 0x0F]) + varint(v & (2**64 - 1))
            else:
                new = varint(v & (2**64 - 1) if kind == "length" else zigzag(v))
            f = footer[:s] + new + footer[e:]
            yield f"{name}-footer-int{s}-{v}", data[:footer_start] + f + struct.pack("<I", len(f)) + b"PAR1"
    meta = pq.ParquetFile(pa.BufferReader(data)).metadata
    for g in range(meta.num_row_groups):
        for c in range(meta.num_columns):
            chunk = meta.row_group(g).column(c)
            spots = []
            thrift_integers(data, chunk.dictionary_page_offset or chunk.data_page_offset, spots)
            for s, e, kind in spots:
                for v in values:
                    new = bytes([v & 0xFF]) if kind == "byte" else varint(zigzag(v))
                    yield f"{name}-page-int{s}-{v}", data[:s] + new + data[e:]


def cases(tmp_path):
    rng = random.Random(11)
    out = [("deep-structs", with_footer(b"\x1c" * 5000 + b"\x00" * 5000)),
           ("deep-lists", with_footer(b"\x19\x1c" * 5000)),
           ("empty-footer", with_footer(b"\x00")),
           ("huge-list", with_footer(b"\x19\xfc" + varint(2**62) + b"\x00"))]
    t = sample()
    for name, kw in WRITERS.items():
        path = tmp_path / f"{name}.parquet"
        pq.write_table(t, path, **kw)
        out += list(damaged(name, path.read_bytes(), rng))
        if name in ("plain", "zstd_v2"):
            out += list(extremes(name, path.read_bytes()))
    return out


def summed_row_groups(tmp_path):
    """Row groups whose counts add up past 2^63 (each pruned by its statistics, so never read)."""
    path = tmp_path / "groups.parquet"
    pq.write_table(pa.table({"id": list(range(30))}), path, row_group_size=10)
    data = path.read_bytes()
    footer_start = len(data) - 8 - int.from_bytes(data[-8:-4], "little")
    footer = data[footer_start:-8]
    # RowGroup.num_rows (field 3, i64) = 10: field header 0x16, zigzag varint 20.
    assert footer.count(b"\x16\x14") >= 3
    footer = footer.replace(b"\x16\x14", b"\x16" + varint(2**62 << 1))
    return data[:footer_start] + footer + struct.pack("<I", len(footer)) + b"PAR1"


# The cases are read in SHARDS children (every SHARDS-th case each, so each child meets every kind of damage),
# one test each: pytest-xdist spreads them over its workers, where one child took minutes under AddressSanitizer.
SHARDS = 4


@pytest.mark.parametrize("shard", range(SHARDS))
def test_damaged_files_give_errors_never_signals(tmp_path, shard):
    files = []
    every = cases(tmp_path) + [("summed-row-groups", summed_row_groups(tmp_path))]
    for name, data in every[shard::SHARDS]:
        p = tmp_path / f"case-{name}.parquet"
        p.write_bytes(data)
        files.append(str(p))
    proc = subprocess.run([sys.executable, "-c", WORKER, str(LIB)], input="\n".join(files) + "\n",
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    lines = proc.stdout.splitlines()
    last = lines[-1] if lines else "(before the first file)"
    assert proc.returncode == 0 and last.startswith("DONE"), \
        f"exit {proc.returncode} while reading {last}\n{proc.stderr[-2000:]}"
    # The undamaged parts still read: some cases (cuts inside unused bytes, flips in statistics) give rows.
    assert int(last.split()[1]) > 0


def test_row_counts_adding_past_int64_are_an_error(tmp_path):
    (tmp_path / "g.parquet").write_bytes(summed_row_groups(tmp_path))
    code = r'''
import sqlite3, sys
c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(sys.argv[1])
for sql in ("CREATE VIRTUAL TABLE t USING parquet_file('g.parquet')",
            "SELECT count(*) FROM read_parquet('g.parquet')"):
    try:
        print("ROWS", c.execute(sql).fetchall())
    except sqlite3.Error as e:
        print("ERROR", e)
'''
    proc = subprocess.run([sys.executable, "-c", code, str(LIB)], capture_output=True, text=True, cwd=tmp_path,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout.splitlines()
    assert len(out) == 2 and all(l.startswith("ERROR") and "'g.parquet' row group 1: claims" in l and "2^63" in l
                                for l in out), out


def test_pruning_by_a_real_at_the_edge_of_int64(tmp_path):
    """Row-group pruning compares an INTEGER column's statistics with a REAL argument; 2^63 (what SQLite reads
    9223372036854775807.0 as) once trapped converting to Int64. Answers must match SQLite's own table."""
    from conftest import connect
    ids = [1, 2**63 - 1, -2**63]
    pq.write_table(pa.table({"id": pa.array(ids, pa.int64())}), tmp_path / "big.parquet")
    db = connect()
    db.execute(f"CREATE VIRTUAL TABLE t USING parquet_file('{tmp_path / 'big.parquet'}')")
    db.execute("CREATE TABLE plain(id INTEGER)")
    db.executemany("INSERT INTO plain VALUES (?)", [(i,) for i in ids])
    for cond in ("id = 9223372036854775807.0", "id >= 9223372036854775807.0", "id < 9223372036854775807.0",
                 "id > -9223372036854775808.0", "id <= -9223372036854775808.0", "id < -1e19", "id > 1e19",
                 "id IN (9223372036854775807.0, 1.0)"):
        got = sorted(db.execute(f"SELECT id FROM t WHERE {cond}").fetchall())
        want = sorted(db.execute(f"SELECT id FROM plain WHERE {cond}").fetchall())
        assert got == want, cond


def test_a_group_claiming_the_next_fields_children_is_an_error(tmp_path):
    """A struct's num_children raised by one: it takes the next top-level field as its child, and the root then
    claims one child more than the schema holds (that read past the element list and trapped)."""
    table = pa.table({"st": pa.array([{"x": 1}], pa.struct([("x", pa.int32())])), "id": [1]})
    pq.write_table(table, tmp_path / "nest.parquet")
    data = (tmp_path / "nest.parquet").read_bytes()
    # SchemaElement 'st': name (field 4, binary "st"), then num_children (field 5, i32 zigzag 1 → 2).
    assert data.count(b"\x02st\x15\x02") == 1
    (tmp_path / "bad.parquet").write_bytes(data.replace(b"\x02st\x15\x02", b"\x02st\x15\x04"))
    code = r'''
import sqlite3, sys
c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(sys.argv[1])
try:
    print("ROWS", c.execute("SELECT * FROM read_parquet('bad.parquet')").fetchall())
except sqlite3.Error as e:
    print("ERROR", e)
'''
    proc = subprocess.run([sys.executable, "-c", code, str(LIB)], capture_output=True, text=True, cwd=tmp_path,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "corrupt footer" in proc.stdout and "claims 2 children" in proc.stdout, proc.stdout


def test_a_footer_of_empty_elements_is_held_to_the_memory_budget(tmp_path):
    """A list of one-byte empty structs decodes to ~100 bytes an element: a 4 MiB footer would take ~400 MiB
    (a 200 MiB one got the host OOM-killed). The footer's lists are checked against the memory budget first."""
    body = b"\x15\x02\x19\xfc" + varint((4 << 20) - 20)  # version 1, schema: list of ~4M structs
    footer = body + b"\x00" * ((4 << 20) - len(body))
    (tmp_path / "empty.parquet").write_bytes(with_footer(footer))
    code = r'''
import sqlite3, sys
c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(sys.argv[1])
try:
    print("ROWS", c.execute("SELECT * FROM read_parquet('empty.parquet')").fetchall())
except sqlite3.Error as e:
    print("ERROR", e)
'''
    env = dict(os.environ, STRATA_MEMORY_LIMIT="64M")
    proc = subprocess.run([sys.executable, "-c", code, str(LIB)], capture_output=True, text=True, cwd=tmp_path,
                          env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "corrupt footer: the footer's metadata needs" in out and "STRATA_MEMORY_LIMIT" in out, out


@pytest.mark.parametrize("rows", [2**32, 2**63 - 1])
def test_a_row_count_above_the_chunks_value_count_is_an_error(tmp_path, rows):
    """A row group claiming more rows than its column chunks hold levels: a nested column once reserved
    rows + 1 row starts from that count (34 GB for 2^32: the allocator aborted; 2^63 - 1 overflowed)."""
    table = pa.table({"emb": pa.array([[1.0, 2.0]] * 10, pa.list_(pa.float32()))})
    pq.write_table(table, tmp_path / "l.parquet")
    data = (tmp_path / "l.parquet").read_bytes()
    footer_start = len(data) - 8 - int.from_bytes(data[-8:-4], "little")
    footer = data[footer_start:-8]
    # num_rows = 10 (zigzag 20) in FileMetaData and RowGroup; the chunk's num_values is 20 (zigzag 40).
    assert footer.count(b"\x16\x14") == 2
    footer = footer.replace(b"\x16\x14", b"\x16" + varint(rows << 1))
    (tmp_path / "bad.parquet").write_bytes(data[:footer_start] + footer + struct.pack("<I", len(footer)) + b"PAR1")
    code = r'''
import sqlite3, sys
c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(sys.argv[1])
for sql in ("SELECT * FROM read_parquet(?)", "SELECT * FROM knn_match(?, '[1,2]', 3)"):
    try:
        print("ROWS", c.execute(sql, ("bad.parquet",)).fetchall())
    except sqlite3.Error as e:
        print("ERROR", e)
'''
    proc = subprocess.run([sys.executable, "-c", code, str(LIB)], capture_output=True, text=True, cwd=tmp_path,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout.splitlines()
    assert len(out) == 2 and all(f"claims {rows} rows but a column chunk holds 20 values" in l for l in out), out


def test_leaves_that_disagree_on_nesting_are_an_error(tmp_path):
    """list<struct<a, b>> with leaf a's chunk from a file whose last row has two elements and leaf b's from one
    whose last row has one (same sizes, so the splice keeps every offset): assembling the last row read past b's
    levels and trapped."""
    ty = pa.list_(pa.struct([("a", pa.int64()), ("b", pa.int64())]))

    def write(rows, name):
        pq.write_table(pa.table({"l": pa.array(rows, ty)}), tmp_path / name, compression="none",
                       use_dictionary=False, write_statistics=False)
        return (tmp_path / name).read_bytes(), pq.ParquetFile(tmp_path / name).metadata.row_group(0).column(0)

    e = [{"a": k, "b": k} for k in range(3)]
    x, mx = write([e[:1], e[1:]], "x.parquet")
    y, my = write([e[:2], e[2:]], "y.parquet")
    assert len(x) == len(y)
    assert (mx.data_page_offset, mx.total_compressed_size) == (my.data_page_offset, my.total_compressed_size)
    s, n = mx.data_page_offset, mx.total_compressed_size
    (tmp_path / "bad.parquet").write_bytes(y[:s] + x[s:s + n] + y[s + n:])
    code = r'''
import sqlite3, sys
c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(sys.argv[1])
try:
    print("ROWS", c.execute("SELECT * FROM read_parquet('bad.parquet')").fetchall())
except sqlite3.Error as e:
    print("ERROR", e)
'''
    proc = subprocess.run([sys.executable, "-c", code, str(LIB)], capture_output=True, text=True, cwd=tmp_path,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "column l: its column chunks disagree on how its values nest" in proc.stdout, proc.stdout


def test_a_page_header_claiming_2_gib_is_held_to_the_memory_budget(tmp_path):
    """A SNAPPY page whose header says it inflates to 2^31 - 1 bytes: the buffer was allocated (and zeroed)
    before the codec said otherwise — 2 GiB from a 1 kB file, an abort under `ulimit -v`."""
    pq.write_table(pa.table({"a": list(range(100))}), tmp_path / "s.parquet", compression="snappy")
    data = (tmp_path / "s.parquet").read_bytes()
    chunk = pq.ParquetFile(tmp_path / "s.parquet").metadata.row_group(0).column(0)
    spots = []
    thrift_integers(data, chunk.dictionary_page_offset or chunk.data_page_offset, spots)
    s, e, _ = spots[1]  # PageHeader field 2: uncompressed_page_size
    (tmp_path / "bad.parquet").write_bytes(data[:s] + varint((2**31 - 1) << 1) + data[e:])
    code = r'''
import sqlite3, sys
c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(sys.argv[1])
try:
    print("ROWS", c.execute("SELECT * FROM read_parquet('bad.parquet')").fetchall())
except sqlite3.Error as e:
    print("ERROR", e)
'''
    env = dict(os.environ, STRATA_MEMORY_LIMIT="256M")
    proc = subprocess.run([sys.executable, "-c", code, str(LIB)], capture_output=True, text=True, cwd=tmp_path,
                          env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "page 0: a page's uncompressed bytes needs 2.0 GiB" in proc.stdout, proc.stdout
