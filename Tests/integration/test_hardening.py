"""Hardening: random calls never crash the host, and a hostile database cannot make a client read files."""
import sqlite3
import subprocess
import sys

import pytest

from conftest import ROOT, SANITIZER, connect

HERE = ROOT / "Tests" / "integration"
# Calls per SQL name: 400, and 100 under a sanitizer, where seed 1's 400 took 235 s (5 s without one). Every
# function and module is still called with every kind of argument, from the same seeds; the plain run makes all 400.
FUZZ_CALLS = 100 if SANITIZER else 400


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_fuzz_survives(seed):
    r = subprocess.run([sys.executable, str(HERE / "fuzz_sql.py"), str(seed), str(FUZZ_CALLS)], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"child died or failed (rc={r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    assert r.stdout.startswith("calls=")


def strata_surface():
    plain = sqlite3.connect(":memory:")
    builtin_f = {r[0] for r in plain.execute("select name from pragma_function_list")}
    builtin_m = {r[0] for r in plain.execute("select name from pragma_module_list")}
    db = connect()
    functions = {(n, narg, flags) for n, narg, flags in
                 db.execute("select name, narg, flags from pragma_function_list") if n not in builtin_f}
    modules = {r[0] for r in db.execute("select name from pragma_module_list")} - builtin_m
    return functions, modules


DIRECTONLY = 0x80000


# Modules that read nothing but their arguments: allowed in views (INNOCUOUS). Every other module reads files
# or tables and must be refused there.
PURE_MODULES = {"cron_schedule", "strata_help", "generate_series"}
# Modules that read only tables of their own database (no file, no DIRECTONLY): a planted one keeps working.
DATABASE_ONLY_MODULES = {"knn_index"}
# Modules used through CREATE VIRTUAL TABLE (not table-valued functions), with arguments that create them.
CREATABLE = {
    "log_file": "'{root}/sql/demo/logs/retrain.log'",
    "jsonl": "'{root}/sql/demo/predictions.jsonl'",
    "csv_file": "'{csv}'",
    "parquet_file": "'{root}/Tests/Fuzz/corpus/parquet_file/gzip.parquet'",
}


def test_hostile_database_cannot_call_file_readers(tmp_path):
    """Views and triggers in an untrusted database that call DIRECTONLY functions or file-reading tables fail
    with 'unsafe use' for a client that loaded Strata, whatever trusted_schema says; pure ones keep working."""
    functions, modules = strata_surface()
    assert set(CREATABLE) <= modules and PURE_MODULES <= modules
    csv = tmp_path / "secret.csv"
    csv.write_text("user,password\nroot,hunter2\n")
    path = tmp_path / "hostile.db"
    setup = connect(str(path))  # the attacker's side, with the extension, planting tables, views and triggers
    setup.execute("create table log(x)")
    planted = []
    for name, narg, flags in sorted(functions):
        if flags & DIRECTONLY:
            args = ", ".join(["'/etc/passwd'"] * (narg if narg >= 0 else 1))  # knn_cache_clear() takes none
            setup.execute(f"create view v_{name}_{narg} as select {name}({args}) as leaked")
            planted.append(f"v_{name}_{narg}")
    # A planted knn_index over a planted corpus: it reads that corpus only, so the victim's search works.
    setup.execute("create table docs(id integer primary key, embedding blob)")
    setup.executemany("insert into docs values (?, vec_f32(?))", [(i, f"[{i % 7}, {i % 5}, 1]") for i in range(300)])
    setup.execute("create virtual table docs_idx using knn_index(docs, embedding)")
    for name in sorted(modules - PURE_MODULES - DATABASE_ONLY_MODULES):
        if name in CREATABLE:
            setup.execute(f"create virtual table t_{name} using {name}("
                          + CREATABLE[name].format(root=ROOT, csv=csv) + ")")
            setup.execute(f"create view m_{name} as select * from t_{name}")
        else:
            setup.execute(f"create view m_{name} as select * from {name}('/etc/passwd')")
        planted.append(f"m_{name}")
    setup.execute("create view pure_schedule as select * from cron_schedule('@daily', '2026-01-01', '2026-01-03')")
    setup.execute("create view pure_series as select value from generate_series(1, 3)")
    setup.execute("create view pure_vectors as select vec_dims('[1,2]') as d, cron_next('@daily', '2026-01-01') as n")
    setup.execute("create trigger t after insert on log begin select * from read_log('/etc/passwd'); end")
    setup.commit()
    setup.close()

    for trusted in ("on", "off"):
        victim = connect(str(path))
        victim.execute(f"pragma trusted_schema = {trusted}")
        for view in planted:
            with pytest.raises(sqlite3.OperationalError) as e:
                victim.execute(f"select * from {view}").fetchall()
            # A planted file table is refused before DIRECTONLY is even consulted (see test_safety.py).
            assert "unsafe use of" in str(e.value) or "was not created by this connection" in str(e.value), \
                (view, trusted, str(e.value))
        with pytest.raises(sqlite3.OperationalError) as e:
            victim.execute("insert into log values (1)")
        assert "unsafe use of" in str(e.value)
        assert len(victim.execute("select * from pure_schedule").fetchall()) == 2
        assert victim.execute("select * from pure_series").fetchall() == [(1,), (2,), (3,)]
        assert victim.execute("select * from pure_vectors").fetchall() == [(2, "2026-01-02 00:00:00")]
        plan = victim.execute("explain query plan select * from knn_match('docs.embedding', '[1, 1, 1]', 3)").fetchall()
        assert any("docs_idx" in r[3] for r in plan), plan
        near = victim.execute("select corpus_id, distance from knn_match('docs.embedding', '[1, 1, 1]', 3)").fetchall()
        exact = victim.execute("select corpus_id, distance from knn_match where corpus = 'docs.embedding' "
                               "and query = '[1, 1, 1]' and k = 3 and exact = 1").fetchall()
        assert [round(d, 12) for _, d in near] == [round(d, 12) for _, d in exact] and len(near) == 3
        victim.close()


def test_every_file_or_table_reader_is_directonly():
    """Pure functions are INNOCUOUS; everything else must be DIRECTONLY. Virtual-table modules are checked by
    the hostile-database test above."""
    functions, _ = strata_surface()
    for name, narg, flags in functions:
        innocuous = bool(flags & 0x200000)
        directonly = bool(flags & DIRECTONLY)
        assert innocuous != directonly, f"{name}/{narg}: must be exactly one of INNOCUOUS or DIRECTONLY"
