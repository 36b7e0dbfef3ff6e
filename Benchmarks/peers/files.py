#!/usr/bin/env python3
"""File readers side by side, each run in its own process so its peak RSS is its own:

  .npy   read_npy of N x D float32 (default 1,000,000 x 384 = 1.5 GB) into a knn-style scan
         (ORDER BY cosine_distance LIMIT 10) and a sum of cosine_distance; NumPy (np.load with and
         without mmap_mode) on the same file and query.
  .jsonl a mongoexport-style JSON-lines file (default 1 GB, Extended JSON wrappers on every line) scanned by
         read_jsonl (count, and the unwrapped doc text), the jsonl table (typed columns), DuckDB's
         read_json (2 threads and 1), and Python's json.loads loop; the per-CPU-second comparisons again with
         each process pinned to one core ("[one core]", taskset -c 0).
  Parquet a ~1 GB file: parquet_file vs DuckDB's read_parquet and pyarrow (files_parquet.py, run last).

Usage: python Benchmarks/peers/files.py [NPY_ROWS] [JSONL_MB]     (needs a release build; STRATA_LIB honoured)
Data is generated once under .build-bench-data/ (reused while its size matches).
"""
import sys

from common import ensure_venv

ensure_venv(["numpy", "duckdb", "pyarrow"])

import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402

import numpy as np  # noqa: E402

from common import LIB, ROOT  # noqa: E402

NPY_ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
JSONL_MB = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
DIMS = 384
DATA = ROOT / ".build-bench-data"
DATA.mkdir(exist_ok=True)
NPY = DATA / f"emb_{NPY_ROWS}x{DIMS}.npy"
JSONL = DATA / f"preds_{JSONL_MB}MB.jsonl"
QUERY = DATA / "query.npy"


def make_npy():
    expected = 128 + NPY_ROWS * DIMS * 4
    if NPY.exists() and NPY.stat().st_size == expected:
        return
    rng = np.random.default_rng(7)
    out = np.lib.format.open_memmap(NPY, mode="w+", dtype=np.float32, shape=(NPY_ROWS, DIMS))
    for s in range(0, NPY_ROWS, 100_000):
        e = min(NPY_ROWS, s + 100_000)
        out[s:e] = rng.standard_normal((e - s, DIMS), dtype=np.float32)
    out.flush()
    del out
    np.save(QUERY, rng.standard_normal(DIMS).astype(np.float32))


def make_jsonl():
    target = JSONL_MB << 20
    if JSONL.exists() and abs(JSONL.stat().st_size - target) < (1 << 20):
        return
    rng = random.Random(11)
    tmp = JSONL.with_suffix(".tmp")
    written, n = 0, 0
    with open(tmp, "w") as f:
        while written < target:
            lines = []
            for _ in range(10_000):
                n += 1
                ms = 1_763_080_200_000 + n * 60_000
                score = round(rng.random(), 4)
                lines.append(json.dumps({
                    "_id": {"$oid": f"{0x6553 << 80 | n:024x}"}, "model_version": "v1" if n % 3 else "v2",
                    "input_id": f"doc-{rng.randint(1, 99999):05d}-{n:08d}", "score": score,
                    "label": "relevant" if score >= 0.5 else "irrelevant",
                    "ts": {"$date": {"$numberLong": str(ms)}}, "latency_ms": {"$numberLong": str(rng.randint(3, 120))},
                    "features": {"len": rng.randint(10, 2000), "lang": rng.choice(["en", "de", "fr"])},
                }, separators=(",", ":")))
            chunk = "\n".join(lines) + "\n"
            f.write(chunk)
            written += len(chunk)
    os.replace(tmp, JSONL)


CHILD = r"""
import json, sqlite3, sys, time
import numpy as np
LIB, NPY, QUERY, JSONL = sys.argv[1:5]
def strata():
    c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(LIB); return c
q = np.load(QUERY)
t0 = time.perf_counter()
c0 = time.process_time()
result = None
""" + "{body}" + r"""
t = time.perf_counter() - t0
cpu = time.process_time() - c0
# VmHWM is this process's own peak (ru_maxrss would carry the parent's peak across fork+exec).
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"t": t, "cpu": cpu, "rss": hwm, "r": result}))
"""

WORKLOADS = {
    "strata read_npy: ORDER BY cosine_distance LIMIT 10": """
result = [r[0] for r in strata().execute("select i from read_npy(?) order by cosine_distance(vector, ?) limit 10",
                                         (NPY, q.tobytes()))]""",
    "strata read_npy: sum(cosine_distance)": """
result = strata().execute("select sum(cosine_distance(vector, ?)) from read_npy(?)", (q.tobytes(), NPY)).fetchone()[0]""",
    "strata read_npy: sum(length(vector)) (rows only)": """
result = strata().execute("select sum(length(vector)) from read_npy(?)", (NPY,)).fetchone()[0]""",
    "numpy np.load(mmap_mode='r'), chunked cosine": """
X = np.load(NPY, mmap_mode="r"); qn = q / np.linalg.norm(q); parts = []
for s in range(0, X.shape[0], 65536):
    B = np.asarray(X[s:s + 65536]); parts.append(1 - (B @ qn) / np.linalg.norm(B, axis=1))
d = np.concatenate(parts); top = np.argpartition(d, 10)[:10]
result = [sorted(top[np.argsort(d[top])].tolist()), float(d.astype(np.float64).sum())]""",
    "numpy np.load (whole array), cosine": """
X = np.load(NPY); d = 1 - (X @ q) / (np.linalg.norm(X, axis=1) * np.linalg.norm(q))
top = np.argpartition(d, 10)[:10]
result = [sorted(top[np.argsort(d[top])].tolist()), float(d.astype(np.float64).sum())]""",
    "strata read_jsonl: count(*)": """
result = strata().execute("select count(*) from read_jsonl(?)", (JSONL,)).fetchone()[0]""",
    "strata read_jsonl: sum(length(doc))": """
result = strata().execute("select count(*), sum(length(doc)) from read_jsonl(?)", (JSONL,)).fetchone()[0]""",
    "strata jsonl table: avg(score), max(latency_ms)": """
c = strata(); c.execute("create virtual table p using jsonl('" + JSONL + "')")
result = c.execute("select count(*), round(avg(score), 6), max(latency_ms) from p").fetchone()""",
    "duckdb read_json (2 threads): count, avg(score)": """
import duckdb; con = duckdb.connect(); con.execute("set threads=2")
r = con.execute("select count(*), round(avg(score), 6) from read_json(?, format='newline_delimited')", [JSONL]).fetchone()
result = list(r)""",
    "duckdb read_json (1 thread): count, avg(score)": """
import duckdb; con = duckdb.connect(); con.execute("set threads=1")
r = con.execute("select count(*), round(avg(score), 6) from read_json(?, format='newline_delimited')", [JSONL]).fetchone()
result = list(r)""",
    "python json.loads per line": """
n = 0; s = 0.0
with open(JSONL, "rb") as f:
    for line in f:
        d = json.loads(line); n += 1; s += d["score"]
result = [n, round(s / n, 6)]""",
}


