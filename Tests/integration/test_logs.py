"""read_log / log_file / log_formats against logs written by Python's own `logging` module (logs_fixtures.py).

Every expected value — counts per level, per logger, per time window, the exact text of records — comes from what
logging itself reported while writing the file, never from Strata.
"""
import calendar
import collections
import gzip
import json
import os
import sqlite3
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import logs_fixtures as fx  # noqa: E402
from conftest import connect, error_of  # noqa: E402

AUTO_FORMATS = [
    "%(asctime)s [%(levelname)s] %(name)s: %(message)s",
    "%(asctime)s - %(name)s - %(levelname)s - %(message)s",
    "%(levelname)s:%(name)s:%(message)s",  # logging.BASIC_FORMAT, Python's default
]


def rows(db, sql, params=()):
    return db.execute(sql, params).fetchall()


def by(seq, key):
    return dict(collections.Counter(key(e) for e in seq))


@pytest.mark.parametrize("fmt", AUTO_FORMATS)
def test_auto_detected_python_formats_match_logging(db, tmp_path, fmt):
    path = tmp_path / "app.log"
    exp = fx.write_python_log(path, fmt, records=500)
    got = rows(db, "SELECT line, ts, level, logger, message, detail, raw FROM read_log(?) ORDER BY line", (str(path),))
    assert len(got) == len(exp)
    for g, e in zip(got, exp):
        assert g == (e.line, e.ts, e.level, e.logger, e.message, e.detail, e.raw)
    assert dict(rows(db, "SELECT level, count(*) FROM read_log(?) GROUP BY level", (str(path),))) == by(exp, lambda e: e.level)
    assert dict(rows(db, "SELECT logger, count(*) FROM read_log(?) GROUP BY 1", (str(path),))) == by(exp, lambda e: e.logger)
    # Tracebacks from logger.exception are the detail of their record.
    tracebacks = [e for e in exp if e.detail and e.detail.startswith("Traceback")]
    assert tracebacks
    assert rows(db, "SELECT count(*) FROM read_log(?) WHERE detail LIKE 'Traceback%'", (str(path),))[0][0] == len(tracebacks)
    fmt_row = rows(db, "SELECT format, kind, matched_lines FROM log_formats(?)", (str(path),))[0]
    assert fmt_row[0] == fmt and fmt_row[1] == "python" and fmt_row[2] > 0


def test_explicit_format_with_datefmt_and_other_attributes(db, tmp_path):
    fmt = "%(asctime)s.%(msecs)03d %(levelname)-8s %(name)s [%(process)d] %(funcName)s:%(lineno)d %(message)s"
    datefmt = "%Y-%m-%dT%H:%M:%S"
    path = tmp_path / "x.log"
    exp = fx.write_python_log(path, fmt, datefmt=datefmt, records=300)
    got = rows(db, "SELECT ts, level, logger, pid, message, detail, fields FROM read_log(?, ?, ?) ORDER BY line",
               (str(path), fmt, datefmt))
    assert len(got) == len(exp)
    for g, e in zip(got, exp):
        assert g[:6] == (e.ts, e.level, e.logger, e.pid, e.message, e.detail)
        assert json.loads(g[6]) == e.extra


def test_brace_style_format(db, tmp_path):
    fmt = "{asctime} {levelname:<8} {name}: {message}"
    path = tmp_path / "b.log"
    exp = fx.write_python_log(path, fmt, style="{", records=200)
    got = rows(db, "SELECT ts, level, logger, message FROM read_log(?, ?) ORDER BY line", (str(path), fmt))
    assert got == [(e.ts, e.level, e.logger, e.message) for e in exp]


