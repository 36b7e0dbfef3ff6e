#!/usr/bin/env python3
"""Parquet side by side (issue 18): Strata's parquet_file table, DuckDB's read_parquet (1 thread, and 2) and
pyarrow on the same ~1 GB file (default; pyarrow writes it once under .build-bench-data/, snappy, dictionary
strings, 1 Mi-row groups): count(*), a filter on one column, the average of one column, a full scan of every
column, and a range on the sorted id column (row groups pruned by statistics). Each workload runs in its own
process (peak RSS is its own VmHWM); the median of 3 runs after one warm-up.

Also knn_match over the embedding column of a ROWS x 384 float32 Parquet file (fixed_size_list) against the
same vectors as a .npy, each packed from cold in its own process.

Usage: python Benchmarks/peers/files_parquet.py [PARQUET_MB [KNN_ROWS]]   (files.py runs it after the others)
"""
import json
import statistics
import subprocess
import sys

from common import ensure_venv

ensure_venv(["numpy", "duckdb", "pyarrow"])

from common import LIB, ROOT  # noqa: E402

DATA = ROOT / ".build-bench-data"

CHILD = r"""
import json, sqlite3, sys, time
LIB, PARQUET = sys.argv[1:3]
def strata():
    c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(LIB)
    c.execute("create virtual table t using parquet_file('" + PARQUET + "')"); return c
def plain(row):
    return [x if x is None or isinstance(x, (int, float, str)) else str(x) for x in row]
def duck(threads):
    import duckdb; con = duckdb.connect(); con.execute(f"set threads={threads}"); con.execute("set enable_progress_bar=false"); return con
t0 = time.perf_counter()
c0 = time.process_time()
result = None
""" + "{body}" + r"""
t = time.perf_counter() - t0
cpu = time.process_time() - c0
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"t": t, "cpu": cpu, "rss": hwm, "r": result}))
"""

QUERIES = {
    "count(*)": "select count(*) from {t}",
    "filter on one column": "select count(*) from {t} where score > 0.999",
    "avg of one column": "select round(avg(score), 9) from {t}",
    "full scan": "select count(*), sum(id), sum(user_id), round(sum(score), 3), count(category), max(ts), "
                 "sum(length(comment)) from {t}",
    "id range (pruned)": "select count(*), sum(user_id) from {t} where id between 5000000 and 5010000",
}

PYARROW = {
    "count(*)": "import pyarrow.parquet as pq; result = [pq.ParquetFile(PARQUET).metadata.num_rows]",
    "filter on one column": """import pyarrow.parquet as pq, pyarrow.compute as pc
s = pq.read_table(PARQUET, columns=["score"])["score"]; result = [pc.sum(pc.greater(s, 0.999)).as_py()]""",
    "avg of one column": """import pyarrow.parquet as pq, pyarrow.compute as pc
result = [round(pc.mean(pq.read_table(PARQUET, columns=["score"])["score"]).as_py(), 9)]""",
    "full scan": """import pyarrow.parquet as pq, pyarrow.compute as pc
t = pq.read_table(PARQUET)
result = [t.num_rows, pc.sum(t["id"]).as_py(), pc.sum(t["user_id"]).as_py(), round(pc.sum(t["score"]).as_py(), 3),
          pc.count(t["category"]).as_py(), str(pc.max(t["ts"]).as_py()), pc.sum(pc.utf8_length(t["comment"])).as_py()]""",
    "id range (pruned)": """import pyarrow.parquet as pq, pyarrow.compute as pc
t = pq.read_table(PARQUET, columns=["id", "user_id"], filters=[("id", ">=", 5000000), ("id", "<=", 5010000)])
result = [t.num_rows, pc.sum(t["user_id"]).as_py()]""",
}


