"""`.mode npy FILE` / `--npy FILE` (issue 15, item 6), as docs/files.md promises: the first column of a result
written as np.save would, so np.load reads it — vectors as a 2-D float32 array, integers as int64, reals as
float64 — and values that fit no array are an error naming the row. np.load is the oracle."""
import sqlite3

import numpy as np

from cli_support import strata


def make_db(path, E):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE docs(id TEXT, n INTEGER, score REAL, e BLOB, j TEXT)")
    conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
                     [(f"d{i}", i * 3, i / 7, v.tobytes(), "[" + ", ".join(repr(float(x)) for x in v) + "]")
                      for i, v in enumerate(E)])
    conn.commit()
    conn.close()


def test_npy_flag_writes_what_np_load_reads(tmp_path):
    E = np.random.default_rng(6).standard_normal((50, 12)).astype(np.float32)
    db = tmp_path / "d.db"
    make_db(db, E)
    out = tmp_path / "e.npy"
    r = strata(db, "--npy", out, "SELECT e FROM docs ORDER BY rowid")
    assert r.returncode == 0, r.stderr
    got = np.load(out)
    assert got.dtype == np.float32 and got.shape == (50, 12)
    assert np.array_equal(got, E)
    # JSON vectors, rounded to float32 as np.float32 does
    r = strata(db, "--npy", out, "SELECT j FROM docs ORDER BY rowid")
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.load(out), np.array([[float(x) for x in v] for v in E], dtype=np.float64).astype(np.float32))
    r = strata(db, f"--npy={out}", "SELECT n FROM docs ORDER BY rowid")
    got = np.load(out)
    assert got.dtype == np.int64 and got.tolist() == [i * 3 for i in range(50)]
    strata(db, "--npy", out, "SELECT score FROM docs ORDER BY rowid")
    got = np.load(out)
    assert got.dtype == np.float64 and np.array_equal(got, np.array([i / 7 for i in range(50)]))
    # No rows: an empty array np.load still reads.
    strata(db, "--npy", out, "SELECT score FROM docs WHERE 0")
    assert np.load(out).shape == (0,)
    # knn_match's answers straight into NumPy.
    q = E[4].tobytes().hex()
    strata(db, "--npy", out, f"SELECT distance FROM knn_match('docs.e', x'{q}', 3, 'l2')")
    assert np.load(out)[0] == 0.0 and np.load(out).shape == (3,)


def test_mode_npy_in_the_shell_and_errors(tmp_path):
    E = np.random.default_rng(7).standard_normal((5, 4)).astype(np.float32)
    db = tmp_path / "d.db"
    make_db(db, E)
    out = tmp_path / "s.npy"
    r = strata(db, input=f".mode npy {out}\nSELECT e FROM docs ORDER BY rowid;\n")
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.load(out), E)
    r = strata(db, input=".mode npy\n")
    assert "usage: .mode npy FILE" in r.stderr
    r = strata(db, "--npy", out, "SELECT CASE WHEN rowid = 3 THEN 'oops' ELSE e END FROM docs ORDER BY rowid")
    assert r.returncode != 0 and "npy: row 3: text that is not a JSON array of numbers: 'oops'" in r.stderr
    r = strata(db, "--npy", out, "SELECT CASE WHEN rowid = 2 THEN 0.5 ELSE n END FROM docs ORDER BY rowid")
    assert r.returncode != 0 and "npy: row 2: a REAL after INTEGERs (CAST the column AS REAL)" in r.stderr
    r = strata(db, "--npy", out, "SELECT CAST(n AS REAL) FROM docs UNION ALL SELECT NULL")
    assert r.returncode == 0 and np.isnan(np.load(out)[-1])
    r = strata(db, "--mode", "npy", "SELECT 1")
    assert r.returncode != 0 and "npy output needs a file: --npy FILE" in r.stderr
