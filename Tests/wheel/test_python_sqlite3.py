"""Python's sqlite3 with strata_sqlite.load(conn), from the installed wheel."""
import importlib.metadata
import logging
import math
import os
import pathlib
import shutil
import sqlite3
import subprocess
import sys
import threading

import pytest

import strata_sqlite
from conftest import BIN, SITE, LOG_FORMAT, connect, f32, make_docs_db, run, write_jsonl, write_log


def test_the_package_and_library_come_from_the_wheel():
    path = pathlib.Path(strata_sqlite.loadable_path())
    assert path.is_file() and path.name == "libstrata.so"
    assert SITE.resolve() in path.resolve().parents
    assert strata_sqlite.__version__ == importlib.metadata.version("strata-sqlite")
    conn = connect()
    assert conn.execute("select strata_version()").fetchone() == (strata_sqlite.__version__,)


def test_python_m_prints_the_path():
    out = run(sys.executable, "-m", "strata_sqlite")
    assert out.returncode == 0 and out.stdout.strip() == strata_sqlite.loadable_path()


def test_vectors_agree_with_plain_python():
    conn = connect()
    a, b = [0.25, -1.5, 3.0], [2.0, 0.5, -1.0]
    dot = sum(x * y for x, y in zip(a, b))
    cos = dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
    got = conn.execute("select cosine_distance(?, ?), l2_distance(?, ?), vec_dims(?), vec_to_json(vec_f32(?))",
                       (f32(*a), f32(*b), f32(*a), f32(*b), f32(*a), "[1, 2.5]")).fetchone()
    assert got[0] == pytest.approx(1 - cos, abs=1e-12)
    assert got[1] == pytest.approx(math.dist(a, b), abs=1e-12)
    assert got[2:] == (3, "[1.0,2.5]")
    assert conn.execute("select vec_avg(v) = ? from (select ? v union all select ?)",
                        (f32(2, 3), f32(1, 2), f32(3, 4))).fetchone() == (1,)


def test_knn_match_with_a_filter(tmp):
    make_docs_db("docs.db")
    conn = connect("docs.db")
    rows = conn.execute(
        "select d.title, m.rank from knn_match('docs.embedding', ?, 2, 'cosine', 'lang = ''en''') m "
        "join docs d on d.id = m.id order by m.rank", (f32(1, 0.1),)).fetchall()
    assert rows == [("east", 1), ("north", 2)]
    # Without the filter the German rows win.
    ids = [r[0] for r in conn.execute("select id from knn_match('docs.embedding', '[1, 0.1]', 2)")]
    assert ids == [5, 1]


def test_read_log_reads_what_python_logging_wrote(tmp):
    write_log("app.log", [
        (logging.INFO, "ml.ingest", "started"),
        (logging.WARNING, "ml.ingest", "slow batch 7"),
        (logging.ERROR, "ml.retrain", "training failed", RuntimeError("CUDA out of memory")),
    ])
    conn = connect()
    rows = conn.execute("select level, logger, message, detail from read_log('app.log', ?) order by line",
                        (LOG_FORMAT,)).fetchall()
    assert [r[:3] for r in rows] == [("INFO", "ml.ingest", "started"), ("WARNING", "ml.ingest", "slow batch 7"),
                                    ("ERROR", "ml.retrain", "training failed")]
    assert rows[2][3].startswith("Traceback (most recent call last):")
    assert rows[2][3].rstrip().endswith("RuntimeError: CUDA out of memory")


def test_read_jsonl(tmp):
    write_jsonl("preds.jsonl", [{"model": "v1", "score": 0.5}, {"model": "v2", "score": 0.75},
                                {"model": "v2", "score": 0.25}])
    conn = connect()
    rows = conn.execute("select doc ->> 'model', count(*), avg(doc ->> 'score') from read_jsonl('preds.jsonl') "
                        "group by 1 order by 1").fetchall()
    assert rows == [("v1", 1, 0.5), ("v2", 2, 0.5)]


def test_an_error_names_the_function_and_the_connection_goes_on():
    conn = connect()
    with pytest.raises(sqlite3.OperationalError, match=r"^cosine_distance: dimension mismatch \(3 vs 2\)$"):
        conn.execute("select cosine_distance('[1,2,3]', '[1,2]')").fetchall()
    with pytest.raises(sqlite3.OperationalError, match=r"^read_jsonl: .*missing\.jsonl"):
        conn.execute("select * from read_jsonl('missing.jsonl')").fetchall()
    assert conn.execute("select vec_dims('[1,2]')").fetchone() == (2,)


def test_safe_mode_has_no_file_readers(tmp):
    write_jsonl("x.jsonl", [{"a": 1}])
    conn = connect(safe=True)
    assert conn.execute("select vec_dims('[1,2,3]'), cron_next('0 2 * * *', '2026-11-20 12:00:00')"
                        ).fetchone() == (3, "2026-11-21 02:00:00")
    for sql in ("select * from read_jsonl('x.jsonl')", "select * from read_log('x.jsonl')",
                "select * from read_csv('x.jsonl')", "select * from read_npy('x.npy')"):
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            conn.execute(sql).fetchall()


def test_extension_loading_is_left_off():
    conn = connect()
    with pytest.raises(sqlite3.OperationalError, match="not authorized"):
        conn.execute("select load_extension(?)", (strata_sqlite.loadable_path(),)).fetchall()


