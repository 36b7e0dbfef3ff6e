#!/usr/bin/env python3
"""knn_index (issue 19) against exact knn_match and the approximate peers pip gives, on the same data, in one run.

Builds N x 384 clustered synthetic float32 vectors (default N = 1,000,000: 1,000 Gaussian clusters, unit-normal
centres, noise sigma 1.0 per dimension; --noise 2 makes the clusters overlap) in a SQLite file, and held-out queries drawn the same way. Then:
  exact knn_match   warm ms/query (the packed corpus cached), checked against NumPy's exact top 10;
  knn_index         build time (CREATE VIRTUAL TABLE ... USING knn_index), index size (its shadow tables' pages)
                    against the raw vectors (N x 384 x 4 bytes), ms/query and recall@10 at several probes, and
                    with a 1% and a 10% filter (exactly k rows? recall among the matching rows);
  faiss-cpu         IndexIVFScalarQuantizer (the same structure: IVF lists, 8-bit codes; nlist = ours, its
                    nprobe = our probes) and IndexHNSWFlat (M = 16);
  hnswlib           M = 16, ef_construction = 100, ef = 64;
  usearch           HNSW, i8 storage, default connectivity;
  sqlite-vec        0.1.10a4 (PyPI's newest, an alpha), vec0 with its ANN indexes: `indexed by rescore(int8,
                    oversample 8)` and `indexed by diskann(...)` (its IVF is not in the PyPI build), with a 1%
                    metadata filter where it takes one (--sqlite-vec; DiskANN inserts ~200 rows/s: --sqlite-vec-rows, default 20,000, caps N).
  DuckDB vss        1.5.5 (--duckdb): HNSW (cosine) from PyPI's duckdb-extension-vss wheel, which ships the
                    extension file that `INSTALL vss` would download (LOADed from the wheel, signature checked), in a
                    duckdb file with hnsw_enable_experimental_persistence; a 1% filter as a WHERE clause
                    (--duckdb-rows, default 20,000, caps N: its build is slow here).
Recall@10 is against NumPy's exact float64 top 10 of every query.

Real vectors: --corpus FILE.npy (N x 384 float32, e.g. all-MiniLM-L6-v2 embeddings from embed_corpus.py) takes the
first N rows as the corpus and the last --queries rows as held-out queries (N defaults to the rest). While
embed_corpus.py is still writing FILE (FILE.progress exists), --rows M reads only the first M rows, all of which must
be in finished chunks (its texts are shuffled, so any prefix is a uniform sample); the last --queries of those M
rows are the held-out queries. Without --rows such a file is refused: its unfinished rows are zeros. --extra
MORE.npy appends another file's rows to the corpus (embed_corpus.py --extra manpages: the 1,000,000-row run).

Self-contained: outside its venv it creates one (ANN_BENCH_VENV, default <repo>/.build-ann-venv, from
/usr/bin/python3, whose sqlite3 can load extensions), installs numpy, faiss-cpu, hnswlib and usearch from PyPI,
and re-runs itself there. The library comes from STRATA_LIB (default <repo>/.build/release/libstrata).

    python3 Benchmarks/peers/ann.py [N] [--queries 100] [--noise 1.0] [--skip-hnsw] [--corpus FILE.npy]
        [--rows M] [--extra MORE.npy] [--sqlite-vec] [--sqlite-vec-rows 20000] [--duckdb] [--duckdb-rows 20000]
"""
import argparse
import os
import pathlib
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV = pathlib.Path(os.environ.get("ANN_BENCH_VENV", ROOT / ".build-ann-venv"))
LIB = pathlib.Path(os.environ.get("STRATA_LIB", ROOT / ".build" / "release" / "libstrata"))
D = 384
K = 10


