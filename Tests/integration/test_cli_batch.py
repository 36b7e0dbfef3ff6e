"""Batch and cron behaviour of the strata CLI: exit statuses, `strata: FILE:LINE: message` errors, --bail,
--output written atomically (a killed or failed run leaves the old file), --lock, --timeout, the busy
timeout, report parameters, and `run` beside a database literally named run."""
import fcntl
import json
import os
import signal
import sqlite3
import subprocess
import threading
import time

import pytest

from cli_support import strata
from conftest import CLI

LONG_QUERY = "with recursive r(i) as (select 1 union all select i + 1 from r) select count(*) from r;"


def test_success_and_failure_statuses():
    assert strata(":memory:", "select 1").returncode == 0
    r = strata(":memory:", "select nope")
    assert r.returncode == 1
    assert r.stderr == "strata: no such column: nope\n"


def test_stdin_errors_carry_line_numbers_and_continue():
    r = strata(":memory:", input="select 1;\n\nselect nope;\nselect 3;\n")
    assert r.returncode == 1
    assert r.stderr == "strata: stdin:3: no such column: nope\n"
    assert r.stdout == "1\n3\n"


def test_bail_stops_at_first_failure():
    r = strata("--bail", ":memory:", input="select 1;\nselect nope;\nselect 3;\n")
    assert r.returncode == 1
    assert r.stdout == "1\n"