def test_time_windows_by_binary_search_match_logging(db, tmp_path):
    path = tmp_path / "w.log"
    exp = fx.write_python_log(path, "%(asctime)s [%(levelname)s] %(name)s: %(message)s", records=3000)
    ts = [e.ts for e in exp]
    windows = [(ts[100], ts[900]), (ts[0], ts[-1]), (ts[1500][:13], ts[1700][:16]), ("2000", "2001"),
               (ts[2999], "9999"), (ts[42], ts[42])]
    for lo, hi in windows:
        want = sum(1 for t in ts if lo <= t < hi)
        assert rows(db, "SELECT count(*) FROM read_log(?) WHERE ts >= ? AND ts < ?", (str(path), lo, hi))[0][0] == want
        want_err = sum(1 for e in exp if lo <= e.ts <= hi and e.level == "ERROR")
        assert rows(db, "SELECT count(*) FROM read_log(?) WHERE ts BETWEEN ? AND ? AND level = 'ERROR'",
                    (str(path), lo, hi))[0][0] == want_err
        assert rows(db, "SELECT count(*) FROM read_log(?) WHERE ts > ?", (str(path), lo))[0][0] == sum(t > lo for t in ts)
        assert rows(db, "SELECT count(*) FROM read_log(?) WHERE ts <= ?", (str(path), hi))[0][0] == sum(t <= hi for t in ts)
    assert rows(db, "SELECT line, raw FROM read_log(?) WHERE ts = ?", (str(path), ts[2000])) == \
        [(exp[2000].line, exp[2000].raw)]
    plan = " ".join(str(r) for r in rows(db, "EXPLAIN QUERY PLAN SELECT * FROM read_log(?) WHERE ts >= ? AND level = 'ERROR'",
                                         (str(path), ts[5])))
    assert "search ts>=? AND level=?" in plan


def test_unordered_file_still_answers_time_windows(db, tmp_path):
    path = tmp_path / "u.log"
    # 30 hours back in time at record 1200: a binary search alone would miss rows.
    exp = fx.write_python_log(path, "%(asctime)s [%(levelname)s] %(name)s: %(message)s", records=2000, disorder_at=1200)
    ts = [e.ts for e in exp]
    assert ts != sorted(ts)
    for lo, hi in [(ts[1100], ts[1300]), (ts[1250], ts[1900]), (ts[10], ts[1199]), (ts[1201], ts[1210])]:
        want = sorted(t for t in ts if lo <= t < hi)
        got = sorted(r[0] for r in rows(db, "SELECT ts FROM read_log(?) WHERE ts >= ? AND ts < ?", (str(path), lo, hi)))
        assert got == want


def test_level_in_and_path_pushdown(db, tmp_path):
    fmt = "%(asctime)s [%(levelname)s] %(name)s: %(message)s"
    a = fx.write_python_log(tmp_path / "a.log", fmt, records=400, seed=1)
    b = fx.write_python_log(tmp_path / "b.log", fmt, records=300, seed=2)
    glob = str(tmp_path / "*.log")
    want = sum(e.level in ("ERROR", "CRITICAL") for e in a + b)
    assert rows(db, "SELECT count(*) FROM read_log(?) WHERE level IN ('ERROR', 'CRITICAL')", (glob,))[0][0] == want
    # Another collation is SQLite's business: the scan's test is only a pre-filter.
    assert rows(db, "SELECT count(*) FROM read_log(?) WHERE level = 'error' COLLATE NOCASE", (glob,))[0][0] == \
        sum(e.level == "ERROR" for e in a + b)
    assert rows(db, "SELECT count(*) FROM read_log(?) WHERE level = 'error'", (glob,))[0][0] == 0
    assert rows(db, "SELECT count(*) FROM read_log(?) WHERE path = ?", (glob, str(tmp_path / "b.log")))[0][0] == len(b)
    assert [r[0] for r in rows(db, "SELECT DISTINCT path FROM read_log(?)", (glob,))] == \
        [str(tmp_path / "a.log"), str(tmp_path / "b.log")]


def test_gzip_rotated_files_read_transparently(db, tmp_path):
    fmt = "%(asctime)s [%(levelname)s] %(name)s: %(message)s"
    old = fx.write_python_log(tmp_path / "app.log.1", fmt, records=250, seed=3)
    fx.gzip_copy(tmp_path / "app.log.1", tmp_path / "app.log.1.gz")
    os.remove(tmp_path / "app.log.1")
    new = fx.write_python_log(tmp_path / "app.log", fmt, records=150, seed=4)
    got = rows(db, "SELECT path, level, count(*) FROM read_log(?) GROUP BY 1, 2", (str(tmp_path / "app.log*"),))
    want = {(str(tmp_path / "app.log"), k): v for k, v in by(new, lambda e: e.level).items()}
    want.update({(str(tmp_path / "app.log.1.gz"), k): v for k, v in by(old, lambda e: e.level).items()})
    assert {(p, l): n for p, l, n in got} == want
    # Time windows on a gzip stream: scanned, same answer.
    lo, hi = old[50].ts, old[120].ts
    assert rows(db, "SELECT count(*) FROM read_log(?) WHERE ts >= ? AND ts < ?", (str(tmp_path / "app.log.1.gz"), lo, hi))[0][0] == \
        sum(lo <= e.ts < hi for e in old)


