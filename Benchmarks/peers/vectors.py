#!/usr/bin/env python3
"""Scalar distance functions over a BLOB column, side by side: Strata's cosine_distance/l2_distance,
sqlite-vec's vec_distance_cosine/vec_distance_l2 (same SQL shape, same table), and NumPy on the same matrix.

Usage: python Benchmarks/peers/vectors.py [N] [DIMS]      (defaults 20000 384; needs a release build)
"""
import sys

from common import ensure_venv

ensure_venv(["numpy", "sqlite-vec==0.1.9"])

import numpy as np  # noqa: E402
import sqlite_vec  # noqa: E402

from common import median_time, print_table, strata  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
d = int(sys.argv[2]) if len(sys.argv) > 2 else 384
rng = np.random.default_rng(1)
X = rng.standard_normal((n, d)).astype(np.float32)
q = rng.standard_normal(d).astype(np.float32)

db = strata()
db.enable_load_extension(True)
sqlite_vec.load(db)
db.execute("create table docs(id integer primary key, embedding blob)")
db.executemany("insert into docs(embedding) values (?)", ((r.tobytes(),) for r in X))
qb = q.tobytes()


def sql(fn):
    return lambda: db.execute(f"select id from docs order by {fn}(embedding, ?) limit 10", (qb,)).fetchall()


def numpy_cosine():
    sims = (X @ q) / (np.linalg.norm(X, axis=1) * np.linalg.norm(q))
    return np.argpartition(-sims, 10)[:10]


# Same answers first (ids of the 10 nearest by cosine).
ours = [r[0] - 1 for r in sql("cosine_distance")()]
theirs = [r[0] - 1 for r in sql("vec_distance_cosine")()]
assert set(ours) == set(theirs) == set(numpy_cosine().tolist()), "peers disagree"

rows = [
    ("strata cosine_distance (SQL scan)", median_time(sql("cosine_distance"))),
    ("sqlite-vec vec_distance_cosine (SQL scan)", median_time(sql("vec_distance_cosine"))),
    ("strata l2_distance (SQL scan)", median_time(sql("l2_distance"))),
    ("sqlite-vec vec_distance_l2 (SQL scan)", median_time(sql("vec_distance_l2"))),
    ("numpy X@q/norms + argpartition", median_time(numpy_cosine)),
]
print_table(f"Top-10 by distance over a BLOB column, N={n}, d={d}", rows, "sqlite-vec vec_distance_cosine (SQL scan)")
