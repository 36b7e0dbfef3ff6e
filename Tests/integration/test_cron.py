"""Cron schedules, crontabs, history and runs, checked against croniter and the daemons' rules.

croniter ORs the two day fields whenever both are restricted. The Vixie/Debian and cronie daemons instead
decide from the fields' first characters: if either starts with `*`, both must match (AND). croniter's
`day_or=False` is exactly that AND, so the oracle for every generated expression is croniter with
`day_or = not (dom.startswith('*') or dow.startswith('*'))`; for the `*/2`-vs-`1-31/2` case the test also
shows that croniter's default differs.
"""
import datetime as dt
import gzip
import json
import os
import random
import sqlite3

import pytest
from croniter import croniter

from conftest import connect, error_of

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "cron")
ISO = "%Y-%m-%d %H:%M:%S"

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


def fmt(t):
    return t.strftime(ISO)


# ---------------------------------------------------------------- generated expressions

def gen_item(rng, low, high, names=None, allow7=False):
    """One list element the daemons and croniter both accept."""
    top = 7 if allow7 else high
    kind = rng.random()

    def val(v):
        if names and rng.random() < 0.3 and v - (1 if names is MONTHS else 0) < len(names):
            n = names[v - (1 if names is MONTHS else 0)]
            return n.upper() if rng.random() < 0.3 else n
        return str(v)

    if kind < 0.15:
        return "*"
    if kind < 0.35:
        return f"*/{rng.randint(1, max(1, high - low))}"
    if kind < 0.65:
        return val(rng.randint(low, high))
    # croniter reads a one-value range (`5-5`, `7-7`) as the whole field (its bug): ranges span two values.
    a = rng.randint(low, min(top, high) - 1)
    b = rng.randint(a + 1, top)
    if names and b == 7:  # names cannot express 7
        return f"{a}-{b}" if kind < 0.85 else f"{a}-{b}/{rng.randint(1, 4)}"
    if kind < 0.85:
        return f"{val(a)}-{val(b)}"
    return f"{val(a)}-{val(b)}/{rng.randint(1, max(1, b - a + 1))}"


def gen_field(rng, low, high, names=None, allow7=False, star_bias=0.0):
    if rng.random() < star_bias:
        return "*"
    n = 1 if rng.random() < 0.7 else rng.randint(2, 4)
    items = [gen_item(rng, low, high, names, allow7) for _ in range(n)]
    if n > 1:  # a bare '*' inside a list is legal but pointless; keep lists simple
        items = [str(low) if x == "*" else x for x in items]
    return ",".join(items)


def gen_expr(rng):
    return " ".join([
        gen_field(rng, 0, 59, star_bias=0.2),
        gen_field(rng, 0, 23, star_bias=0.3),
        gen_field(rng, 1, 31, star_bias=0.45),
        gen_field(rng, 1, 12, MONTHS, star_bias=0.6),
        gen_field(rng, 0, 6, DAYS, allow7=True, star_bias=0.45),
    ])


def daemon_day_or(expr):
    f = expr.split()
    return not (f[2].startswith("*") or f[4].startswith("*"))


def gen_start(rng):
    special = [
        dt.datetime(2024, 2, 29, 0, 0), dt.datetime(2024, 2, 28, 23, 59, 30), dt.datetime(2023, 12, 31, 23, 59),
        dt.datetime(2100, 2, 28, 12, 0), dt.datetime(2000, 2, 29, 23, 59, 59), dt.datetime(2024, 1, 31, 0, 0),
        dt.datetime(2024, 4, 30, 23, 59), dt.datetime(2025, 3, 1, 0, 0, 0), dt.datetime(1999, 12, 31, 23, 0),
    ]
    if rng.random() < 0.25:
        return rng.choice(special)
    base = dt.datetime(1995, 1, 1) + dt.timedelta(seconds=rng.randint(0, 110 * 365 * 86400))
    if rng.random() < 0.5:
        base = base.replace(second=0)
    return base


def oracle_expression(expr):
    """The expression and day_or flag that make croniter decide days as the daemon does.

    croniter rewrites a day field covering every value (`1-31`, `0-7`) to `*` and then ANDs; the daemon
    still ORs it (the field does not start with `*`), and OR with a full set is every day."""
    day_or = daemon_day_or(expr)
    f = expr.split()
    if day_or:
        expanded = croniter(expr).expanded
        full = lambda xs, n: xs == ["*"] or len({x % 7 if n == 7 else x for x in xs}) == n
        if full(expanded[2], 31) or full(expanded[4], 7):
            f[2], f[4] = "*", "*"
    return " ".join(f), day_or


def oracle(expr, start, n_next=3):
    expr, day_or = oracle_expression(expr)
    it = croniter(expr, start, day_or=day_or, max_years_between_matches=500)
    nxt = [fmt(it.get_next(dt.datetime)) for _ in range(n_next)]
    it = croniter(expr, start, day_or=day_or, max_years_between_matches=500)
    prv = fmt(it.get_prev(dt.datetime))
    return nxt, prv


def ours(db, expr, start, n_next=3):
    out, t = [], fmt(start)
    for _ in range(n_next):
        t = db.execute("select cron_next(?, ?)", (expr, t)).fetchone()[0]
        out.append(t)
    prv = db.execute("select cron_prev(?, ?)", (expr, fmt(start))).fetchone()[0]
    return out, prv


def test_generated_expressions_match_croniter(db):
    rng = random.Random(20240229)
    checked = 0
    for _ in range(2500):
        expr = gen_expr(rng)
        for _ in range(2):
            start = gen_start(rng)
            try:
                expected = oracle(expr, start)
            except Exception:  # croniter gives up on schedules rarer than its search window
                continue
            assert ours(db, expr, start) == expected, (expr, start)
            checked += 1
    assert checked > 4500