def test_crlf_line_ends(db, tmp_path):
    path = tmp_path / "crlf.log"
    exp = fx.write_python_log(path, "%(asctime)s [%(levelname)s] %(name)s: %(message)s", records=200, terminator="\r\n")
    # The traceback inside a record keeps logging's "\n"; records end with "\r\n".
    got = rows(db, "SELECT message, detail, raw FROM read_log(?) ORDER BY line", (str(path),))
    assert got == [(e.message, e.detail, e.raw) for e in exp]


def test_invalid_utf8_is_replaced_not_fatal(db, tmp_path):
    path = tmp_path / "bad.log"
    path.write_bytes(b"2026-11-20 02:00:01,123 [ERROR] trainer: bad \xff\xfe bytes\n"
                     b"2026-11-20 02:00:02,000 [INFO] trainer: fine\n  cont \xc3\n")
    got = rows(db, "SELECT level, message, detail FROM read_log(?)", (str(path),))
    assert got == [("ERROR", "bad \ufffd\ufffd bytes", None), ("INFO", "fine", "  cont \ufffd")]


def test_ten_megabyte_single_line(db, tmp_path):
    path = tmp_path / "big.log"
    big = "x" * (10 << 20)
    fmt = "%(asctime)s [%(levelname)s] %(name)s: %(message)s"
    exp = fx.write_python_log(path, fmt, records=3, seed=9, exception_rate=0, multiline_rate=0)
    with open(path, "a") as f:
        f.write(f"2026-11-20 02:00:01,123 [WARNING] big: {big}\n")
    got = rows(db, "SELECT level, length(message), line FROM read_log(?) ORDER BY line", (str(path),))
    assert got[-1] == ("WARNING", len(big), exp[-1].line + 1)
    assert len(got) == 4


def test_last_line_without_newline(db, tmp_path):
    path = tmp_path / "nonl.log"
    exp = fx.write_python_log(path, "%(asctime)s [%(levelname)s] %(name)s: %(message)s", records=50)
    data = path.read_bytes()
    path.write_bytes(data.rstrip(b"\n"))
    got = rows(db, "SELECT raw FROM read_log(?) ORDER BY line", (str(path),))
    assert [g[0] for g in got] == [e.raw for e in exp]


def test_file_appended_while_reading_stops_at_size_at_open(tmp_path):
    path = tmp_path / "grow.log"
    fmt = "%(asctime)s [%(levelname)s] %(name)s: %(message)s"
    exp = fx.write_python_log(path, fmt, records=3000, exception_rate=0, multiline_rate=0)
    db = connect()
    cur = db.execute("SELECT line FROM read_log(?)", (str(path),))
    first = cur.fetchmany(10)
    with open(path, "a") as f:
        for i in range(500):
            f.write(f"2030-01-01 00:00:00,000 [INFO] late: appended {i}\n")
    rest = cur.fetchall()
    assert len(first) + len(rest) == len(exp)
    assert rows(db, "SELECT count(*) FROM read_log(?)", (str(path),))[0][0] == len(exp) + 500


def test_missing_file_and_empty_glob_name_the_path(db, tmp_path):
    msg = error_of(db, "SELECT * FROM read_log(?)", (str(tmp_path / "nope.log"),))
    assert msg.startswith("read_log: cannot open '") and "nope.log" in msg and "No such file" in msg
    msg = error_of(db, "SELECT * FROM read_log(?)", (str(tmp_path / "*.nothing"),))
    assert msg.startswith("read_log: no files match '") and "*.nothing" in msg
    msg = error_of(db, "SELECT * FROM read_log()")
    assert msg.startswith("read_log: missing argument 'files'")
    msg = error_of(db, "SELECT * FROM read_log() WHERE level = 'ERROR' OR detail IS NOT NULL")
    assert msg.startswith("read_log: missing argument 'files'")


def test_or_of_columns_in_where(db, tmp_path):
    """SQLite plans OR branches separately, without the table function's arguments: still one answer."""
    log = tmp_path / "or.log"
    log.write_text("2026-11-20 02:00:01,123 [ERROR] a: boom\nTraceback (most recent call last):\n  x\n"
                   "2026-11-20 02:00:02,123 [INFO] a: fine\n2026-11-20 02:00:03,123 [WARNING] a: hmm\n")
    rows = db.execute("SELECT line FROM read_log(?) WHERE message LIKE '%hmm%' OR detail IS NOT NULL ORDER BY line",
                      (str(log),)).fetchall()
    assert rows == [(1,), (5,)]


