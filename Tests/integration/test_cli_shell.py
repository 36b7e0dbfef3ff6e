"""The interactive shell driven through a pseudo-terminal (pexpect): prompts and multi-line statements,
Ctrl-C cancelling a running query without leaving the shell, Ctrl-C at the prompt, Ctrl-D, history kept
across sessions, tab completion, dot commands, and box tables cut to the terminal's width."""
import os
import re
import shutil
import sqlite3

import pytest

pexpect = pytest.importorskip("pexpect")

from conftest import CLI  # noqa: E402

PROMPT = "strata> "
LONG_QUERY = "with recursive r(i) as (select 1 union all select i + 1 from r) select count(*) from r;"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\r|\x07")


def clean(text):
    return ANSI.sub("", text)


@pytest.fixture
def home(tmp_path):
    h = tmp_path / "home"
    h.mkdir()
    return h


def spawn(home, *args, columns=120, cwd=None):
    env = {**os.environ, "HOME": str(home), "TERM": "xterm"}
    env.pop("COLUMNS", None)
    child = pexpect.spawn(str(CLI), list(map(str, args)), env=env, encoding="utf-8", dimensions=(40, columns),
                          timeout=15, cwd=cwd)
    child.expect_exact(PROMPT)
    return child


def run(child, line):
    """Types a line and returns what the shell printed before the next prompt."""
    child.sendline(line)
    child.expect_exact(PROMPT)
    out = clean(child.before)
    # Drop the echo of what was typed.
    return out.split("\n", 1)[1] if "\n" in out else ""


def quit_(child):
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_ctrl_d_typed_just_after_the_prompt_ends_the_shell(home):
    # libedit prints its prompt before it puts the terminal in raw mode, on the first character it reads; a
    # Ctrl-D typed in between met a terminal in line mode, where it is an end-of-file mark the switch drops,
    # and the shell sat at its prompt for good (once in CI, on a loaded machine). strace delays every
    # terminal ioctl by 0.1 s so the Ctrl-D always lands in that window (the previous build hangs here).
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed (scripts/setup.sh --with-python installs it)")
    env = {**os.environ, "HOME": str(home), "TERM": "xterm"}
    child = pexpect.spawn(strace, ["-f", "-o", "/dev/null", "-e", "inject=ioctl:delay_enter=100000", str(CLI), ":memory:"],
                          env=env, encoding="utf-8", dimensions=(40, 120), timeout=15)
    child.expect_exact(PROMPT)
    child.delaybeforesend = 0
    child.sendcontrol("d")
    child.expect(pexpect.EOF, timeout=10)
    child.close()
    assert child.exitstatus == 0


def test_banner_query_and_ctrl_d(home):
    child = spawn(home, ":memory:")
    out = run(child, "select 6 * 7 as answer;")
    assert "│ answer │" in out and "│     42 │" in out
    assert quit_(child) == 0


def test_multi_line_statement_runs_at_semicolon(home):
    child = spawn(home, ":memory:")
    child.sendline("select 1 +")
    child.expect_exact("...> ")
    child.sendline("  2")
    child.expect_exact("...> ")
    child.sendline("  as three;")
    child.expect_exact(PROMPT)
    assert "│     3 │" in clean(child.before)
    quit_(child)


def test_ctrl_c_cancels_running_query_and_shell_stays(home):
    child = spawn(home, ":memory:")
    child.sendline(LONG_QUERY)
    child.expect_exact("(Ctrl-C cancels)")  # the progress line, once the query has run for a second
    child.sendintr()
    child.expect_exact("strata: interrupted")
    child.expect_exact(PROMPT)
    out = run(child, "select 'still here';")
    assert "still here" in out
    assert quit_(child) == 0


def test_ctrl_c_at_prompt_drops_partial_input(home):
    child = spawn(home, ":memory:")
    child.sendline("select 'half")
    child.expect_exact("...> ")
    child.sendintr()
    child.expect_exact(PROMPT)
    out = run(child, "select 'fresh';")
    assert "fresh" in out and "half" not in out
    quit_(child)


def test_history_persists_across_sessions(home):
    child = spawn(home, ":memory:")
    run(child, "select 'remembered' as r;")
    quit_(child)
    assert (home / ".strata_history").exists()
    child = spawn(home, ":memory:")
    child.send("\x1b[A")  # Up: the previous session's statement comes back
    child.send("\r")
    child.expect_exact(PROMPT)
    assert "remembered" in clean(child.before)
    quit_(child)


def test_tab_completion_of_tables_columns_and_functions(home, tmp_path):
    db = tmp_path / "c.db"
    conn = sqlite3.connect(db)
    conn.execute("create table measurements(temperature real, station text)")
    conn.execute("insert into measurements values (21.5, 'north')")
    conn.commit()
    conn.close()
    child = spawn(home, db)
    child.send("select temper\t from measu\t;\r")
    child.expect_exact(PROMPT)
    out = clean(child.before)
    assert "temperature" in out and "21.5" in out
    child.send("select vec_di\t'[1,2,3]') as d;\r")
    child.expect_exact(PROMPT)
    out = clean(child.before)
    assert "vec_dims('[1,2,3]')" in out and "│ 3 │" in out
    child.send(".tab\t\r")
    child.expect_exact(PROMPT)
    assert "measurements" in clean(child.before)
    quit_(child)


