"""Datasette plugin (entry point group `datasette`): every database connection gets Strata in its safe mode
(`sqlite3_strata_safe_init`: vectors, knn_match over tables, cron schedules, log_shape — nothing that opens a
file), because anyone who can reach the instance can run SQL through it.

File readers (read_log, read_jsonl, read_csv, read_npy, crontab, ...) are for a private instance only; opt in
through the plugin's configuration (metadata.json / metadata.yaml in Datasette 0.6x, datasette.yaml in 1.0):

    {"plugins": {"strata-sqlite": {"file-readers": true, "allowed-dirs": ["/srv/logs", "/srv/exports"]}}}

`allowed-dirs` sets STRATA_ALLOWED_DIRS for the process when the environment has not set it already, so the
readers open files under those directories only. Without it they read any file the Datasette process can.
"""
import os

from datasette import hookimpl

from . import _load_for_plugin

PLUGIN_NAME = "strata-sqlite"


def _settings(datasette, database):
    config = datasette.plugin_config(PLUGIN_NAME, database=database) or {}
    file_readers = config.get("file-readers", False) is True
    allowed = config.get("allowed-dirs")
    if isinstance(allowed, str):
        allowed = [allowed]
    return file_readers, allowed


@hookimpl
def prepare_connection(conn, database, datasette):
    file_readers, allowed = _settings(datasette, database)
    if file_readers and allowed and "STRATA_ALLOWED_DIRS" not in os.environ:
        os.environ["STRATA_ALLOWED_DIRS"] = ":".join(str(d) for d in allowed)
    _load_for_plugin(conn, "datasette", safe=not file_readers)
