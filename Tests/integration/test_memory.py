"""Memory and interruption, in the processes people load Strata into.

- An allocation sized by the input fails with an SQL error naming the reader and the size — under RLIMIT_AS
  (`ulimit -v`), under STRATA_MEMORY_LIMIT — instead of aborting the host (Swift's allocator traps) or, in a
  memory cgroup, getting it OOM-killed. These run in a child Python whose exit status is checked.
- Fortran-ordered .npy/.npz arrays read correctly (NumPy is the oracle) without a second full copy: the child's
  peak memory (VmHWM) is measured around the read.
- knn_match refuses a corpus that cannot fit, naming the size it needs, the limit and how to raise it.
- knn_match over a big corpus stops with SQLite's "interrupted" when `conn.interrupt()` is called from a timer,
  and an interrupted packing leaves nothing half-built in the cache.
"""
import hashlib
import json
import re
import sqlite3
import subprocess
import sys
import threading

import numpy as np
import pytest

from conftest import LIB, SANITIZER, connect, not_under_sanitizer

MiB = 1 << 20
GiB = 1 << 30

# The child: loads Strata, optionally lowers its own RLIMIT_AS (what `ulimit -v` / `prlimit --as` set) to the
# address space it already uses plus a headroom, runs each statement and reports rows or the error, a hash of
# the BLOBs in column `hash_column`, and memory before and after.
CHILD = r"""
import hashlib, json, resource, sqlite3, sys
args = json.loads(sys.argv[1])

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024

conn = sqlite3.connect(args["database"])
conn.enable_load_extension(True)
conn.load_extension(args["lib"])
if args.get("headroom"):
    resource.setrlimit(resource.RLIMIT_AS, (status("VmSize") + args["headroom"], resource.RLIM_INFINITY))
results = []
rss_before = status("VmRSS")
for sql, params in args["statements"]:
    try:
        cur = conn.execute(sql, [bytes.fromhex(p["hex"]) if isinstance(p, dict) else p for p in params])
        h = hashlib.sha256()
        n = 0
        rows = []
        for row in cur:
            n += 1
            if args.get("hash_column") is not None:
                h.update(row[args["hash_column"]])
            elif len(rows) < 100:
                rows.append([v.hex() if isinstance(v, bytes) else v for v in row])
        results.append({"rows": n, "sha256": h.hexdigest(), "first": rows})
    except (sqlite3.Error, MemoryError) as e:
        results.append({"error": str(e), "type": type(e).__name__})
print(json.dumps({"results": results, "rss_before": rss_before, "hwm": status("VmHWM")}))
"""