def test_dot_commands(home, tmp_path):
    child = spawn(home, ":memory:")
    assert ".functions" in run(child, ".help")
    run(child, "create table t(a integer primary key, b text); create index t_b on t(b);")
    run(child, "insert into t(b) values ('x'), ('y');")
    assert run(child, ".tables").strip() == "t"
    assert "CREATE TABLE t(a integer primary key, b text);" in run(child, ".schema t")
    assert run(child, ".indexes").strip() == "t_b"
    functions = run(child, ".functions vec")
    assert "vec_norm" in functions and "Euclidean length" in functions
    assert "QUERY PLAN" in run(child, ".explain select * from t where b = 'x'")
    assert "USING COVERING INDEX t_b" in run(child, ".explain select b from t where b = 'x'")
    run(child, ".param set lim 1")
    assert run(child, ".param list").strip() == ":lim = 1"
    run(child, ".mode csv")
    assert run(child, "select a, b from t order by a limit :lim;").strip() == "a,b\n1,x"
    run(child, ".headers off")
    assert run(child, "select count(*) from t;").strip() == "2"
    out_file = tmp_path / "once.txt"
    run(child, f".once {out_file}")
    assert run(child, "select 'to file';").strip() == ""
    assert out_file.read_text() == "to file\n"
    assert run(child, "select 'back';").strip() == "back"
    script = tmp_path / "s.sql"
    script.write_text(".mode list\nselect 'from script';\n")
    assert run(child, f".read {script}").strip() == "from script"
    run(child, ".timer on")
    assert "Run Time: real" in run(child, "select 1;")
    run(child, ".timer off")
    other = tmp_path / "other.db"
    run(child, f".open {other}")
    run(child, "create table fresh(x);")
    assert run(child, ".tables").strip() == "fresh"
    assert "unknown command" in run(child, ".frobnicate")
    child.sendline(".quit")
    child.expect(pexpect.EOF)


def test_bar_mode_in_shell(home):
    child = spawn(home, ":memory:")
    run(child, ".mode bar")
    out = run(child, "select 'a' as k, 1 as n union all select 'b', 2;")
    assert "█" in out
    quit_(child)


def test_load_refuses_strata_and_reports_missing_files(home):
    child = spawn(home, ":memory:")
    assert "built into this shell" in run(child, ".load ./libstrata")
    out = run(child, ".load /nonexistent/ext.so")
    assert out.startswith("strata: ") and "nonexistent" in out
    quit_(child)


def test_headers_bold_on_terminal_unless_no_color(home):
    child = spawn(home, ":memory:")
    child.sendline("select 1 as n;")
    child.expect_exact(PROMPT)
    assert "\x1b[1mn\x1b[0m" in child.before
    quit_(child)
    env_home = home
    os.environ["NO_COLOR"] = "1"
    try:
        child = spawn(env_home, ":memory:")
    finally:
        del os.environ["NO_COLOR"]
    child.sendline("select 1 as n;")
    child.expect_exact(PROMPT)
    assert "\x1b[1m" not in child.before
    quit_(child)


def test_box_cut_to_terminal_width(home):
    child = spawn(home, ":memory:", columns=60)
    out = run(child, "select 1 as id, printf('%.200c', 'x') as wide, 'short' as s;")
    lines = [l for l in out.splitlines() if l.startswith(("┌", "│", "└", "├"))]
    assert lines and all(len(l) <= 60 for l in lines)
    assert "…" in out and "short" in out
    child.setwinsize(40, 100)  # a resized window: the next table uses the new width
    out = run(child, "select 1 as id, printf('%.200c', 'x') as wide, 'short' as s;")
    lines = [l for l in out.splitlines() if l.startswith(("┌", "│", "└", "├"))]
    assert max(len(l) for l in lines) == 100
    quit_(child)


def test_progress_line_shows_how_far_a_log_scan_has_come(home, tmp_path):
    log = tmp_path / "big.log"
    with open(log, "w") as f:
        for i in range(100_000):
            f.write(f"2026-11-20 02:{i // 60 % 60:02}:{i % 60:02},000 [INFO] job: step {i} of a long night\n")
    size_mb = log.stat().st_size >> 20
    child = spawn(home, ":memory:", cwd=tmp_path)
    # Slow per record (a correlated subquery), so the scan is still going when the progress line appears.
    child.sendline("select count(*) from read_log('big.log') r "
                   "where (with recursive c(x) as (select 1 union all select x + 1 from c where x < 2000 + r.line * 0) "
                   "select count(*) from c) > 0;")
    child.expect(r"big\.log \d+% \(\S+ \S+ of " + str(size_mb) + r" MB\)")
    child.sendintr()
    child.expect_exact("strata: interrupted")
    child.expect_exact(PROMPT)
    assert quit_(child) == 0
