"""Several threads, each with its own connection, calling Strata at once (Python's sqlite3 releases the GIL
inside SQLite, so the extension really runs in parallel). Every answer must equal the single-threaded one."""
import sqlite3
import threading

import numpy as np

from conftest import connect

QUERIES = [
    "select sum(cosine_distance(v, ?1)), sum(l2_distance(v, ?1)), sum(inner_product(v, ?1)) from vecs",
    "select vec_to_json(vec_avg(v)) from vecs",
    "select count(*), sum(vec_norm(vec_normalize(v))) from vecs where vec_check(v) is null",
    "select group_concat(id || ':' || round(distance, 6)) from knn_match('vecs.v', ?1, 10)",
    "select group_concat(id) from knn_match('vecs.v', ?1, 5, 'l2', 'id % 3 = 0')",
    "select count(*), sum(level = 'ERROR'), max(ts) from read_log(?2)",
]


def make_db(path, n=2000, d=96):
    rng = np.random.default_rng(5)
    conn = connect(str(path))
    conn.execute("pragma journal_mode=wal")
    conn.execute("create table vecs(id integer primary key, v blob)")
    conn.executemany("insert into vecs(v) values (?)", [(r.tobytes(),) for r in rng.standard_normal((n, d)).astype(np.float32)])
    conn.commit()
    return conn, rng.standard_normal(d).astype(np.float32).tobytes()


def write_log(path):
    with open(path, "w") as f:
        for i in range(3000):
            level = "ERROR" if i % 7 == 0 else "INFO"
            f.write(f"2026-11-20 02:{i // 60 % 60:02}:{i % 60:02},000 [{level}] job: step {i}\n")
            if level == "ERROR":
                f.write("Traceback (most recent call last):\n  boom\n")
    return str(path)


def params(sql, q, log):
    return (q, log) if "?2" in sql else (q,) if "?1" in sql else ()


def test_threads_with_own_connections_agree(tmp_path):
    path = tmp_path / "shared.db"
    main, q = make_db(path)
    log = write_log(tmp_path / "app.log")
    expected = [main.execute(sql, params(sql, q, log)).fetchall() for sql in QUERIES]
    failures = []

    def worker(k):
        try:
            conn = connect(str(path))
            for i in range(30):
                j = (i + k) % len(QUERIES)
                got = conn.execute(QUERIES[j], params(QUERIES[j], q, log)).fetchall()
                if got != expected[j]:
                    failures.append((k, j, got, expected[j]))
            conn.close()
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append((k, repr(e)))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_shared_connection_in_serialized_mode(tmp_path):
    """One connection shared by threads (sqlite3's default serialized mode): calls interleave safely."""
    path = tmp_path / "one.db"
    main, q = make_db(path, n=500)
    main.close()
    conn = sqlite3.connect(str(path), check_same_thread=False)
    conn.enable_load_extension(True)
    from conftest import LIB
    conn.load_extension(str(LIB))
    expected = conn.execute(QUERIES[0], (q,)).fetchall()
    failures = []

    def worker():
        for _ in range(20):
            got = conn.execute(QUERIES[0], (q,)).fetchall()
            if got != expected:
                failures.append(got)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_wal_writer_and_knn_readers_never_see_a_stale_or_mixed_corpus(tmp_path):
    """One connection commits changes to a corpus table in WAL mode while others run knn_match. Each reader
    answer is checked against NumPy on the rows the same read transaction sees: the exact top k of some
    committed state, never a mix of two, never the cache's copy of an older one."""
    path = tmp_path / "wal.db"
    rng = np.random.default_rng(11)
    n, d, k = 1500, 32, 7
    setup = connect(str(path))
    setup.execute("pragma journal_mode=wal")
    setup.execute("create table c(id integer primary key, e blob)")
    setup.executemany("insert into c(e) values (?)",
                      [(r.tobytes(),) for r in rng.standard_normal((n, d)).astype(np.float32)])
    setup.commit()
    setup.close()
    q = rng.standard_normal(d).astype(np.float32)
    done = threading.Event()
    failures, checked = [], [0]

    def write():
        w_rng = np.random.default_rng(12)
        writer = connect(str(path))
        writer.isolation_level = None
        try:
            for _ in range(60):
                writer.execute("begin")
                for rowid in w_rng.integers(1, n + 1, 20):
                    writer.execute("update c set e = ? where id = ?",
                                   (w_rng.standard_normal(d).astype(np.float32).tobytes(), int(rowid)))
                writer.execute("insert into c(e) values (?)", (w_rng.standard_normal(d).astype(np.float32).tobytes(),))
                writer.execute("delete from c where id = (select min(id) from c)")
                writer.execute("commit")
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append(("writer", repr(e)))
        finally:
            done.set()

    def read():
        conn = connect(str(path))
        conn.isolation_level = None
        try:
            while not done.is_set() or checked[0] < 10:
                conn.execute("begin")
                got = conn.execute("select id, distance from knn_match('c.e', ?, ?)", (q.tobytes(), k)).fetchall()
                rows = conn.execute("select id, e from c").fetchall()
                conn.execute("commit")
                ids = np.array([r[0] for r in rows])
                m = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), d).astype(np.float64)
                qq = q.astype(np.float64)
                dist = 1 - (m @ qq) / (np.linalg.norm(m, axis=1) * np.linalg.norm(qq))
                order = np.lexsort((ids, dist))[:k]
                if [r[0] for r in got] != ids[order].tolist() or \
                        not np.allclose([r[1] for r in got], dist[order], atol=1e-6):
                    failures.append(("reader", got, ids[order].tolist()))
                checked[0] += 1
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append(("reader", repr(e)))
        finally:
            conn.close()

    threads = [threading.Thread(target=write)] + [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert checked[0] >= 10