def ensure_venv():
    try:
        import faiss  # noqa: F401
        import hnswlib  # noqa: F401
        import numpy  # noqa: F401
        import usearch  # noqa: F401
        import sqlite_vec  # noqa: F401
        return
    except ImportError:
        pass
    py = VENV / "bin" / "python"
    if pathlib.Path(sys.prefix).resolve() == VENV.resolve():
        sys.exit(f"{VENV} lacks numpy/faiss-cpu/hnswlib/usearch; remove it and re-run")
    if not py.exists():
        print(f"creating {VENV} (numpy, faiss-cpu, hnswlib, usearch) ...", flush=True)
        subprocess.check_call(["/usr/bin/python3", "-m", "venv", str(VENV)])
        subprocess.check_call([str(py), "-m", "pip", "install", "-q", "numpy", "faiss-cpu", "hnswlib", "usearch"])
    try:
        subprocess.check_call([str(py), "-c", "import sqlite_vec"], stderr=subprocess.DEVNULL)
    except subprocess.CalledProcessError:
        subprocess.check_call([str(py), "-m", "pip", "install", "-q", "--pre", "sqlite-vec==0.1.10a4"])
    if "--duckdb" in sys.argv:
        try:
            subprocess.check_call([str(py), "-c", "import duckdb_extension_vss, pyarrow"], stderr=subprocess.DEVNULL)
        except subprocess.CalledProcessError:
            subprocess.check_call([str(py), "-m", "pip", "install", "-q", "duckdb==1.5.5",
                                   "duckdb-extension-vss==1.5.5", "pyarrow"])
    os.execv(str(py), [str(py), __file__, *sys.argv[1:]])


def finished_rows(path, total, rows):
    """How many leading rows of an embed_corpus.py output to use: all of them when it is finished, else --rows,
    which must lie within the chunks its OUT.progress lists as done (finished out of order, so the leading run)."""
    if rows is not None and not 1 <= rows <= total:
        sys.exit(f"--rows {rows}: {path} has {total} rows")
    progress = path.with_name(path.name + ".progress")
    if not progress.exists():
        return rows or total
    done = {int(x) for x in progress.read_text().split("\n")[1:] if x.strip().isdigit()}
    chunk = 4096  # embed_corpus.py's CHUNK
    lead = 0
    while lead in done:
        lead += 1
    ready = min(total, lead * chunk)
    if rows is None or rows > ready:
        sys.exit(f"{path} is still being written ({progress.name}): its first {ready} rows are finished; "
                 f"pass --rows M with M <= {ready}")
    return rows


def clustered(n, rng, centers, noise):
    out = np.empty((n, D), dtype=np.float32)
    step = 100_000
    for s in range(0, n, step):
        m = min(step, n - s)
        out[s:s + m] = centers[rng.integers(0, len(centers), m)] + noise * rng.standard_normal((m, D), dtype=np.float32)
    return out


def exact_top(X, Q, rows=None):
    """NumPy's exact cosine top K (rowids, 1-based) per query, float64, ties by rowid."""
    norms = np.linalg.norm(X.astype(np.float64), axis=1)
    out = []
    for q in Q:
        q64 = q.astype(np.float64)
        dist = 1 - (X @ q).astype(np.float64) / (norms * np.linalg.norm(q64))
        idx = np.arange(len(X)) if rows is None else rows
        part = idx[np.argpartition(dist[idx], min(K * 4, len(idx) - 1))[:K * 4]]
        # float32 X @ q only preselects 4k; rescore those in float64 and order exactly.
        d64 = 1 - (X[part].astype(np.float64) @ q64) / (norms[part] * np.linalg.norm(q64))
        order = np.lexsort((part, d64))[:K]
        out.append([int(part[i]) + 1 for i in order])
    return out


def recall(found, truth):
    return statistics.mean(len(set(f) & set(t)) / K for f, t in zip(found, truth))


def timed(fn, queries):
    times, results = [], []
    for q in queries:
        t = time.perf_counter()
        results.append(fn(q))
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), results


