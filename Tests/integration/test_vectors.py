"""Vector functions loaded into Python's sqlite3 and Debian's sqlite3 CLI, checked against NumPy."""
import json
import subprocess

import numpy as np
import pytest

from conftest import LIB, ROOT, connect, error_of, run_sqlite3

DIMS = [1, 3, 15, 16, 17, 128, 384, 768, 1536]
RNG = np.random.default_rng(20261121)


def blob(v):
    return np.asarray(v, dtype="<f4").tobytes()


def pairs():
    for d in DIMS:
        a = RNG.standard_normal(d).astype(np.float32)
        b = RNG.standard_normal(d).astype(np.float32)
        yield d, a, b


@pytest.mark.parametrize("d,a,b", list(pairs()), ids=[f"d{d}" for d in DIMS])
def test_distances_match_numpy(db, d, a, b):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    dot = float(a64 @ b64)
    na, nb = float(np.linalg.norm(a64)), float(np.linalg.norm(b64))
    row = db.execute(
        "select cosine_distance(?1, ?2), cosine_similarity(?1, ?2), l2_distance(?1, ?2),"
        " inner_product(?1, ?2), vec_norm(?1), vec_dims(?1)", (blob(a), blob(b))).fetchone()
    assert row[0] == pytest.approx(1 - dot / (na * nb), rel=1e-9, abs=1e-12)
    assert row[1] == pytest.approx(dot / (na * nb), rel=1e-9, abs=1e-12)
    assert row[2] == pytest.approx(float(np.linalg.norm(a64 - b64)), rel=1e-9)
    assert row[3] == pytest.approx(dot, rel=1e-9, abs=1e-9)
    assert row[4] == pytest.approx(na, rel=1e-12)
    assert row[5] == d
    # NumPy's own float32 arithmetic agrees within float32 precision too.
    assert row[3] == pytest.approx(float(np.dot(a, b)), rel=1e-4, abs=1e-4)


def test_json_and_blob_inputs_are_interchangeable(db):
    a = RNG.standard_normal(64).astype(np.float32)
    text = json.dumps([float(x) for x in a])
    assert db.execute("select vec_f32(?)", (text,)).fetchone()[0] == blob(a)
    assert db.execute("select cosine_distance(?, ?)", (text, blob(a))).fetchone()[0] == pytest.approx(0, abs=1e-12)
    # Decimal text rounds through float64 to float32, as np.float32(json.loads(...)) does.
    assert db.execute("select vec_f32('[0.1, 2, -3e-2]')").fetchone()[0] == blob(np.float32([0.1, 2, -0.03]))
    # vec_to_json round-trips bit for bit.
    back = json.loads(db.execute("select vec_to_json(?)", (blob(a),)).fetchone()[0])
    assert blob(np.float32(back)) == blob(a)


def test_normalize_and_avg_match_numpy(db):
    m = RNG.standard_normal((50, 32)).astype(np.float32)
    db.execute("create table t(id integer primary key, v blob)")
    db.executemany("insert into t(v) values (?)", [(blob(r),) for r in m])
    db.execute("insert into t(v) values (null)")  # NULLs are skipped
    avg = np.frombuffer(db.execute("select vec_avg(v) from t").fetchone()[0], dtype="<f4")
    np.testing.assert_allclose(avg, m.astype(np.float64).mean(axis=0), rtol=1e-6, atol=1e-7)
    unit = np.frombuffer(db.execute("select vec_normalize(v) from t where id = 1").fetchone()[0], dtype="<f4")
    np.testing.assert_allclose(unit, m[0] / np.linalg.norm(m[0].astype(np.float64)), rtol=1e-6)
    assert db.execute("select vec_avg(v) from t where id > 1000").fetchone()[0] is None
    per_group = db.execute("select count(*), vec_dims(vec_avg(v)) from t group by id % 2").fetchall()
    assert sorted(per_group) == [(25, 32), (26, 32)]


def test_nulls_and_zero_vectors_give_null(db):
    row = db.execute("select cosine_distance(null, '[1]'), l2_distance('[1]', null), vec_dims(null),"
                     " vec_to_json(null), cosine_distance('[0,0]', '[1,1]'), cosine_similarity('[1,1]', '[0,0]'),"
                     " vec_normalize('[0,0,0]'), vec_norm('[0,0]')").fetchone()
    assert row == (None, None, None, None, None, None, None, 0.0)


