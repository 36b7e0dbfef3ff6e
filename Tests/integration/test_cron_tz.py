"""Cron schedules in real time zones, across daylight-saving transitions, against three oracles we did not write the
rules of:

- a line-by-line port of the main loop of Debian's cron 3.0pl1 (cron.c: set_time, the timeDiff cases, find_jobs),
  run minute by minute on Python's zoneinfo: what the daemon does, whatever our segment arithmetic does;
- cronsim (healthchecks.io's scheduler, written to follow Debian's cron around DST), which agrees except where a
  jump skips several times of a fixed-time entry (`0 1-3 * * *`, `0,30 2 * * *` on a spring-forward night): Debian's
  cron runs the entry once for each of them, all right after the jump (seen on the real daemon, below), cronsim
  once; and at Lord Howe's 02:00 after its half-hour turn back, which cronsim leaves out;
- the real daemon: Debian's cron -L 15 run under libfaketime across New York's 2026 transitions
  (Tests/fixtures/cron/capture/capture-dst.sh), each job recording its own start (test_cron_runs_across_*).
"""
import datetime as dt
import json
import os
from zoneinfo import ZoneInfo

import pytest
from cronsim import CronSim

from conftest import connect

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "cron")
UTC = dt.timezone.utc

# A zone with a one-hour DST at 02:00 local, one at 01:00 UTC, a half-hour DST, and two with midnight transitions.
ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Santiago", "Asia/Beirut"]
SCHEDULES = ["* * * * *", "0 * * * *", "30 2 * * *", "0 1-3 * * *", "*/15 * * * *", "0 0 * * *", "30 0 * * *",
             "15,45 1 * * *", "0 23 * * *", "0 */2 * * *", "59 1 * * *", "0,30 2 * * *", "*/20 0-2 * * *",
             "@daily", "@hourly", "0 0 * * 0", "45 23 * * *"]


def transitions(zone, year):
    """The instants (UTC) in `year` where the zone's offset changes, found by hourly probes then bisection."""
    z = ZoneInfo(zone)
    t = dt.datetime(year, 1, 1, tzinfo=UTC)
    out = []
    prev = t.astimezone(z).utcoffset()
    while t.year == year:
        n = t + dt.timedelta(hours=1)
        off = n.astimezone(z).utcoffset()
        if off != prev:
            lo, hi = t, n
            while hi - lo > dt.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(z).utcoffset() == prev:
                    lo = mid
                else:
                    hi = mid
            out.append(hi)
            prev = off
        t = n
    return out


class Fields:
    """A schedule's fields as sets (cronsim's parser) and the daemon's day rule: does a wall-clock minute match."""

    def __init__(self, expr):
        expr = {"@daily": "0 0 * * *", "@hourly": "0 * * * *", "@midnight": "0 0 * * *"}.get(expr, expr)
        c = CronSim(expr, dt.datetime(2000, 1, 1))
        self.minutes, self.hours, self.days, self.months = c.minutes, c.hours, c.days, c.months
        self.weekdays = {w % 7 for w in c.weekdays}
        self.day_and = c.day_and
        fields = expr.split()
        # entry.c: MIN_STAR / HR_STAR from the field's first character.
        self.wild = fields[0].startswith("*") or fields[1].startswith("*")

    def match(self, wall):
        if wall.minute not in self.minutes or wall.hour not in self.hours or wall.month not in self.months:
            return False
        dom, dow = wall.day in self.days, (wall.weekday() + 1) % 7 in self.weekdays
        return (dom and dow) if self.day_and else (dom or dow)


def debian_cron_calls(zone, start, end):
    """Debian cron 3.0pl1's main loop (cron.c), one real minute at a time from `start` to `end`: the find_jobs
    calls it makes, as (virtual minute, doWild, doNonWild, the wall-clock minute it is in)."""
    z = ZoneInfo(zone)
    state = {}

    def set_time(t, initialize=False):
        local = t.astimezone(z)
        isdst = bool(local.dst())
        if initialize or isdst != state["isdst"]:
            state["isdst"] = isdst
            state["gmtoff"] = int(local.utcoffset().total_seconds())
        return (int(t.timestamp()) + state["gmtoff"]) // 60

    calls = []
    running = virtual = set_time(start, initialize=True)
    t = start
    while True:
        t += dt.timedelta(minutes=1)
        if t >= end:
            return calls
        clock = set_time(t)
        if clock == running:
            continue
        running = clock
        diff = running - virtual
        find = lambda v, wild, nonwild: calls.append((v, wild, nonwild, running))
        if diff == 1:
            virtual = running
            find(virtual, True, True)
            continue
        kind = -1
        if diff > -180:
            kind = 0
        if diff > 0:
            kind = 1
        if diff > 5:
            kind = 2
        if diff > 180:
            kind = 3
        if kind == 1:
            while True:
                virtual += 1
                find(virtual, True, True)
                if virtual >= running:
                    break
        elif kind == 2:
            find(running, True, False)
            while True:
                virtual += 1
                find(virtual, False, True)
                if virtual >= running:
                    break
        elif kind == 0:
            find(running, True, False)
        else:
            virtual = running
            find(running, True, True)