def test_fixed_expressions_match_croniter(db):
    exprs = [
        "* * * * *", "0 2 * * *", "*/15 * * * *", "0 0 29 2 *", "0 0 31 * *", "0 0 30 2,4,6 *",
        "0 0 1 * *", "59 23 31 12 *", "0 0 * * 0", "0 0 * * 7", "0 0 * * 5-7", "0 0 * * mon-fri",
        "30 4 1,15 * 5", "0 0 13 * fri", "0 12 * jan-mar sun", "0 0 L * *".replace("L", "28-31"),
        "5 4 * * sun", "0 22 * * 1-5", "23 0-20/2 * * *", "0 0,12 1 */2 *", "0 4 8-14 * *",
        "0 0 1-7 * 1", "0 0 */2 * 1", "0 0 1-31/2 * 1", "*/7 */5 */3 */2 */3", "0 0 29 2 1",
        "0 0 */29 2 */7", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
    ]
    starts = [dt.datetime(2024, 2, 28, 23, 59, 30), dt.datetime(2024, 2, 29, 0, 0), dt.datetime(2100, 1, 1),
              dt.datetime(2023, 12, 31, 23, 59, 59), dt.datetime(2024, 3, 31, 12, 0)]
    expansions = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                  "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
    for expr in exprs:
        for start in starts:
            expected = oracle(expansions.get(expr, expr), start)
            assert ours(db, expr, start) == expected, (expr, start)


def test_day_field_rule_follows_the_daemon_not_croniter(db):
    start = dt.datetime(2024, 1, 1)
    star = [r[0] for r in db.execute(
        "select fire_time from cron_schedule('0 0 */2 * 1', '2024-01-01', '2025-01-01')")]
    ranged = [r[0] for r in db.execute(
        "select fire_time from cron_schedule('0 0 1-31/2 * 1', '2024-01-01', '2025-01-01')")]
    days = lambda xs: [dt.datetime.strptime(x, ISO) for x in xs]
    # `*/2` starts with '*': odd days AND Mondays.
    assert star and all(d.day % 2 == 1 and d.weekday() == 0 for d in days(star))
    assert len(star) == sum(1 for d in (start + dt.timedelta(days=k) for k in range(366))
                            if d.day % 2 == 1 and d.weekday() == 0)
    # `1-31/2` does not: odd days OR Mondays.
    assert all(d.day % 2 == 1 or d.weekday() == 0 for d in days(ranged))
    assert len(ranged) == sum(1 for d in (start + dt.timedelta(days=k) for k in range(366))
                              if d.day % 2 == 1 or d.weekday() == 0)
    # croniter's default ORs both, so it disagrees on the first and agrees on the second.
    it = croniter("0 0 */2 * 1", start - dt.timedelta(minutes=1))
    cron_default = [fmt(it.get_next(dt.datetime)) for _ in range(len(star))]
    assert cron_default != star
    it = croniter("0 0 */2 * 1", start - dt.timedelta(minutes=1), day_or=False)
    assert [fmt(it.get_next(dt.datetime)) for _ in range(len(star))] == star
    it = croniter("0 0 1-31/2 * 1", start - dt.timedelta(minutes=1))
    assert [fmt(it.get_next(dt.datetime)) for _ in range(len(ranged))] == ranged


def test_forms_croniter_accepts_but_the_daemons_refuse(db):
    start = dt.datetime(2024, 1, 1)
    for expr in ["5/10 * * * *", "0 0 * * mon-sun", "0 0 5-2 * *", "0 0 L * *", "0 0 * * 1#2"]:
        croniter(expr, start).get_next(dt.datetime)  # croniter takes it
        assert error_of(db, "select cron_next(?, '2024-01-01')", (expr,)).startswith("cron_next: invalid schedule")


def test_one_value_ranges(db):
    # The daemon sets just that value; croniter reads `5-5` as every minute (not used as an oracle here).
    assert [r[0] for r in db.execute("select fire_time from cron_schedule('5-5 0 * * *', '2024-01-01', '2024-01-02')")
            ] == ["2024-01-01 00:05:00"]
    assert db.execute("select count(*) from cron_schedule('0 0 * * 7-7', '2024-01-01', '2025-01-01')").fetchone() == (52,)


def test_schedule_over_a_year(db):
    n = db.execute("select count(*) from cron_schedule('* * * * *', '2023-01-01', '2024-01-01')").fetchone()[0]
    assert n == 365 * 24 * 60
    n = db.execute("select count(*) from cron_schedule('* * * * *', '2024-01-01', '2025-01-01')").fetchone()[0]
    assert n == 366 * 24 * 60
    rows = db.execute("select fire_time from cron_schedule('0 0 29 2 *', '2000-01-01', '2101-01-01')").fetchall()
    expected = [f"{y}-02-29 00:00:00" for y in range(2000, 2101) if y % 4 == 0 and (y % 100 or y % 400 == 0)]
    assert [r[0] for r in rows] == expected
    # start is inclusive, end exclusive.
    rows = db.execute("select fire_time from cron_schedule('0 * * * *', '2024-01-01 00:00:00', '2024-01-01 03:00:00')")
    assert [r[0] for r in rows] == ["2024-01-01 00:00:00", "2024-01-01 01:00:00", "2024-01-01 02:00:00"]
    # Without an end, LIMIT stops it.
    rows = db.execute("select fire_time from cron_schedule('@daily', '2024-12-30 12:00') limit 3").fetchall()
    assert [r[0] for r in rows] == ["2024-12-31 00:00:00", "2025-01-01 00:00:00", "2025-01-02 00:00:00"]


def test_fire_times_stay_within_years_1_to_9999(db):
    """Python's datetime (croniter's own type) is the reader here: years 1...9999, no year 0."""
    def one(sql, *args):
        return db.execute(sql, args).fetchone()[0]
    assert one("select cron_prev('* * * * *', '0001-01-01 00:00:00')") is None
    assert one("select cron_prev('0 0 1 1 *', '0001-06-01')") == "0001-01-01 00:00:00"
    assert one("select cron_prev('* * * * *', '0001-01-01 00:01:00')") == "0001-01-01 00:00:00"
    assert one("select cron_next('* * * * *', '0000-12-31 23:59:00')") == "0001-01-01 00:00:00"
    assert one("select cron_next('0 0 1 1 *', '9999-06-01')") is None
    assert one("select cron_next('* * * * *', '9999-12-31 23:58:00')") == "9999-12-31 23:59:00"
    assert one("select cron_next('* * * * *', '9999-12-31 23:59:00')") is None
    rows = db.execute("select fire_time from cron_schedule('59 23 31 12 *', '9997-01-01')").fetchall()
    assert [r[0] for r in rows] == ["9997-12-31 23:59:00", "9998-12-31 23:59:00", "9999-12-31 23:59:00"]
    rows = db.execute("select fire_time from cron_schedule('0 0 1 1 *', '0000-01-01', '0003-01-01')").fetchall()
    assert [r[0] for r in rows] == ["0001-01-01 00:00:00", "0002-01-01 00:00:00"]
    for sql in ["select cron_prev('* * * * *', '0001-01-01 00:05:00')", "select cron_next('* * * * *', '0000-06-01')",
                "select cron_prev('0 12 * * *', '0001-01-02 00:00:00')"]:
        dt.datetime.fromisoformat(one(sql))  # every fire time reads back


