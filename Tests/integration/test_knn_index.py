"""knn_index (issue 19): an approximate IVF index for knn_match kept in ordinary tables of the database.

Oracle: NumPy's exact top 10 (float64) over the same vectors. Recall is measured on clustered synthetic
data; distances of returned rows must be exactly what exact knn_match gives. Writes after the build (also
by a connection without Strata, also racing the reader), a SIGKILL during the build or a merge and bad input
are covered too.
"""
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import LIB, connect, error_of

N, D, CLUSTERS = 20_000, 64, 200


def clustered(n, d, clusters, seed):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(clusters, d)).astype(np.float32)
    labels = rng.integers(0, clusters, n)
    return (centers[labels] + 1.0 * rng.normal(size=(n, d))).astype(np.float32), centers


@pytest.fixture(scope="module")
def data():
    X, centers = clustered(N, D, CLUSTERS, 1)
    rng = np.random.default_rng(2)
    Q = (centers[rng.integers(0, CLUSTERS, 40)] + 1.0 * rng.normal(size=(40, D))).astype(np.float32)
    return X, Q


def fill(conn, X):
    conn.execute("CREATE TABLE docs(id INTEGER PRIMARY KEY, cat INTEGER, embedding BLOB)")
    conn.executemany("INSERT INTO docs VALUES (?, ?, ?)",
                     [(i + 1, i % 100, X[i].tobytes()) for i in range(len(X))])
    conn.commit()


@pytest.fixture(scope="module")
def indexed(data, tmp_path_factory):
    path = tmp_path_factory.mktemp("knn_index") / "docs.db"
    conn = connect(str(path))
    fill(conn, data[0])
    conn.execute("CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding)")
    conn.commit()
    yield conn
    conn.close()


def truth(X, q, k=10, metric="cosine", rows=None):
    """NumPy's exact top k rowids (1-based, as the table's), restricted to `rows` (0-based) when given."""
    X64, q64 = X.astype(np.float64), q.astype(np.float64)
    if metric == "cosine":
        dist = 1 - (X64 @ q64) / (np.linalg.norm(X64, axis=1) * np.linalg.norm(q64))
    else:
        dist = np.linalg.norm(X64 - q64, axis=1)
    idx = np.arange(len(X)) if rows is None else np.asarray(rows)
    order = idx[np.lexsort((idx, dist[idx]))][:k]
    return [int(i) + 1 for i in order]


def knn(conn, q, k=10, **named):
    where = " ".join(f"AND {key} = :{key}" for key in named)
    sql = f"SELECT corpus_rowid, distance FROM knn_match WHERE corpus = 'docs.embedding' AND query = :q AND k = :k {where}"
    return conn.execute(sql, {"q": q.tobytes(), "k": k, **named}).fetchall()


def recall(found, expected):
    return len({r for r, _ in found} & set(expected)) / len(expected)


def test_recall_at_default_probes_and_exact_distances(indexed, data):
    X, Q = data
    plan = indexed.execute("EXPLAIN QUERY PLAN SELECT * FROM knn_match('docs.embedding', x'0000803f', 10)").fetchall()
    assert "via knn_index docs_idx (IVF, 141 lists, probes=15" in plan[0][3]
    plan = indexed.execute("EXPLAIN QUERY PLAN SELECT * FROM knn_match WHERE corpus = 'docs.embedding' "
                           "AND query = x'0000803f' AND k = 10 AND probes = 3").fetchall()
    assert "probes=3," in plan[0][3]
    plan = indexed.execute("EXPLAIN QUERY PLAN SELECT * FROM knn_match WHERE corpus = 'docs.embedding' "
                           "AND query = x'0000803f' AND k = 10 AND exact = 1").fetchall()
    assert "via knn_index" not in plan[0][3] and "exact search (no knn_index)" in plan[0][3]
    recalls = []
    for q in Q:
        found = knn(indexed, q)
        exact = knn(indexed, q, exact=1)
        assert [r for r, _ in exact] == truth(X, q)
        recalls.append(recall(found, truth(X, q)))
        assert len(found) == 10
        # Every row returned carries exactly the distance exact search gives it.
        exact_all = dict(indexed.execute(
            "SELECT corpus_rowid, distance FROM knn_match WHERE corpus = 'docs.embedding' AND query = ? AND k = 200 "
            "AND exact = 1", (q.tobytes(),)).fetchall())
        for r, dist in found:
            if r in exact_all:
                assert dist == exact_all[r]
    assert np.mean(recalls) >= 0.95, np.mean(recalls)
    # One probe scans far fewer rows: recall drops, which shows the index is really used.
    low = np.mean([recall(knn(indexed, q, probes=1), truth(X, q)) for q in Q])
    assert low < np.mean(recalls)