def test_text_no_format_fits_is_read_one_row_per_line(db, tmp_path):
    path = tmp_path / "notes.txt"
    lines = ["just some text", "ERROR: with a level", "2026-11-20T02:00:01 and a time", "[warn] bracketed", "at all"]
    path.write_text("\n".join(lines) + "\n")
    assert rows(db, "SELECT line, ts, level, message, raw FROM read_log(?)", (str(path),)) == [
        (1, None, None, "just some text", lines[0]),
        (2, None, "ERROR", "with a level", lines[1]),
        (3, "2026-11-20 02:00:01.000", None, "and a time", lines[2]),
        (4, None, "WARNING", "bracketed", lines[3]),
        (5, None, None, "at all", lines[4])]
    (fmt, kind, sampled, matched, warning), = rows(db, "SELECT format, kind, sampled_lines, matched_lines, warning "
                                                   "FROM log_formats(?)", (str(path),))
    assert (fmt, kind, sampled, matched) == ("lines", "lines", 5, 0) and warning.endswith(": one row per line")
    # The reported format passed back gives the same rows.
    assert rows(db, "SELECT * FROM read_log(?, 'lines')", (str(path),)) == rows(db, "SELECT * FROM read_log(?)", (str(path),))
    # An explicit format nothing fits is still an error naming the file.
    msg = error_of(db, "SELECT * FROM read_log(?, 'jsonl')", (str(path),))
    assert msg.startswith("read_log: no line among the 5 sampled") and "notes.txt" in msg


def test_bad_formats_are_errors(db, tmp_path):
    path = tmp_path / "a.log"
    path.write_text("x\n")
    assert error_of(db, "SELECT * FROM read_log(?, 'nonsense')", (str(path),)).startswith("read_log: unknown format 'nonsense'")
    assert "needs a conversion" in error_of(db, "SELECT * FROM read_log(?, '%(message)')", (str(path),))
    assert "not valid" in error_of(db, "SELECT * FROM read_log(?, 'regex:(?<message>')", (str(path),))
    assert "unsupported directive" in error_of(db, "SELECT * FROM read_log(?, '%(asctime)s %(message)s', '%Q')", (str(path),))


def test_directonly_refused_in_views_and_triggers(tmp_path):
    path = tmp_path / "a.log"
    fx.write_python_log(path, "%(asctime)s [%(levelname)s] %(name)s: %(message)s", records=10)
    db = connect(str(tmp_path / "x.db"))
    db.execute(f"CREATE VIEW v AS SELECT * FROM read_log('{path}')")
    db.execute(f"CREATE VIRTUAL TABLE app USING log_file('{path}')")
    db.execute("CREATE VIEW w AS SELECT * FROM app")
    assert "unsafe use of" in error_of(db, "SELECT count(*) FROM v")
    assert "unsafe use of" in error_of(db, "SELECT count(*) FROM w")
    assert rows(db, "SELECT count(*) FROM app")[0][0] == 10
    db.execute("CREATE TABLE t(x)")
    db.execute(f"CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT count(*) FROM log_formats('{path}'); END")
    assert "unsafe use of" in error_of(db, "INSERT INTO t VALUES (1)")


def test_log_file_table_with_format_and_schema_comments(db, tmp_path):
    fmt = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
    exp = fx.write_python_log(tmp_path / "a.log", fmt, records=120)
    db.execute(f"CREATE VIRTUAL TABLE app USING log_file('{tmp_path}/*.log', '{fmt}')")
    assert dict(rows(db, "SELECT level, count(*) FROM app GROUP BY 1")) == by(exp, lambda e: e.level)
    cols = [r[1] for r in rows(db, "PRAGMA table_info(app)")]
    assert cols == ["path", "line", "ts", "level", "logger", "pid", "message", "detail", "raw", "fields",
                    "exc_type", "exc_message", "exc_chain", "problem", "ts_utc"]
    assert "log_file: unknown format" in error_of(db, "CREATE VIRTUAL TABLE bad USING log_file('x.log', 'zz')")