def make_parquet(mb):
    """~mb MB of Parquet: sorted id, random user_id and score, a 20-value category, timestamps, short comments."""
    path = DATA / f"events_{mb}MB.parquet"
    if path.exists():
        return path
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    DATA.mkdir(exist_ok=True)
    rng = np.random.default_rng(5)
    words = np.array(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"])
    tmp = path.with_suffix(".tmp")
    batch = 1 << 20
    writer = None
    start = 0
    # About 36 bytes a row once written (measured with pyarrow 26, snappy).
    rows = mb * (1 << 20) // 36
    while start < rows:
        n = min(batch, rows - start)
        ids = np.arange(start, start + n, dtype=np.int64)
        comment = pa.array([f"{a} {b} #{i}" for a, b, i in zip(words[rng.integers(0, 10, n)], words[rng.integers(0, 10, n)],
                                                                 rng.integers(0, 10**6, n))])
        t = pa.table({
            "id": ids,
            "user_id": rng.integers(0, 10**7, n),
            "score": rng.random(n),
            "category": pa.array([f"cat_{k}" for k in rng.integers(0, 20, n)]),
            "ts": pa.array(1_700_000_000_000_000 + ids * 1_000_003, pa.timestamp("us", tz="UTC")),
            "comment": comment,
        })
        if writer is None:
            writer = pq.ParquetWriter(tmp, t.schema, compression="snappy")
        writer.write_table(t, row_group_size=batch)
        start += n
    writer.close()
    tmp.rename(path)
    return path


def run(body, parquet, repeat=3):
    code = CHILD.replace("{body}", body)
    times, cpus, rss, result = [], [], 0, None
    for _ in range(repeat + 1):  # the first run warms the page cache and is not counted
        p = subprocess.run([sys.executable, "-c", code, str(LIB), str(parquet)], capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"failed:\n{body}\n{p.stderr}")
        out = json.loads(p.stdout.strip().splitlines()[-1])
        times.append(out["t"])
        cpus.append(out["cpu"])
        rss = max(rss, out["rss"])
        result = out["r"]
    return statistics.median(times[1:]), statistics.median(cpus[1:]), rss / 1024, result


# SQLite's own per-row cost, for comparison: the sqlite3 shell's C generate_series (a virtual table) over the same
# number of rows. A virtual table is asked for one row at a time (xNext, xEof) and one value at a time (xColumn),
# and SQLite runs its bytecode per row; this is what any virtual table costs before it reads a byte.
FLOOR = {
    "count(*)": "select count(*) from generate_series(1, {n})",
    "avg of one column": "select avg(value) from generate_series(1, {n})",
    # The full scan's seven aggregates, each over the series' one column (SQLite reads it once per use).
    "full scan": "select count(*), sum(value), sum(value), sum(value), count(value), max(value), sum(length(value)) "
                 "from generate_series(1, {n})",
}


def sqlite_floor(sql, repeat=3):
    """Wall and CPU (children's user+sys) of the sqlite3 shell running sql, medians of repeat runs; None without it."""
    import os
    import shutil
    import time
    shell = shutil.which("sqlite3")
    if not shell:
        return None
    times, cpus = [], []
    for _ in range(repeat):
        before = os.times()
        t = time.perf_counter()
        subprocess.run([shell, ":memory:", sql], capture_output=True, check=True)
        times.append(time.perf_counter() - t)
        after = os.times()
        cpus.append(after.children_user + after.children_system - before.children_user - before.children_system)
    return statistics.median(times), statistics.median(cpus)


def main(mb=1024):
    parquet = make_parquet(mb)
    size = parquet.stat().st_size / 2**20
    import pyarrow.parquet as pq
    row_count = pq.ParquetFile(parquet).metadata.num_rows
    print(f"\n## Parquet ({size:,.0f} MB, {parquet.name})\n")
    print("Wall and CPU are medians of 3 runs after a warm-up (page cache warm); peak RSS is the process's VmHWM.")
    print("Ratios are Strata's wall time over DuckDB's with one thread, the same run.\n")
    print("| query | reader | wall | CPU | peak RSS | vs DuckDB 1 thread |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, sql in QUERIES.items():
        rows = {
            "strata parquet_file": run(f"result = list(strata().execute({sql.format(t='t')!r}).fetchone())", parquet),
            "duckdb read_parquet, 1 thread": run(
                f"result = plain(duck(1).execute({sql.format(t='read_parquet(?)')!r}, [PARQUET]).fetchone())", parquet),
            "duckdb read_parquet, 2 threads": run(
                f"result = plain(duck(2).execute({sql.format(t='read_parquet(?)')!r}, [PARQUET]).fetchone())", parquet),
            "pyarrow": run(PYARROW[name], parquet),
        }
        base = rows["duckdb read_parquet, 1 thread"][0]
        for reader, (t, cpu, rss, _) in rows.items():
            print(f"| {name} | {reader} | {t:.3f} s | {cpu:.3f} s | {rss:,.0f} MB | {t / base:.2f}x |")
        if name in FLOOR:
            floor = sqlite_floor(FLOOR[name].format(n=row_count))
            if floor:
                print(f"| {name} | sqlite3 shell: generate_series over the same {row_count:,} rows (SQLite's per-row floor)"
                      f" | {floor[0]:.3f} s | {floor[1]:.3f} s | | {floor[0] / base:.2f}x |")
        answers = {reader: r[3] for reader, r in rows.items()}
        s, d = answers["strata parquet_file"], answers["duckdb read_parquet, 1 thread"]
        if name != "full scan":
            assert s == d, f"{name}: strata {s} vs duckdb {d}"
        else:
            # DuckDB prints max(ts) with its zone; compare the other aggregates.
            assert s[:5] == d[:5] and s[6] == d[6], f"{name}: strata {s} vs duckdb {d}"
    print("\n(answers agree with DuckDB's on every query)")


def make_embeddings(rows, dims=384):
    """The same float32 vectors as emb_ROWSx384.npy and emb_ROWSx384.parquet (one fixed_size_list column, ids)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    npy, parquet = DATA / f"emb_{rows}x{dims}.npy", DATA / f"emb_{rows}x{dims}.parquet"
    query = DATA / "query.npy"
    if npy.exists() and parquet.exists() and query.exists():
        return npy, parquet, query
    DATA.mkdir(exist_ok=True)
    rng = np.random.default_rng(7)
    out = np.lib.format.open_memmap(npy, mode="w+", dtype=np.float32, shape=(rows, dims))
    writer = None
    for s in range(0, rows, 100_000):
        e = min(rows, s + 100_000)
        block = rng.standard_normal((e - s, dims), dtype=np.float32)
        out[s:e] = block
        t = pa.table({"id": pa.array(np.arange(s, e)),
                      "emb": pa.FixedSizeListArray.from_arrays(pa.array(block.ravel()), dims)})
        if writer is None:
            writer = pq.ParquetWriter(parquet, t.schema, compression="none", use_dictionary=False)
        writer.write_table(t)
    writer.close()
    out.flush()
    del out
    if not query.exists():
        np.save(query, rng.standard_normal(dims).astype(np.float32))
    return npy, parquet, query


def knn(rows):
    npy, parquet, query = make_embeddings(rows)
    print(f"\n## knn_match over {rows:,} x 384 float32: Parquet column vs .npy (each packed from cold)\n")
    print("| corpus | wall | CPU | peak RSS | vs .npy |")
    print("| --- | --- | ---: | ---: | ---: |")
    body = ("c = sqlite3.connect(':memory:'); c.enable_load_extension(True); c.load_extension(LIB)\n"
            "result = [r[0] for r in c.execute(\"select corpus_rowid from knn_match(?, '" + str(query) + "', 10)\", (PARQUET,))]")
    a = run(body, npy)
    b = run(body, parquet)
    for name, (t, cpu, rss, _) in [(".npy", a), (".parquet (fixed_size_list<float32>, uncompressed)", b)]:
        print(f"| {name} | {t:.3f} s | {cpu:.3f} s | {rss:,.0f} MB | {t / a[0]:.2f}x |")
    assert a[3] == b[3], f"top-10 differs: {a[3]} vs {b[3]}"
    print("\n(same top-10 rows from both corpora)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1024)
    knn(int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000)
