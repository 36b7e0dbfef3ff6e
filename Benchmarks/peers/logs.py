#!/usr/bin/env python3
"""read_log against the tools people use on logs today, on the same ~500 MB Python-logging file.

Makes (once, cached under .build-bench-logs/) a week of `%(asctime)s [%(levelname)s] %(name)s: %(message)s`
records written by Python's logging.Formatter, ~5% with real tracebacks; then runs, each as its own process
with the file in the page cache: `wc -l`, `grep -c ERROR`, lnav headless (`lnav -n -c ';SELECT ...'`, from
`apt-get install lnav`), DuckDB `read_csv` + regexp (pip-installed into .build-bench-venv), and Strata
(`sqlite3` CLI with `.load`), plus Strata's statement time in-process. Prints medians, ratios to `grep -c` and
peak RSS (from wait4), and checks that the answers agree.

Then the same count by level on files in three newer formats, each ~MB/5 written by the real library (installed
into .build-bench-venv) with the same fake week of records and the counts the generator wrote kept beside it as
the truth: Python logging with an ISO-8601 datefmt (`%Y-%m-%dT%H:%M:%S%z`), loguru's default sink format (a
file sink, `loguru.logger.add(file)`), and structlog's JSONRenderer with an ISO timestamp. Strata, lnav and
`grep -c` of the level as each format writes it.

Usage: python3 Benchmarks/peers/logs.py [MB] [--repeat N] [--skip-lnav] [--skip-formats]   (needs a release
build; STRATA_LIB=<path without .so> to point at another build)
"""
import collections
import datetime
import json
import logging
import os
import pathlib
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV = ROOT / ".build-bench-venv"
DATA = ROOT / ".build-bench-logs"
LIB = pathlib.Path(os.environ.get("STRATA_LIB", ROOT / ".build" / "release" / "libstrata"))
FORMAT = "%(asctime)s [%(levelname)s] %(name)s: %(message)s"
START = 1_795_132_800 - 4 * 86_400  # 2026-11-16 00:00:00 UTC: the week runs Monday to Sunday
WEEK_MS = 7 * 86_400 * 1000
HOUR = ("2026-11-20 02:00:00", "2026-11-20 03:00:00")


def ensure_venv(packages):
    """Re-runs this script under .build-bench-venv (Debian's python3, which can load extensions)."""
    py = VENV / "bin" / "python"
    if pathlib.Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not py.exists():
        subprocess.run(["/usr/bin/python3", "-m", "venv", str(VENV)], check=True)
    have = subprocess.run([str(py), "-c", "import importlib.util, sys; sys.exit(0 if all("
                           "importlib.util.find_spec(m) for m in sys.argv[1:]) else 1)", *packages])
    if have.returncode != 0:
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", *packages], check=True)
    os.execv(str(py), [str(py), *sys.argv])


def tracebacks():
    """A few real tracebacks, formatted by logging itself."""
    out = []
    fmt = logging.Formatter()

    def deep(n, kind):
        if n == 0:
            if kind == 0:
                raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total capacity)")
            if kind == 1:
                raise KeyError("feature_42")
            raise ValueError("batch shape mismatch: (512, 384) vs (512, 768)")
        deep(n - 1, kind)

    for k in range(12):
        try:
            deep(k % 5, k % 3)
        except Exception:
            out.append(fmt.formatException(sys.exc_info()))
    return out