def debian_fires(calls, expr):
    f = Fields(expr)
    epoch = dt.datetime(1970, 1, 1)
    out = []
    for v, wild, nonwild, running in calls:
        if ((nonwild and not f.wild) or (wild and f.wild)) and f.match(epoch + dt.timedelta(minutes=v)):
            out.append(epoch + dt.timedelta(minutes=running))
    return out


def ours(conn, expr, start, end, zone):
    """cron_schedule over [start, end) (instants), as wall-clock datetimes of the zone."""
    z = ZoneInfo(zone)
    s = start.astimezone(z).replace(tzinfo=None).isoformat(" ")
    # The end as a wall time of its pass: transitions here are never within a day of the window's ends.
    e = end.astimezone(z).replace(tzinfo=None).isoformat(" ")
    rows = conn.execute("SELECT fire_time FROM cron_schedule(?, ?, ?, ?)", (expr, s, e, zone)).fetchall()
    return [dt.datetime.fromisoformat(r[0]) for r in rows]


def cronsim_times(expr, start, end, zone):
    z = ZoneInfo(zone)
    out = []
    for f in CronSim(expr, start.astimezone(z)):
        if f.astimezone(UTC) >= end:
            return out
        out.append(f.replace(tzinfo=None))


def windows(zone, years=(2026,)):
    for y in years:
        for tr in transitions(zone, y):
            # Start on a minute 30 hours before, end 30 hours after: whole days of every schedule around it.
            start = (tr - dt.timedelta(hours=30)).replace(second=0, microsecond=0)
            yield start, start + dt.timedelta(hours=60)


@pytest.fixture(scope="module")
def conn():
    return connect()


@pytest.mark.parametrize("zone", ZONES)
def test_schedules_across_transitions_match_debian_cron(conn, zone):
    """Every schedule, every 2026 transition of the zone (and New York's in 2040, past its file's table): the fire
    times are those Debian's cron loop gives, minute by minute."""
    years = (2026, 2040) if zone == "America/New_York" else (2026,)
    checked = 0
    for start, end in windows(zone, years):
        calls = debian_cron_calls(zone, start, end)
        for expr in SCHEDULES:
            want = debian_fires(calls, expr)
            got = ours(conn, expr, start + dt.timedelta(minutes=1), end, zone)
            assert got == want, (zone, expr, start)
            checked += len(want)
    assert checked > 5000


# Where cronsim and Debian's cron part (ours follows the daemon, as the test above and the real capture show):
# - a fixed-time entry with several times in one forward jump (or one in it and one at the minute after): the
#   daemon runs it once per time, all at the minute after the jump; cronsim once.
SEVERAL_SKIPPED = {("America/New_York", "0 1-3 * * *"), ("America/New_York", "0,30 2 * * *"),
                   ("Europe/London", "0 1-3 * * *"), ("Europe/London", "15,45 1 * * *"),
                   ("Australia/Lord_Howe", "0,30 2 * * *")}
# - Lord Howe turns back half an hour at 02:00 (to 01:30): the 02:00 that follows the repeated half hour is a real
#   minute, where `0 */2 * * *` runs; cronsim leaves it out.
CRONSIM_MISSES = {("Australia/Lord_Howe", "0 */2 * * *"): dt.datetime(2026, 4, 5, 2, 0)}


