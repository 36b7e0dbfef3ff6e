"""Cron benchmarks against peers on the same data; prints a ratio table.

    STRATA_LIB=.build/release/libstrata python Benchmarks/peers/cron.py [--mb 100] [--keep DIR] [--only runs]

1. cron_schedule('* * * * *') over one year (525,600 rows) vs croniter iterating the same fire times.
2. cron_history over a generated syslog (default 100 MB; about a quarter of the lines are cron's, the rest
   other daemons) vs a compiled-regex Python parser extracting the same fields, and `grep -c` for scale.
3. cron_runs over a week of syslog from a 50-entry machine (Debian's default level with PAM session lines, as
   syslog + auth.log give them; other daemons' lines between), the whole week in one query (target: 100 ms), vs
   croniter computing the same fire times alone.
Timings are the best of a few runs, one thread (SQLite runs a query on one core). Both wall-clock and CPU
seconds are shown (CPU includes child processes, for grep): on a loaded shared machine, CPU time is the
steadier measure. The load average is printed with the table.
"""
import argparse
import datetime as dt
import os
import pathlib
import random
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
LIB = os.environ.get("STRATA_LIB", str(ROOT / ".build" / "release" / "libstrata"))


def connect():
    c = sqlite3.connect(":memory:")
    c.enable_load_extension(True)
    c.load_extension(LIB)
    return c


def cpu():
    own = time.process_time()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + kids.ru_utime + kids.ru_stime


def best(f, runs=3):
    """(best wall seconds, best CPU seconds, result)."""
    out, w_best, c_best = None, float("inf"), float("inf")
    for _ in range(runs):
        w, c = time.perf_counter(), cpu()
        out = f()
        w_best = min(w_best, time.perf_counter() - w)
        c_best = min(c_best, cpu() - c)
    return (w_best, c_best), out


def generate_syslog(path, megabytes, seed=7):
    rng = random.Random(seed)
    t = dt.datetime(2024, 1, 1)
    target = megabytes * 1_000_000
    pid = 1000
    with open(path, "w") as f:
        size = 0
        while size < target:
            t += dt.timedelta(seconds=rng.randint(0, 3))
            stamp = t.strftime("%b %e %H:%M:%S")
            pid = pid + rng.randint(1, 5) if pid < 4_000_000 else 1000
            r = rng.random()
            if r < 0.25:
                user = rng.choice(["root", "ml", "www-data"])
                cmd = rng.choice(["/opt/ml/retrain.py >> /logs/retrain.log 2>&1", "/opt/ml/ingest.sh > /logs/ingest.log",
                                  "cd / && run-parts --report /etc/cron.hourly", "/usr/lib/php/sessionclean"])
                lines = [f"{stamp} web1 CRON[{pid}]: pam_unix(cron:session): session opened for user {user}(uid=0) by (uid=0)",
                         f"{stamp} web1 CRON[{pid}]: ({user}) CMD ([{pid + 1}] {cmd})",
                         f"{stamp} web1 CRON[{pid}]: ({user}) END ([{pid + 1}] {cmd})",
                         f"{stamp} web1 CRON[{pid}]: pam_unix(cron:session): session closed for user {user}"]
                line = lines[rng.randrange(4)]
            elif r < 0.5:
                line = f"{stamp} web1 systemd[1]: Started Session {rng.randint(1, 99999)} of User ml."
            elif r < 0.75:
                line = (f"{stamp} web1 kernel: [{rng.randint(1, 10**6)}.{rng.randint(0, 999999):06d}] "
                        f"IPv4: martian source 10.0.{rng.randint(0, 255)}.{rng.randint(0, 255)} from 10.0.0.1, on dev eth0")
            else:
                line = (f"{stamp} web1 sshd[{pid}]: Accepted publickey for ml from 10.0.{rng.randint(0, 255)}."
                        f"{rng.randint(0, 255)} port {rng.randint(1024, 65535)} ssh2: ED25519 SHA256:abcdef")
            f.write(line + "\n")
            size += len(line) + 1
    os.utime(path, (t.timestamp(), t.timestamp()))


# A 50-entry machine: a few every-minute and 5-minute jobs, hourly, daily and weekly ones.
MACHINE = ([("* * * * *", f"/opt/jobs/poll-{i}.sh > /dev/null") for i in range(2)]
           + [(f"{i}-59/5 * * * *", f"/opt/jobs/sync-{i}.py >> /var/log/jobs/sync-{i}.log 2>&1") for i in range(8)]
           + [(f"{7 + i} * * * *", f"/opt/jobs/hourly-{i}.sh >> /var/log/jobs/hourly-{i}.log 2>&1") for i in range(20)]
           + [(f"{i} {i % 6} * * *", f"cd /srv && ./daily-{i}.sh >> /var/log/jobs/daily-{i}.log 2>&1") for i in range(15)]
           + [(f"30 3 * * {i}", f"/usr/local/bin/weekly-{i} --all") for i in range(5)])