def generate(path, megabytes):
    """Writes ~`megabytes` MB of records spread over one week; returns the record count."""
    rng = random.Random(42)
    formatter = logging.Formatter(FORMAT)
    formatter.converter = time.gmtime
    tbs = tracebacks()
    loggers = ["trainer", "trainer.data", "ml.ingest", "ml.embed", "scheduler", "api.http"]
    levels = [(logging.DEBUG, 20), (logging.INFO, 60), (logging.WARNING, 12), (logging.ERROR, 6), (logging.CRITICAL, 2)]
    weighted = [lv for lv, w in levels for _ in range(w)]
    messages = ["epoch {} loss={:.4f} val_auc={:.4f}", "loaded {} examples from s3://bucket/features-{:.0f}.parquet ({:.1f} MB)",
                "GPU memory at {}% ({:.2f} GiB of {:.2f})", "request id={} took {:.1f} ms (p99 {:.1f})",
                "retrying download ({} of 5): connection reset by peer after {:.3f}s ({:.0f} bytes)"]
    target = megabytes << 20
    est_records = target // 135
    step = WEEK_MS / est_records
    ms = START * 1000.0
    written = 0
    n = 0
    with open(path, "w", buffering=1 << 22) as f:
        while written < target:
            ms += rng.random() * 2 * step
            level = rng.choice(weighted)
            msg = rng.choice(messages).format(rng.randint(1, 99999), rng.random() * 100, rng.random() * 1000)
            r = logging.makeLogRecord({"name": rng.choice(loggers), "levelno": level,
                                       "levelname": logging.getLevelName(level), "msg": msg, "args": None})
            r.created = int(ms) / 1000
            r.msecs = float(int(ms) % 1000)
            if rng.random() < 0.05:
                r.exc_text = rng.choice(tbs)
            line = formatter.format(r) + "\n"
            f.write(line)
            written += len(line.encode())
            n += 1
    return n


def fake_week(megabytes, seed):
    """(epoch ms, level name, logger, message, traceback or None) records filling ~`megabytes` MB at ~110 bytes
    each, spread over the same week as the main file."""
    rng = random.Random(seed)
    tbs = tracebacks()
    loggers = ["trainer", "trainer.data", "ml.ingest", "ml.embed", "scheduler", "api.http"]
    levels = [("DEBUG", 20), ("INFO", 60), ("WARNING", 12), ("ERROR", 6), ("CRITICAL", 2)]
    weighted = [lv for lv, w in levels for _ in range(w)]
    messages = ["epoch {} loss={:.4f} val_auc={:.4f}", "GPU memory at {}% ({:.2f} GiB of {:.2f})",
                "request id={} took {:.1f} ms (p99 {:.1f})"]
    est = (megabytes << 20) // 110
    step = WEEK_MS / est
    ms = START * 1000.0
    for _ in range(est):
        ms += rng.random() * 2 * step
        msg = rng.choice(messages).format(rng.randint(1, 99999), rng.random() * 100, rng.random() * 1000)
        tb = rng.choice(tbs) if rng.random() < 0.05 else None
        yield int(ms), rng.choice(weighted), rng.choice(loggers), msg, tb


def generate_iso(path, megabytes):
    """Python logging, `%(asctime)s %(levelname)s %(name)s: %(message)s`, datefmt `%Y-%m-%dT%H:%M:%S%z` (UTC)."""
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S%z")
    formatter.converter = time.gmtime
    truth = collections.Counter()
    with open(path, "w", buffering=1 << 22) as f:
        for ms, level, name, msg, tb in fake_week(megabytes, 7):
            r = logging.makeLogRecord({"name": name, "levelno": logging.getLevelName(level), "levelname": level,
                                       "msg": msg, "args": None})
            r.created = ms / 1000
            r.msecs = float(ms % 1000)
            r.exc_text = tb
            f.write(formatter.format(r) + "\n")
            truth[level] += 1
    return truth


def generate_loguru(path, megabytes):
    """loguru's default format through a file sink (what `logger.add("job.log")` writes); the record times are
    set by `logger.patch` to the fake week (as loguru's own datetime type, which its format tokens need)."""
    from loguru import logger
    from loguru._datetime import datetime as loguru_datetime
    logger.remove()
    truth = collections.Counter()
    clock = [0]
    f = open(path, "w", buffering=1 << 22)
    logger.add(f, level="DEBUG", colorize=False, backtrace=False, diagnose=False, enqueue=False)
    patched = logger.patch(lambda r: r.update(time=loguru_datetime.fromtimestamp(clock[0] / 1000, datetime.timezone.utc)))
    for ms, level, name, msg, tb in fake_week(megabytes, 8):
        clock[0] = ms
        if tb is not None:
            try:
                raise ValueError("batch shape mismatch: (512, 384) vs (512, 768)")
            except ValueError:
                patched.opt(exception=True).log(level, msg)
        else:
            patched.log(level, msg)
        truth[level] += 1
    logger.remove()
    f.close()
    return truth