@pytest.mark.parametrize("zone", ZONES)
def test_schedules_across_transitions_match_cronsim(conn, zone):
    """cronsim agrees, except in the two places above."""
    differ = set()
    for start, end in windows(zone):
        for expr in SCHEDULES:
            cs = {"@daily": "0 0 * * *", "@hourly": "0 * * * *"}.get(expr, expr)  # cronsim has no shortcuts
            want = cronsim_times(cs, start, end, zone)
            got = ours(conn, expr, start + dt.timedelta(minutes=1), end, zone)
            if got == want:
                continue
            differ.add((zone, expr))
            if (zone, expr) in SEVERAL_SKIPPED:
                assert sorted(set(got)) == sorted(set(want)) and len(got) > len(want), (zone, expr, start)
            else:
                extra = CRONSIM_MISSES.get((zone, expr))
                assert extra is not None, (zone, expr, start, got[:5], want[:5])
                assert sorted(want + [extra]) == got, (zone, expr, start)
    assert differ == {k for k in SEVERAL_SKIPPED | set(CRONSIM_MISSES) if k[0] == zone}


def test_cron_next_and_prev_in_a_zone(conn):
    q = lambda sql, *a: conn.execute(sql, a).fetchone()[0]
    ny = "America/New_York"
    # Skipped: runs at the first minute after the jump; with no zone, the time as written.
    assert q("SELECT cron_next('30 2 * * *', '2026-03-08 00:00', ?)", ny) == "2026-03-08 03:00:00"
    assert q("SELECT cron_next('30 2 * * *', '2026-03-08 00:00')") == "2026-03-08 02:30:00"
    assert q("SELECT cron_prev('30 2 * * *', '2026-03-08 12:00', ?)", ny) == "2026-03-08 03:00:00"
    # Wildcard schedules skip the lost hour.
    assert q("SELECT cron_next('0 * * * *', '2026-03-08 01:30', ?)", ny) == "2026-03-08 03:00:00"
    # Repeated: a fixed time once, in the first pass; a time given in the repeated hour is its first pass.
    assert q("SELECT cron_next('30 1 * * *', '2026-11-01 01:00', ?)", ny) == "2026-11-01 01:30:00"
    assert q("SELECT cron_next('30 1 * * *', '2026-11-01 01:45', ?)", ny) == "2026-11-02 01:30:00"
    assert q("SELECT cron_next('30 * * * *', '2026-11-01 01:45', ?)", ny) == "2026-11-01 01:30:00"
    # A POSIX rule works as a zone; UTC is naive time.
    assert q("SELECT cron_next('30 2 * * *', '2026-03-08 00:00', 'EST5EDT,M3.2.0,M11.1.0')") == "2026-03-08 03:00:00"
    assert q("SELECT cron_next('30 2 * * *', '2026-03-08 00:00', 'UTC')") == "2026-03-08 02:30:00"
    # NULL tz is no zone; a zone that is not one is an error naming the function.
    assert q("SELECT cron_next('30 2 * * *', '2026-03-08 00:00', NULL)") == "2026-03-08 02:30:00"
    with pytest.raises(Exception, match=r"cron_next: unknown time zone 'Mars/Base'"):
        q("SELECT cron_next('30 2 * * *', '2026-03-08 00:00', 'Mars/Base')")
    with pytest.raises(Exception, match=r"unknown time zone '\.\./\.\./etc/passwd'"):
        q("SELECT * FROM cron_schedule('* * * * *', '2026-03-08', '2026-03-09', '../../etc/passwd')")


def install_capture(tmp_path, name):
    """A DST capture copied under tmp_path, its logs' times set to the capture's day (the traditional stamps take
    their year from them)."""
    src = os.path.join(FIXTURES, name)
    manifest = json.load(open(os.path.join(src, "manifest.json")))
    day = dt.datetime.fromisoformat(manifest["start"][:19]).replace(tzinfo=ZoneInfo(manifest["zone"]))
    when = (day + dt.timedelta(hours=2)).timestamp()
    dst = tmp_path / name
    for root, _, files in os.walk(src):
        for f in files:
            rel = os.path.relpath(os.path.join(root, f), src)
            p = dst / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(open(os.path.join(src, rel), "rb").read())
            os.utime(p, (when, when))
    starts = [json.loads(l) for l in open(dst / "truth.jsonl") if '"start"' in l and '"event": "start"' in l]
    return dst, manifest, starts


RUNS = """SELECT scheduled_at, started_at, status, substr(command, instr(command, 'job.py ') + 7) AS job
          FROM cron_runs WHERE crontab = ? AND history = ? AND start = ? AND "end" = ? AND tz = ?
          ORDER BY started_at, job"""


