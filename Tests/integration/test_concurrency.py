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
]


def make_db(path, n=2000, d=96):
    rng = np.random.default_rng(5)
    conn = connect(str(path))
    conn.execute("pragma journal_mode=wal")
    conn.execute("create table vecs(id integer primary key, v blob)")
    conn.executemany("insert into vecs(v) values (?)", [(r.tobytes(),) for r in rng.standard_normal((n, d)).astype(np.float32)])
    conn.commit()
    return conn, rng.standard_normal(d).astype(np.float32).tobytes()


def test_threads_with_own_connections_agree(tmp_path):
    path = tmp_path / "shared.db"
    main, q = make_db(path)
    expected = [main.execute(sql, (q,) if "?1" in sql else ()).fetchall() for sql in QUERIES]
    failures = []

    def worker(k):
        try:
            conn = connect(str(path))
            for i in range(30):
                j = (i + k) % len(QUERIES)
                got = conn.execute(QUERIES[j], (q,) if "?1" in QUERIES[j] else ()).fetchall()
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