def test_malformed_and_never_firing(db):
    for bad in ["61 * * * *", "*/0 * * * *", "* * * *", "* * * * * *", "0 24 * * *", "0 0 0 * *", "0 0 * 13 *",
                "0 0 * * 8", "5/10 * * * *", "0 0 * * mon-sun", "0 0 5-2 * *", "@every_day", "a * * * *",
                "1,,2 * * * *", "1, * * * *", "0 0 * foo *", "*-5 * * * *", "", "@DAILY"]:
        msg = error_of(db, "select cron_next(?, '2024-01-01')", (bad,))
        assert msg.startswith("cron_next: "), msg
        assert f"'{bad.strip()}'" in msg, msg
    msg = error_of(db, "select * from cron_schedule('*/0 * * * *', '2024-01-01')")
    assert msg.startswith("cron_schedule: ")
    assert "'*/0 * * * *'" in msg
    # Never fires: NULL and an empty schedule, no error.
    assert db.execute("select cron_next('* * 31 2 *', '2024-01-01'), cron_prev('* * 31 2 *', '2024-01-01')"
                      ).fetchone() == (None, None)
    assert db.execute("select count(*) from cron_schedule('* * 31 2 *', '2000-01-01', '2100-01-01')").fetchone() == (0,)
    assert db.execute("select cron_next('@reboot', '2024-01-01')").fetchone() == (None,)
    assert db.execute("select cron_next(NULL, '2024-01-01'), cron_next('* * * * *', NULL)").fetchone() == (None, None)
    assert error_of(db, "select cron_next('* * * * *', 'yesterday')").startswith("cron_next: ")
    # Unix seconds are read as UTC.
    assert db.execute("select cron_next('0 * * * *', 0)").fetchone() == ("1970-01-01 01:00:00",)


def test_describe(db):
    d = lambda s: db.execute("select cron_describe(?)", (s,)).fetchone()[0]
    assert d("0 2 * * *") == "At 02:00 every day"
    assert d("* * * * *") == "Every minute"
    assert d("*/15 * * * *") == "Every 15 minutes"
    assert d("30 8 * * mon-fri") == "At 08:30 on Monday through Friday"
    assert d("0 0 1 * *") == "At 00:00 on day-of-month 1"
    assert d("0 8,12,18 * * *") == "At 08:00, 12:00 and 18:00 every day"
    assert d("0 0 */2 * 1") == "At 00:00 on every 2nd day-of-month if it is Monday"
    assert d("0 0 1-31/2 * 1") == "At 00:00 on every 2nd day-of-month from 1 through 31 and on Monday"
    assert d("0 0 1 jan *") == "At 00:00 on day-of-month 1 in January"
    assert d("@reboot") == "At system startup (@reboot)"
    assert error_of(db, "select cron_describe('99 * * * *')").startswith("cron_describe: ")


def test_flags(db):
    flags = dict(db.execute("select name, flags from pragma_function_list where name like 'cron_%'"))
    DETERMINISTIC, DIRECTONLY, INNOCUOUS = 0x800, 0x80000, 0x200000
    for name in ["cron_next", "cron_prev", "cron_describe"]:
        assert flags[name] & DETERMINISTIC and flags[name] & INNOCUOUS and not flags[name] & DIRECTONLY
    # Pure functions work in views and generated columns; file readers do not work in views.
    db.execute("create table jobs(s text, nxt text as (cron_next(s, '2024-01-01')))")
    db.execute("insert into jobs(s) values ('0 2 * * *')")
    assert db.execute("select nxt from jobs").fetchone() == ("2024-01-01 02:00:00",)
    db.execute("create view v as select * from cron_schedule('0 * * * *', '2024-01-01', '2024-01-02')")
    assert db.execute("select count(*) from v").fetchone() == (24,)
    db.execute("create view c as select * from crontab('/etc/crontab')")
    assert "unsafe use" in error_of(db, "select * from c")


# ---------------------------------------------------------------- crontab files

CRONTAB = """\
# m h dom mon dow command
SHELL=/bin/bash
PATH = /usr/local/bin:/usr/bin:/bin
MAILTO=""
 "QUOTED NAME" = 'quoted value '

0 2 * * * /opt/ml/retrain.py >> /logs/retrain.log 2>&1
*/15 * * * * /opt/ml/ingest.sh > /logs/ingest.log
30 4 * * mon-fri echo hello | mail -s hi ops%line one%line two\\%three
@daily /opt/cleanup.sh 2>/logs/cleanup.err
@reboot /opt/start.sh
61 * * * * /bad/minute
0 0 * * *
CRON_TZ=UTC
0 3 * * * * typo
0 5 * * * cd /srv && ./backup.sh 1>>"/logs/backup log.txt"
"""


def test_user_crontab(db, tmp_path):
    p = tmp_path / "mycrontab"
    p.write_text(CRONTAB)
    rows = db.execute("select line, schedule, minute, hour, day_of_month, month, day_of_week, user, command, stdin, "
                      "log_path, env, error from crontab(?)", (str(p),)).fetchall()
    by_line = {r[0]: r for r in rows}
    assert sorted(by_line) == [7, 8, 9, 10, 11, 12, 13, 15, 16]
    r = by_line[7]
    assert r[1:9] == ("0 2 * * *", "0", "2", "*", "*", "*", None, "/opt/ml/retrain.py >> /logs/retrain.log 2>&1")
    assert r[10] == "/logs/retrain.log" and r[12] is None and r[9] is None
    env = json.loads(r[11])
    assert env == {"SHELL": "/bin/bash", "PATH": "/usr/local/bin:/usr/bin:/bin", "MAILTO": "",
                   "QUOTED NAME": "quoted value "}
    assert by_line[8][10] == "/logs/ingest.log"
    r = by_line[9]
    assert r[8] == "echo hello | mail -s hi ops" and r[9] == "line one\nline two%three\n" and r[10] is None
    r = by_line[10]
    assert r[1:7] == ("@daily", "0", "0", "*", "*", "*") and r[10] is None  # 2> is stderr
    r = by_line[11]
    assert r[1] == "@reboot" and r[2] is None and r[8] == "/opt/start.sh"
    assert by_line[12][12] and "minute" in by_line[12][12] and by_line[12][1] is None
    assert by_line[13][12]  # no command
    assert by_line[15][12]  # a sixth field
    assert json.loads(by_line[15][11])["CRON_TZ"] == "UTC"
    assert by_line[16][10] == "/logs/backup log.txt"