@pytest.mark.parametrize("share", [1, 10])
def test_filtered_exactly_k_with_recall(indexed, data, share):
    X, Q = data
    rows = [i for i in range(N) if i % 100 < share]  # cat = i % 100, rowid = i + 1
    recalls = []
    for q in Q:
        found = knn(indexed, q, filter=f"cat < {share}")
        assert len(found) == 10
        assert all((r - 1) % 100 < share for r, _ in found)
        recalls.append(recall(found, truth(X, q, rows=rows)))
    assert np.mean(recalls) >= 0.95, np.mean(recalls)
    # A filter matching fewer than k rows returns them all.
    few = knn(indexed, Q[0], k=10, filter="id IN (5, 17, 900)")
    assert sorted(r for r, _ in few) == [5, 17, 900]


def test_writes_after_build_are_seen(data, tmp_path):
    X, Q = data
    conn = connect(str(tmp_path / "w.db"))
    fill(conn, X[:5000])
    conn.execute("CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding, metric=l2, lists=40)")
    conn.commit()
    new = (X[7] + 5).astype(np.float32)
    conn.execute("INSERT INTO docs VALUES (99999, 1, ?)", (new.tobytes(),))
    conn.execute("DELETE FROM docs WHERE id = 12")
    conn.execute("UPDATE docs SET embedding = ? WHERE id = 30", (Q[0].tobytes(),))
    conn.commit()
    assert conn.execute("SELECT count(*) FROM docs_idx_pending").fetchone()[0] == 3
    for merged in (False, True):
        got = knn(conn, new, k=1, metric="l2")
        assert got == [(99999, 0.0)]
        assert 12 not in [r for r, _ in knn(conn, X[11], k=5, metric="l2")]
        assert knn(conn, Q[0], k=1, metric="l2") == [(30, 0.0)]
        assert knn(conn, X[40], k=10, metric="l2") == knn(conn, X[40], k=10, metric="l2", exact=1)
        conn.execute("INSERT INTO docs_idx(command) VALUES ('merge')")
        conn.commit()
        assert conn.execute("SELECT count(*) FROM docs_idx_pending").fetchone()[0] == 0
    assert conn.execute("SELECT sum(rows) FROM docs_idx").fetchone()[0] == 5000
    # A row inside an open transaction, then rolled back: seen, then gone.
    conn.execute("INSERT INTO docs VALUES (123456, 1, ?)", ((X[3] - 4).astype(np.float32).tobytes(),))
    assert knn(conn, (X[3] - 4).astype(np.float32), k=1, metric="l2")[0][0] == 123456
    conn.rollback()
    assert knn(conn, (X[3] - 4).astype(np.float32), k=1, metric="l2")[0][0] != 123456
    conn.execute("DROP TABLE docs_idx")
    left = conn.execute("SELECT name FROM sqlite_schema WHERE name LIKE 'docs_idx%'").fetchall()
    assert left == []
    conn.close()


