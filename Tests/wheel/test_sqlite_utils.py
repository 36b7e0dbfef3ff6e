"""sqlite-utils with the wheel's plugin (entry point group sqlite_utils): no --load-extension anywhere."""
import json

import sqlite_utils

from conftest import BIN, LOG_FORMAT, f32, make_docs_db, run, write_log


def sqlite_utils_cli(*args, cwd=None):
    return run(BIN / "sqlite-utils", *args, cwd=cwd)


def test_the_plugin_is_listed():
    out = sqlite_utils_cli("plugins")
    assert out.returncode == 0, out.stderr
    plugins = {p["name"]: p for p in json.loads(out.stdout)}
    assert plugins["strata-sqlite"]["hooks"] == ["prepare_connection"]


def test_query_command_has_strata(tmp):
    make_docs_db("docs.db")
    out = sqlite_utils_cli("query", "docs.db",
                           "select id, round(distance, 6) as distance from knn_match('docs.embedding', "
                           "'[0, 1]', 2, 'l2', 'lang = ''en''')")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [{"id": 3, "distance": 0.0}, {"id": 1, "distance": 1.414214}]


def test_memory_command_reads_files(tmp):
    write_log("app.log", [(40, "ml.retrain", "boom"), (20, "ml.retrain", "fine")])
    out = sqlite_utils_cli("memory", f"select level, count(*) as n from read_log('app.log', '{LOG_FORMAT}') "
                                     "group by level order by level")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [{"level": "ERROR", "n": 1}, {"level": "INFO", "n": 1}]


def test_errors_come_back_as_sqlite_utils_errors(tmp):
    out = sqlite_utils_cli("memory", "select vec_dims('[]')")
    assert out.returncode != 0
    assert "vec_dims: empty vector" in out.stderr


def test_the_python_api_has_strata(tmp):
    make_docs_db("docs.db")
    db = sqlite_utils.Database("docs.db")
    assert db.execute("select vec_dims(embedding) from docs where id = 1").fetchone() == (2,)
    db["more"].insert({"id": 1, "v": f32(3, 4)}, pk="id")
    assert db.execute("select vec_norm(v) from more").fetchone() == (5.0,)