def test_system_crontab_and_glob(db, tmp_path):
    d = tmp_path / "cron.d"
    d.mkdir()
    (d / "ml").write_text("MAILTO=ops\n0 2 * * * mluser /opt/ml/retrain.py >> /logs/retrain.log 2>&1\n")
    (d / "other").write_text("17 * * * * root cd / && run-parts --report /etc/cron.hourly\n@weekly root /x\n")
    rows = db.execute("select path, line, user, command, schedule from crontab(?) order by path, line",
                      (str(d / "*"),)).fetchall()
    assert [(os.path.basename(r[0]), r[1], r[2], r[3]) for r in rows] == [
        ("ml", 2, "mluser", "/opt/ml/retrain.py >> /logs/retrain.log 2>&1"),
        ("other", 1, "root", "cd / && run-parts --report /etc/cron.hourly"),
        ("other", 2, "root", "/x"),
    ]
    # The kind argument overrides the guess.
    rows = db.execute("select user, command from crontab(?, 'user')", (str(d / "ml"),)).fetchall()
    assert rows == [(None, "mluser /opt/ml/retrain.py >> /logs/retrain.log 2>&1")]
    assert error_of(db, "select * from crontab(?, 'weird')", (str(d / "ml"),)).startswith("crontab: ")
    msg = error_of(db, "select * from crontab('/nonexistent/crontab')")
    assert msg.startswith("crontab: cannot open '/nonexistent/crontab'"), msg
    msg = error_of(db, "select * from crontab(?)", (str(tmp_path / "nomatch*"),))
    assert msg.startswith("crontab: no files match"), msg


# ---------------------------------------------------------------- history and runs

def fixture_copy(tmp_path, name, mtime="2024-03-05 06:00:00", dest=None):
    """A fixture copied with a chosen modification time (RFC 3164 lines take their year from it)."""
    src = os.path.join(FIXTURES, name)
    dst = tmp_path / (dest or os.path.basename(name))
    dst.write_bytes(open(src, "rb").read())
    t = dt.datetime.strptime(mtime, ISO).replace(tzinfo=dt.timezone.utc).timestamp()
    os.utime(dst, (t, t))
    return str(dst)


CRONTAB_FIXTURE = os.path.join(FIXTURES, "cron.d", "ml")
WINDOW = ("2024-03-05 01:00:00", "2024-03-05 05:00:00")
RETRAIN = "/opt/ml/retrain.py >> /logs/retrain.log 2>&1"
INGEST = "/opt/ml/ingest.sh > /logs/ingest.log"


def runs(db, history, crontab=CRONTAB_FIXTURE, window=WINDOW, extra=""):
    cols = "scheduled_at, started_at, ended_at, duration_s, status, exit_status, user, command, log_path"
    return db.execute(f"select {cols} from cron_runs(?, ?, ?, ?{extra})", (crontab, history, *window)).fetchall()


def test_history_debian_all_levels(db, tmp_path):
    path = fixture_copy(tmp_path, "debian-L15.syslog")
    rows = db.execute("select line, ts, host, pid, user, event, command, job_pid, exit_status, message "
                      "from cron_history(?)", (path,)).fetchall()
    import re
    shape = re.compile(r"^Mar  5 \d\d:\d\d:\d\d web1 CRON\[\d+\]: ")
    text = open(path).read().splitlines()
    assert [r[0] for r in rows] == [i + 1 for i, l in enumerate(text) if shape.match(l)]
    by_line = {r[0]: r for r in rows}
    assert by_line[2][1:6] == ("2024-03-05 01:00:01", "web1", 4100, "ml", "SESSION_OPEN")
    assert by_line[3][5:8] == ("CMD", INGEST, 4101)
    assert by_line[4][5:8] == ("END", INGEST, 4101)
    # (CRON) is the daemon itself, not a user.
    assert by_line[18][4:10] == (None, "ERROR", None, 4305, 3, "(CRON) error (grandchild #4305 failed with exit status 3)")
    assert by_line[19][5] == "INFO"
    assert by_line[26][6] == "   cd / && run-parts --report /etc/cron.hourly"  # blanks after "[4401] " kept
    assert by_line[46][5:9] == ("ERROR", None, 4703, 128 + 9)
    assert by_line[5][4:6] == ("ml", "SESSION_CLOSE")


def test_history_cronie_iso_and_journal(db, tmp_path):
    rows = db.execute("select ts, host, pid, user, event, command from cron_history(?)",
                      (os.path.join(FIXTURES, "cronie.log"),)).fetchall()
    assert rows[0] == ("2024-03-05 00:58:12.123", "db2", 880, None, "STARTUP", None)
    assert ("2024-03-05 01:00:01.010", "db2", 4101, "ml", "CMD", INGEST) in rows
    assert ("2024-03-05 02:00:05", "db2", 4302, "ml", "CMDOUT", None) in rows
    assert ("2024-03-05 02:10:00", "db2", 880, "ml", "RELOAD", None) in rows
    assert sum(1 for r in rows if r[4] == "CMDEND") == 4

    rows = db.execute("select ts, host, pid, user, event, command from cron_history(?)",
                      (os.path.join(FIXTURES, "journal-short-iso.log"),)).fetchall()
    assert [r[4] for r in rows] == ["SESSION_OPEN", "CMD", "ERROR", "SESSION_CLOSE"]
    assert rows[1] == ("2024-03-05 02:00:01", "web1", 4304, "ml", "CMD", RETRAIN)

    rows = db.execute("select ts, host, pid, user, event, command from cron_history(?)",
                      (os.path.join(FIXTURES, "journal.json"),)).fetchall()
    assert rows == [
        # SYSLOG_TIMESTAMP is the local wall clock; the fraction comes from __REALTIME_TIMESTAMP.
        ("2024-03-05 02:00:01.250", "web1", 4300, "ml", "SESSION_OPEN", None),
        ("2024-03-05 02:00:01.500", "web1", 4304, "ml", "CMD", RETRAIN),
        ("2024-03-05 02:07:13", "web1", 4300, "ml", "SESSION_CLOSE", None),
        # Without SYSLOG_TIMESTAMP, __REALTIME_TIMESTAMP as UTC.
        ("2024-03-05 03:00:01", "web1", 4704, "root", "CMD", '/usr/local/bin/report.sh "quoted" \\ back'),
    ]