def test_json_lines_iso_and_epoch(db, tmp_path):
    for epoch in (False, True):
        path = tmp_path / f"j{int(epoch)}.jsonl"
        exp = fx.write_json_log(path, epoch_ms=epoch, seed=11 + epoch)
        got = rows(db, "SELECT ts, level, logger, message, fields FROM read_log(?) ORDER BY line", (str(path),))
        assert len(got) == len(exp)
        for g, e in zip(got, exp):
            assert g[:4] == (e.ts, e.level, e.logger, e.message)
            doc = json.loads(e.raw)
            rest = {k: v for k, v in doc.items() if k not in ("ts", "timestamp", "level", "logger", "message")}
            assert json.loads(g[4]) == rest
        assert rows(db, "SELECT kind FROM log_formats(?)", (str(path),)) == [("jsonl",)]


def test_syslog_rfc3164_year_from_mtime_rolls_back(db, tmp_path):
    path = tmp_path / "syslog"
    # Records from 2026-12-30 into January 2027; the file was last written in January 2027.
    start = calendar.timegm((2026, 12, 31, 12, 0, 0))
    exp = fx.write_syslog_3164(path, records=400, start=start)
    last = calendar.timegm(time.strptime(exp[-1].ts[:19], "%Y-%m-%d %H:%M:%S")) + 60
    os.utime(path, (last, last))
    got = rows(db, "SELECT ts, logger, pid, message, fields FROM read_log(?) ORDER BY line", (str(path),))
    assert [g[:4] for g in got] == [(e.ts, e.logger, e.pid, e.message) for e in exp]
    assert {json.loads(g[4])["host"] for g in got} == {"mlbox"}
    years = {g[0][:4] for g in got}
    assert years == {"2026", "2027"}
    assert rows(db, "SELECT kind FROM log_formats(?)", (str(path),)) == [("rfc3164",)]


def test_syslog_rfc3164_leap_day_in_a_common_mtime_year(db, tmp_path):
    """A Feb 29 line of a file last written in 2025 is a record of 2024-02-29 (the latest year up to the file's
    in which the date exists), not a continuation of the line before; cron_history places it alike."""
    path = tmp_path / "syslog"
    path.write_text("Feb 28 23:59:00 web1 app[7]: before\n"
                    "Feb 29 00:00:01 web1 app[7]: leap day\n"
                    "Mar  1 00:00:02 web1 app[7]: after\n")
    t = time.mktime((2025, 7, 1, 12, 0, 0, 0, 0, -1))  # local time, as read_log reads the mtime
    os.utime(path, (t, t))
    got = rows(db, "SELECT line, ts, message, detail FROM read_log(?, 'syslog') ORDER BY line", (str(path),))
    assert got == [(1, "2025-02-28 23:59:00.000", "before", None), (2, "2024-02-29 00:00:01.000", "leap day", None),
                   (3, "2025-03-01 00:00:02.000", "after", None)]
    assert rows(db, "SELECT kind FROM log_formats(?)", (str(path),)) == [("rfc3164",)]
    assert rows(db, "SELECT count(*) FROM read_log(?) WHERE ts LIKE '2024-02-29%'", (str(path),)) == [(1,)]


def test_syslog_rfc5424_and_rsyslog_iso(db, tmp_path):
    path = tmp_path / "s5424.log"
    exp = fx.write_syslog_5424(path)
    got = rows(db, "SELECT ts, level, logger, pid, message, fields FROM read_log(?) ORDER BY line", (str(path),))
    for g, e in zip(got, exp):
        assert g[:5] == (e.ts, e.level, e.logger, e.pid, e.message)
        f = json.loads(g[5])
        assert {k: f[k] for k in ("facility", "host", "msgid")} == e.extra
    assert len(got) == len(exp)
    iso = tmp_path / "iso.log"
    iso.write_text("2026-11-20T02:00:01.123456+01:00 gpu-1 trainer[77]: started\n"
                   "2026-11-20T02:00:02.5+01:00 gpu-1 kernel: oom\n")
    assert rows(db, "SELECT ts, logger, pid, message FROM read_log(?, 'rsyslog')", (str(iso),)) == [
        ("2026-11-20 02:00:01.123", "trainer", 77, "started"), ("2026-11-20 02:00:02.500", "kernel", None, "oom")]