PINNED = " [one core]"


def run(name, repeat=3):
    # A name ending in PINNED runs its workload pinned to one core (taskset -c 0): the CPU-seconds of a scan on
    # two threads then count the same work as a one-thread peer's, whatever the machine's other vCPU is doing
    # (unpinned, they swing by ±10% on a shared 2-vCPU machine).
    pinned = name.endswith(PINNED)
    code = CHILD.replace("{body}", WORKLOADS[name[:-len(PINNED)] if pinned else name])
    prefix = ["taskset", "-c", "0"] if pinned else []
    times, cpus, rss, result = [], [], 0, None
    for _ in range(repeat + 1):  # the first run warms the page cache and is not counted
        p = subprocess.run(prefix + [sys.executable, "-c", code, str(LIB), str(NPY), str(QUERY), str(JSONL)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"{name} failed:\n{p.stderr}")
        out = json.loads(p.stdout.strip().splitlines()[-1])
        times.append(out["t"])
        cpus.append(out["cpu"])
        rss = max(rss, out["rss"])
        result = out["r"]
    return statistics.median(times[1:]), statistics.median(cpus[1:]), rss / 1024, result


def table(title, names, size_mb, baseline):
    rows = [(n, *run(n)) for n in names]
    base = dict((n, t) for n, t, _, _, _ in rows)[baseline]
    print(f"\n## {title}\n")
    print("CPU = user+sys seconds of the process (all its threads); MB/s per CPU-second is steadier than wall time")
    print("on a shared machine. Peak RSS is the process's VmHWM (mapped file pages count for mmap readers).\n")
    print(f"| what | wall (median) | MB/s | CPU | MB per CPU-s | peak RSS | wall vs {baseline} |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n, t, cpu, rss, _ in rows:
        print(f"| {n} | {t:.3f} s | {size_mb / t:,.0f} | {cpu:.3f} s | {size_mb / max(cpu, 1e-9):,.0f} | {rss:,.0f} MB "
              f"| {t / base:.2f}x |")
    return {n: r for n, _, _, _, r in rows}


make_npy()
make_jsonl()
npy_mb = NPY.stat().st_size / 2**20
jsonl_mb = JSONL.stat().st_size / 2**20

r = table(f"read_npy {NPY_ROWS:,} x {DIMS} float32 ({npy_mb:,.0f} MB)",
          ["strata read_npy: ORDER BY cosine_distance LIMIT 10", "strata read_npy: sum(cosine_distance)",
           "strata read_npy: sum(length(vector)) (rows only)", "numpy np.load(mmap_mode='r'), chunked cosine",
           "numpy np.load (whole array), cosine"], npy_mb, "numpy np.load(mmap_mode='r'), chunked cosine")
np_top, np_sum = r["numpy np.load(mmap_mode='r'), chunked cosine"]
assert sorted(r["strata read_npy: ORDER BY cosine_distance LIMIT 10"]) == np_top, "top-10 differs from NumPy"
assert abs(r["strata read_npy: sum(cosine_distance)"] - np_sum) < 1e-6 * NPY_ROWS, "sum differs from NumPy"

r = table(f"JSON lines, mongoexport style ({jsonl_mb:,.0f} MB)",
          ["strata read_jsonl: count(*)", "strata read_jsonl: sum(length(doc))",
           "strata jsonl table: avg(score), max(latency_ms)", "duckdb read_json (2 threads): count, avg(score)",
           "duckdb read_json (1 thread): count, avg(score)",
           "strata read_jsonl: count(*)" + PINNED, "strata jsonl table: avg(score), max(latency_ms)" + PINNED,
           "duckdb read_json (1 thread): count, avg(score)" + PINNED, "python json.loads per line"],
          jsonl_mb, "duckdb read_json (2 threads): count, avg(score)")
count, avg = r["duckdb read_json (2 threads): count, avg(score)"]
assert r["strata read_jsonl: count(*)"] == count and r["strata jsonl table: avg(score), max(latency_ms)"][:2] == [count, avg]
print(f"\n(answers agree: top-10 ids and cosine sum with NumPy; {count:,} documents and avg(score) with DuckDB)")

import files_parquet  # noqa: E402

files_parquet.main()
files_parquet.knn(NPY_ROWS)