def test_history_leap_day_in_a_common_mtime_year(db, tmp_path):
    """A Feb 29 line of a file last written in 2025 belongs to 2024 (read_log places it alike: test_logs.py)."""
    log = tmp_path / "syslog"
    log.write_text("Feb 28 23:59:01 web1 CRON[10]: (ml) CMD (/opt/a.sh)\n"
                   "Feb 29 00:00:01 web1 CRON[11]: (ml) CMD (/opt/b.sh)\n"
                   "Mar  1 00:00:01 web1 CRON[12]: (ml) CMD (/opt/c.sh)\n")
    t = dt.datetime(2025, 7, 1, 12, tzinfo=dt.timezone.utc).timestamp()
    os.utime(log, (t, t))
    assert db.execute("select line, ts, command from cron_history(?)", (str(log),)).fetchall() == [
        (1, "2025-02-28 23:59:01", "/opt/a.sh"), (2, "2024-02-29 00:00:01", "/opt/b.sh"),
        (3, "2025-03-01 00:00:01", "/opt/c.sh")]
    # The same day with the file last written in a leap year's January: this year's Feb 29 is still to come.
    t = dt.datetime(2024, 1, 10, 12, tzinfo=dt.timezone.utc).timestamp()
    os.utime(log, (t, t))
    assert db.execute("select ts from cron_history(?) where line = 2", (str(log),)).fetchone() == ("2020-02-29 00:00:01",)


def test_history_year_from_mtime_and_rotations(db, tmp_path):
    path = fixture_copy(tmp_path, "newyear.syslog", mtime="2024-01-01 00:05:00")
    assert [r[0] for r in db.execute("select ts from cron_history(?)", (path,))] == [
        "2023-12-31 23:59:01", "2024-01-01 00:00:01", "2024-01-01 00:01:01"]
    # A syslog and its gzip rotation through one glob.
    d = tmp_path / "logs"
    d.mkdir()
    fixture_copy(d, "debian-default.syslog", dest="syslog")
    raw = open(os.path.join(FIXTURES, "debian-L15.syslog"), "rb").read()
    with gzip.open(d / "syslog.1.gz", "wb") as f:
        f.write(raw)
    t = dt.datetime(2024, 3, 5, 6, tzinfo=dt.timezone.utc).timestamp()
    os.utime(d / "syslog.1.gz", (t, t))
    counts = dict(db.execute("select path, count(*) from cron_history(?) group by path", (str(d / "syslog*"),)))
    assert counts[str(d / "syslog")] == 17
    assert counts[str(d / "syslog.1.gz")] == db.execute(
        "select count(*) from cron_history(?)", (fixture_copy(tmp_path, "debian-L15.syslog"),)).fetchone()[0]
    assert error_of(db, "select * from cron_history('/nonexistent/syslog')").startswith(
        "cron_history: cannot open '/nonexistent/syslog'")
    bad = tmp_path / "bad.gz"
    bad.write_bytes(gzip.compress(raw)[:200])
    assert error_of(db, "select count(*) from cron_history(?)", (str(bad),)).startswith("cron_history: ")


def test_runs_debian_full_logging(db, tmp_path):
    got = runs(db, fixture_copy(tmp_path, "debian-L15.syslog"))
    assert got == [
        ("2024-03-05 01:00:00", "2024-03-05 01:00:01", "2024-03-05 01:00:42", 41.0, "ok", 0, "ml", INGEST, "/logs/ingest.log"),
        ("2024-03-05 01:30:00", "2024-03-05 01:30:01", "2024-03-05 01:30:39", 38.0, "ok", 0, "ml", INGEST, "/logs/ingest.log"),
        (None, "2024-03-05 01:31:05", "2024-03-05 01:31:50", 45.0, "unscheduled", 0, "ml", INGEST, "/logs/ingest.log"),
        ("2024-03-05 02:00:00", "2024-03-05 02:00:01", "2024-03-05 02:07:13", 432.0, "ok", 0, "ml", RETRAIN, "/logs/retrain.log"),
        ("2024-03-05 02:00:00", "2024-03-05 02:00:01", "2024-03-05 02:00:07", 6.0, "failed", 3, "ml", INGEST, "/logs/ingest.log"),
        (None, "2024-03-05 02:17:01", "2024-03-05 02:17:01", 0.0, "unscheduled", 0, "root",
         "cd / && run-parts --report /etc/cron.hourly", None),
        ("2024-03-05 02:30:00", None, None, None, "missed", None, "ml", INGEST, "/logs/ingest.log"),
        ("2024-03-05 03:00:00", "2024-03-05 03:04:30", "2024-03-05 03:05:10", 40.0, "late", 0, "ml", INGEST, "/logs/ingest.log"),
        ("2024-03-05 03:15:00", None, None, None, "missed", None, "root", "/usr/local/bin/backup.sh", None),
        ("2024-03-05 03:30:00", "2024-03-05 03:30:01", "2024-03-05 03:30:44", 43.0, "ok", 0, "ml", INGEST, "/logs/ingest.log"),
        ("2024-03-05 04:00:00", "2024-03-05 04:00:01", "2024-03-05 04:10:00", 599.0, "failed", 137, "ml", INGEST, "/logs/ingest.log"),
        ("2024-03-05 04:00:00", "2024-03-05 04:00:01", "2024-03-05 04:00:03", 2.0, "ok", 0, "root", "/usr/local/bin/report.sh", None),
        ("2024-03-05 04:30:00", "2024-03-05 04:30:01", None, None, "running", None, "ml", INGEST, "/logs/ingest.log"),
        (None, "2024-03-05 04:45:00", "2024-03-05 04:45:02", 2.0, "unscheduled", 0, "root", "/opt/adhoc.sh", None),
    ]
    # A wider tolerance makes the late run on time.
    statuses = [r[4] for r in runs(db, fixture_copy(tmp_path, "debian-L15.syslog"), extra=", 600")]
    assert "late" not in statuses and statuses.count("ok") == 6