def test_regex_format_with_named_groups(db, tmp_path):
    path = tmp_path / "r.log"
    path.write_text("[20/11/2026 02:00:01] E trainer#12: boom\n  at line 3\n[20/11/2026 02:00:02] W api#9: slow\n")
    got = rows(db, r"SELECT ts, level, logger, pid, message, detail, fields FROM read_log(?, "
                   r"'regex:^\[(?<ts>[^\]]+)\] (?<sev>\w) (?<logger>\w+)#(?<pid>\d+): (?<message>.*)$', '%d/%m/%Y %H:%M:%S')",
               (str(path),))
    assert got == [("2026-11-20 02:00:01.000", None, "trainer", 12, "boom", "  at line 3", '{"sev":"E"}'),
                   ("2026-11-20 02:00:02.000", None, "api", 9, "slow", None, '{"sev":"W"}')]


def test_level_aliases_are_normalised(db, tmp_path):
    path = tmp_path / "lv.log"
    names = ["WARN", "FATAL", "err", "Notice", "trace", "warning", "CRIT", "EMERGENCY", "Level 5"]
    path.write_text("".join(f"2026-11-20 02:00:0{i},000 [{n}] x: m{i}\n" for i, n in enumerate(names)))
    got = [r[0] for r in rows(db, "SELECT level FROM read_log(?, '%(asctime)s [%(levelname)s] %(name)s: %(message)s')",
                               (str(path),))]
    assert got == ["WARNING", "CRITICAL", "ERROR", "INFO", "DEBUG", "WARNING", "CRITICAL", "CRITICAL", "Level 5"]


def test_grouped_by_level_without_sorting_matches_logging(db, tmp_path):
    path = tmp_path / "g.log"
    path.write_text("stray line before any record\n")
    exp = fx.write_python_log(tmp_path / "body.log", "%(asctime)s [%(levelname)s] %(name)s: %(message)s", records=800)
    with open(path, "a") as f, open(tmp_path / "body.log") as b:
        f.write(b.read())
    f = str(path)
    want = by(exp, lambda e: e.level)
    want[None] = 1  # the stray line is a record of its own, without a level
    plan = rows(db, "EXPLAIN QUERY PLAN SELECT level, count(*) FROM read_log(?) GROUP BY level", (f,))
    assert "(grouped by level)" in str(plan)
    assert dict(rows(db, "SELECT level, count(*) FROM read_log(?) GROUP BY level", (f,))) == want
    assert rows(db, "SELECT level, count(*) FROM read_log(?) GROUP BY level ORDER BY level DESC", (f,)) == \
        sorted(want.items(), key=lambda kv: (kv[0] is not None, kv[0] or ""), reverse=True)
    assert [r[0] for r in rows(db, "SELECT level FROM read_log(?) ORDER BY level", (f,))] == \
        [None] + sorted(e.level for e in exp)
    assert rows(db, "SELECT count(*) FROM read_log(?) WHERE level IN ('ERROR', 'INFO') GROUP BY level ORDER BY level", (f,)) == \
        [(want["ERROR"],), (want["INFO"],)]
    lo, hi = exp[100].ts, exp[500].ts
    window = by([e for e in exp if lo <= e.ts < hi], lambda e: e.level)
    assert dict(rows(db, "SELECT level, count(*) FROM read_log(?) WHERE ts >= ? AND ts < ? GROUP BY level", (f, lo, hi))) == window


def test_grouped_rows_handed_out_as_runs(db, tmp_path):
    """The grouped rows of a level come from the module's C callbacks as one run: every row is still there, with
    its own rowid, and a scan stopped or restarted inside a run gives the same rows as a full one."""
    path = tmp_path / "runs.log"
    exp = fx.write_python_log(path, "%(asctime)s [%(levelname)s] %(name)s: %(message)s", records=600)
    f = str(path)
    want = by(exp, lambda e: e.level)
    got = rows(db, "SELECT level, count(*), count(DISTINCT rowid), min(rowid), max(rowid) FROM read_log(?) "
                   "GROUP BY level ORDER BY level", (f,))
    assert [(g[0], g[1]) for g in got] == sorted(want.items())
    assert all(g[1] == g[2] for g in got)
    # The rowids count up across the groups: 0 .. N - 1 in all.
    assert got[0][3] == 0 and max(g[4] for g in got) == len(exp) - 1
    # A LIMIT that ends inside a run, then the whole scan again on the same connection.
    first = max(want, key=want.get)
    n = want[first] // 2
    assert rows(db, "SELECT count(*) FROM (SELECT level FROM read_log(?) WHERE level = ? GROUP BY level, rowid "
                    "LIMIT ?)", (f, first, n)) == [(n,)]
    assert dict(rows(db, "SELECT level, count(*) FROM read_log(?) GROUP BY level", (f,))) == want
    # The grouped scan as the inner loop of a join, restarted for every outer row.
    assert rows(db, "SELECT v, count(*) FROM (SELECT 1 AS v UNION ALL SELECT 2) JOIN "
                    "(SELECT level, count(*) AS c FROM read_log(?) GROUP BY level) GROUP BY v", (f,)) == \
        [(1, len(want)), (2, len(want))]
    assert rows(db, "SELECT sum(c) FROM (SELECT level, count(*) AS c FROM read_log(?) GROUP BY level)", (f,)) == \
        [(len(exp),)]

