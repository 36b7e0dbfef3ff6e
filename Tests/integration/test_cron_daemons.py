"""cron_runs against what real daemons logged: Debian 12's cron (3.0pl1) at its default level and at -L 15, and
cronie 1.7.2 built from its source release, under rsyslog with Debian's rules (ISO timestamps) and the same lines in
the traditional `Mmm dd HH:MM:SS` format. Every job was Tests/fixtures/cron/capture/job.py, which recorded its own
start, end and exit status (truth.jsonl); capture.sh made the captures (run it as root to make them again). Every
fire time of each capture window is checked against those records, so nothing here needs a daemon.

The jobs: four of one user starting in the same second and ending in another order, one overlapping its next run,
one killed by SIGKILL, one dying of an uncaught traceback, one logging ERROR and exiting 2, one exiting 3 and
saying nothing, one with `\\%` in its command, one reading stdin from `%`, one with `$(date +\\%F)` in its log path,
one with a relative log path, and root's: a child killed by the OOM killer in a memory cgroup, a child dying of a
segfault, and one that succeeds.
"""
import datetime as dt
import json
import os
import re

import pytest

from conftest import connect

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "cron")
DAEMONS = ["debian-default", "debian-L15", "cronie"]
FORMATS = {"iso": "log", "traditional": "log-trad"}
WORK = b"/var/tmp/strata-capture"

# What shows a failure when the daemon logs no exit status (Debian's default level, cronie), by job.
EVIDENCE = {
    "crash": "uncaught traceback in its log: RuntimeError: crash: the input table is empty",
    "errlog": "ERROR in its log",
    "oom": "killed by the OOM killer",
    "segv": "segfault",
}
# Failures nothing in the history or the job's log shows without an exit status: the run is `ended`, not `ok`.
SILENT = {"killed", "quietfail"}


def parse(t):
    return dt.datetime.fromisoformat(t) if t else None


def install(tmp_path, daemon):
    """The capture copied under tmp_path (its work folder's paths rewritten there), with its files' times; the jobs'
    logs (job-logs/) where the crontab's paths put them."""
    src = os.path.join(FIXTURES, daemon)
    dst = tmp_path / daemon
    manifest = json.load(open(os.path.join(src, "manifest.json")))
    for rel, mtime in manifest["mtimes"].items():
        data = open(os.path.join(src, rel), "rb").read().replace(WORK, str(dst).encode())
        p = dst / ("logs/" + rel[len("job-logs/"):] if rel.startswith("job-logs/") else rel)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        os.utime(p, (mtime, mtime))
    return dst, manifest


def truth(dst):
    """The jobs' own records: one per run, start and end paired by pid."""
    started = {}
    runs = []
    for line in open(dst / "truth.jsonl"):
        r = json.loads(line)
        key = (r["job"], r["pid"])
        if r["event"] == "start":
            started[key] = r
        else:
            s = started.pop(key)
            runs.append(dict(job=r["job"], start=parse(s["start"]), end=parse(r["end"]), exit=r["exit"],
                             stdin=s.get("stdin"), tag=s.get("tag")))
    assert not started, "every run recorded its end"
    return runs


def job_of(command):
    return re.search(r"job\.py (\S+)", command).group(1)


def capture_runs(db, dst, manifest, layout, extra=""):
    crontabs = "{%s/crontabs/alice,%s/crontabs/cron.d/*}" % (dst, dst)
    # syslog holds cron's lines, auth.log the PAM sessions, kern.log the kernel's; cron.log repeats cron's lines.
    history = "%s/%s/{syslog,auth.log,kern.log,cron.log}" % (dst, layout)
    cols = ("scheduled_at, started_at, ended_at, duration_s, status, exit_status, outcome, evidence, command, "
            "log_path, overran, overlapping")
    # The captures' machine ran in UTC (manifest "timezone"): named, so the test means the same under any TZ.
    cur = db.execute(f"select {cols} from cron_runs WHERE crontab = ? AND history = ? AND start = ? AND \"end\" = ? "
                     f"AND tz = ?{extra}", (crontabs, history, *manifest["window"], manifest["timezone"]))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