def test_runs_debian_default_level_with_pam(db, tmp_path):
    got = runs(db, fixture_copy(tmp_path, "debian-default.syslog"))
    # No exit status is logged at this level: a run whose session closed has `ended`, never `ok`.
    assert [(r[0], r[1], r[2], r[4], r[5], r[7]) for r in got] == [
        ("2024-03-05 01:00:00", "2024-03-05 01:00:01", "2024-03-05 01:00:42", "ended", None, INGEST),
        ("2024-03-05 01:30:00", "2024-03-05 01:30:01", "2024-03-05 01:30:39", "ended", None, INGEST),
        # Two sessions (4300, 4302) open at 02:00 and two CMDs (4304, 4305) above both: either pairing fits the
        # lines (the daemon forks both parents before either job), so neither end is guessed.
        ("2024-03-05 02:00:00", "2024-03-05 02:00:01", None, "ended", None, RETRAIN),
        ("2024-03-05 02:00:00", "2024-03-05 02:00:01", None, "ended", None, INGEST),
        ("2024-03-05 02:30:00", None, None, "missed", None, INGEST),
        ("2024-03-05 03:00:00", None, None, "missed", None, INGEST),
        ("2024-03-05 03:15:00", None, None, "missed", None, "/usr/local/bin/backup.sh"),
        ("2024-03-05 03:30:00", "2024-03-05 03:30:01", None, "running", None, INGEST),
        # The history's last line is at 04:00:03: later fire times (and 04:00 within its tolerance) are unknown.
        ("2024-03-05 04:00:00", None, None, "unknown", None, INGEST),
        ("2024-03-05 04:00:00", "2024-03-05 04:00:01", "2024-03-05 04:00:03", "ended", None, "/usr/local/bin/report.sh"),
        ("2024-03-05 04:30:00", None, None, "unknown", None, INGEST),
    ]
    ev = db.execute("select evidence, history_from, history_to from cron_runs(?, ?, ?, ?) where scheduled_at = "
                    "'2024-03-05 02:00:00' order by command", (CRONTAB_FIXTURE, fixture_copy(tmp_path, "debian-default.syslog"),
                                                             *WINDOW)).fetchall()
    assert ev[0][0].startswith("its end is unknown: 2 sessions of ml were open when it started")
    assert ev[0][1:] == ("2024-03-05 01:00:01", "2024-03-05 04:00:03")


def test_runs_cronie(db, tmp_path):
    got = runs(db, os.path.join(FIXTURES, "cronie.log"))
    by_slot = {(r[0], r[7]): r for r in got}
    r = by_slot[("2024-03-05 01:00:00", INGEST)]
    assert r[1:6] == ("2024-03-05 01:00:01.010", "2024-03-05 01:00:41.500", pytest.approx(40.49), "ended", None)
    r = by_slot[("2024-03-05 01:30:00", INGEST)]
    assert r[2] == "2024-03-05 01:30:40" and r[4] == "ended"
    assert by_slot[("2024-03-05 02:00:00", INGEST)][2] == "2024-03-05 02:00:05.100"
    assert by_slot[("2024-03-05 02:00:00", RETRAIN)][2] == "2024-03-05 02:07:13.250"
    assert by_slot[("2024-03-05 03:30:00", INGEST)][4] == "running"
    assert by_slot[("2024-03-05 04:00:00", "/usr/local/bin/report.sh")][4] == "running"
    # cronie logs no exit status: runs that ended are `ended`, not `ok`.
    assert {r[4] for r in got if r[2]} == {"ended"}
    assert sorted(r[0] for r in got if r[4] == "missed") == [
        "2024-03-05 02:30:00", "2024-03-05 03:00:00", "2024-03-05 03:15:00"]
    # Its last line is at 04:00:01: fire times later, or within their tolerance of it, are outside what it covers.
    assert sorted(r[0] for r in got if r[4] == "unknown") == ["2024-03-05 04:00:00", "2024-03-05 04:30:00"]
    assert len(got) == 11


def test_runs_failure_from_journal_and_errors(db, tmp_path):
    got = runs(db, os.path.join(FIXTURES, "journal-short-iso.log"))
    r = [x for x in got if x[7] == RETRAIN]
    assert r == [("2024-03-05 02:00:00", "2024-03-05 02:00:01", "2024-03-05 02:07:13", 432.0, "failed", 1, "ml",
                  RETRAIN, "/logs/retrain.log")]
    assert error_of(db, "select * from cron_runs('/nonexistent', ?, '2024-01-01', '2024-01-02')",
                    (os.path.join(FIXTURES, "cronie.log"),)).startswith("cron_runs: cannot open '/nonexistent'")
    assert error_of(db, "select * from cron_runs(?, ?, 'soon', '2024-01-02')",
                    (CRONTAB_FIXTURE, os.path.join(FIXTURES, "cronie.log"))).startswith("cron_runs: ")
    assert error_of(db, "select * from cron_runs(?, ?, '2024-01-01', '2024-01-02', -5)",
                    (CRONTAB_FIXTURE, os.path.join(FIXTURES, "cronie.log"))).startswith("cron_runs: ")
    db.execute("create view h as select * from cron_history('/var/log/syslog')")
    assert "unsafe use" in error_of(db, "select * from h")


def test_runs_and_crontab_join(db, tmp_path):
    """The morning question in one query: each job's latest status and next run."""
    history = fixture_copy(tmp_path, "debian-L15.syslog")
    rows = db.execute("""
        select c.line, c.command, max(r.scheduled_at), cron_next(c.schedule, '2024-03-05 05:00:00')
        from crontab(?) c left join cron_runs(?, ?, '2024-03-05 00:00', '2024-03-05 05:00') r
          on r.path = c.path and r.line = c.line
        where c.error is null group by c.line order by c.line""", (CRONTAB_FIXTURE, CRONTAB_FIXTURE, history)).fetchall()
    assert rows == [
        (4, RETRAIN, "2024-03-05 02:00:00", "2024-03-06 02:00:00"),
        (5, INGEST, "2024-03-05 04:30:00", "2024-03-05 05:30:00"),
        (6, "/usr/local/bin/backup.sh", "2024-03-05 03:15:00", "2024-03-06 03:15:00"),
        (7, "/usr/local/bin/report.sh", "2024-03-05 04:00:00", "2024-03-06 04:00:00"),
        (8, "/usr/local/bin/warmup.sh", None, None),
    ]