BAD_INPUTS = [
    ("select cosine_distance(zeroblob(1536), zeroblob(3072))", "cosine_distance: dimension mismatch (384 vs 768)"),
    ("select l2_distance('[1,2,3]', '[1,2]')", "l2_distance: dimension mismatch (3 vs 2)"),
    ("select inner_product(x'000000', '[1]')",
     "inner_product: argument 1: vector blob length 3 is not a multiple of 4 (expected little-endian float32)"),
    ("select vec_dims(x'')", "vec_dims: empty vector"),
    ("select vec_dims('[]')", "vec_dims: empty vector"),
    ("select vec_norm('[1, \"2\"]')", "vec_norm: invalid JSON vector: expected a number at offset 4"),
    ("select vec_norm('[[1, 2]]')",
     "vec_norm: invalid JSON vector: nested value (vectors are flat arrays of numbers) at offset 1"),
    ("select vec_norm('{\"a\": 1}')", "vec_norm: invalid JSON vector: expected '[' at offset 0"),
    ("select vec_norm('[1, 2')", "vec_norm: invalid JSON vector: unterminated array at offset 5"),
    ("select vec_norm('[1, NaN]')", "vec_norm: invalid JSON vector: expected a number at offset 4"),
    ("select vec_norm('[1, 1e39]')", "vec_norm: non-finite value (NaN or Inf) at index 1"),
    ("select vec_f32(x'0000c07f')", "vec_f32: non-finite value (NaN or Inf) at index 0"),
    ("select vec_f32(x'0000807f')", "vec_f32: non-finite value (NaN or Inf) at index 0"),
    ("select vec_dims(zeroblob(65537 * 4))", "vec_dims: too many dimensions (65537 > 65536)"),
    ("select vec_dims(42)", "vec_dims: expected a vector (float32 BLOB or JSON array text), got integer"),
    ("select cosine_similarity('[1]', 4.5)",
     "cosine_similarity: argument 2: expected a vector (float32 BLOB or JSON array text), got real"),
    ("select vec_avg(v) from (select '[1,2]' v union all select '[1,2,3]')", "vec_avg: dimension mismatch (2 vs 3)"),
    ("select vec_avg(v) from (select '[1,2]' v union all select x'01')",
     "vec_avg: vector blob length 1 is not a multiple of 4 (expected little-endian float32)"),
]


@pytest.mark.parametrize("sql,message", BAD_INPUTS)
def test_bad_input_is_a_named_error(db, sql, message):
    assert error_of(db, sql) == message


def test_vec_check_describes_problems_without_failing(db):
    rows = db.execute("select vec_check(v) from (select vec_f32('[1,2]') v union all select x'0000c07f'"
                      " union all select x'01' union all select '[]' union all select null)").fetchall()
    assert rows == [(None,), ("non-finite value (NaN or Inf) at index 0",),
                    ("vector blob length 1 is not a multiple of 4 (expected little-endian float32)",),
                    ("empty vector",), (None,)]


def test_limits_are_inclusive(db):
    assert db.execute("select vec_dims(zeroblob(65536 * 4))").fetchone()[0] == 65536


def test_fuzzed_blobs_never_crash(db):
    """Random bytes of every length: each call is a value or an SQL error, never a dead process."""
    rng = np.random.default_rng(7)
    for n in range(0, 80):
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        for fn in ("vec_dims", "vec_norm", "vec_to_json", "vec_normalize", "vec_f32"):
            try:
                db.execute(f"select {fn}(?)", (data,)).fetchone()
            except Exception as e:  # noqa: BLE001 - any SQL error is fine, a crash is not
                assert str(e).startswith(fn + ":"), str(e)


def test_pure_functions_work_in_views_generated_columns_and_indexes(tmp_path):
    path = tmp_path / "schema.db"
    conn = connect(str(path))
    conn.executescript("""
        pragma trusted_schema = off;
        create table docs(id integer primary key, v blob,
                          norm real generated always as (vec_norm(v)) virtual);
        create index docs_dims on docs(vec_dims(v));
        create view near as select id, cosine_distance(v, '[1, 0]') as d from docs;
        insert into docs(v) values (vec_f32('[3, 4]')), (vec_f32('[1, 0]'));
    """)
    conn.commit()
    conn.close()
    conn = connect(str(path))
    conn.execute("pragma trusted_schema = off")
    assert conn.execute("select id, norm from docs order by id").fetchall() == [(1, 5.0), (2, 1.0)]
    assert conn.execute("select id from docs where vec_dims(v) = 2 order by id").fetchall() == [(1,), (2,)]
    rows = conn.execute("select id, round(d, 6) from near order by id").fetchall()
    assert rows == [(1, 0.4), (2, 0.0)]


def test_sqlite3_cli_loads_the_extension():
    r = run_sqlite3("select round(cosine_distance('[1,2,3]', '[3,2,1]'), 12), vec_to_json(vec_f32('[1.5,-2]'))")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0.285714285714|[1.5,-2.0]"
    r = run_sqlite3("select vec_dims('[1')")
    assert r.returncode != 0
    assert "vec_dims: invalid JSON vector: unterminated array at offset 2" in r.stderr


def test_library_never_links_sqlite():
    out = subprocess.run(["nm", "-D", "--undefined-only", f"{LIB}.so"], capture_output=True, text=True, check=True)
    assert [l for l in out.stdout.splitlines() if "sqlite3_" in l] == []
    needed = subprocess.run(["readelf", "-d", f"{LIB}.so"], capture_output=True, text=True, check=True).stdout
    assert "libsqlite3" not in needed
    assert "libswiftCore" not in needed  # self-contained: no Swift runtime needed on the host


def test_sqlite_utils_and_datasette_load_it():
    venv_bin = ROOT / ".build-venv" / "bin"
    r = subprocess.run([str(venv_bin / "sqlite-utils"), "memory", "select vec_dims('[1,2,3]') as d",
                        "--load-extension", f"{LIB}.so"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [{"d": 3}]
    r = subprocess.run([str(venv_bin / "datasette"), "--memory", "--load-extension", f"{LIB}.so", "--get",
                        "/_memory.json?sql=select+vec_dims('[1,2]')+as+d&_shape=array"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [{"d": 2}]