def _log_through(path, fmt, datefmt, calls, converter=time.gmtime):
    """Writes `calls` [(level, msg, exc)] through a real logging.Logger; returns what logging reported per record."""
    import logging
    formatter = logging.Formatter(fmt, datefmt=datefmt)
    formatter.converter = converter
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(formatter)
    truth = []

    class Truth(logging.Handler):
        def emit(self, record):
            truth.append((record.levelname, record.name, record.getMessage().split("\n")[0],
                          formatter.format(record)))

    lg = logging.getLogger("app.iso")
    lg.handlers[:] = [handler, Truth()]
    lg.propagate = False
    lg.setLevel(logging.DEBUG)
    for level, msg, exc in calls:
        if exc:
            try:
                int("x")
            except ValueError:
                lg.log(level, msg, exc_info=True)
        else:
            lg.log(level, msg)
    handler.close()
    lg.handlers[:] = []
    return truth


ISO_CALLS = [(20, "Starting run", False), (20, "https://example.com/data fetched", False),
             (40, "step failed", True), (30, "disk at 91%", False), (40, "value: bad", False),
             (20, "done", False)] * 10


@pytest.mark.parametrize("datefmt", ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ",
                                     "%Y-%m-%d %H:%M:%S%z"])
@pytest.mark.parametrize("fmt", ["%(asctime)s %(levelname)s %(name)s: %(message)s",
                                 "%(asctime)s %(levelname)s %(message)s"])
def test_iso_asctime_is_read_as_python_logging_not_syslog(db, tmp_path, fmt, datefmt):
    """Issue 13: `2026-11-20T01:00:05+0000 INFO __main__: ...` was read as rsyslog (level NULL, host INFO)."""
    path = tmp_path / "iso.log"
    truth = _log_through(path, fmt, datefmt, ISO_CALLS)
    got = rows(db, "SELECT level, logger, message FROM read_log(?) ORDER BY line", (str(path),))
    want_logger = (lambda n: n) if "%(name)s" in fmt else (lambda n: None)
    assert got == [(lv, want_logger(n), m) for lv, n, m, _ in truth]
    assert rows(db, "SELECT count(*) FROM read_log(?) WHERE level = 'ERROR'", (str(path),))[0][0] == \
        sum(t[0] == "ERROR" for t in truth)
    assert rows(db, "SELECT count(*) FROM read_log(?) WHERE exc_type = 'ValueError'", (str(path),))[0][0] == \
        sum(1 for t in truth if "Traceback" in t[3])
    (f, d, kind), = rows(db, "SELECT format, datefmt, kind FROM log_formats(?)", (str(path),))
    assert kind == "python" and "%(levelname)s" in f
    assert rows(db, "SELECT * FROM read_log(?, ?, ?)", (str(path), f, d)) == rows(db, "SELECT * FROM read_log(?)", (str(path),))


def test_dst_fall_back_window_returns_every_record(db, tmp_path):
    """Issue 13: a local-time log over a DST fall-back repeats an hour; the binary search dropped the second one."""
    path = tmp_path / "local.log"
    start = calendar.timegm((2026, 10, 31, 4, 0, 0))  # 2026-10-31 00:00 in New York (EDT)
    truth = fx.write_local_time_log(path, "America/New_York", start, 3 * 86400, 5)
    ts = [t[0] for t in truth]
    assert ts != sorted(ts)  # the clock went back an hour on 2026-11-01
    for lo, hi in [("2026-11-01 01:00", "2026-11-01 01:05"), ("2026-11-01 00:30", "2026-11-01 02:30"),
                   ("2026-11-01 01:59:59", "2026-11-01 02:00:01"), ("2026-10-31 12:00", "2026-11-01 01:30")]:
        want = sum(lo <= t <= hi for t in ts)
        assert rows(db, "SELECT count(*) FROM read_log(?) WHERE ts BETWEEN ? AND ?", (str(path), lo, hi))[0][0] == want
        want_err = sum(lo <= t[0] < hi and t[2] == "ERROR" for t in truth)
        assert rows(db, "SELECT count(*) FROM read_log(?) WHERE ts >= ? AND ts < ? AND level = 'ERROR'",
                    (str(path), lo, hi))[0][0] == want_err
    # Ordered parts of the same file still use the search.
    lo, hi = "2026-11-02 10:00", "2026-11-02 11:00"
    assert rows(db, "SELECT count(*) FROM read_log(?) WHERE ts >= ? AND ts < ?", (str(path), lo, hi))[0][0] == \
        sum(lo <= t < hi for t in ts)