@pytest.mark.parametrize("logs", ["log", "log-trad"])
def test_cron_runs_across_spring_forward(tmp_path, logs):
    """Debian's cron -L 15 across New York's 2026-03-08 02:00 -> 03:00 (Tests/fixtures/cron/dst-spring): what ran at
    03:00 — the wildcard entries once, `30 2`, `0,30 2` twice and `0 1-3` twice (02:00 and 03:00) — is each a run
    of a fire time at 03:00, nothing missed or unscheduled; without the zone, the skipped times are misses."""
    dst, manifest, truth = install_capture(tmp_path, "dst-spring")
    conn = connect()
    args = (str(dst / "crontabs/cron.d/strata-dst"), str(dst / logs / "syslog"), "2026-03-08 01:57", "2026-03-08 03:06")
    rows = conn.execute(RUNS, args + ("America/New_York",)).fetchall()
    assert {r[2] for r in rows} == {"ended"}, rows
    # Every run the jobs recorded, and no other, each on the fire time the daemon ran it for.
    got = sorted((r[3], r[0]) for r in rows)
    want = sorted((t["job"], t["start"][:16] + ":00") for t in truth)
    assert got == want
    assert sum(1 for r in rows if r[3] == "hours-1-3" and r[0] == "2026-03-08 03:00:00") == 2
    assert sum(1 for r in rows if r[3] == "at-0200-0230" and r[0] == "2026-03-08 03:00:00") == 2
    for r in rows:
        assert abs(dt.datetime.fromisoformat(r[1]) - dt.datetime.fromisoformat(r[0])) < dt.timedelta(seconds=3)
    # Naive wall-clock times (UTC here) expect 02:00 and 02:30, which never came: misses, and 03:00's extra runs
    # are unscheduled.
    naive = conn.execute(RUNS, args + ("UTC",)).fetchall()
    assert any(r[2] == "missed" and r[0] == "2026-03-08 02:30:00" for r in naive)
    assert any(r[2] == "unscheduled" for r in naive)


@pytest.mark.parametrize("logs", ["log", "log-trad"])
def test_cron_runs_across_fall_back(tmp_path, logs):
    """Debian's cron -L 15 across New York's 2026-11-01 02:00 EDT -> 01:00 EST (Tests/fixtures/cron/dst-fall): the
    repeated hour's wildcard runs (01:00 ... 01:05 EST) are each a run of their second-pass fire time; `2 1 * * *`
    and `0 1-3 * * *`, fixed-time entries that ran in the first pass (before the capture), expect nothing in the
    second; the history's span runs from 01:56:30 EDT to 01:05 EST, so first-pass fire times before it are
    unknown and second-pass ones after it too — nothing is missed."""
    dst, manifest, truth = install_capture(tmp_path, "dst-fall")
    conn = connect()
    args = (str(dst / "crontabs/cron.d/strata-dst"), str(dst / logs / "syslog"), "2026-11-01 00:50", "2026-11-01 02:10")
    rows = conn.execute(RUNS, args + ("America/New_York",)).fetchall()
    ran = sorted((r[3], r[0]) for r in rows if r[2] == "ended")
    assert ran == sorted((t["job"], t["start"][:16] + ":00") for t in truth)
    assert {r[2] for r in rows} == {"ended", "unknown"}, [r for r in rows if r[2] not in ("ended", "unknown")]
    # The fixed-time entries have one fire time in the repeated hour (the first pass's, before the history).
    assert [r[0] for r in rows if r[3] == "at-0102"] == ["2026-11-01 01:02:00"]
    assert [r[0] for r in rows if r[3] == "hours-1-3" and r[0] < "2026-11-01 02:00"] == ["2026-11-01 01:00:00"]
    # The wildcard entry has two (one per pass) at each repeated minute.
    assert sum(1 for r in rows if r[3] == "every-minute" and r[0] == "2026-11-01 01:03:00") == 2
    # The window taken from the history itself: its ends are the first and last lines, in time order.
    span = conn.execute("SELECT DISTINCT history_from, history_to FROM cron_runs WHERE crontab = ? AND history = ? "
                        "AND tz = ?", (args[0], args[1], "America/New_York")).fetchall()
    assert [(a[:16], b[:16]) for a, b in span] == [("2026-11-01 01:56", "2026-11-01 01:05")]