def generate_structlog(path, megabytes):
    """structlog's JSONRenderer after add_log_level and an ISO timestamp (TimeStamper's key and shape, from the
    fake clock), exceptions through format_exc_info."""
    import structlog
    truth = collections.Counter()
    clock = [0]

    def stamp(_, __, event):
        t = datetime.datetime.fromtimestamp(clock[0] / 1000, datetime.timezone.utc)
        event["timestamp"] = t.isoformat().replace("+00:00", "Z")
        return event

    f = open(path, "w", buffering=1 << 22)
    structlog.configure(processors=[structlog.processors.add_log_level, structlog.processors.format_exc_info, stamp,
                                    structlog.processors.JSONRenderer()],
                        logger_factory=structlog.WriteLoggerFactory(file=f), cache_logger_on_first_use=True)
    log = structlog.get_logger()
    for ms, level, name, msg, tb in fake_week(megabytes, 9):
        clock[0] = ms
        method = getattr(log, level.lower())
        if tb is not None:
            try:
                raise ValueError("batch shape mismatch: (512, 384) vs (512, 768)")
            except ValueError:
                method(msg, logger=name, exc_info=True)
        else:
            method(msg, logger=name)
        truth[level] += 1
    f.close()
    return truth


FORMATS = [("Python logging, ISO datefmt", "iso", generate_iso, "ERROR"),
           ("loguru default format", "loguru", generate_loguru, "| ERROR "),
           ("structlog JSONRenderer", "structlog", generate_structlog, '"level": "error"')]


def format_files(megabytes):
    """The three files (made once), with the truth counts written beside each."""
    out = []
    for title, stem, make, token in FORMATS:
        path = DATA / f"{stem}-{megabytes}mb.log"
        truth_path = path.with_suffix(".truth.json")
        if not path.exists() or not truth_path.exists():
            t = time.perf_counter()
            truth = make(path.with_suffix(".tmp"), megabytes)
            path.with_suffix(".tmp").rename(path)
            truth_path.write_text(json.dumps(truth, sort_keys=True))
            print(f"generated {path} ({sum(truth.values())} records) in {time.perf_counter() - t:.0f} s")
        out.append((title, path, json.loads(truth_path.read_text()), token))
    return out


def measure(cmd, repeat, stdin=None):
    """Median wall time, max peak RSS and the output of `repeat` runs (after one warm-up). The median CPU time
    (user + system, from wait4) goes to LAST_CPU[1]: on a shared machine wall times swing with the load, CPU
    times much less."""
    run_reaped(cmd, stdin)
    times, cpus, rss, out = [], [], 0.0, ""
    for _ in range(repeat):
        s, m, out = run_reaped(cmd, stdin)
        times.append(s)
        cpus.append(LAST_CPU[0])
        rss = max(rss, m)
    LAST_CPU[1] = statistics.median(cpus)
    return statistics.median(times), rss, out


LAST_CPU = [0.0, 0.0]  # the last run's CPU seconds, the last measure()'s median


def run_reaped(cmd, stdin=None):
    """Like run(), but reaps the child with wait4 to get its own peak RSS."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.PIPE if stdin else subprocess.DEVNULL)
    if stdin:
        p.stdin.write(stdin.encode())
        p.stdin.close()
    out = p.stdout.read()
    err = p.stderr.read()
    # Peak RSS comes from wait4 on this very child (not RUSAGE_CHILDREN, which keeps the maximum of all).
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    secs = time.perf_counter() - t
    LAST_CPU[0] = usage.ru_utime + usage.ru_stime
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({p.returncode}): {err.decode()[:500]}")
    return secs, usage.ru_maxrss / 1024, out.decode()


def in_process(sql, repeat):
    """Strata's statement time inside one process (extension loaded once)."""
    conn = sqlite3.connect(":memory:")
    conn.enable_load_extension(True)
    conn.load_extension(str(LIB))
    conn.execute(sql).fetchall()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        res = conn.execute(sql).fetchall()
        times.append(time.perf_counter() - t)
    return statistics.median(times), res