def test_reboot_runs_are_unscheduled_but_named(db, tmp_path):
    log = tmp_path / "syslog"
    log.write_text("Mar  5 00:10:00 web1 cron[300]: (CRON) INFO (Running @reboot jobs)\n"
                   "Mar  5 00:10:01 web1 CRON[310]: (root) CMD (/usr/local/bin/warmup.sh)\n")
    t = dt.datetime(2024, 3, 5, 6, tzinfo=dt.timezone.utc).timestamp()
    os.utime(log, (t, t))
    got = db.execute("select status, command, schedule, line from cron_runs(?, ?, '2024-03-05 00:00', '2024-03-05 00:30') "
                     "where status not in ('missed', 'unknown')",
                     (CRONTAB_FIXTURE, str(log))).fetchall()
    assert got == [("unscheduled", "/usr/local/bin/warmup.sh", "@reboot", 8)]


# ---------------------------------------------------------------- robustness

def test_cut_run_parts_and_anacron_tags_never_crash(db, tmp_path):
    """cronie's run-parts and anacron lines cut at every byte of the tag and message (a damaged syslog), and the
    tag's parenthesis never closed: rows or nothing, never a trap (the fuzzer found `run-parts(: finished x`
    building an inverted range for the folder)."""
    whole = ["Mar  5 01:00:01 web1 run-parts(/etc/cron.hourly)[4410]: starting 0anacron",
             "Mar  5 01:00:02 web1 run-parts(/etc/cron.hourly)[4417]: finished 0anacron",
             "Mar  5 07:36:12 web1 anacron[880]: Job `cron.daily' terminated (exit status: 1) (mailing output)"]
    lines = []
    for w in whole:
        tag = w.index(" ", 16) + 1
        for cut in range(tag, len(w) + 1):
            lines.append(w[:cut])
            lines.append(w[:cut] + ": finished x")
            lines.append(w[:cut] + ": starting y")
    lines += ["Mar  5 01:00:03 web1 run-parts(: finished x", "Mar  5 01:00:03 web1 run-parts(: starting y",
              "Mar  5 01:00:03 web1 run-parts()[1]: finished x", "Mar  5 01:00:03 web1 run-parts(/x[1]: finished x"]
    log = tmp_path / "cut.log"
    log.write_text("\n".join(lines) + "\n")
    n, parts = db.execute("select count(*), count(*) filter (where event like 'PART%') from cron_history(?)",
                          (str(log),)).fetchone()
    assert n > 0 and parts >= 2
    tab = tmp_path / "system"
    tab.write_text("0 * * * * root cd / && run-parts --report /etc/cron.hourly\n")
    db.execute("select count(*) from cron_runs(?, ?, '2024-03-05', '2024-03-06')", (str(tab), str(log))).fetchone()


def test_garbage_never_crashes(db, tmp_path):
    """Random bytes, mangled cron lines and odd schedules: rows or SQL errors, never a crash."""
    rng = random.Random(5)
    good = open(os.path.join(FIXTURES, "debian-L15.syslog"), "rb").read().splitlines()
    junk = []
    for _ in range(3000):
        r = rng.random()
        if r < 0.3:
            junk.append(bytes(rng.randrange(256) for _ in range(rng.randrange(200))))
        else:
            line = bytearray(rng.choice(good))
            for _ in range(rng.randrange(1, 6)):  # cut, flip or duplicate bytes
                if not line:
                    break
                k = rng.randrange(len(line))
                op = rng.random()
                if op < 0.3:
                    del line[k:]
                elif op < 0.6:
                    line[k] = rng.choice(b"()[]#:% \t{}\"\\0123456789")
                else:
                    line[k:k] = line[k:k + rng.randrange(1, 10)]
            junk.append(bytes(line))
    log = tmp_path / "junk.log"
    log.write_bytes(b"\n".join(junk))
    n = db.execute("select count(*), count(ts), max(length(message)) from cron_history(?)", (str(log),)).fetchone()
    assert n[0] == n[1] and n[0] > 0
    js = tmp_path / "junk.json"
    js.write_bytes(b"\n".join(b'{"SYSLOG_IDENTIFIER":"CRON","MESSAGE":"' + j.replace(b'"', b'') + b'"' + j[:5] for j in junk))
    db.execute("select count(*) from cron_history(?)", (str(js),)).fetchone()
    tab = tmp_path / "junk.crontab"
    tab.write_bytes(b"\n".join(junk))
    rows = db.execute("select count(*), count(error) from crontab(?)", (str(tab),)).fetchone()
    assert rows[0] > 0
    db.execute("select count(*) from cron_runs(?, ?, '2024-03-05', '2024-03-06')", (str(tab), str(log))).fetchone()
    for _ in range(3000):
        expr = "".join(rng.choice("0123456789*/-, \tabcdefjmnorstuvwy@LW#?") for _ in range(rng.randrange(1, 25)))
        try:
            db.execute("select cron_next(?, '2024-02-29 12:00'), cron_prev(?, '2024-02-29 12:00'), cron_describe(?)",
                       (expr, expr, expr)).fetchone()
        except sqlite3.Error as e:
            assert str(e).startswith(("cron_next: ", "cron_prev: ", "cron_describe: ")), (expr, str(e))
    for t in ["", "2024", "2024-02-30 00:00", "9999-12-31 23:59:59", "0000-01-01 00:00:00", "-1", 2**62, -2**62, 1e300,
              float("nan"), b"\xff\xfe"]:
        try:
            db.execute("select cron_next('* * * * *', ?), cron_prev('* * * * *', ?)", (t, t)).fetchone()
        except sqlite3.Error as e:
            assert str(e).startswith("cron_next: ") or str(e).startswith("cron_prev: "), (t, str(e))
    assert db.execute("select cron_next('* * * * *', '9999-12-31 23:59:00'), cron_prev('* * * * *', '0000-01-01')"
                      ).fetchone() == (None, None)