def test_writer_without_strata(data, tmp_path):
    X, Q = data
    path = str(tmp_path / "plain.db")
    reader = connect(path)
    fill(reader, X[:3000])
    reader.execute("CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding)")
    reader.commit()
    before = knn(reader, Q[1])
    writer = sqlite3.connect(path)  # no extension loaded: only the plain-SQL triggers run
    writer.execute("INSERT INTO docs VALUES (5001, 0, ?)", (Q[1].tobytes(),))
    writer.execute("DELETE FROM docs WHERE id = ?", (before[0][0],))
    writer.commit()
    writer.close()
    after = knn(reader, Q[1])
    assert after[0] == (5001, 0.0)
    assert before[0][0] not in [r for r, _ in after]
    rest = np.vstack([X[:3000], Q[1:2]])
    alive = [i for i in range(3001) if i + 1 != before[0][0]]
    expected = [r if r <= 3000 else 5001 for r in truth(rest, Q[1], rows=alive)]
    assert [r for r, _ in after] == expected
    reader.close()


BUILD = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.enable_load_extension(True)
conn.load_extension(sys.argv[2])
print("start", flush=True)
conn.execute("CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding, lists=60)")
conn.commit()
print("done", flush=True)
"""


def test_sigkill_during_build_leaves_a_whole_database(data, tmp_path):
    X, Q = data
    path = str(tmp_path / "kill.db")
    conn = sqlite3.connect(path)
    fill(conn, X)
    conn.close()
    rng = random.Random(7)
    for attempt in range(4):
        p = subprocess.Popen([sys.executable, "-c", BUILD, path, str(LIB)], stdout=subprocess.PIPE, text=True)
        assert p.stdout.readline().strip() == "start"
        time.sleep(rng.uniform(0.0, 0.25))
        p.send_signal(signal.SIGKILL)
        p.wait()
        check = connect(path)
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        has = check.execute("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'docs_idx%'").fetchone()[0]
        assert has in (0, 7)  # nothing, or the table, its 3 shadow tables and 3 triggers
        for q in Q[:5]:
            assert [r for r, _ in knn(check, q)] == truth(X, q) or recall(knn(check, q), truth(X, q)) >= 0.8
            assert len(knn(check, q)) == 10
        if has:
            check.execute("DROP TABLE docs_idx")
            check.commit()
        check.close()


def test_bad_input(tmp_path, data):
    X, _ = data
    conn = connect()
    fill(conn, X[:200])
    conn.execute("CREATE TABLE other(v)")
    conn.execute("INSERT INTO other VALUES (x'0000'), (x'0000803f')")
    cases = {
        "knn_index(nope, embedding)": "knn_index: no such table: main.nope",
        "knn_index(docs, nope)": "knn_index: no such column: docs.nope",
        "knn_index(docs)": "knn_index: expected knn_index(table, column",
        "knn_index(docs, embedding, metric=manhattan)": "knn_index: unknown metric 'manhattan'",
        "knn_index(docs, embedding, lists=0)": "knn_index: lists must be an integer from 1 to 65536, got '0'",
        "knn_index(docs, embedding, probes=x)": "knn_index: probes must be an integer from 1 to 65536, got 'x'",
        "knn_index(docs, embedding, colour=red)": "knn_index: unknown option 'colour'",
        "knn_index(other, v)": "knn_index: rowid 1 of other.v: ",
    }
    for args, message in cases.items():
        assert error_of(conn, f"CREATE VIRTUAL TABLE bad USING {args}").startswith(message), args
    assert conn.execute("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'bad%'").fetchone()[0] == 0
    conn.execute("CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding)")
    assert error_of(conn, "SELECT * FROM knn_match('docs.embedding', '[1, 2, 3]', 10)") == \
        "knn_match: query has 3 dimensions, corpus has 64"
    assert error_of(conn, "SELECT * FROM knn_match WHERE corpus = 'docs.embedding' AND query = ? AND k = 3 AND probes = 0",
                    (X[0].tobytes(),)) == "knn_match: probes must be an integer from 1 to 65536, got 0"
    assert error_of(conn, "SELECT * FROM knn_match WHERE corpus = 'docs.embedding' AND query = ? AND k = 3 AND exact = 'maybe'",
                    (X[0].tobytes(),)) == "knn_match: exact must be 0 or 1 (true/false), got 'maybe'"
    assert error_of(conn, "INSERT INTO docs_idx(command) VALUES ('compact')") == \
        "knn_index: unknown command 'compact' (expected 'merge' or 'rebuild')"
    # A pending row that is not a vector: named, as exact search names it.
    conn.execute("UPDATE docs SET embedding = x'00' WHERE id = 4")
    message = error_of(conn, "SELECT * FROM knn_match('docs.embedding', ?, 3)", (X[0].tobytes(),))
    assert message.startswith("knn_match: rowid 4 of docs.embedding: ")
    assert len(conn.execute("SELECT * FROM knn_match WHERE corpus = 'docs.embedding' AND query = ? AND k = 3 "
                            "AND skip_bad = 1", (X[0].tobytes(),)).fetchall()) == 3
    assert error_of(conn, "INSERT INTO docs_idx(command) VALUES ('merge')").startswith("knn_index: rowid 4 of docs.embedding: ")
    conn.close()


WRITER = """
import sqlite3, sys, numpy as np
conn = sqlite3.connect(sys.argv[1], timeout=30)
conn.execute("PRAGMA journal_mode=WAL")
rng = np.random.default_rng(11)
for i in range(60):
    v = (rng.standard_normal(64) * 10).astype(np.float32)
    conn.execute("INSERT INTO docs VALUES (?, 0, ?)", (100000 + i, v.tobytes()))
    if i % 3 == 2:
        conn.execute("DELETE FROM docs WHERE id = ?", (100000 + i - 1,))
    conn.commit()
