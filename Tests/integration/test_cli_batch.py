"""Batch and cron behaviour of the strata CLI: exit statuses, `strata: FILE:LINE: message` errors, --bail,
--output written atomically (a killed or failed run leaves the old file; links, FIFOs and descriptors as
targets; every catchable signal removes the temporary file), --lock, --timeout (also for a statement that
ignores the interrupt), the busy timeout, report parameters, and `run` beside a database literally named run."""
import fcntl
import json
import os
import resource
import shutil
import signal
import sqlite3
import stat
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


def start_long_run(tmp_path, out, *extra, query=LONG_QUERY, preexec_fn=None, folder=None):
    proc = subprocess.Popen([str(CLI), "--output", str(out), *extra, ":memory:",
                             "select 'partial output';", query],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=preexec_fn)
    try:
        wait_for_temp_file(folder or tmp_path)
    except BaseException:
        proc.kill()  # else the endless query runs on, taking a CPU from the tests after this one
        proc.communicate()
        raise
    return proc


def wait_for_temp_file(folder):
    # The temporary file holds the first statement's output: the run is past start-up, where SIGINT/SIGTERM are
    # still SignalCleanup's (they end the process by the signal itself) rather than the run's (exit 130/143).
    # (A fraction of a second alone; 60 s allowed for a sanitizer build on a machine busy with other tests.)
    deadline = time.monotonic() + 60
    while not any(os.path.getsize(p) > 0 for p in temp_files(folder) if os.path.exists(p)):
        assert time.monotonic() < deadline, "no temporary file appeared"
        time.sleep(0.02)


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


# Every catchable signal whose default action ends the process (SIGINT and SIGTERM stop the run cleanly,
# above). The child starts with their default actions (a shell may have left some ignored) and no core files.
CLEANUP_SIGNALS = [signal.SIGHUP, signal.SIGPIPE, signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM, signal.SIGXCPU,
                   signal.SIGXFSZ, signal.SIGVTALRM, signal.SIGPROF, signal.SIGQUIT, signal.SIGRTMIN + 3]


def default_signals():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for s in CLEANUP_SIGNALS:
        signal.signal(s, signal.SIG_DFL)


@pytest.mark.parametrize("sig", CLEANUP_SIGNALS, ids=lambda s: f"signal{int(s)}")
def test_other_signals_remove_the_temp_file_and_end_the_run(tmp_path, sig):
    out = tmp_path / "report.txt"
    out.write_text("OLD\n")
    proc = start_long_run(tmp_path, out, preexec_fn=default_signals)
    proc.send_signal(sig)
    proc.communicate(timeout=20)
    assert proc.returncode == -sig  # ended by that very signal, as without a handler
    assert out.read_text() == "OLD\n"
    assert temp_files(tmp_path) == []


def test_signal_ignored_by_the_parent_stays_ignored(tmp_path):
    """`nohup strata ...`: SIGHUP stays ignored; the run goes on (SIGTERM then stops it cleanly)."""
    out = tmp_path / "report.txt"
    out.write_text("OLD\n")
    proc = start_long_run(tmp_path, out, preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    proc.send_signal(signal.SIGHUP)  # delivered (or dropped) before the higher-numbered SIGTERM
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=20)
    assert proc.returncode == 143
    assert temp_files(tmp_path) == []