@pytest.mark.parametrize("layout", FORMATS.values(), ids=FORMATS.keys())
@pytest.mark.parametrize("daemon", DAEMONS)
def test_every_fire_time_against_the_jobs_own_records(db, tmp_path, daemon, layout):
    dst, manifest = install(tmp_path, daemon)
    runs = truth(dst)
    rows = capture_runs(db, dst, manifest, layout)
    whole_seconds = layout == "log-trad"
    assert not [r for r in rows if r["status"] in ("unscheduled", "unknown", "missed")], \
        [r for r in rows if r["status"] in ("unscheduled", "unknown", "missed")]
    used = set()
    ends_known = 0
    for row in rows:
        job = job_of(row["command"])
        fire = parse(row["scheduled_at"])
        matches = [k for k, t in enumerate(runs) if t["job"] == job and fire <= t["start"] < fire + dt.timedelta(minutes=1)]
        assert len(matches) == 1, (row, matches)
        k = matches[0]
        used.add(k)
        t = runs[k]
        # The CMD line is logged as the job starts: by its shell just before (default level, cronie), or by its
        # parent just after the fork (-L 8); within a second (whole-second stamps are floored).
        started = parse(row["started_at"])
        assert abs((t["start"] - started).total_seconds()) < (2 if whole_seconds else 1), (row, t)
        # The end is logged after the job exits: the stamp within a second of it.
        if row["ended_at"]:
            ends_known += 1
            ended = parse(row["ended_at"])
            low = t["end"] - dt.timedelta(seconds=1 if whole_seconds else 0)
            assert low <= ended < t["end"] + dt.timedelta(seconds=1), (row, t)
            assert abs(row["duration_s"] - (t["end"] - t["start"]).total_seconds()) < 2, (row, t)
        else:
            # An end not logged is said to be unknown, never guessed.
            assert row["outcome"] in ("ended", "started", "running", "failed"), row
            assert "unknown" in row["evidence"] or "no end" in row["evidence"] or "only its start" in row["evidence"] \
                or row["outcome"] == "failed", row
        # The status claims no more than the history shows.
        if daemon == "debian-L15":
            assert row["exit_status"] == t["exit"], (row, t)
            assert row["status"] == ("ok" if t["exit"] == 0 else "failed"), (row, t)
            if job in ("oom", "segv"):
                # The kernel's line names a child of the job's shell: the job's when only it could have forked it,
                # else each candidate is told.
                assert EVIDENCE[job] in row["evidence"] or "the log does not say whose it was" in row["evidence"], row
        elif t["exit"] == 0:
            assert row["status"] in ("ended", "started"), (row, t)
            assert row["exit_status"] is None
        elif job in ("oom", "segv") and row["status"] != "failed":
            # The killed process is a child of the job's shell, which no line names: when several runs that could
            # have forked it were going (a burst at Debian's default level), each is told, none is failed.
            assert row["status"] in ("ended", "started") and "the log does not say whose it was" in row["evidence"]
        elif job in EVIDENCE:
            assert row["status"] == "failed" and EVIDENCE[job] in row["evidence"], (row, t)
        else:
            assert job in SILENT and row["status"] in ("ended", "started"), (row, t)
        if job == "dated":
            assert row["log_path"].endswith("/logs/dated-%s.log" % t["start"].strftime("%Y-%m-%d")), row
        if job == "relative":
            assert row["log_path"].endswith("strata-relative.log"), row
    # Every run the jobs recorded is a row.
    assert used == set(range(len(runs)))
    # Which ends the history tells: all of them with -L 15 (pids logged); at the default level and with cronie
    # those of runs whose session only one CMD can be paired with.
    if daemon == "debian-L15":
        assert ends_known == len(rows)
    else:
        assert ends_known > 0


@pytest.mark.parametrize("daemon", DAEMONS)
def test_commands_with_percent_signs(db, tmp_path, daemon):
    dst, manifest = install(tmp_path, daemon)
    runs = truth(dst)
    # `\\%` reached the job as `%`; the text after an unescaped `%` was its stdin.
    assert {t["tag"] for t in runs if t["job"] == "percent"} == {"50%off"}
    assert {t["stdin"] for t in runs if t["job"] == "stdin"} == {"first line\nsecond line\n"}
    rows = db.execute("select command, stdin from crontab(?) where command like '%job.py percent %' or command like '%job.py stdin %'",
                      (str(dst / "crontabs" / "alice"),)).fetchall()
    assert sorted(rows) == [
        (f"/opt/strata-capture/job.py percent --tag 50%off >> {dst}/logs/percent.log 2>&1", None),
        (f"/opt/strata-capture/job.py stdin --stdin >> {dst}/logs/stdin.log 2>&1", "first line\nsecond line\n"),
    ]


@pytest.mark.parametrize("daemon", DAEMONS)
def test_overlapping_runs(db, tmp_path, daemon):
    """The overlapping job (every 2 minutes, 150 s long) was still going at its next fire time."""
    dst, manifest = install(tmp_path, daemon)
    runs = [t for t in truth(dst) if t["job"] == "overlap"]
    rows = [r for r in capture_runs(db, dst, manifest, "log") if job_of(r["command"]) == "overlap"]
    assert len(rows) == len(runs) >= 3
    for row in rows:
        if row["ended_at"]:
            assert row["overran"] == 1
    later = [r for r in rows[1:] if all(x["ended_at"] for x in rows)]
    assert all(r["overlapping"] == 1 for r in later)


@pytest.mark.parametrize("daemon", DAEMONS)
def test_history_of_a_capture(db, tmp_path, daemon):
    dst, manifest = install(tmp_path, daemon)
    runs = truth(dst)
    n = db.execute("select count(*) from cron_history(?) where event = 'CMD'", (str(dst / "log" / "syslog"),)).fetchone()[0]
    assert n == len(runs)
    kernel = db.execute("select event, command from cron_history(?) where event in ('OOM_KILL', 'SEGFAULT')",
                        (str(dst / "log" / "kern.log"),)).fetchall()
    assert sorted(set(kernel)) == [("OOM_KILL", "python3"), ("SEGFAULT", "python3")]
    assert len(kernel) >= len([t for t in runs if t["job"] in ("oom", "segv")])
    # Traditional stamps take their year from the file's time: the same times, to the second.
    iso = db.execute("select substr(ts, 1, 19), event, pid from cron_history(?)", (str(dst / "log" / "syslog"),)).fetchall()
    trad = db.execute("select ts, event, pid from cron_history(?)", (str(dst / "log-trad" / "syslog"),)).fetchall()
    assert iso == trad
