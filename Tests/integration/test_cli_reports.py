"""The shell and the report runner on a user's own work (issue 17, parts 2 and 3): `.report` and `.read` with
`-- @param` defaults, parameters without a value named, relative dates, identifier parameters, headings with
values, `-- @chart`, SQL as the first argument, no csv header for a failing statement, charts over time in
text and HTML, generate_series beside the sqlite3 shell's own, and path completion in the shell."""
import datetime as dt
import os
import re
import sqlite3
import subprocess

import pytest

from cli_support import strata
from conftest import LIB, ROOT, not_under_sanitizer

REPORT = """-- Errors per hour of a small table, by level.
-- @param since = 2026-11-20 00:00:00
-- @param level = ERROR
-- @param tbl = events (identifier)

create temp table if not exists events(ts text, level text);
delete from events;
insert into events values ('2026-11-20 01:10:00', 'ERROR'), ('2026-11-20 01:20:00', 'ERROR'),
  ('2026-11-20 04:05:00', 'ERROR'), ('2026-11-20 04:06:00', 'WARNING'), ('2026-11-20 07:00:00', 'ERROR');

-- # Overnight
-- ## {level} per hour since :since
{chart}select substr(ts, 1, 13) || ':00' as hour, count(*) as n from :tbl
where ts >= :since and level = :level group by hour order by hour;
"""


def write_report(tmp_path, chart="", name="r.sql"):
    path = tmp_path / name
    path.write_text(REPORT.replace("{level}", ":level").replace("{chart}", chart))
    return path