def generate_week(folder, seed=11):
    """crontab and syslog for one week of MACHINE: each run's PAM session (parent P) and CMD line (job J)."""
    from croniter import croniter
    rng = random.Random(seed)
    start, end = dt.datetime(2024, 3, 4), dt.datetime(2024, 3, 11)
    (folder / "cron.d").mkdir(exist_ok=True)
    (folder / "cron.d" / "machine").write_text("".join(f"{s} root {c}\n" for s, c in MACHINE))
    lines = []
    pid = 2000
    for sched, cmd in MACHINE:
        it = croniter(sched, start - dt.timedelta(seconds=1))
        while (t := it.get_next(dt.datetime)) < end:
            pid += rng.randint(2, 9)
            s = t + dt.timedelta(seconds=1)
            e = s + dt.timedelta(seconds=rng.randint(0, 40))
            lines.append((s, f"web1 CRON[{pid}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"))
            lines.append((s, f"web1 CRON[{pid + 1}]: (root) CMD ({cmd})"))
            lines.append((e, f"web1 CRON[{pid}]: pam_unix(cron:session): session closed for user root"))
    t = start
    while t < end:
        t += dt.timedelta(seconds=rng.randint(1, 30))
        lines.append((t, f"web1 systemd[1]: Started Session {rng.randint(1, 99999)} of User ml."))
    lines.sort(key=lambda x: x[0])
    with open(folder / "syslog", "w") as f:
        for when, text in lines:
            f.write(when.strftime("%b %e %H:%M:%S ") + text + "\n")
    os.utime(folder / "syslog", (end.timestamp(), end.timestamp()))
    return start, end, sum(1 for _, x in lines if " CMD " in x)


PY_CRON = re.compile(rb"^(\w{3}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\S+) (?:\S*/)?(cron|CRON|crond|CROND)\[(\d+)\]: (.*)$")
PY_MSG = re.compile(rb"^\((\S+)\) (\S+) \((?:\[(\d+)\] )?(.*)\)$")


def python_history(path):
    """The peer: a compiled-regex parser extracting timestamp, host, pid, user, event and command."""
    n = 0
    with open(path, "rb") as f:
        for line in f:
            m = PY_CRON.match(line.rstrip(b"\n"))
            if not m:
                continue
            msg = PY_MSG.match(m.group(9))
            if msg:
                _user, _event, _jobpid, _cmd = msg.groups()
            n += 1
    return n