def test_sigint_in_batch_exits_130(tmp_path):
    proc = subprocess.Popen([str(CLI), ":memory:", LONG_QUERY], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert err == "strata: interrupted\n"


# ---- --output targets: links, FIFOs, descriptors, directories -----------------------------------------

def test_output_through_symlinks_replaces_the_target_and_keeps_the_links(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    target = real / "report.txt"
    target.write_text("OLD\n")
    os.chmod(target, 0o640)
    link = tmp_path / "report.txt"
    link.symlink_to("real/report.txt")  # relative
    latest = tmp_path / "latest.txt"
    latest.symlink_to(link)  # absolute, to a link
    r = strata("--output", latest, ":memory:", "select 'new'")
    assert r.returncode == 0, r.stderr
    assert latest.is_symlink() and os.readlink(latest) == str(link)
    assert link.is_symlink() and os.readlink(link) == "real/report.txt"
    assert target.read_text() == "new\n"
    assert os.stat(target).st_mode & 0o777 == 0o640
    assert temp_files(tmp_path) == [] and temp_files(real) == []


def test_output_through_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "out.txt"
    link.symlink_to("made.txt")
    r = strata("--output", link, ":memory:", "select 1")
    assert r.returncode == 0, r.stderr
    assert link.is_symlink()
    assert (tmp_path / "made.txt").read_text() == "1\n"


def test_failed_run_through_a_symlink_leaves_target_and_no_temp(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "r.txt").write_text("OLD\n")
    link = tmp_path / "r.txt"
    link.symlink_to(real / "r.txt")
    r = strata("--output", link, ":memory:", "select 1", "select nope")
    assert r.returncode == 1
    assert link.is_symlink() and (real / "r.txt").read_text() == "OLD\n"
    assert temp_files(tmp_path) == [] and temp_files(real) == []


def test_output_to_a_fifo_is_written_directly(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo).read()), daemon=True)
    reader.start()
    r = strata("--output", fifo, ":memory:", "select 'through the fifo'", timeout=30)
    reader.join(timeout=20)
    assert r.returncode == 0, r.stderr
    assert got == ["through the fifo\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the FIFO, not a file renamed over it
    assert temp_files(tmp_path) == []


def test_output_to_an_own_descriptor_writes_to_it_as_it_is(tmp_path):
    """`--output /dev/fd/1` (or /dev/stdout) is standard output itself: `>> log` keeps appending."""
    log = tmp_path / "log.txt"
    log.write_text("first\n")
    for n in range(2):
        with open(log, "a") as f:
            r = subprocess.run([str(CLI), "--output", "/dev/fd/1", ":memory:", f"select 'run {n}'"],
                               stdout=f, stderr=subprocess.PIPE, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
    assert log.read_text() == "first\nrun 0\nrun 1\n"


def test_output_to_a_directory_is_an_error(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (tmp_path / "to-d").symlink_to("d")
    for target in (d, tmp_path / "to-d"):
        r = strata("--output", target, ":memory:", "select 1")
        assert r.returncode == 1
        assert r.stderr == f"strata: {target}: is a directory\n"
        assert r.stdout == ""
    assert d.is_dir() and list(d.iterdir()) == []
    assert temp_files(tmp_path) == []


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


# ---- a statement that ignores the interrupt ------------------------------------------------------------

STUCK_C = r"""
#include <sqlite3ext.h>
#include <fcntl.h>
#include <unistd.h>
SQLITE_EXTENSION_INIT1
/* stuck(N, MARKER): creates the file MARKER, then sleeps N seconds, never asking whether it was
   interrupted (sleep() cut short by a signal just goes on sleeping). */
static void stuck(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int seconds = sqlite3_value_int(argv[0]);
    const char *marker = (const char *)sqlite3_value_text(argv[1]);
    if (marker) close(open(marker, O_WRONLY | O_CREAT, 0644));
    for (int i = 0; i < seconds; i++) sleep(1);
    sqlite3_result_int(ctx, seconds);
}
int sqlite3_stuck_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
    SQLITE_EXTENSION_INIT2(api);
    return sqlite3_create_function(db, "stuck", 2, SQLITE_UTF8, 0, stuck, 0, 0);
}
"""


@pytest.fixture(scope="module")
def stuck_extension(tmp_path_factory):
    """A SQLite extension (for `.load`) whose function stuck(N) cannot be interrupted."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.skip("no C compiler to build the test extension")
    d = tmp_path_factory.mktemp("stuck")
    (d / "stuck.c").write_text(STUCK_C)
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(d / "stuck.so"), str(d / "stuck.c")], check=True)
    return d / "stuck"


def start_stuck_run(tmp_path, out, extension):
    """A run whose second statement is stuck(): returns once that statement is running."""
    marker = tmp_path / "stuck-started"
    proc = start_long_run(tmp_path, out, "--cmd", f".load {extension}", query=f"select stuck(300, '{marker}')")
    deadline = time.monotonic() + 20
    while not marker.exists():
        assert time.monotonic() < deadline, "stuck() did not start"
        time.sleep(0.02)
    return proc


def shared_pending(pid):
    """The process's pending signals (ShdPnd of /proc/PID/status) as a bit mask."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("ShdPnd:"):
            return int(line.split()[1], 16)
    return 0


def test_timeout_ends_a_statement_that_ignores_the_interrupt(tmp_path, stuck_extension):
    """--timeout with --lock must never lock later runs out: 5 s after the interrupt the process exits 124
    anyway, its temporary file removed and the lock released."""
    out = tmp_path / "report.txt"
    out.write_text("OLD\n")
    lock = tmp_path / "job.lock"
    r = strata("--timeout", "1", "--lock", lock, "--output", out, "--cmd", f".load {stuck_extension}", ":memory:",
               "select 'partial';", f"select stuck(300, '{tmp_path / 'started'}')", timeout=120)
    assert r.returncode == 124
    assert r.stderr == "strata: --timeout of 1 s reached; the statement did not stop within 5 s — exiting\n"
    assert out.read_text() == "OLD\n"
    assert temp_files(tmp_path) == []
    again = strata("--lock", lock, ":memory:", "select 'the next run'")
    assert again.returncode == 0, again.stderr
    assert again.stdout == "the next run\n"


def test_sigterm_ends_a_statement_that_ignores_the_interrupt(tmp_path, stuck_extension):
    out = tmp_path / "report.txt"
    out.write_text("OLD\n")
    proc = start_stuck_run(tmp_path, out, stuck_extension)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143
    assert err == "strata: terminated; the statement did not stop within 5 s — exiting\n"
    assert out.read_text() == "OLD\n"
    assert temp_files(tmp_path) == []


def test_second_sigterm_ends_the_run_at_once(tmp_path, stuck_extension):
    out = tmp_path / "report.txt"
    out.write_text("OLD\n")
    proc = start_stuck_run(tmp_path, out, stuck_extension)
    proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    while shared_pending(proc.pid) & (1 << (signal.SIGTERM - 1)):  # the first one taken by the handler
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGTERM  # ended by the signal, not by the watchdog's 143 after 5 s
    assert out.read_text() == "OLD\n"
    assert temp_files(tmp_path) == []