def run_child(statements, *, database=":memory:", headroom=None, env=None, hash_column=None, cwd=None):
    """Runs `statements` ([(sql, params)]) in a child Python; returns its report. The child must exit 0."""
    def encode(v):
        return {"hex": v.hex()} if isinstance(v, bytes) else v
    args = {"lib": str(LIB), "database": str(database),
            "statements": [[s, [encode(v) for v in p]] for s, p in statements],
            "headroom": headroom, "hash_column": hash_column}
    if headroom:
        # OpenBLAS's worker threads allocate their buffers (128 MiB each) when the library loads; one still
        # doing so when the limit drops retries forever and hangs the exit. One thread: no workers.
        env = {**(env or child_env()), "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)
    assert proc.returncode == 0, f"child exited with {proc.returncode}: {proc.stderr[-3000:]}"
    return json.loads(proc.stdout)


def child_env(**extra):
    import os
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_MEMORY")}
    env.update(extra)
    return env


def c_rows_sha256(a):
    """What read_npy hands out, row after row: the array in C order as float32."""
    return hashlib.sha256(np.ascontiguousarray(a.reshape(a.shape[0], -1), dtype="<f4").tobytes()).hexdigest()


# ---------------------------------------------------------------- fixtures made with NumPy

@pytest.fixture(scope="module")
def huge(tmp_path_factory):
    """A 2 MB .npz whose member is a 2 GiB Fortran-ordered float32 array, and one whose rows are 256 MiB each."""
    d = tmp_path_factory.mktemp("huge")
    a = np.zeros((1 << 15, 1 << 14), dtype=np.float32, order="F")  # calloc'd: no memory until written
    a[:, 0] = 1.0
    np.savez_compressed(d / "fortran.npz", x=a)
    del a
    rows = np.zeros((4, 1 << 26), dtype=np.float32)
    np.savez_compressed(d / "rows.npz", x=rows)
    del rows
    assert (d / "fortran.npz").stat().st_size < 4 * MiB
    return d


# ---------------------------------------------------------------- allocations that would not fit

@not_under_sanitizer
def test_compressed_fortran_array_over_rlimit_as_is_an_error_not_an_abort(huge):
    """Before: the 2 GiB buffer's allocation failed inside Swift's allocator, which aborted Python (SIGABRT)."""
    report = run_child([("select count(*) from read_npz('fortran.npz')", ())], headroom=1 * GiB, cwd=huge)
    err = report["results"][0]["error"]
    assert err.startswith("read_npz: 'fortran.npz': member 'x.npy': Fortran-ordered array of shape (32768, 16384) "
                          "of <f4 is compressed, so it is inflated whole: reading it needs 2.0 GiB; "
                          "this process may use "), err
    assert "(RLIMIT_AS, ulimit -v); raise the limit or set STRATA_MEMORY_LIMIT" in err


def test_strata_memory_limit_caps_the_same_read(huge):
    report = run_child([("select count(*) from read_npz('fortran.npz')", ())], cwd=huge,
                       env=child_env(STRATA_MEMORY_LIMIT="1G"))
    assert report["results"][0]["error"] == (
        "read_npz: 'fortran.npz': member 'x.npy': Fortran-ordered array of shape (32768, 16384) of <f4 is compressed, "
        "so it is inflated whole: reading it needs 2.0 GiB; this process may use 1.0 GiB (STRATA_MEMORY_LIMIT); "
        "raise the limit or set STRATA_MEMORY_LIMIT (or save it C-ordered: np.ascontiguousarray)")


@not_under_sanitizer
def test_a_row_larger_than_the_budget_is_an_error_not_an_abort(huge):
    """A compressed C-ordered member with 256 MiB rows: the read window grows to a row, within the budget only."""
    report = run_child([("select i, length(vector) from read_npz('rows.npz')", ())], headroom=128 * MiB, cwd=huge)
    err = report["results"][0]["error"]
    assert err.startswith("read_npz: 'rows.npz': a row of member 'x.npy' needs 256.0 MiB; this process may use "), err
    assert err.endswith("(RLIMIT_AS, ulimit -v); raise the limit or set STRATA_MEMORY_LIMIT")
    # With the memory, the same rows read.
    report = run_child([("select i, length(vector) from read_npz('rows.npz')", ())], cwd=huge)
    assert report["results"][0] == {"rows": 4, "sha256": hashlib.sha256().hexdigest(),
                                    "first": [[i, 256 * MiB] for i in range(4)]}


# ---------------------------------------------------------------- Fortran order without a second copy

@not_under_sanitizer
def test_fortran_npz_is_inflated_once(tmp_path):
    """Before: inflated into a window grown to the whole member, then copied again (two copies at the peak)."""
    n, w = 1 << 16, 1 << 10
    a = np.asfortranarray(((np.arange(n, dtype=np.int64)[:, None] * 7 + np.arange(w)) % 1000).astype("<f4"))
    np.savez_compressed(tmp_path / "f.npz", x=a)
    size = a.nbytes  # 256 MiB
    report = run_child([("select vector from read_npz('f.npz') order by i", ())], cwd=tmp_path, hash_column=0)
    assert report["results"][0]["rows"] == n
    assert report["results"][0]["sha256"] == c_rows_sha256(a)
    grew = report["hwm"] - report["rss_before"]
    assert grew < 1.25 * size, f"peak grew by {grew / MiB:.0f} MiB for a {size / MiB:.0f} MiB array"


@not_under_sanitizer
def test_fortran_npy_is_read_in_blocks(tmp_path):
    """Before: read whole through a window grown to the file, then copied (two copies); now one block of rows."""
    rng = np.random.default_rng(3)
    a = np.asfortranarray(rng.standard_normal((1 << 16, 1 << 10), dtype=np.float32))
    np.save(tmp_path / "f.npy", a)
    np.savez(tmp_path / "stored.npz", x=a)
    size = a.nbytes
    for sql in ("select vector from read_npy('f.npy')", "select vector from read_npz('stored.npz')"):
        report = run_child([(sql, ())], cwd=tmp_path, hash_column=0)
        assert report["results"][0]["sha256"] == c_rows_sha256(a), sql
        grew = report["hwm"] - report["rss_before"]
        assert grew < size / 8, f"{sql}: peak grew by {grew / MiB:.0f} MiB for a {size / MiB:.0f} MiB array"


@pytest.mark.parametrize("dtype", ["<f4", ">f8", "<f2", "<i2", "|u1"])
@pytest.mark.parametrize("shape", [(1000, 37), (50, 4, 6), (3, 2, 5, 2), (200_000, 3), (3, 70_000)])
def test_fortran_arrays_match_numpy(tmp, dtype, shape):
    rng = np.random.default_rng(sum(shape))
    a = np.asfortranarray((rng.standard_normal(shape) * 20).astype(dtype))
    np.save("f.npy", a)
    np.savez("s.npz", x=a)
    np.savez_compressed("z.npz", x=a)
    expected = [r.tobytes() for r in np.ascontiguousarray(a.reshape(shape[0], -1), dtype="<f4")]
    db = connect()
    for sql in ("select vector from read_npy('f.npy')", "select vector from read_npz('s.npz')",
                "select vector from read_npz('z.npz')"):
        assert [r[0] for r in db.execute(sql)] == expected, sql
    # Rows asked for out of order (random access within and across blocks).
    picks = [shape[0] - 1, 0, shape[0] // 2, 1 % shape[0]]
    for i in picks:
        assert db.execute("select vector from read_npy('f.npy') where i = ?", (i,)).fetchone()[0] == expected[i]


# ---------------------------------------------------------------- knn_match corpora that cannot fit

def size_in(message):
    m = re.search(r"needs (?:more than )?(\d+\.\d) (KiB|MiB|GiB)", message)
    assert m, message
    return float(m.group(1)) * {"KiB": 1 << 10, "MiB": MiB, "GiB": GiB}[m.group(2)]


def test_knn_corpus_over_strata_memory_limit(tmp_path):
    """A single query streams the rows past (nothing packed), so it answers whatever the limit; a batch needs the
    corpus packed and is refused with the size it would take."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((20_000, 384)).astype(np.float32)
    db = sqlite3.connect(tmp_path / "c.db")
    db.execute("create table docs(id integer primary key, embedding blob)")
    db.executemany("insert into docs values (?, ?)", ((i + 1, v.tobytes()) for i, v in enumerate(X)))
    db.execute("create table small(id integer primary key, embedding blob)")
    db.executemany("insert into small values (?, ?)", ((i + 1, v.tobytes()) for i, v in enumerate(X[:1000])))
    db.commit()
    db.close()
    np.save(tmp_path / "corpus.npy", X)
    np.save(tmp_path / "queries.npy", X[:2])
    q = X[7].tobytes()
    single = "select id from knn_match('docs.embedding', ?, 3)"
    report = run_child([(single, (q,)),
                        (single, (q,)),  # used again: packing is tried, refused, and the query streams again
                        ("select id from knn_match('corpus.npy', ?, 3)", (q,)),
                        ("select id from knn_match('small.embedding', ?, 1)", (q,)),
                        ("select id from knn_match('docs.embedding', 'small.embedding', 3)", ()),
                        ("select id from knn_match('corpus.npy', 'queries.npy', 3)", ())],
                       database=tmp_path / "c.db", cwd=tmp_path, env=child_env(STRATA_MEMORY_LIMIT="8M"))
    table, again, npy, small, table_batch, npy_batch = report["results"]
    want = [[i] for i in oracle_top(X, X[7], 3)]
    for r in (table, again):
        assert r["first"] == want, r
    assert npy["first"] == [[i - 1] for [i] in want], npy  # a file's rows are numbered from 0
    for r, name in ((table_batch, "docs.embedding"), (npy_batch, "'corpus.npy'")):
        msg = r["error"]
        assert re.fullmatch(rf"knn_match: corpus {re.escape(name)} needs \d+\.\d MiB packed \(20000 rows × 384 "
                            r"dimensions\); this process may use 8\.0 MiB \(STRATA_MEMORY_LIMIT\); raise the limit or "
                            r"set STRATA_MEMORY_LIMIT", msg), msg
        # The size named is the matrix plus a little per row (ids, norms), not a guess.
        assert X.nbytes <= size_in(msg) <= 1.05 * X.nbytes, msg
    assert small == {"rows": 1, "sha256": hashlib.sha256().hexdigest(), "first": [[8]]}


@not_under_sanitizer
def test_knn_corpus_over_rlimit_as_is_an_error(tmp_path):
    rng = np.random.default_rng(6)
    X = rng.standard_normal((60_000, 384)).astype(np.float32)  # 88 MiB packed
    db = sqlite3.connect(tmp_path / "c.db")
    db.execute("create table docs(id integer primary key, embedding blob)")
    db.executemany("insert into docs values (?, ?)", ((i + 1, v.tobytes()) for i, v in enumerate(X)))
    db.execute("create table queries(id integer primary key, embedding blob)")
    db.execute("insert into queries values (1, ?)", (X[0].tobytes(),))
    db.commit()
    db.close()
    single = ("select id from knn_match('docs.embedding', ?, 3)", (X[0].tobytes(),))
    report = run_child([single, single, ("select id from knn_match('docs.embedding', 'queries.embedding', 3)", ())],
                       database=tmp_path / "c.db", headroom=48 * MiB)
    first, again, batch = report["results"]
    # Single queries stream, within any address-space limit; the batch's packing is refused.
    assert first["first"] == again["first"] == [[i] for i in oracle_top(X, X[0], 3)], report
    msg = batch["error"]
    assert re.fullmatch(r"knn_match: corpus docs\.embedding needs \d+\.\d MiB packed \(60000 rows × 384 dimensions\); "
                        r"this process may use \d+\.\d (KiB|MiB) \(RLIMIT_AS, ulimit -v\); raise the limit or set "
                        r"STRATA_MEMORY_LIMIT", msg), msg


# ---------------------------------------------------------------- interruption

# Rows of big.npy: under a sanitizer the first 40,000 (the second query of test_interrupt_stops_an_npy_corpus
# transposes and converts the whole file, 87 s of the 200,000 rows' 614 MB under AddressSanitizer's debug build);
# still 15 blocks of FortranRowBlocks (73 at 200,000) and, for the batch, far more than the timer's 0.2 s of work.
NPY_ROWS = 40_000 if SANITIZER else 200_000


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory):
    """200,000 × 384 float32 rows in a table and (the first NPY_ROWS) in a Fortran-ordered float64 .npy, and
    20,000 query rows."""
    d = tmp_path_factory.mktemp("big")
    rng = np.random.default_rng(8)
    X = rng.standard_normal((200_000, 384)).astype(np.float32)
    db = sqlite3.connect(d / "big.db")
    db.execute("create table docs(id integer primary key, embedding blob)")
    db.executemany("insert into docs values (?, ?)", ((i + 1, v.tobytes()) for i, v in enumerate(X)))
    db.execute("create table queries(id integer primary key, embedding blob)")
    db.executemany("insert into queries values (?, ?)", ((i + 1, v.tobytes()) for i, v in enumerate(X[:20_000] + 0.5)))
    db.commit()
    db.close()
    np.save(d / "big.npy", np.asfortranarray(X[:NPY_ROWS].astype(np.float64)))
    return d, X


def was_interrupted(error):
    """SQLite's SQLITE_INTERRUPT, reported as "interrupted" (with the function's name in front when the scan of a
    table inside the function is what SQLite stopped)."""
    return error.sqlite_errorname == "SQLITE_INTERRUPT" and str(error) in ("interrupted", "knn_match: interrupted")


def interrupted(conn, sql, params=(), after=0.2, in_table_scan=False):
    """Runs `sql` with `conn.interrupt()` from a timer; whether it stopped as interrupted (fails if it ended).
    Unless SQLite may have stopped a table scan inside the function, the message is exactly "interrupted"."""
    timer = threading.Timer(after, conn.interrupt)
    timer.start()
    try:
        with pytest.raises(sqlite3.OperationalError) as e:
            conn.execute(sql, params).fetchall()
    finally:
        timer.cancel()
    assert was_interrupted(e.value), (str(e.value), e.value.sqlite_errorname)
    assert in_table_scan or str(e.value) == "interrupted"
    return True


def oracle_top(X, q, k):
    X64 = X.astype(np.float64)
    q64 = np.asarray(q, dtype=np.float64)
    d = 1 - (X64 @ q64) / (np.linalg.norm(X64, axis=1) * np.linalg.norm(q64))
    return [int(i) + 1 for i in np.lexsort((np.arange(len(d)), d))[:k]]


def test_interrupt_stops_packing_and_scoring_a_table_corpus(big_corpus, monkeypatch):
    d, X = big_corpus
    monkeypatch.chdir(d)
    conn = connect("big.db")
    # A batch of 20,000 queries over 200,000 rows: minutes of work, stopped while packing or scoring.
    assert interrupted(conn, "select count(*) from knn_match('docs.embedding', 'queries.embedding', 10)",
                       in_table_scan=True)
    # Nothing half-built was cached: the next query sees every row.
    q = X[123] + 0.25
    got = [r[0] for r in conn.execute("select id from knn_match('docs.embedding', ?, 5)", (q.tobytes(),))]
    assert got == oracle_top(X, q, 5)
    # Packed and cached now: the interruption lands in scoring.
    assert interrupted(conn, "select count(*) from knn_match('docs.embedding', 'queries.embedding', 10)")
    conn.close()


def test_interrupt_while_packing_from_a_table(big_corpus, monkeypatch):
    """The interrupt lands while the corpus table is read (a progress handler calls it from inside the scan)."""
    d, X = big_corpus
    monkeypatch.chdir(d)
    conn = connect("big.db")
    calls = 0

    def progress():
        nonlocal calls
        calls += 1
        if calls == 50:
            conn.interrupt()
        return 0

    conn.set_progress_handler(progress, 1000)
    q = X[5] + 0.25
    with pytest.raises(sqlite3.OperationalError) as e:
        conn.execute("select id from knn_match('docs.embedding', ?, 5)", (q.tobytes(),)).fetchall()
    assert str(e.value)
    assert calls >= 50
    conn.set_progress_handler(None, 0)
    assert [r[0] for r in conn.execute("select id from knn_match('docs.embedding', ?, 5)", (q.tobytes(),))] == \
        oracle_top(X, q, 5)
    conn.close()


def test_interrupt_stops_an_npy_corpus(big_corpus, monkeypatch):
    d, X = big_corpus
    monkeypatch.chdir(d)
    conn = connect("big.db")
    assert interrupted(conn, "select count(*) from knn_match('big.npy', 'queries.embedding', 10)")
    q = X[77] - 0.1
    got = [r[0] - 1 for r in conn.execute("select id + 1 from knn_match('big.npy', ?, 5)", (q.tobytes(),))]
    assert got == [i - 1 for i in oracle_top(X[:NPY_ROWS], q, 5)]
    conn.close()


def test_interrupt_stops_inflating(huge, monkeypatch):
    """2 MB of compressed input inflate to 2 GiB: the inflate loop itself must notice the interruption."""
    monkeypatch.chdir(huge)
    conn = connect()
    assert interrupted(conn, "select count(*) from read_npz('fortran.npz')", after=0.3)
    conn.close()