def main():
    # Debian's python3 (its sqlite3 can load extensions) in .build-bench-venv, with croniter.
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from common import ensure_venv
    ensure_venv(["croniter"])
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--keep", help="directory to keep the generated syslog in (reused when present)")
    ap.add_argument("--only", choices=["runs"], help="only part 3 (cron_runs over a week)")
    a = ap.parse_args()
    rows = []
    db = connect()
    if a.only == "runs":
        return only_runs(db, a)

    # 1. A year of minutes.
    q = "select count(*) from cron_schedule('* * * * *', '2023-01-01', '2024-01-01')"
    t_count, n = best(lambda: db.execute(q).fetchone()[0])
    q2 = "select max(fire_time) from cron_schedule('* * * * *', '2023-01-01', '2024-01-01')"
    t_text, _ = best(lambda: db.execute(q2).fetchone()[0])
    t_fetch, fetched = best(lambda: len(db.execute(
        "select fire_time from cron_schedule('* * * * *', '2023-01-01', '2024-01-01')").fetchall()))
    from croniter import croniter

    def peer():
        it = croniter("* * * * *", dt.datetime(2022, 12, 31, 23, 59))
        end = dt.datetime(2024, 1, 1)
        k = 0
        while it.get_next(dt.datetime) < end:
            k += 1
        return k
    t_peer, k = best(peer, runs=1)
    assert n == k == fetched == 525_600, (n, k, fetched)
    rows += [("cron_schedule year: count(*)", t_count, t_peer),
             ("cron_schedule year: max(fire_time)", t_text, t_peer),
             ("cron_schedule year: fetch all rows to Python", t_fetch, t_peer)]

    # 2. A large syslog.
    folder = pathlib.Path(a.keep) if a.keep else pathlib.Path(tempfile.mkdtemp(prefix="strata-cron-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"syslog-{a.mb}mb"
    if not log.exists():
        generate_syslog(log, a.mb)
    size_mb = log.stat().st_size / 1e6
    subprocess.run(["cat", str(log)], stdout=subprocess.DEVNULL)  # warm the page cache
    t_h_count, n_h = best(lambda: db.execute("select count(*) from cron_history(?)", (str(log),)).fetchone()[0])
    t_h_cols, _ = best(lambda: db.execute(
        "select count(ts), count(user), count(event), count(command), count(pid) from cron_history(?)",
        (str(log),)).fetchone())
    t_h_cmd, n_cmd = best(lambda: db.execute(
        "select count(*) from cron_history(?) where event = 'CMD'", (str(log),)).fetchone()[0])
    t_py, n_py = best(lambda: python_history(log), runs=1)
    t_grep, _ = best(lambda: subprocess.run(["grep", "-c", "CRON\\[", str(log)], capture_output=True).stdout)
    assert n_h == n_py, (n_h, n_py)
    rows += [(f"cron_history {size_mb:.0f} MB: count(*)", t_h_count, t_py),
             (f"cron_history {size_mb:.0f} MB: 5 columns", t_h_cols, t_py),
             (f"cron_history {size_mb:.0f} MB: where event='CMD'", t_h_cmd, t_py),
             (f"(grep -c 'CRON\\[' {size_mb:.0f} MB, for scale)", t_grep, t_py)]

    # 3. A week of a 50-entry machine.
    week = folder / "week"
    week.mkdir(exist_ok=True)
    w_start, w_end, n_runs = generate_week(week)
    week_mb = (week / "syslog").stat().st_size / 1e6
    q3 = ("select count(*), count(ended_at) from cron_runs where crontab = ? and history = ? and start = ? "
          "and \"end\" = ? and tz = 'UTC'")  # the generated week is naive time (no DST), whatever TZ says
    args3 = (str(week / "cron.d" / "machine"), str(week / "syslog"), str(w_start), str(w_end))
    t_runs, (n_rows, n_ended) = best(lambda: db.execute(q3, args3).fetchone(), runs=5)
    assert n_rows == n_runs, (n_rows, n_runs)

    def fire_times():
        from croniter import croniter
        k = 0
        for sched, _ in MACHINE:
            it = croniter(sched, w_start - dt.timedelta(seconds=1))
            while it.get_next(dt.datetime) < w_end:
                k += 1
        return k
    t_fire, k3 = best(fire_times, runs=1)
    assert k3 == n_runs
    rows += [(f"cron_runs week, 50 entries ({week_mb:.0f} MB, {n_runs} runs)", t_runs, t_fire)]

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; seconds are best-of-runs, wall / CPU")
    print(f"{'benchmark':50} {'strata wall':>11} {'cpu':>6} {'peer wall':>9} {'cpu':>6} {'ratio(cpu)':>10}  throughput (cpu)")
    for name, (sw, sc), (pw, pc) in rows:
        thr = (f"{n_runs / sc / 1e6:6.2f} M runs/s" if name.startswith("cron_runs") else
               f"{size_mb / sc:6.0f} MB/s" if "MB" in name else f"{525_600 / sc / 1e6:6.2f} M rows/s")
        print(f"{name:50} {sw:11.3f} {sc:6.3f} {pw:9.3f} {pc:6.3f} {pc / sc:10.1f}  {thr}")
    print(f"cron_runs week: {n_rows} rows, {n_ended} with an end; peer: croniter computing the fire times only.")
    print(f"peers: croniter get_next loop (schedule); compiled-regex Python parser (history). "
          f"{n_h} cron lines, {n_cmd} CMD lines in {size_mb:.0f} MB.")
    if not a.keep:
        log.unlink()
        for f in ("cron.d/machine", "syslog"):
            (week / f).unlink()
        (week / "cron.d").rmdir()
        week.rmdir()
        folder.rmdir()


def only_runs(db, a):
    folder = pathlib.Path(a.keep or tempfile.mkdtemp(prefix="strata-cron-bench-"))
    week = folder / "week"
    week.mkdir(parents=True, exist_ok=True)
    w_start, w_end, n_runs = generate_week(week)
    q3 = ("select count(*), count(ended_at) from cron_runs where crontab = ? and history = ? and start = ? "
          "and \"end\" = ? and tz = 'UTC'")  # the generated week is naive time (no DST), whatever TZ says
    args3 = (str(week / "cron.d" / "machine"), str(week / "syslog"), str(w_start), str(w_end))
    (wall, cpu_s), (n_rows, n_ended) = best(lambda: db.execute(q3, args3).fetchone(), runs=7)
    assert n_rows == n_runs, (n_rows, n_runs)
    print(f"load average {os.getloadavg()[0]:.1f}; cron_runs week, 50 entries, {n_runs} runs ({n_ended} ended): "
          f"best of 7 wall {wall:.3f} s, CPU {cpu_s:.3f} s")
    if not a.keep:
        for f in ("cron.d/machine", "syslog"):
            (week / f).unlink()
        (week / "cron.d").rmdir()
        week.rmdir()
        folder.rmdir()


if __name__ == "__main__":
    main()
