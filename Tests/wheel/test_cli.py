"""The `strata` console command the wheel installs."""
import json
import re
import shutil

from conftest import BIN, LOG_FORMAT, make_docs_db, run, write_log


def test_the_command_is_the_venvs():
    assert (BIN / "strata").is_file()
    assert shutil.which("strata", path=str(BIN)) == str(BIN / "strata")


def test_runs_sql_with_strata_built_in(tmp):
    make_docs_db("docs.db")
    out = run(BIN / "strata", "--json", "docs.db",
              "select id, rank from knn_match('docs.embedding', '[1, 0.1]', 2, 'cosine', 'lang = ''en''')",
              cwd=tmp)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [{"id": 1, "rank": 1}, {"id": 3, "rank": 2}]


def test_reads_logs_and_fails_with_status_1(tmp):
    write_log("app.log", [(40, "ml.retrain", "boom")])
    out = run(BIN / "strata", ":memory:", f"select level || ' ' || message from read_log('app.log', '{LOG_FORMAT}')",
              cwd=tmp)
    assert (out.returncode, out.stdout.strip()) == (0, "ERROR boom"), out.stderr
    out = run(BIN / "strata", ":memory:", "select vec_dims('[]')", cwd=tmp)
    assert out.returncode == 1
    assert "vec_dims: empty vector" in out.stderr


def test_sql_from_stdin(tmp):
    out = run(BIN / "strata", ":memory:", cwd=tmp, input="select strata_version();\n")
    assert out.returncode == 0 and out.stdout.strip()


def test_a_batch_in_the_shell_opens_the_wheels_openblas(tmp):
    make_docs_db("docs.db")
    out = run(BIN / "strata", "--json", "docs.db",
              "select query_id, id from knn_match('docs.embedding', 'docs.embedding', 1)", cwd=tmp,
              env={"LD_DEBUG": "files"})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [{"query_id": i, "id": i} for i in range(1, 6)]
    # The loader's own account of what it opened: the vendored OpenBLAS, never the host's.
    assert "strata_sqlite.libs/libopenblas" in out.stderr
    assert not re.search(r"file=/(usr/)?lib/x86_64-linux-gnu/(openblas[^/]*/)?libopenblas", out.stderr)