def connect(path):
    conn = sqlite3.connect(path)
    conn.enable_load_extension(True)
    conn.load_extension(str(LIB))
    return conn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=None, help="corpus rows (default 1,000,000; with --corpus the rest)")
    ap.add_argument("--corpus", type=pathlib.Path, help="real vectors: an N x 384 float32 .npy (last --queries rows held out)")
    ap.add_argument("--rows", type=int,
                    help="with --corpus: use only its first M rows (required while embed_corpus.py is still writing it)")
    ap.add_argument("--extra", type=pathlib.Path,
                    help="with --corpus: a second N' x 384 .npy appended to the corpus (the queries stay --corpus's)")
    ap.add_argument("--sqlite-vec", action="store_true", help="also sqlite-vec 0.1.10a4's vec0 ANN indexes")
    ap.add_argument("--sqlite-vec-rows", type=int, default=20_000,
                    help="at most this many rows into vec0 (its DiskANN inserts ~200 rows a second here)")
    ap.add_argument("--duckdb", action="store_true", help="also DuckDB 1.5.5 with its vss extension's HNSW index")
    ap.add_argument("--duckdb-rows", type=int, default=20_000, help="at most this many rows into DuckDB")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--noise", type=float, default=1.0,
                    help="per-dimension noise sigma around unit-normal centres (larger: clusters overlap, harder)")
    ap.add_argument("--skip-hnsw", action="store_true", help="leave out the HNSW peers (their builds are the slowest)")
    args = ap.parse_args()
    if args.corpus:
        A = np.load(args.corpus, mmap_mode="r")
        if A.ndim != 2 or A.shape[1] != D or A.dtype != np.float32:
            sys.exit(f"{args.corpus}: expected N x {D} float32, got {A.shape} {A.dtype}")
        rows = finished_rows(args.corpus, A.shape[0], args.rows)
        n = args.n or rows - args.queries
        if n < 1 or n + args.queries > rows:
            sys.exit(f"{args.corpus}: {rows} rows in use: fewer than {n} + {args.queries} held-out queries")
        X = np.ascontiguousarray(A[:n])
        Q = np.ascontiguousarray(A[rows - args.queries:rows])
        if not (np.isfinite(X).all() and np.isfinite(Q).all()) or (np.abs(Q).sum(axis=1) == 0).any() \
                or (np.abs(X).sum(axis=1) == 0).any():
            sys.exit(f"{args.corpus}: zero or non-finite rows among the first {rows} (unfinished?)")
        part = f"of its first {rows:,} rows, " if rows < A.shape[0] else ""
        what = f"real vectors from {args.corpus.name}, {part}the last {args.queries} rows held out as queries"
        if args.extra:
            E = np.load(args.extra, mmap_mode="r")
            if E.ndim != 2 or E.shape[1] != D or E.dtype != np.float32:
                sys.exit(f"{args.extra}: expected N x {D} float32, got {E.shape} {E.dtype}")
            finished_rows(args.extra, E.shape[0], None)
            if not np.isfinite(E).all() or (np.abs(E).sum(axis=1) == 0).any():
                sys.exit(f"{args.extra}: zero or non-finite rows")
            X = np.concatenate([X, np.asarray(E)])
            n = X.shape[0]
            what += f", plus all {E.shape[0]:,} rows of {args.extra.name}"
    else:
        n = args.n or 1_000_000
        rng = np.random.default_rng(19)
        centers = rng.standard_normal((1000, D), dtype=np.float32)
        X = clustered(n, rng, centers, args.noise)
        Q = clustered(args.queries, rng, centers, args.noise)
        what = f"1,000 clusters, noise {args.noise}"
    cat = np.arange(n) % 100
    print(f"N = {n:,} x {D} ({what}), {args.queries} queries, k = {K}, cosine; threads: "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(all cores)')}", flush=True)
    truth = exact_top(X, Q)
    truth_f = {s: exact_top(X, Q, rows=np.nonzero(cat < s)[0]) for s in (1, 10)}

    tmp = tempfile.mkdtemp(prefix="ann-bench-")
    path = os.path.join(tmp, "ann.db")
    conn = connect(path)
    conn.execute("CREATE TABLE docs(id INTEGER PRIMARY KEY, cat INTEGER, embedding BLOB)")
    conn.execute("CREATE INDEX docs_cat ON docs(cat)")
    for s in range(0, n, 50_000):
        conn.executemany("INSERT INTO docs VALUES (?, ?, ?)",
                         ((i + 1, int(cat[i]), X[i].tobytes()) for i in range(s, min(n, s + 50_000))))
    conn.commit()
    raw = n * D * 4

    # Exact knn_match, warm (the first query packs and caches the corpus).
    exact_sql = ("SELECT corpus_rowid FROM knn_match WHERE corpus = 'docs.embedding' AND query = ? AND k = 10 "
                 "AND exact = 1")
    t = time.perf_counter()
    conn.execute(exact_sql, (Q[0].tobytes(),)).fetchall()
    first = time.perf_counter() - t
    exact_ms, exact_found = timed(lambda q: [r for (r,) in conn.execute(exact_sql, (q.tobytes(),))], Q[:20])
    print(f"exact knn_match: {exact_ms:.1f} ms/query warm (first query, packing: {first:.1f} s), "
          f"recall@10 {recall(exact_found, truth[:20]):.3f}", flush=True)

    t = time.perf_counter()
    conn.execute("CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding)")
    conn.commit()
    build = time.perf_counter() - t
    meta = dict(conn.execute("SELECT key, value FROM docs_idx_meta WHERE key IN ('lists', 'probes')").fetchall())
    try:
        size = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'docs_idx%'").fetchone()[0]
    except sqlite3.Error:
        size = None
    size_text = f"{size / 2**20:.0f} MiB = {size / raw:.2f}x the raw vectors ({raw / 2**20:.0f} MiB)" if size else "n/a"
    print(f"knn_index build: {build:.1f} s, {meta['lists']} lists, default probes {meta['probes']}, size {size_text}",
          flush=True)
    plan = conn.execute("EXPLAIN QUERY PLAN SELECT * FROM knn_match('docs.embedding', x'0000803f', 10)").fetchone()[3]
    print(f"  plan: {plan}")
    idx_sql = ("SELECT corpus_rowid FROM knn_match WHERE corpus = 'docs.embedding' AND query = ? AND k = 10 "
               "AND probes = ?")
    lists = int(meta["lists"])
    # A first pass reads the probed lists from the table (then they are kept in memory): timed apart.
    ms, _ = timed(lambda q: conn.execute(idx_sql, (q.tobytes(), min(lists, 128))).fetchall(), Q)
    print(f"  knn_index first pass (lists read from the table), probes={min(lists, 128)}: {ms:.2f} ms/query", flush=True)
    for probes in sorted({4, 8, 16, int(meta["probes"]), 64, 128}):
        if probes > lists:
            continue
        ms, found = timed(lambda q: [r for (r,) in conn.execute(idx_sql, (q.tobytes(), probes))], Q)
        print(f"  knn_index probes={probes:<4} {ms:7.2f} ms/query  recall@10 {recall(found, truth):.3f}  "
              f"speed-up vs exact {exact_ms / ms:5.1f}x", flush=True)
    # Under a shared machine's load single timings wander: exact and index queries back to back, per query,
    # and the median of the per-query ratios.
    ratios = []
    for q in Q[:20]:
        t0 = time.perf_counter()
        conn.execute(exact_sql, (q.tobytes(),)).fetchall()
        t1 = time.perf_counter()
        conn.execute(idx_sql, (q.tobytes(), int(meta["probes"]))).fetchall()
        t2 = time.perf_counter()
        ratios.append((t1 - t0) / max(t2 - t1, 1e-9))
    print(f"  back to back, default probes: exact / knn_index median ratio {statistics.median(ratios):.1f}x", flush=True)
    for share in (1, 10):
        sql = ("SELECT corpus_rowid FROM knn_match WHERE corpus = 'docs.embedding' AND query = ? AND k = 10 "
               "AND filter = ?")
        ms, found = timed(lambda q: [r for (r,) in conn.execute(sql, (q.tobytes(), f"cat < {share}"))], Q)
        exact_f_ms, _ = timed(lambda q: conn.execute(sql + " AND exact = 1", (q.tobytes(), f"cat < {share}")).fetchall(), Q[:20])
        print(f"  knn_index filter {share:>2}%  {ms:7.2f} ms/query  recall@10 {recall(found, truth_f[share]):.3f}  "
              f"all k rows: {all(len(f) == K for f in found)}  (exact filtered, cached corpus: {exact_f_ms:.2f} ms)",
              flush=True)
    conn.close()

    # faiss IVF with 8-bit scalar quantization: the same structure, nlist = ours.
    import faiss
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    Qn = Q / np.linalg.norm(Q, axis=1, keepdims=True)
    ivf = faiss.index_factory(D, f"IVF{lists},SQ8", faiss.METRIC_INNER_PRODUCT)
    t = time.perf_counter()
    sample = Xn[np.random.default_rng(0).choice(n, min(n, 64 * lists), replace=False)]
    ivf.train(sample)
    ivf.add(Xn)
    print(f"faiss IVF{lists},SQ8 build {time.perf_counter() - t:.1f} s, codes {D * n / raw:.2f}x the raw vectors "
          f"(+ ids and centroids)", flush=True)
    for probes in (8, int(meta["probes"]), 64):
        faiss.extract_index_ivf(ivf).nprobe = probes
        ms, found = timed(lambda q: [int(i) + 1 for i in ivf.search(q[None, :], K)[1][0]], Qn)
        print(f"  faiss IVF nprobe={probes:<4} {ms:7.2f} ms/query  recall@10 {recall(found, truth):.3f}", flush=True)

    if args.sqlite_vec:
        sqlite_vec_peers(X, Q, cat, truth, truth_f[1], args.sqlite_vec_rows, tmp)

    if args.duckdb:
        duckdb_vss_peer(X, Q, cat, truth, truth_f[1], args.duckdb_rows, tmp)

    if not args.skip_hnsw:
        hnsw = faiss.IndexHNSWFlat(D, 16, faiss.METRIC_INNER_PRODUCT)
        t = time.perf_counter()
        hnsw.add(Xn)
        print(f"faiss HNSWFlat M=16 build {time.perf_counter() - t:.1f} s", flush=True)
        hnsw.hnsw.efSearch = 64
        ms, found = timed(lambda q: [int(i) + 1 for i in hnsw.search(q[None, :], K)[1][0]], Qn)
        print(f"  faiss HNSW ef=64 {ms:7.2f} ms/query  recall@10 {recall(found, truth):.3f}", flush=True)
        del hnsw

        import hnswlib
        h = hnswlib.Index(space="cosine", dim=D)
        t = time.perf_counter()
        h.init_index(max_elements=n, M=16, ef_construction=100)
        h.add_items(X, np.arange(1, n + 1))
        print(f"hnswlib M=16 ef_construction=100 build {time.perf_counter() - t:.1f} s", flush=True)
        h.set_ef(64)
        ms, found = timed(lambda q: [int(i) for i in h.knn_query(q, k=K)[0][0]], Q)
        print(f"  hnswlib ef=64 {ms:7.2f} ms/query  recall@10 {recall(found, truth):.3f}", flush=True)
        del h

        from usearch.index import Index
        u = Index(ndim=D, metric="cos", dtype="i8")
        t = time.perf_counter()
        u.add(np.arange(1, n + 1), X)
        print(f"usearch i8 build {time.perf_counter() - t:.1f} s", flush=True)
        ms, found = timed(lambda q: [int(i) for i in u.search(q, K).keys], Q)
        print(f"  usearch {ms:7.2f} ms/query  recall@10 {recall(found, truth):.3f}", flush=True)


def duckdb_vss_peer(X, Q, cat, truth, truth_1pct, max_rows, tmp):
    """DuckDB's vss HNSW index (cosine) in a duckdb file: build (CREATE INDEX, then CHECKPOINT), file size, speed,
    recall, and a 1% filter as a WHERE clause. With fewer rows than the corpus, the truth is recomputed."""
    import duckdb
    import duckdb_extension_vss
    import pyarrow as pa
    n = min(len(X), max_rows)
    if n < len(X):
        truth = exact_top(X[:n], Q)
        truth_1pct = exact_top(X[:n], Q, rows=np.nonzero(cat[:n] < 1)[0])
    ext = pathlib.Path(duckdb_extension_vss.__file__).parent / "extensions" / f"v{duckdb.__version__}" / "vss.duckdb_extension"
    path = os.path.join(tmp, "vss.duckdb")
    c = duckdb.connect(path)
    c.execute(f"LOAD '{ext}'")
    c.execute("SET hnsw_enable_experimental_persistence = true")
    rows = pa.table({"id": pa.array(np.arange(1, n + 1)), "cat": pa.array(cat[:n]),
                     "e": pa.FixedSizeListArray.from_arrays(pa.array(X[:n].reshape(-1)), D)})
    c.execute("CREATE TABLE v AS SELECT id, cat, e::FLOAT[384] AS e FROM rows")
    del rows
    t = time.perf_counter()
    c.execute("CREATE INDEX v_hnsw ON v USING HNSW (e) WITH (metric = 'cosine')")
    c.execute("CHECKPOINT")
    build = time.perf_counter() - t
    size = os.path.getsize(path)
    sql = "SELECT id FROM v ORDER BY array_cosine_distance(e, ?::FLOAT[384]) LIMIT 10"
    plan = " ".join(str(r) for r in c.execute("EXPLAIN " + sql, [Q[0].tolist()]).fetchall())
    print(f"DuckDB {duckdb.__version__} vss HNSW (cosine, defaults): {n:,} rows, index built in {build:.1f} s, file "
          f"{size / 2**20:.0f} MiB = {size / (n * D * 4):.2f}x the raw vectors; plan uses the index: "
          f"{'HNSW_INDEX_SCAN' in plan}", flush=True)
    ms, found = timed(lambda q: [r for (r,) in c.execute(sql, [q.tolist()]).fetchall()], Q)
    print(f"  {ms:7.2f} ms/query  recall@10 {recall(found, truth):.3f}", flush=True)
    sql = "SELECT id FROM v WHERE cat < 1 ORDER BY array_cosine_distance(e, ?::FLOAT[384]) LIMIT 10"
    ms, found = timed(lambda q: [r for (r,) in c.execute(sql, [q.tolist()]).fetchall()], Q)
    print(f"  filter  1% {ms:7.2f} ms/query  recall@10 {recall(found, truth_1pct):.3f}  rows returned: mean "
          f"{statistics.mean(len(f) for f in found):.1f}, all k rows: {all(len(f) == K for f in found)}", flush=True)
    c.close()
    os.remove(path)


def sqlite_vec_peers(X, Q, cat, truth, truth_1pct, max_rows, tmp):
    """sqlite-vec's vec0 with its ANN indexes, in its own database file: build (inserting the rows), size, speed,
    recall, and a 1% metadata filter. With fewer rows than the corpus, the truth is recomputed for those rows."""
    import sqlite_vec
    n = min(len(X), max_rows)
    if n < len(X):
        truth = exact_top(X[:n], Q)
        truth_1pct = exact_top(X[:n], Q, rows=np.nonzero(cat[:n] < 1)[0])
    for name, spec in [("rescore int8 os=8", "rescore(quantizer=int8, oversample=8)"),
                       ("diskann R=72 L=128", "diskann(neighbor_quantizer=binary, n_neighbors=72, search_list_size=128)")]:
        path = os.path.join(tmp, "vec.db")
        if os.path.exists(path):
            os.remove(path)
        c = sqlite3.connect(path)
        c.enable_load_extension(True)
        sqlite_vec.load(c)
        version = c.execute("SELECT vec_version()").fetchone()[0]
        # A metadata column for the filter, where the index takes one (its ANN indexes refuse them).
        refused = None
        try:
            c.execute(f"CREATE VIRTUAL TABLE v USING vec0(id INTEGER PRIMARY KEY, cat INTEGER, "
                      f"embedding float[{D}] distance_metric=cosine indexed by {spec})")
        except sqlite3.Error as e:
            refused = str(e)
            c.execute(f"CREATE VIRTUAL TABLE v USING vec0(id INTEGER PRIMARY KEY, "
                      f"embedding float[{D}] distance_metric=cosine indexed by {spec})")
        t = time.perf_counter()
        try:
            for s in range(0, n, 10_000):
                if refused:
                    rows = ((i + 1, X[i].tobytes()) for i in range(s, min(n, s + 10_000)))
                    c.executemany("INSERT INTO v(id, embedding) VALUES (?, ?)", rows)
                else:
                    rows = ((i + 1, int(cat[i]), X[i].tobytes()) for i in range(s, min(n, s + 10_000)))
                    c.executemany("INSERT INTO v(id, cat, embedding) VALUES (?, ?, ?)", rows)
            c.commit()
        except sqlite3.Error as e:
            print(f"sqlite-vec {version} {name}: build failed: {e}", flush=True)
            c.close()
            continue
        build = time.perf_counter() - t
        c.close()
        size = os.path.getsize(path)
        c = sqlite3.connect(path)
        c.enable_load_extension(True)
        sqlite_vec.load(c)
        print(f"sqlite-vec {version} {name}: {n:,} rows inserted in {build:.1f} s, file {size / 2**20:.0f} MiB = "
              f"{size / (n * D * 4):.2f}x the raw vectors", flush=True)
        sql = "SELECT id FROM v WHERE embedding MATCH ? AND k = 10"
        ms, found = timed(lambda q: [r for (r,) in c.execute(sql, (q.tobytes(),))], Q)
        print(f"  {ms:7.2f} ms/query  recall@10 {recall(found, truth):.3f}", flush=True)
        if refused:
            print(f"  filter  1%: no metadata column possible ({refused})", flush=True)
            c.close()
            os.remove(path)
            continue
        try:
            ms, found = timed(lambda q: [r for (r,) in c.execute(sql + " AND cat < 1", (q.tobytes(),))], Q)
            print(f"  filter  1% {ms:7.2f} ms/query  recall@10 {recall(found, truth_1pct):.3f}  "
                  f"all k rows: {all(len(f) == K for f in found)}", flush=True)
        except sqlite3.Error as e:
            print(f"  filter  1%: refused: {e}", flush=True)
        c.close()
        os.remove(path)


if __name__ == "__main__":
    ensure_venv()
    import numpy as np
    main()