def table(title, rows, baseline):
    base = dict((r[0], r[1]) for r in rows)[baseline]
    base_cpu = dict((r[0], r[4]) for r in rows)[baseline]
    print(f"\n## {title}\n")
    print(f"| what | median | vs {baseline} | CPU (user+sys) | CPU vs {baseline} | peak RSS | answer |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for name, secs, rss, answer, cpu in rows:
        shown = f"{secs * 1000:.1f} ms" if secs < 1 else f"{secs:.2f} s"
        mem = f"{rss:.0f} MB" if rss else "—"
        cpu_shown = f"{cpu * 1000:.0f} ms" if cpu is not None else "—"
        cpu_ratio = f"{cpu / base_cpu:.2f}x" if cpu is not None and base_cpu else "—"
        print(f"| {name} | {shown} | {secs / base:.2f}x | {cpu_shown} | {cpu_ratio} | {mem} | {answer} |")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    megabytes = int(args[0]) if args else 500
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 5
    skip_lnav = "--skip-lnav" in sys.argv or shutil.which("lnav") is None
    DATA.mkdir(exist_ok=True)
    path = DATA / f"app-{megabytes}mb.log"
    if not path.exists():
        t = time.perf_counter()
        n = generate(path.with_suffix(".tmp"), megabytes)
        path.with_suffix(".tmp").rename(path)
        print(f"generated {path} ({n} records) in {time.perf_counter() - t:.0f} s")
    size = path.stat().st_size
    print(f"file: {path} ({size / 1e6:.0f} MB); cores: {os.cpu_count()}; repeat: {repeat}")
    f = str(path)
    lib = str(LIB)
    import duckdb  # noqa: F401  (installed by ensure_venv)

    level_sql = f"SELECT level, count(*) FROM read_log('{f}') GROUP BY level ORDER BY level"
    hour_sql = (f"SELECT count(*) FROM read_log('{f}') WHERE level = 'ERROR' "
                f"AND ts >= '{HOUR[0]}' AND ts < '{HOUR[1]}'")
    sep = "\x01"
    csv = f"read_csv('{f}', columns={{'line': 'VARCHAR'}}, header=false, delim='{sep}', quote='', escape='', auto_detect=false)"
    duck_level = (f"SELECT regexp_extract(line, '^\\d{{4}}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{{3}} \\[(\\w+)\\] ', 1) AS lv, "
                  f"count(*) FROM {csv} GROUP BY lv HAVING lv <> '' ORDER BY lv")
    duck_hour = (f"SELECT count(*) FROM {csv} WHERE line >= '{HOUR[0]}' AND line < '{HOUR[1]}' "
                 f"AND regexp_matches(line, '^\\S+ \\S+ \\[ERROR\\] ')")
    duck = [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(); c.execute('PRAGMA disable_progress_bar'); "
            "print(c.sql(sys.argv[1]).fetchall())"]
    lnav_level = ";SELECT log_level, count(*) FROM all_logs GROUP BY log_level"
    lnav_hour = (f";SELECT count(*) FROM all_logs WHERE log_level = 'error' AND log_time >= '{HOUR[0]}' "
                 f"AND log_time < '{HOUR[1]}'")
    sqlite_cli = ["sqlite3", ":memory:", f".load {lib}"]

    subprocess.run(["cat", f], stdout=subprocess.DEVNULL, check=True)  # into the page cache
    rows = []
    s, m, o = measure(["wc", "-l", f], repeat)
    rows.append(("wc -l", s, m, o.split()[0] + " lines", LAST_CPU[1]))
    s, m, o = measure(["grep", "-c", "ERROR", f], repeat)
    rows.append(("grep -c ERROR", s, m, o.strip() + " lines", LAST_CPU[1]))
    s, m, o = measure(sqlite_cli + [level_sql], repeat)
    rows.append(("strata: sqlite3 CLI + .load, GROUP BY level", s, m, " ".join(o.split()), LAST_CPU[1]))
    s, res = in_process(level_sql, repeat)
    rows.append(("strata: statement in-process", s, 0, str(res), None))
    strata_levels = res
    s, m, o = measure(duck + [duck_level], max(1, repeat // 2))
    import ast
    agree = [tuple(r) for r in ast.literal_eval(o.strip())] == [tuple(r) for r in strata_levels]
    print(f"count by level: Strata and DuckDB {'agree' if agree else 'DISAGREE'}")
    rows.append(("duckdb read_csv + regexp_extract", s, m, o.strip(), LAST_CPU[1]))
    if not skip_lnav:
        s, m, o = measure(["lnav", "-n", "-c", lnav_level, f], max(1, min(3, repeat)))
        rows.append(("lnav -n -c (all_logs GROUP BY log_level)", s, m, " ".join(o.split())[:120], LAST_CPU[1]))
    table("Count records by level (500 MB week of Python logging)", rows, "grep -c ERROR")

    rows = []
    s, m, o = measure(["grep", "-c", "ERROR", f], repeat)
    rows.append(("grep -c ERROR", s, m, o.strip() + " lines", LAST_CPU[1]))
    pattern = "^2026-11-20 02:[0-9:,]* \\[ERROR\\] "
    s, m, o = measure(["grep", "-c", pattern, f], repeat)
    rows.append(("grep -c '^2026-11-20 02:.. [ERROR]'", s, m, o.strip(), LAST_CPU[1]))
    s, m, o = measure(sqlite_cli + [hour_sql], repeat)
    rows.append(("strata: sqlite3 CLI + .load (binary search)", s, m, o.strip(), LAST_CPU[1]))
    s, res = in_process(hour_sql, repeat * 4)
    rows.append(("strata: statement in-process", s, 0, str(res[0][0]), None))
    s, m, o = measure(sqlite_cli + ["SELECT 1"], repeat)
    rows.append(("(sqlite3 CLI + .load, no query: startup)", s, m, o.strip(), LAST_CPU[1]))
    s, m, o = measure(duck + [duck_hour], max(1, repeat // 2))
    rows.append(("duckdb read_csv + prefix compare + regexp", s, m, o.strip(), LAST_CPU[1]))
    if not skip_lnav:
        s, m, o = measure(["lnav", "-n", "-c", lnav_hour, f], max(1, min(3, repeat)))
        rows.append(("lnav -n -c (all_logs, one hour)", s, m, " ".join(o.split())[:120], LAST_CPU[1]))
    table(f"ERROR records in one hour ({HOUR[0]} to {HOUR[1]})", rows, "grep -c ERROR")

    if "--skip-formats" in sys.argv:
        return
    for title, path, truth, token in format_files(max(1, megabytes // 5)):
        f = str(path)
        subprocess.run(["cat", f], stdout=subprocess.DEVNULL, check=True)
        expected = sorted((k, v) for k, v in truth.items())
        rows = []
        s, m, o = measure(["grep", "-c", token, f], repeat)
        rows.append((f"grep -c '{token}'", s, m, o.strip() + " lines", LAST_CPU[1]))
        sql = f"SELECT level, count(*) FROM read_log('{f}') GROUP BY level ORDER BY level"
        s, m, o = measure(sqlite_cli + [sql], repeat)
        got = [(k, int(v)) for k, v in (line.split("|") for line in o.split())]
        ok = "= truth" if got == expected else "DIFFERS from truth"
        rows.append(("strata: sqlite3 CLI + .load, GROUP BY level", s, m, " ".join(o.split()) + " " + ok, LAST_CPU[1]))
        if not skip_lnav:
            s, m, o = measure(["lnav", "-n", "-c", lnav_level, f], max(1, min(3, repeat)))
            rows.append(("lnav -n -c (all_logs GROUP BY log_level)", s, m, " ".join(o.split())[:160], LAST_CPU[1]))
        size = path.stat().st_size / 1e6
        table(f"Count records by level: {title} ({size:.0f} MB; truth {' '.join(f'{k}|{v}' for k, v in expected)})",
              rows, f"grep -c '{token}'")


if __name__ == "__main__":
    ensure_venv(["duckdb", "loguru", "structlog"])
    main()