def test_reported_format_passed_back_gives_the_same_rows(db, tmp_path):
    """log_formats' format (and datefmt), passed back, reads exactly what auto read: traceback lines such as
    `ValueError: invalid literal...` are no records of `%(levelname)s:%(name)s:%(message)s`."""
    cases = [("%(levelname)s:%(name)s:%(message)s", None),
             ("%(asctime)s - %(levelname)s - %(name)s - %(message)s", "%m/%d/%Y %H:%M:%S"),
             ("%(asctime)s [%(process)d] [%(levelname)s] %(message)s", "[%Y-%m-%d %H:%M:%S %z]"),
             ("%(asctime)s | %(levelname)-8s | %(name)s:%(funcName)s:%(lineno)d - %(message)s", None)]
    for i, (fmt, datefmt) in enumerate(cases):
        path = tmp_path / f"f{i}.log"
        truth = _log_through(path, fmt, datefmt, ISO_CALLS)
        (f, d), = rows(db, "SELECT format, datefmt FROM log_formats(?)", (str(path),))
        assert (f, d) == (fmt, datefmt)
        auto = rows(db, "SELECT * FROM read_log(?)", (str(path),))
        assert rows(db, "SELECT * FROM read_log(?, ?, ?)", (str(path), f, d)) == auto
        assert [(r[3], r[6]) for r in auto] == [(t[0], t[2]) for t in truth]
        assert rows(db, "SELECT count(*) FROM read_log(?, ?, ?) WHERE level NOT IN ('INFO', 'WARNING', 'ERROR')",
                    (str(path), f, d))[0][0] == 0


def test_syslog_header_needs_a_plausible_host_and_tag(db, tmp_path):
    path = tmp_path / "notsyslog.log"
    path.write_text("2026-11-20T01:00:05+0000 INFO __main__: Starting run\n"
                    "2026-11-20T01:00:06+0000 [info] ok\n"
                    "2026-11-20T01:00:07+0000 https://example.com: fetched\n"
                    "2026-11-20T01:00:08+0000 gpu-1 trainer[77]: a real one\n")
    assert rows(db, "SELECT line, logger, pid, message FROM read_log(?, 'rsyslog')", (str(path),)) == [
        (1, None, None, None), (4, "trainer", 77, "a real one")]


def test_levels_are_normalised_across_spellings(db, tmp_path):
    path = tmp_path / "lv.jsonl"
    names = ["I", "W", "E", "F", "D", "C", "warn", "fatal", "err", "emerg", "notice", "crit", "SUCCESS"]
    path.write_text("".join(json.dumps({"time": f"2026-11-20T02:00:{i:02d}Z", "level": n, "msg": "m"}) + "\n"
                            for i, n in enumerate(names)))
    assert [r[0] for r in rows(db, "SELECT level FROM read_log(?)", (str(path),))] == [
        "INFO", "WARNING", "ERROR", "CRITICAL", "DEBUG", "CRITICAL", "WARNING", "CRITICAL", "ERROR", "CRITICAL",
        "INFO", "CRITICAL", "SUCCESS"]


def test_log_formats_counts_the_sampled_lines(db, tmp_path):
    path = tmp_path / "many.log"
    exp = fx.write_python_log(path, "%(asctime)s [%(levelname)s] %(name)s: %(message)s", records=400,
                              exception_rate=0, multiline_rate=0)
    assert rows(db, "SELECT sampled_lines, matched_lines, warning FROM log_formats(?)", (str(path),)) == [(200, 200, None)]
    notes = tmp_path / "notes.txt"
    notes.write_text("a\nb\nc\n")
    assert rows(db, "SELECT format, sampled_lines, matched_lines FROM log_formats(?)", (str(notes),)) == [("lines", 3, 0)]
    assert len(exp) == 400