print("done", flush=True)
"""


def test_racing_writer_without_strata(data, tmp_path):
    """A writer process (no Strata) inserts and deletes while the reader queries through the index: every
    committed row the reader's snapshot holds is its own nearest neighbour, a deleted one is never returned."""
    X, _ = data
    path = str(tmp_path / "race.db")
    reader = connect(path)
    reader.execute("PRAGMA journal_mode=WAL")
    fill(reader, X[:4000])
    reader.execute("CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding, metric=l2)")
    reader.commit()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, path], stdout=subprocess.PIPE, text=True)
    checked = 0
    while True:
        running = writer.poll() is None
        reader.execute("BEGIN")  # one snapshot for the rows read and the searches
        rows = reader.execute("SELECT id, embedding FROM docs WHERE id >= 100000").fetchall()
        alive = {r for r, _ in rows}
        for rowid, blob in rows[-3:]:
            got = knn(reader, np.frombuffer(blob, dtype=np.float32), k=3, metric="l2")
            assert got[0] == (rowid, 0.0)
            assert all(r < 100000 or r in alive for r, _ in got)
            checked += 1
        reader.execute("COMMIT")
        if not running:
            break
    assert writer.wait() == 0 and checked > 0
    assert len(alive) == 40
    reader.close()


MERGE = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.enable_load_extension(True)
conn.load_extension(sys.argv[2])
print("start", flush=True)
conn.execute("INSERT INTO docs_idx(command) VALUES ('merge')")
conn.commit()
print("done", flush=True)
"""


def test_sigkill_during_merge(data, tmp_path):
    X, Q = data
    path = str(tmp_path / "merge.db")
    conn = connect(path)
    fill(conn, X[:8000])
    conn.execute("CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding, lists=40)")
    conn.executemany("UPDATE docs SET embedding = ? WHERE id = ?", [(X[8000 + i].tobytes(), i + 1) for i in range(4000)])
    conn.commit()
    conn.close()
    current = np.vstack([X[8000:12000], X[4000:8000]])
    rng = random.Random(3)
    for attempt in range(3):
        p = subprocess.Popen([sys.executable, "-c", MERGE, path, str(LIB)], stdout=subprocess.PIPE, text=True)
        assert p.stdout.readline().strip() == "start"
        time.sleep(rng.uniform(0.0, 0.2))
        p.send_signal(signal.SIGKILL)
        p.wait()
        check = connect(path)
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        pending = check.execute("SELECT count(*) FROM docs_idx_pending").fetchone()[0]
        assert pending in (0, 4000)  # the merge committed whole, or not at all
        for q in Q[:5]:
            found = knn(check, q)
            assert len(found) == 10 and recall(found, truth(current, q)) >= 0.8
            assert [r for r, _ in knn(check, q, exact=1)] == truth(current, q)
        check.close()


def test_batch_of_queries_through_the_index(indexed, data):
    X, Q = data
    indexed.execute("CREATE TABLE IF NOT EXISTS q(embedding BLOB)")
    indexed.execute("DELETE FROM q")
    indexed.executemany("INSERT INTO q(rowid, embedding) VALUES (?, ?)", [(i + 1, Q[i].tobytes()) for i in range(10)])
    indexed.execute("INSERT INTO q(rowid, embedding) VALUES (11, NULL)")
    plan = indexed.execute("EXPLAIN QUERY PLAN SELECT * FROM knn_match('docs.embedding', 'q.embedding', 5)").fetchone()[3]
    assert "via knn_index docs_idx" in plan and "batch of queries from q.embedding (one index search each)" in plan
    rows = indexed.execute("SELECT query_id, corpus_rowid, distance, rank FROM knn_match('docs.embedding', 'q.embedding', 5)").fetchall()
    assert [r[0] for r in rows] == [i for i in range(1, 11) for _ in range(5)]
    for i in range(10):
        single = knn(indexed, Q[i], k=5)
        assert [(r[1], r[2]) for r in rows if r[0] == i + 1] == single
    exact = indexed.execute("SELECT query_id, corpus_rowid FROM knn_match WHERE corpus = 'docs.embedding' "
                            "AND query = 'q.embedding' AND k = 5 AND exact = 1").fetchall()
    assert len({(a, b) for a, b, _, _ in rows} & set(exact)) >= 0.95 * len(exact)
    indexed.rollback()


def test_interrupted_build_leaves_nothing(data):
    import threading
    X, _ = data
    conn = connect()
    fill(conn, X)
    timer = threading.Timer(0.05, conn.interrupt)
    timer.start()
    with pytest.raises(sqlite3.OperationalError) as e:
        conn.execute("CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding, lists=200)")
    timer.join()
    assert "interrupted" in str(e.value)
    assert conn.execute("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'docs_idx%'").fetchone()[0] == 0
    conn.close()


BUILD_UNDER_LIMIT = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.enable_load_extension(True)
conn.load_extension(sys.argv[2])
conn.execute(sys.argv[3])
conn.commit()
"""


