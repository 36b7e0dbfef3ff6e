"""Datasette over HTTP on 127.0.0.1 with the wheel's plugin: safe mode by default, file readers when a private
instance opts in through the plugin's configuration."""
import json

import pytest

from conftest import LOG_FORMAT, Datasette, make_docs_db, run, write_log, BIN


def datasette_major():
    out = run(BIN / "datasette", "--version")
    return int(out.stdout.split()[-1].split(".")[0])


def config_args(tmp, plugin_config):
    """The plugin's configuration as this Datasette takes it: metadata (0.x) or datasette.yaml (1.x)."""
    path = tmp / "config.json"
    path.write_text(json.dumps({"plugins": {"strata-sqlite": plugin_config}}))
    return ["-c" if datasette_major() >= 1 else "-m", str(path)]


@pytest.fixture
def served(tmp):
    make_docs_db("docs.db")
    write_log("app.log", [(40, "ml.retrain", "boom")])
    servers = []

    def start(*args, env=None):
        ds = Datasette("docs.db", *args, cwd=tmp, env=env)
        servers.append(ds)
        return ds

    yield start
    for ds in servers:
        ds.stop()


def test_the_plugin_is_listed(served):
    ds = served()
    status, plugins = ds.get("/-/plugins.json")
    assert status == 200
    assert "strata-sqlite" in {p["name"] for p in plugins}


def test_vectors_and_knn_match_over_http(served):
    ds = served()
    status, rows = ds.sql("docs", "select d.title, m.rank from knn_match('docs.embedding', '[1, 0.1]', 2, "
                                  "'cosine', 'lang = ''en''') m join docs d on d.id = m.id order by m.rank")
    assert status == 200, rows
    assert rows == [{"title": "east", "rank": 1}, {"title": "north", "rank": 2}]
    status, rows = ds.sql("docs", "select vec_dims(embedding) as d from docs where id = 1")
    assert (status, rows) == (200, [{"d": 2}])


def test_safe_by_default_no_file_readers(served):
    ds = served()
    status, body = ds.sql("docs", "select * from read_log('app.log')")
    assert status == 400
    assert "no such table: read_log" in body["error"]
    status, body = ds.sql("docs", "select * from read_jsonl('/etc/os-release')")
    assert status == 400 and "no such table: read_jsonl" in body["error"]


def test_an_error_over_http(served):
    ds = served()
    status, body = ds.sql("docs", "select cosine_distance('[1,2,3]', '[1,2]')")
    assert status == 400
    assert "cosine_distance: dimension mismatch (3 vs 2)" in body["error"]


def test_a_private_instance_opts_in_to_file_readers(served, tmp):
    (tmp / "logs").mkdir()
    write_log(tmp / "logs" / "job.log", [(40, "ml.retrain", "training failed"), (20, "ml.retrain", "ok")])
    ds = served(*config_args(tmp, {"file-readers": True, "allowed-dirs": [str(tmp / "logs")]}))
    status, rows = ds.sql("docs", f"select level, message from read_log('logs/job.log', '{LOG_FORMAT}') "
                                  "where level = 'ERROR'")
    assert (status, rows) == (200, [{"level": "ERROR", "message": "training failed"}])
    # allowed-dirs confines them: app.log lies outside logs/.
    status, body = ds.sql("docs", "select * from read_log('app.log')")
    assert status == 400
    assert "outside the directories this extension may read" in body["error"]