def test_run_parts_scripts(db, tmp_path):
    """A run-parts entry's scripts: those cronie's run-parts logged during the run, else what the folder holds."""
    folder = tmp_path / "cron.hourly"
    folder.mkdir()
    for name, mode in [("0anacron", 0o755), ("backup", 0o755), ("not-executable", 0o644), ("old.dpkg-dist", 0o755)]:
        (folder / name).write_text("#!/bin/sh\n")
        os.chmod(folder / name, mode)
    tab = tmp_path / "cron.d" / "hourly"
    tab.parent.mkdir()
    tab.write_text(f"17 * * * * root cd / && run-parts --report {folder}\n")
    cmd = f"cd / && run-parts --report {folder}"
    logged = tmp_path / "cronie.log"
    logged.write_text(
        f"2024-03-05T02:17:01.010+01:00 db2 CROND[4410]: (root) CMD ({cmd})\n"
        f"2024-03-05T02:17:01.020+01:00 db2 run-parts({folder})[4412]: starting 0anacron\n"
        f"2024-03-05T02:17:01.500+01:00 db2 run-parts({folder})[4419]: finished 0anacron\n"
        f"2024-03-05T02:17:01.510+01:00 db2 run-parts({folder})[4412]: starting tmpclean\n"
        f"2024-03-05T02:17:02.000+01:00 db2 run-parts({folder})[4425]: finished tmpclean\n"
        f"2024-03-05T02:17:02.010+01:00 db2 CROND[4409]: (root) CMDEND ({cmd})\n")
    rows = db.execute("select parts, evidence from cron_runs(?, ?, '2024-03-05 02:00', '2024-03-05 02:30')",
                      (str(tab), str(logged))).fetchall()
    assert json.loads(rows[0][0]) == ["0anacron", "tmpclean"] and "holds now" not in rows[0][1]
    history = db.execute("select event, user, command from cron_history(?) where event like 'PART%'", (str(logged),)).fetchall()
    assert history[0] == ("PART_START", str(folder), "0anacron") and len(history) == 4
    # Debian's run-parts logs nothing: the folder's runnable scripts now, said so.
    plain = tmp_path / "syslog"
    plain.write_text(f"2024-03-05T02:17:01.010+01:00 web1 CRON[4411]: (root) CMD ({cmd})\n")
    rows = db.execute("select parts, evidence from cron_runs(?, ?, '2024-03-05 02:00', '2024-03-05 02:30')",
                      (str(tab), str(plain))).fetchall()
    assert json.loads(rows[0][0]) == ["0anacron", "backup"]
    assert rows[0][1].endswith(f"its scripts are those {folder} holds now (run-parts logged none)")
    anacron = tmp_path / "anacron.log"
    anacron.write_text("2024-03-05T07:35:01+01:00 web1 anacron[880]: Job `cron.daily' started\n"
                       "2024-03-05T07:36:12+01:00 web1 anacron[880]: Job `cron.daily' terminated (exit status: 1) (mailing output)\n")
    assert db.execute("select event, command, exit_status from cron_history(?)", (str(anacron),)).fetchall() == [
        ("ANACRON_START", "cron.daily", None), ("ANACRON_END", "cron.daily", 1)]


def test_debian_daily_line_defers_to_anacron(db, tmp_path):
    """Debian's /etc/crontab line for cron.daily runs nothing when anacron is installed; anacron runs the folder
    later and logs it: its run is the line's evidence, and its exit status 1 makes the run failed."""
    tab = tmp_path / "crontab"
    guard = "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }"
    tab.write_text(f"25 6\t* * *\troot\t{guard}\n")
    log = tmp_path / "syslog"
    def day(d, status):
        return (f"2024-03-0{d}T06:25:01.004+01:00 web1 CRON[5001]: (root) CMD ({guard})\n"
                f"2024-03-0{d}T07:35:01+01:00 web1 anacron[880]: Job `cron.daily' started\n"
                f"2024-03-0{d}T07:36:12+01:00 web1 anacron[880]: Job `cron.daily' terminated{status}\n")
    log.write_text(day(5, " (exit status: 1) (mailing output)") + day(6, ""))
    rows = db.execute("select scheduled_at, status, evidence from cron_runs(?, ?, '2024-03-05', '2024-03-07', 60, "
                      "'system')", (str(tab), str(log))).fetchall()
    assert [r[1] for r in rows] == ["failed", "started"]
    assert "anacron ran cron.daily at 2024-03-05 07:35:01 to 2024-03-05 07:36:12, exit status 1" in rows[0][2]
    assert "anacron ran cron.daily at 2024-03-06 07:35:01 to 2024-03-06 07:36:12, exit status 0" in rows[1][2]
    assert db.execute("select count(*) from cron_runs(?, ?, '2024-03-05', '2024-03-07', 60, 'system') "
                      "where outcome = 'failed'", (str(tab), str(log))).fetchone()[0] == 1


def test_pipes_nulls_and_defaults(db, tmp_path):
    """`crontab -l | strata ...` reads the pipe; NULL for a path, start, end or kind is an error naming it; the
    window defaults to what the history covers."""
    from conftest import run_cli
    r = run_cli("select count(*), min(command) from crontab('/dev/stdin')", input="0 2 * * * /opt/x.sh\n")
    assert r.returncode == 0 and r.stdout.split() == ["1|/opt/x.sh"], (r.stdout, r.stderr)
    r = run_cli("select count(*) from cron_history('/dev/stdin') where event = 'CMD'",
                input="Mar  5 02:00:01 h CRON[1]: (root) CMD (/opt/x.sh)\n")
    assert r.returncode == 0 and r.stdout.split() == ["1"], (r.stdout, r.stderr)
    history = fixture_copy(tmp_path, "debian-L15.syslog")
    for sql, name in [("select * from crontab(NULL)", "files"), ("select * from cron_history(NULL)", "files"),
                      ("select * from cron_runs(NULL, ?)", "crontab"), ("select * from cron_runs(?, NULL)", "history"),
                      ("select * from cron_runs(?, ?, NULL, '2024-03-06')", "start"),
                      ("select * from cron_runs(?, ?, '2024-03-05', NULL)", "end"),
                      ("select * from cron_runs(?, ?, '2024-03-05', '2024-03-06', 60, NULL)", "kind")]:
        params = [p for p in (CRONTAB_FIXTURE, history) if "?" in sql][:sql.count("?")]
        msg = error_of(db, sql, tuple(params))
        assert f"'{name}' is NULL" in msg, (sql, msg)
    # No window given: the history's span, from its first line's minute to just after its last line.
    got = db.execute("select min(history_from), max(history_to), count(*) from cron_runs(?, ?)",
                     (CRONTAB_FIXTURE, history)).fetchone()
    assert got[:2] == ("2024-03-05 00:59:58", "2024-03-05 05:00:01") and got[2] > 0
    named = db.execute("select count(*) from cron_runs where crontab = ? and history = ? and start = '2024-03-05 01:00' "
                       "and \"end\" = '2024-03-05 05:00'", (CRONTAB_FIXTURE, history)).fetchone()[0]
    assert named == len(runs(db, history))