def index_contents(conn):
    lists = conn.execute("SELECT list, n, ids, terms, codes FROM docs_idx_lists ORDER BY list").fetchall()
    meta = conn.execute("SELECT key, value FROM docs_idx_meta WHERE key <> 'generation' ORDER BY key").fetchall()
    return lists, meta


def test_build_larger_than_the_memory_budget(data, tmp_path):
    """A corpus that does not fit the memory budget (STRATA_MEMORY_LIMIT, read once per process: a child process)
    is read several times instead of packed, its lists written a group at a time (20,000 × 64 packs to 5.4 MB;
    2 MB allows groups of ~13,000 rows): the index is the one the packed build makes, and answers the same."""
    X, Q = data
    packed, streamed = tmp_path / "packed.db", tmp_path / "streamed.db"
    for p in (packed, streamed):
        c = sqlite3.connect(p)
        fill(c, X)
        c.close()
    conn = connect(str(packed))
    conn.execute("CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding, lists=50)")
    conn.commit()
    env = {**os.environ, "STRATA_MEMORY_LIMIT": "2M"}
    for sql in ["CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding, lists=50)",
                "INSERT INTO docs_idx(command) VALUES ('rebuild')"]:
        r = subprocess.run([sys.executable, "-c", BUILD_UNDER_LIMIT, str(streamed), str(LIB), sql], env=env,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        other = connect(str(streamed))
        assert index_contents(other) == index_contents(conn)
        assert other.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        for q in Q[:10]:
            assert knn(other, q) == knn(conn, q)
        other.close()
    # A budget far too small (300 KB): the child still builds — its training sample is 16 rows a list instead
    # of 64, so the centroids differ — and finds the true neighbours.
    streamed.unlink()
    c = sqlite3.connect(streamed)
    fill(c, X)
    c.close()
    env["STRATA_MEMORY_LIMIT"] = "300K"
    r = subprocess.run([sys.executable, "-c", BUILD_UNDER_LIMIT, str(streamed), str(LIB),
                        "CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding)"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    other = connect(str(streamed))
    got = sum(recall(knn(other, q), truth(X, q)) for q in Q) / len(Q)
    assert got >= 0.95, got
    other.close()
    conn.close()


def test_rebuild_replaces_the_contents_in_place(data):
    """'rebuild' runs inside an INSERT on the index, where SQLite refuses to drop tables ("database table is
    locked" — how every rebuild failed before): it rewrites the meta and lists of the existing tables."""
    X, Q = data
    conn = connect()
    fill(conn, X[:3000])
    conn.execute("CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding, lists=20, probes=4)")
    conn.execute("INSERT INTO docs VALUES (99999, 0, ?)", (Q[0].tobytes(),))
    generation = conn.execute("SELECT value FROM docs_idx_meta WHERE key = 'generation'").fetchone()
    assert conn.execute("SELECT count(*) FROM docs_idx_pending").fetchone() == (1,)
    conn.execute("INSERT INTO docs_idx(command) VALUES ('rebuild')")
    assert conn.execute("SELECT count(*) FROM docs_idx_pending").fetchone() == (0,)
    meta = dict(conn.execute("SELECT key, value FROM docs_idx_meta").fetchall())
    assert (meta["rows"], meta["lists"], meta["probes"]) == (3001, 20, 4)
    assert (meta["generation"],) != generation
    assert conn.execute("SELECT sum(rows) FROM docs_idx").fetchone() == (3001,)
    assert knn(conn, Q[0], k=1)[0][0] == 99999
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


INTERRUPT_UNDER_LIMIT = """
import sqlite3, sys, threading
conn = sqlite3.connect(sys.argv[1])
conn.enable_load_extension(True)
conn.load_extension(sys.argv[2])
done = threading.Event()
def keep_interrupting():  # an interrupt while no statement runs is dropped: repeat it until the build stops
    while not done.wait(0.02):
        conn.interrupt()
t = threading.Thread(target=keep_interrupting)
t.start()
try:
    conn.execute("CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding, lists=200)")
    print("built")
except sqlite3.Error as e:
    print("ERR", e)
done.set()
t.join()
print(conn.execute("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'docs_idx%'").fetchone()[0])
"""


def test_interrupted_build_larger_than_the_budget_leaves_nothing(data, tmp_path):
    """The build that reads the table several times (STRATA_MEMORY_LIMIT below the packed corpus) stops at
    conn.interrupt() like the packed one, and leaves no table of the index behind."""
    X, _ = data
    path = tmp_path / "docs.db"
    c = sqlite3.connect(path)
    fill(c, X)
    c.close()
    r = subprocess.run([sys.executable, "-c", INTERRUPT_UNDER_LIMIT, str(path), str(LIB)],
                       env={**os.environ, "STRATA_MEMORY_LIMIT": "2M"}, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    # SQLite's own message when the interrupt meets one of the build's statements, the index's otherwise.
    assert r.stdout.split("\n")[0] in ("ERR knn_index: interrupted", "ERR interrupted"), r.stdout
    assert r.stdout.split("\n")[1] == "0", r.stdout


SCAN_RUN = r"""
import json, sqlite3, sys
import numpy as np
c = sqlite3.connect(':memory:')
c.enable_load_extension(True); c.load_extension(sys.argv[1])
rng = np.random.default_rng(11)
X = rng.standard_normal((80000, 16)).astype(np.float32)
c.execute('CREATE TABLE docs(id INTEGER PRIMARY KEY, embedding BLOB)')
c.executemany('INSERT INTO docs VALUES (?, ?)', ((i + 1, X[i].tobytes()) for i in range(len(X))))
c.execute('CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding)')
lists = int(c.execute("SELECT value FROM docs_idx_meta WHERE key = 'lists'").fetchone()[0])
out = []
for q in rng.standard_normal((10, 16)).astype(np.float32):
    out.append(c.execute("SELECT corpus_rowid, distance FROM knn_match WHERE corpus = 'docs.embedding' "
                         "AND query = ? AND k = 10 AND probes = ?", (q.tobytes(), lists)).fetchall())
print(json.dumps(out))
"""


def test_lists_scanned_on_several_threads_give_the_one_thread_answers():
    """Probing many rows splits the lists over threads (each its own candidate heap, merged after): the answers
    equal those of one thread (OPENBLAS_NUM_THREADS=1 sets Strata's thread count too) and NumPy's."""
    import json
    import os
    runs = []
    for threads in ("1", "2"):
        env = {**os.environ, "OPENBLAS_NUM_THREADS": threads}
        r = subprocess.run([sys.executable, "-c", SCAN_RUN, str(LIB)], capture_output=True, text=True, env=env)
        assert r.returncode == 0, r.stderr
        runs.append(json.loads(r.stdout))
    assert runs[0] == runs[1]
    rng = np.random.default_rng(11)
    X = rng.standard_normal((80000, 16)).astype(np.float32)
    Q = rng.standard_normal((10, 16)).astype(np.float32)
    assert all(len(rows) == 10 for rows in runs[1])
    assert np.mean([recall(rows, truth(X, q)) for rows, q in zip(runs[1], Q)]) >= 0.99


def test_an_interrupt_at_any_point_of_a_build_reads_as_interrupted(tmp_path):
    """A progress handler interrupts the build after k steps of SQLite's VM, for k from the first steps to past
    the end: each time the error is SQLite's "interrupted" — whichever statement of the build (its reads of the
    column, its writes) the interrupt met — and no table of the index is left; past the end the index is whole."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((3000, 8)).astype(np.float32)
    path = tmp_path / "docs.db"
    c = sqlite3.connect(path)
    fill(c, X)
    c.close()
    finished = False
    for k in (1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 6765, 10946, 10 ** 9):
        conn = connect(str(path))
        calls = 0

        def progress():
            nonlocal calls
            calls += 1
            if calls == k:
                conn.interrupt()
            return 0

        conn.set_progress_handler(progress, 100)
        try:
            conn.execute("CREATE VIRTUAL TABLE docs_idx USING knn_index(docs, embedding)")
            conn.commit()
            finished = True
        except sqlite3.OperationalError as e:
            assert str(e) in ("interrupted", "knn_index: interrupted"), (k, str(e))
            conn.rollback()
            left = conn.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'docs_idx%'").fetchone()[0]
            assert left == 0, (k, left)
        conn.set_progress_handler(None, 0)
        if finished:
            q = X[17] + 0.01
            assert [r for r, _ in knn(conn, q, exact=0)][:1] == [18]
            conn.close()
            break
        conn.close()
    assert finished