def test_cron_tz_is_cronies(tmp_path):
    """CRON_TZ on a London machine: cronie (whose history has CMDEND lines) runs `0 9 * * *` at 09:00 Tokyo time
    (00:00 in London in January, 01:00 in July); Debian's cron ignores CRON_TZ and runs it at 09:00 London time."""
    (tmp_path / "jobs").write_text("CRON_TZ=Asia/Tokyo\n0 9 * * * /usr/local/bin/report\n")
    cronie, debian = [], []
    for day, hour, off in (("2026-01-15", "00", "+00:00"), ("2026-07-15", "01", "+01:00")):
        cronie += [f"{day}T{hour}:00:01.100000{off} vm CROND[901]: (alice) CMD (/usr/local/bin/report)",
                   f"{day}T{hour}:00:03.200000{off} vm CROND[900]: (alice) CMDEND (/usr/local/bin/report)"]
        debian += [f"{day}T09:00:01.100000{off} vm CRON[901]: (alice) CMD (/usr/local/bin/report)"]
    (tmp_path / "cronie.log").write_text("\n".join(cronie) + "\n")
    (tmp_path / "debian.log").write_text("\n".join(debian) + "\n")
    conn = connect()
    q = """SELECT scheduled_at, started_at, status FROM cron_runs
           WHERE crontab = ? AND history = ? AND start = ? AND "end" = ? AND tz = 'Europe/London' AND kind = 'user'"""
    for window in (("2026-01-15", "2026-01-16"), ("2026-07-15", "2026-07-16")):
        rows = conn.execute(q, (str(tmp_path / "jobs"), str(tmp_path / "cronie.log")) + window).fetchall()
        assert len(rows) == 1 and rows[0][2] == "ended" and rows[0][0][11:16] == rows[0][1][11:16], rows
        rows = conn.execute(q, (str(tmp_path / "jobs"), str(tmp_path / "debian.log")) + window).fetchall()
        assert [(r[0][11:], r[2]) for r in rows] == [("09:00:00", "started")], rows
    # A CRON_TZ that is no zone is an error naming the line.
    (tmp_path / "bad").write_text("CRON_TZ=Mars/Base\n0 9 * * * /usr/local/bin/report\n")
    with pytest.raises(Exception, match=r"cron_runs: CRON_TZ=Mars/Base in .*bad \(line 2\): unknown time zone"):
        conn.execute(q, (str(tmp_path / "bad"), str(tmp_path / "cronie.log"), "2026-01-15", "2026-01-16")).fetchall()


def test_tz_line_dates_the_jobs_log_path(tmp_path):
    """A crontab's TZ line changes no schedule (neither daemon reads it for that) but is the job's zone: its
    `$(date +%F)` is the date there (20:00 UTC is already tomorrow in Tokyo)."""
    (tmp_path / "jobs").write_text("TZ=Asia/Tokyo\n0 20 * * * /opt/export.sh >> /logs/export-$(date +\\%F).log 2>&1\n"
                                   "0 20 * * * /opt/plain.sh >> /logs/plain-$(date +\\%F).log 2>&1\n")
    # The TZ line holds for both entries after it (crontab environment lines apply to what follows).
    (tmp_path / "syslog").write_text(
        "2024-03-05T20:00:01.100000+00:00 vm CRON[901]: (alice) CMD (/opt/export.sh >> /logs/export-$(date +%F).log 2>&1)\n")
    conn = connect()
    rows = conn.execute("""SELECT scheduled_at, log_path FROM cron_runs WHERE crontab = ? AND history = ?
                           AND start = '2024-03-05' AND "end" = '2024-03-06' AND tz = 'UTC' AND kind = 'user'
                           ORDER BY log_path""", (str(tmp_path / "jobs"), str(tmp_path / "syslog"))).fetchall()
    assert rows[0] == ("2024-03-05 20:00:00", "/logs/export-2024-03-06.log")


def test_order_by_fire_time_in_a_zone(conn):
    """With a zone the rows come in the order the daemon runs them, which across a fall-back is not text order:
    ORDER BY fire_time still sorts."""
    q = "SELECT fire_time FROM cron_schedule('*/30 * * * *', '2026-11-01 01:00', '2026-11-01 02:01', ?) {}"
    assert [r[0][11:16] for r in conn.execute(q.format(""), ("America/New_York",))] == [
        "01:00", "01:30", "01:00", "01:30", "02:00"]
    assert [r[0][11:16] for r in conn.execute(q.format("ORDER BY fire_time"), ("America/New_York",))] == [
        "01:00", "01:00", "01:30", "01:30", "02:00"]