def test_dot_commands_in_stdin():
    r = strata(":memory:", input=".mode csv\n.headers on\nselect 1 as a, 'x,y' as b;\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout == 'a,b\n1,"x,y"\n'


def test_usage_errors_exit_2():
    r = strata("--frobnicate")
    assert r.returncode == 2
    assert r.stderr.startswith("strata: unknown option --frobnicate")
    assert strata("--timeout", "x", ":memory:", "select 1").returncode == 2


def test_cannot_open_database_exits_1(tmp_path):
    r = strata("--readonly", tmp_path / "missing.db", "select 1")
    assert r.returncode == 1
    assert r.stderr.startswith("strata: ")


def test_readonly_refuses_writes(tmp_path):
    db = tmp_path / "r.db"
    sqlite3.connect(db).execute("create table t(x)").connection.commit()
    r = strata("--readonly", db, "insert into t values (1)")
    assert r.returncode == 1
    assert "readonly" in r.stderr


def test_database_named_run(tmp_path):
    conn = sqlite3.connect(tmp_path / "run")
    conn.execute("create table t(x)")
    conn.execute("insert into t values (42)")
    conn.commit()
    conn.close()
    r = strata("./run", "select x from t", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "42\n"


# ---- reports -------------------------------------------------------------------------------------------

REPORT = """-- @param since = 2026-11-01
-- @param level
select :level as level, :since as since, typeof(:since) as t;
select nope;
select 'after';
"""


def test_report_missing_parameters_listed(tmp_path):
    (tmp_path / "r.sql").write_text("-- @param a\n-- @param b = 1\nselect :a, :b, :c;\n")
    r = strata("run", tmp_path / "r.sql")
    assert r.returncode == 2
    assert "missing parameters a, c" in r.stderr


def test_report_unknown_parameter_is_an_error(tmp_path):
    (tmp_path / "r.sql").write_text("-- @param since = 1\nselect :since;\n")
    r = strata("run", tmp_path / "r.sql", "--param", "sinse=2")
    assert r.returncode == 2
    assert "unknown parameter sinse" in r.stderr


def test_report_errors_name_file_and_line(tmp_path):
    path = tmp_path / "r.sql"
    path.write_text(REPORT)
    r = strata("run", path, "--param", "level=ERROR", "--format", "json")
    assert r.returncode == 1
    assert r.stderr == f"strata: {path}:4: no such column: nope\n"
    doc = json.loads(r.stdout)
    assert doc["results"][0]["rows"] == [{"level": "ERROR", "since": "2026-11-01", "t": "text"}]
    assert doc["results"][1]["rows"] == [{"'after'": "after"}]


def test_report_runs_against_db(tmp_path):
    db = tmp_path / "d.db"
    conn = sqlite3.connect(db)
    conn.execute("create table t(n)")
    conn.executemany("insert into t values (?)", [(i,) for i in range(10)])
    conn.commit()
    conn.close()
    (tmp_path / "r.sql").write_text("-- @param min = 0\nselect count(*) as n from t where n >= :min;\n")
    r = strata("run", tmp_path / "r.sql", "--db", db, "--param", "min=7", "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "n\n3\n"


def test_report_format_from_output_extension(tmp_path):
    (tmp_path / "r.sql").write_text("-- # Hello\nselect 1 as one;\n")
    out = tmp_path / "out.html"
    r = strata("run", tmp_path / "r.sql", "--output", out)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert text.startswith("<!DOCTYPE html>") and "<title>Hello</title>" in text


# ---- --output is atomic --------------------------------------------------------------------------------

def temp_files(folder):
    return [p for p in folder.iterdir() if ".strata-" in p.name]


def test_output_replaced_on_success_and_keeps_mode(tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("OLD\n")
    os.chmod(out, 0o640)
    r = strata("--csv", "--output", out, ":memory:", "select 1 as a")
    assert r.returncode == 0, r.stderr
    assert out.read_text() == "a\n1\n"
    assert os.stat(out).st_mode & 0o777 == 0o640
    assert temp_files(tmp_path) == []


def test_output_untouched_when_a_statement_fails(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("OLD\n")
    r = strata("--output", out, ":memory:", "select 1", "select nope")
    assert r.returncode == 1
    assert out.read_text() == "OLD\n"
    assert temp_files(tmp_path) == []
    assert "previous file is unchanged" in r.stderr


def start_long_run(tmp_path, out, *extra):
    proc = subprocess.Popen([str(CLI), "--output", str(out), *extra, ":memory:",
                             "select 'partial output';", LONG_QUERY],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not temp_files(tmp_path):  # the run has started writing its temporary file
        assert time.monotonic() < deadline, "no temporary file appeared"
        time.sleep(0.02)
    return proc


def test_killed_run_leaves_old_file(tmp_path):
    out = tmp_path / "report.txt"
    out.write_text("OLD\n")
    proc = start_long_run(tmp_path, out)
    proc.kill()  # SIGKILL: no chance to clean up
    proc.wait(timeout=20)
    assert out.read_text() == "OLD\n"


def test_terminated_run_leaves_old_file_and_no_temp(tmp_path):
    out = tmp_path / "report.txt"
    out.write_text("OLD\n")
    proc = start_long_run(tmp_path, out)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 143
    assert out.read_text() == "OLD\n"
    assert temp_files(tmp_path) == []
    assert "interrupted" in err


def test_sigint_in_batch_exits_130(tmp_path):
    proc = subprocess.Popen([str(CLI), ":memory:", LONG_QUERY], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert err == "strata: interrupted\n"


# ---- --timeout, --lock, busy timeout ------------------------------------------------------------------

def test_timeout_interrupts_runaway_query(tmp_path):
    out = tmp_path / "o.txt"
    out.write_text("OLD\n")
    r = strata("--timeout", "0.5", "--output", out, ":memory:", LONG_QUERY, timeout=60)
    assert r.returncode == 124
    assert "strata: interrupted: --timeout of 0.5 s reached" in r.stderr
    assert out.read_text() == "OLD\n"


def test_timeout_in_report_names_line(tmp_path):
    (tmp_path / "slow.sql").write_text("select 1;\n" + LONG_QUERY + "\n")
    r = strata("run", tmp_path / "slow.sql", "--timeout", "1", timeout=60)
    assert r.returncode == 124
    assert r.stderr == f"strata: {tmp_path / 'slow.sql'}:2: interrupted: --timeout of 1 s reached\n"


def test_lock_held_by_another_run(tmp_path):
    lock = tmp_path / "job.lock"
    with open(lock, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        f.write("4242\n")
        f.flush()
        r = strata("--lock", lock, ":memory:", "select 1")
        assert r.returncode == 75
        assert r.stdout == ""
        assert "another run holds the lock (pid 4242)" in r.stderr
    r = strata("--lock", lock, ":memory:", "select 1")
    assert r.returncode == 0
    assert r.stdout == "1\n"


def test_overlapping_runs_second_refused(tmp_path):
    lock = tmp_path / "job.lock"
    first = subprocess.Popen([str(CLI), "--lock", str(lock), ":memory:", LONG_QUERY],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not (lock.exists() and lock.read_text().strip() == str(first.pid)):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    second = strata("--lock", lock, ":memory:", "select 1")
    first.kill()
    first.wait()
    assert second.returncode == 75
    assert f"(pid {first.pid})" in second.stderr


def hold_write_lock(path, seconds):
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("begin immediate")
    conn.execute("insert into t values (0)")

    def release():
        time.sleep(seconds)
        conn.execute("commit")
        conn.close()

    t = threading.Thread(target=release)
    t.start()
    return t


def test_busy_database_is_waited_for(tmp_path):
    db = tmp_path / "busy.db"
    sqlite3.connect(db).execute("create table t(x)").connection.commit()
    t = hold_write_lock(db, 0.5)
    r = strata(db, "insert into t values (1); select count(*) from t;")
    t.join()
    assert r.returncode == 0, r.stderr
    assert r.stdout == "2\n"


def test_busy_timeout_zero_fails_at_once(tmp_path):
    db = tmp_path / "busy.db"
    sqlite3.connect(db).execute("create table t(x)").connection.commit()
    t = hold_write_lock(db, 1.0)
    r = strata("--busy-timeout", "0", db, "insert into t values (1)")
    t.join()
    assert r.returncode == 1
    assert "database is locked" in r.stderr