def test_connections_in_threads():
    errors, results = [], []

    def work(i):
        try:
            conn = connect()
            results.append(conn.execute("select vec_dims(?)", (f32(*range(i + 1)),)).fetchone()[0])
            conn.close()
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sorted(results) == list(range(1, 9))


def test_allowed_dirs_confine_the_file_readers(tmp):
    (tmp / "ok").mkdir()
    (tmp / "secret").mkdir()
    write_jsonl(tmp / "ok" / "a.jsonl", [{"a": 1}])
    write_jsonl(tmp / "secret" / "b.jsonl", [{"b": 2}])
    script = ("import sqlite3, strata_sqlite\n"
              "c = sqlite3.connect(':memory:'); strata_sqlite.load(c)\n"
              "print(c.execute(\"select count(*) from read_jsonl('ok/a.jsonl')\").fetchone()[0])\n"
              "c.execute(\"select * from read_jsonl('secret/b.jsonl')\").fetchall()\n")
    out = run(sys.executable, "-c", script, cwd=tmp, env={"STRATA_ALLOWED_DIRS": str(tmp / "ok")})
    assert out.stdout.strip() == "1"
    assert "outside the directories this extension may read (STRATA_ALLOWED_DIRS)" in out.stderr


class NoLoading:
    """A connection object as a Python built without --enable-loadable-sqlite-extensions has it."""

    def execute(self, *args):
        raise sqlite3.OperationalError("no such function: strata_version")


def test_a_python_without_extension_loading_gets_the_fix():
    with pytest.raises(strata_sqlite.ExtensionLoadingUnavailable) as e:
        strata_sqlite.load(NoLoading())
    message = str(e.value)
    assert "cannot load SQLite extensions" in message
    assert "--enable-loadable-sqlite-extensions" in message and "/usr/bin/python3" in message


def test_a_plugin_warns_once_and_never_breaks_the_host(capsys):
    for _ in range(3):
        assert strata_sqlite._load_for_plugin(NoLoading(), "sqlite-utils", safe=False) is False
    err = capsys.readouterr().err
    assert err.count("warning: sqlite-utils: Strata not loaded: strata_sqlite.load: this Python's") == 1
    assert "--enable-loadable-sqlite-extensions" in err


def test_a_plugin_does_not_load_twice():
    conn = connect()
    assert strata_sqlite._load_for_plugin(conn, "datasette", safe=True) is False


def pythons_without_extension_loading():
    """Pythons on PATH (pyenv's, say) whose sqlite3 lacks enable_load_extension."""
    found = []
    for name in ("python3", "python"):
        exe = shutil.which(name)
        if not exe or os.path.realpath(exe).startswith(str(pathlib.Path(sys.prefix).resolve())):
            continue
        check = subprocess.run([exe, "-c", "import sqlite3, sys; "
                                "sys.exit(hasattr(sqlite3.Connection, 'enable_load_extension'))"],
                               capture_output=True)
        if check.returncode == 0:
            found.append(exe)
    return found


@pytest.mark.skipif(not pythons_without_extension_loading(), reason="every Python here can load extensions")
def test_a_real_python_without_extension_loading_gets_the_fix():
    exe = pythons_without_extension_loading()[0]
    script = (f"import sys; sys.path.insert(0, {str(SITE)!r})\n"
              "import sqlite3, strata_sqlite\n"
              "strata_sqlite.load(sqlite3.connect(':memory:'))\n")
    out = run(exe, "-c", script)
    assert out.returncode == 1
    assert "strata_sqlite.ExtensionLoadingUnavailable: strata_sqlite.load: this Python's sqlite3 module " \
           "cannot load SQLite extensions" in out.stderr
    assert "PYTHON_CONFIGURE_OPTS=\"--enable-loadable-sqlite-extensions\" pyenv install" in out.stderr


def test_debian_sqlite3_cli_loads_the_wheel_library():
    sqlite3_cli = shutil.which("sqlite3")
    if not sqlite3_cli:
        pytest.skip("no sqlite3 CLI")
    out = run(sqlite3_cli, ":memory:", f".load {strata_sqlite.loadable_path()}",
              "select cosine_distance('[1, 2, 3]', '[3, 2, 1]');")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0.285714285714286"


BATCH_IN_A_FRESH_PROCESS = r"""
import json, sqlite3, sys
import strata_sqlite
conn = sqlite3.connect(sys.argv[1])
strata_sqlite.load(conn)
rows = conn.execute("select query_id, id from knn_match('docs.embedding', 'docs.embedding', 1)").fetchall()
maps = sorted({line.split()[-1] for line in open('/proc/self/maps') if 'openblas' in line})
print(json.dumps({'rows': rows, 'maps': maps}))
"""


def test_a_batch_opens_the_wheels_openblas(tmp):
    """Batches need OpenBLAS, which Strata opens on first use: through libstrata_blas.so, the copy in the
    wheel's strata_sqlite.libs/, not the host's."""
    import json
    make_docs_db("docs.db")
    out = run(sys.executable, "-c", BATCH_IN_A_FRESH_PROCESS, "docs.db", cwd=tmp)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["rows"] == [[i, i] for i in range(1, 6)]
    vendored = SITE.resolve() / "strata_sqlite.libs"
    assert got["maps"] and all(vendored in pathlib.Path(p).resolve().parents for p in got["maps"]), got["maps"]