def test_sql_as_the_first_argument_runs_in_memory_and_creates_no_file(tmp_path):
    r = strata("select 6 * 7", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "42\n"
    assert list(tmp_path.iterdir()) == []
    r = strata("with t(x) as (select 1) select x from t", "select 2", cwd=tmp_path)
    assert r.stdout == "1\n2\n" and list(tmp_path.iterdir()) == []


def test_a_failing_statement_prints_no_csv_header():
    r = strata("--csv", ":memory:", "select 1 as a, abs(-9223372036854775807 - 1) as b")
    assert r.returncode == 1
    assert r.stdout == ""
    assert "integer overflow" in r.stderr
    r = strata("--csv", ":memory:", "select 1 as a where 0")  # a statement that succeeds with no rows
    assert r.stdout == "a\n"


def test_a_parameter_without_a_value_is_an_error_naming_it():
    r = strata(":memory:", "select :lang, :since")
    assert r.returncode == 1 and r.stdout == ""
    assert "no values for parameters :lang, :since" in r.stderr


def test_relative_dates_bind_as_local_iso_text():
    env = {"TZ": "UTC"}
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    r = strata("--param", "a=yesterday", "--param", "b=-6 hours", "--param", "c=today 06:30", "--param",
               "d='today'", ":memory:", "select :a, :b, :c, :d", env=env)
    after = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    assert r.returncode == 0, r.stderr
    a, b, c, d = r.stdout.strip().split("|")
    assert a in {(x - dt.timedelta(days=1)).strftime("%Y-%m-%d 00:00:00") for x in (before, after)}
    assert before - dt.timedelta(hours=6) <= dt.datetime.strptime(b, "%Y-%m-%d %H:%M:%S") <= after - dt.timedelta(hours=6)
    assert c in {x.strftime("%Y-%m-%d 06:30:00") for x in (before, after)}
    assert d == "today"


def test_report_heading_shows_values_and_identifier_is_quoted(tmp_path):
    path = write_report(tmp_path)
    r = strata("run", path, "--format", "markdown", "--param", "level=WARNING")
    assert r.returncode == 0, r.stderr
    assert "## WARNING per hour since 2026-11-20 00:00:00" in r.stdout
    r = strata("run", path, "--param", 'tbl=events"; drop table x; --')
    assert r.returncode == 1
    assert 'no such table: events"; drop table x; --' in r.stderr


def test_chart_directive_and_time_axis(tmp_path):
    auto = strata("run", write_report(tmp_path), "--format", "text").stdout
    # Counts over time: columns, hours without rows left as gaps on the axis (01, 04, 07: 7 hourly buckets).
    assert "n · 2026-11-20 01:00 → 2026-11-20 07:00 · per hour · max 2 at 2026-11-20 01:00" in auto
    assert "███         ███" in auto and "┬" in auto and "04:00" in auto
    line = strata("run", write_report(tmp_path, "-- @chart line\n"), "--format", "text").stdout
    # A line has gaps where hours have no rows: three lone points here, no bars.
    assert line.split("· per hour")[0].count("•") == 3 and "█" not in line
    none = strata("run", write_report(tmp_path, "-- @chart none\n"), "--format", "text").stdout
    assert "· per hour" not in none and "│ 2026-11-20 01:00 │ 2 │" in none
    html = strata("run", write_report(tmp_path, "-- @chart line\n"), "--format", "html").stdout
    assert html.count("<circle") == 3 and "<polyline" not in html and ">01:00<" in html  # points, gaps between
    html = strata("run", write_report(tmp_path), "--format", "html").stdout
    assert 'class="chart series"' in html and "<rect x=" in html
    bad = strata("run", write_report(tmp_path, "-- @chart pie\n"))
    assert bad.returncode == 1 and "unknown chart 'pie' (-- @chart none, bar or line)" in bad.stderr


def test_shell_report_and_read_with_defaults(tmp_path):
    path = write_report(tmp_path)
    r = strata(":memory:", input=f".report {path} level=WARNING\n")
    assert r.returncode == 0, r.stderr
    assert "WARNING per hour since 2026-11-20 00:00:00" in r.stdout and "Overnight" in r.stdout
    r = strata(":memory:", input=f".param set since '2026-11-20 04:00:00'\n.read {path}\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["2026-11-20", "04:00|1", "2026-11-20", "07:00|1"]  # the default level, the set since
    r = strata(":memory:", input=f".report {path} nope=1\n")
    assert r.returncode == 1 and "unknown parameter nope" in r.stderr
    # A file without defaults for what it uses stops before anything runs, naming every missing parameter.
    bare = tmp_path / "bare.sql"
    bare.write_text("create table ran(x);\nselect :a, :b;\n")
    r = strata(str(tmp_path / "t.db"), input=f".read {bare}\n")
    assert r.returncode == 1 and "missing parameters a, b" in r.stderr
    assert sqlite3.connect(tmp_path / "t.db").execute("select count(*) from sqlite_schema").fetchone()[0] == 0


def test_bundled_reports_run_twice_in_one_shell_session():
    lines = "".join(f".report sql/{r}.sql\n.report sql/{r}.sql\n" for r in ["search", "quality", "predictions", "drift"])
    r = strata(":memory:", input=lines)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("Semantic search\n") == 2 and r.stdout.count("Data quality\n") == 2


def test_generate_series_agrees_with_the_sqlite3_shell():
    cases = ["1, 10", "1, 10, 3", "10, 1", "1, 10, -3", "-5, 5, 2", "0, 0", "5, 20, 0", "1, null", "null, 5"]
    conn = sqlite3.connect(":memory:")
    conn.enable_load_extension(True)
    conn.load_extension(str(LIB))
    for c in cases:
        sql = f"select group_concat(value, ',') from generate_series({c})"
        shell = subprocess.run(["sqlite3", ":memory:", sql], capture_output=True, text=True).stdout.strip()
        ours = conn.execute(sql).fetchone()[0]
        assert (ours or "") == shell, c
    assert conn.execute("select count(*) from generate_series(1, 100000)").fetchone()[0] == 100000
    # stop is required here (sqlite3's defaults to 4294967295): a forgotten argument is an error, not 4e9 rows.
    with pytest.raises(sqlite3.OperationalError, match="generate_series: missing argument 'stop'"):
        conn.execute("select value from generate_series(1) limit 3").fetchall()
    # Loaded into the sqlite3 shell, which has its own, Strata leaves that one in place.
    r = subprocess.run(["sqlite3", ":memory:", f".load {LIB}", "select count(*) from strata_help where name = 'generate_series'"],
                       capture_output=True, text=True)
    assert r.stdout.strip() == "0", r.stderr


pexpect = pytest.importorskip("pexpect")


@not_under_sanitizer
def test_path_completion_in_quotes_and_after_read(tmp_path):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "app.log").write_text("2026-11-20 01:00:00,000 ERROR x: boom\n")
    (tmp_path / "report.sql").write_text("select 'read' as r;\n")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "TERM": "xterm"}
    child = pexpect.spawn(str(os.environ.get("STRATA_CLI", ROOT / ".build" / "release" / "strata-cli")), [":memory:"],
                          env=env, encoding="utf-8", dimensions=(40, 120), timeout=15, cwd=str(tmp_path))
    child.expect_exact("strata> ")
    # The screen is redrawn around a completion, so what it added is looked for, not the whole line.
    child.send("select count(*) as n from read_log('lo\t")
    child.expect_exact("gs/")
    child.send("ap\t")
    child.expect_exact(".log'")
    child.send(");\r")
    child.expect_exact("strata> ")
    assert re.search(r"│ +1 │", re.sub(r"\x1b\[[0-9;]*[A-Za-z]|\r", "", child.before))
    child.send(".read rep\t\r")
    child.expect_exact("strata> ")
    assert "read" in child.before
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
