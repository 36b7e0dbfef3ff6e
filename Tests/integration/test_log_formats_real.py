"""read_log on logs real producers wrote (Tests/fixtures/logs/real, made by make_captures.py there).

Each capture comes with the writer's own record of every record it logged (NAME.truth.jsonl): level, logger,
message, wall-clock time, the exception of an attached traceback. Each file is read with `auto` and with the
format log_formats reports passed back explicitly; both must give the same rows, and those rows must match the
truth field by field. Nothing expected here comes from Strata.
"""
import datetime
import json
import os
import pathlib
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from conftest import ROOT  # noqa: E402

REAL = ROOT / "Tests" / "fixtures" / "logs" / "real"
MANIFEST = json.loads((REAL / "manifest.json").read_text())
WITH_TRUTH = [e for e in MANIFEST if e.get("truth")]

COLUMNS = "line, ts, level, logger, pid, message, detail, raw, fields"
LEVELS = {"WARN": "WARNING", "FATAL": "CRITICAL", "CRIT": "CRITICAL", "ERR": "ERROR", "EXCEPTION": "ERROR",
          "I": "INFO", "W": "WARNING", "E": "ERROR", "F": "CRITICAL", "D": "DEBUG", "C": "CRITICAL"}


def normal_level(name):
    if name is None:
        return None
    up = name.upper()
    return LEVELS.get(up, up)


def truth_of(entry):
    return [json.loads(l) for l in (REAL / entry["truth"]).read_text(encoding="utf-8").splitlines() if l.strip()]


def placed(tmp_path, entry, truth=None):
    """The capture copied to tmp_path, its modification time that of its last record (formats without a year
    take it from there, whenever the test runs)."""
    dst = tmp_path / entry["log"]
    shutil.copyfile(REAL / entry["log"], dst)
    stamps = [parse_truth_ts(t["ts"]) for t in (truth or []) if t.get("ts")]
    when = max(stamps) if stamps else datetime.datetime(2026, 11, 28, 12, 0)
    epoch = when.replace(tzinfo=datetime.timezone.utc).timestamp() + 60
    os.utime(dst, (epoch, epoch))
    return dst


def parse_truth_ts(t):
    if t.startswith("["):  # gunicorn's access atom: [28/Nov/2026:12:37:19 +0000]
        return datetime.datetime.strptime(t[1:-1], "%d/%b/%Y:%H:%M:%S %z").replace(tzinfo=None)
    return datetime.datetime.fromisoformat(t)


def read(db, path, fmt=None, datefmt=None):
    if fmt is None:
        return db.execute(f"SELECT {COLUMNS} FROM read_log(?) ORDER BY path, line", (str(path),)).fetchall()
    return db.execute(f"SELECT {COLUMNS} FROM read_log(?, ?, ?) ORDER BY path, line",
                      (str(path), fmt, datefmt)).fetchall()


def chosen(db, path):
    return db.execute("SELECT format, datefmt, kind, sampled_lines, matched_lines, warning FROM log_formats(?)",
                      (str(path),)).fetchone()


def is_headless(row):
    _, ts, level, logger, _, message, *_ = row
    return ts is None and level is None and logger is None and message is None


@pytest.mark.parametrize("entry", WITH_TRUTH, ids=[e["log"] for e in WITH_TRUTH])
def test_real_capture_matches_the_writers_truth(db, tmp_path, entry):
    truth = truth_of(entry)
    path = placed(tmp_path, entry, truth)
    fmt, datefmt, kind, sampled, matched, warning = chosen(db, path)
    assert kind != "lines", f"{entry['log']}: auto found no format ({warning})"
    auto = read(db, path)
    # The reported format, passed back, reads exactly the same rows.
    assert read(db, path, fmt, datefmt) == auto, f"{entry['log']}: format {fmt!r} passed back reads other rows"

    records = [r for r in auto if not is_headless(r)]
    uncaught = [t for t in truth if t.get("uncaught")]
    logged = [t for t in truth if not t.get("uncaught")]
    assert len(records) == len(logged), (
        f"{entry['log']}: {len(records)} records, the writer logged {len(logged)} (format {fmt!r})")
    precision = entry.get("precision")
    for row, t in zip(records, logged):
        line, ts, level, logger, pid, message, detail, raw, fields = row
        where = f"{entry['log']} line {line}: {raw[:120]!r}"
        # Time: the wall-clock text the writer's clock showed, to the precision the file keeps.
        if precision is None:
            assert ts is None, where
        else:
            assert ts is not None, where
            got = datetime.datetime.fromisoformat(ts)
            want = parse_truth_ts(t["ts"])
            shown = len(ts.rpartition(".")[2]) if "." in ts else 0
            allowed = 10 ** -min(precision, shown)
            assert abs((want - got).total_seconds()) < allowed + 2e-6, f"{where}: ts {ts}, the writer's {t['ts']}"
        want_level = normal_level(entry.get("levels", {}).get(normal_level(t["level"]), t["level"]))
        assert level == want_level, f"{where}: level {level}, the writer's {t['level']}"
        if entry.get("logger"):
            assert logger == t["logger"], f"{where}: logger {logger!r}, the writer's {t['logger']!r}"
        elif logger is not None:
            # A format without a logger name never invents one from the message.
            assert not t["message"].startswith(logger), f"{where}: logger {logger!r} taken from the message"
        mode = entry.get("message", "exact")
        if kind == "jsonl" and message is not None:
            message = message.split("\n", 1)[0]  # one JSON value holds the whole message; the truth, its first line
        if mode == "exact":
            assert message == t["message"], f"{where}: message {message!r}, the writer's {t['message']!r}"
        elif mode == "loose":  # the formatter adds to the message (uvicorn's status phrase, celery's task id)
            assert message.startswith(t["message"]) or message.endswith(t["message"]), (
                f"{where}: message {message!r}, the writer's {t['message']!r}")
        elif mode == "wraps":  # rich wraps long messages onto continuation lines
            assert message and t["message"].startswith(message), f"{where}: message {message!r}"
        if entry.get("clock"):  # a time of day without a date: in fields (rich: time, a datefmt: asctime), not ts
            clock = json.loads(fields)
            shown = clock.get("time", clock.get("asctime"))
            # To the precision the line keeps (Prefect's `.mmm` too): the writer's clock, truncated as it writes it.
            assert len(shown) >= 8 and shown == t["ts"][11:11 + len(shown)], f"{where}: {shown}, the writer's {t['ts']}"
            if entry.get("precision_of_clock"):
                assert len(shown) == 9 + entry["precision_of_clock"], where
        if t.get("pid") is not None and entry.get("pid", True):
            assert pid == t["pid"], f"{where}: pid {pid}, the writer's {t['pid']}"
        if "status" in t:
            assert json.loads(fields)["status"] == t["status"], where
        if "action" in t:
            assert json.loads(fields)["action"] == t["action"], where
        # A traceback the writer attached is this record's detail, and only then is there one.
        # (JSON lines carry it in a member, which is in `fields`.)
        held = fields if kind == "jsonl" else detail
        if t["exc"]:
            exc_type = t["exc"].split(":")[0]
            assert held is not None and exc_type in held, f"{where}: the writer's traceback ({t['exc']}) not in the record"
        else:
            assert held is None or "Traceback (most recent call last)" not in held, f"{where}: a traceback not its own"
    # A zone the lines carry: ts_utc is the writer's own UTC moment ("truth"), or NULL when the zone's name
    # gives no single offset ("none": EST here, but IST and CST name several zones).
    if entry.get("utc"):
        utc = db.execute("SELECT ts_utc, raw FROM read_log(?) WHERE NOT (ts IS NULL AND level IS NULL AND "
                         "logger IS NULL AND message IS NULL) ORDER BY path, line", (str(path),)).fetchall()
        assert len(utc) == len(logged), entry["log"]
        for (ts_utc, raw), t in zip(utc, logged):
            if entry["utc"] == "none":
                assert ts_utc is None, f"{entry['log']}: {raw[:80]!r} has ts_utc {ts_utc}"
            else:
                got = datetime.datetime.fromisoformat(ts_utc)
                want = datetime.datetime.fromisoformat(t["utc"])
                assert abs((want - got).total_seconds()) < 1, f"{entry['log']}: {raw[:80]!r}: ts_utc {ts_utc}, the writer's {t['utc']}"
    # The interpreter's report of an uncaught exception is a record of its own, not the last record's detail.
    # (A thread's report opens with threading's `Exception in thread NAME:` line.)
    for t in uncaught:
        own = [r for r in auto if is_headless(r) and r[7].startswith(("Traceback", "Exception in thread "))
               and t["exc"] in r[7]]
        assert len(own) == 1, f"{entry['log']}: the uncaught {t['exc']} is no record of its own"
        glued = [r[0] for r in records if t["exc"] in (r[6] or "")]
        assert not glued, f"{entry['log']}: the uncaught {t['exc']} glued to the record on line {glued}"
        header = own[0][7].split("\n", 1)[0]
        if header.startswith("Exception in thread "):
            assert not any(header in (r[6] or "") for r in records), f"{entry['log']}: {header!r} in a record's detail"


@pytest.mark.parametrize("entry", WITH_TRUTH, ids=[e["log"] for e in WITH_TRUTH])
def test_log_formats_reports_the_fit(db, tmp_path, entry):
    path = placed(tmp_path, entry, truth_of(entry))
    fmt, datefmt, kind, sampled, matched, warning = chosen(db, path)
    lines = [l for l in (REAL / entry["log"]).read_bytes().split(b"\n") if l.strip(b" \t\r\x00")]
    assert 0 < matched <= sampled <= max(len(lines), 200) + 1200
    assert sampled >= min(len(lines), 200) - 1, f"{entry['log']}: sampled {sampled} of {len(lines)} lines"


def test_nginx_access_log_is_read_as_combined(db, tmp_path):
    entry = next((e for e in MANIFEST if e["log"] == "nginx_access.log"), None)
    if entry is None:
        pytest.skip("no nginx capture")
    path = placed(tmp_path, entry)
    assert chosen(db, path)[2] == "combined"
    rows = db.execute("SELECT message, fields FROM read_log(?) ORDER BY line", (str(path),)).fetchall()
    assert [m.split(" ")[1] for m, _ in rows] == entry["requests"]
    statuses = [json.loads(f)["status"] for _, f in rows]
    assert statuses == [200, 404, 502, 200, 200]


def test_nginx_error_log_levels_and_pids(db, tmp_path):
    entry = next((e for e in MANIFEST if e["log"] == "nginx_error.log"), None)
    if entry is None:
        pytest.skip("no nginx capture")
    path = placed(tmp_path, entry)
    text = (REAL / entry["log"]).read_text().splitlines()
    rows = db.execute("SELECT ts, level, pid, message, raw FROM read_log(?) ORDER BY line", (str(path),)).fetchall()
    assert len(rows) == len(text)
    for (ts, level, pid, message, raw), line in zip(rows, text):
        # 2026/11/28 12:38:21 [notice] 24945#24945: message
        date, clock, word, proc, rest = line.split(" ", 4)
        assert ts.startswith(date.replace("/", "-") + " " + clock), line
        assert level == normal_level(word.strip("[]").replace("notice", "info").replace("crit", "critical")
                                     .replace("alert", "critical").replace("emerg", "critical")), line
        assert pid == int(proc.split("#")[0]), line
        assert message == rest, line


def test_tqdm_bar_and_records_on_one_line(db, tmp_path):
    """tqdm redraws its bar with `\\r` and records logged meanwhile follow it on the same line: each is found."""
    entry = next(e for e in MANIFEST if e["log"] == "job_crash.log")
    path = placed(tmp_path, entry, truth_of(entry))
    msgs = [m for (m,) in db.execute("SELECT message FROM read_log(?) WHERE message LIKE 'batch % done'", (str(path),))]
    assert msgs == [f"batch {i} done" for i in range(5)]
    # pip's and print's lines before the first record form one headless record, not records.
    first = db.execute("SELECT ts, level, raw FROM read_log(?) ORDER BY line LIMIT 1", (str(path),)).fetchone()
    assert first[0] is None and first[1] is None and first[2].startswith("Name: rich")


def test_bom_nul_run_and_invalid_utf8(db, tmp_path):
    entry = next(e for e in MANIFEST if e["log"] == "damaged.log")
    path = placed(tmp_path, entry, truth_of(entry))
    rows = db.execute("SELECT line, level, message, raw FROM read_log(?) ORDER BY line", (str(path),)).fetchall()
    # The BOM does not make the first record headless; the record after the NUL run is found; undecodable
    # bytes read as U+FFFD.
    assert rows[0][1] == "INFO" and rows[0][2] == "service started"
    assert [r[2] for r in rows] == [t["message"] for t in truth_of(entry)]


JOB_WITH_PRINTS = r"""
import logging, sys
logging.basicConfig(level=logging.INFO, format="%(asctime)s - %(name)s - %(levelname)s - %(message)s")
log = logging.getLogger("train")
for i in range(40):
    log.info("step %d", i)
    for k in range(4):
        print(f"debug print {k} of step {i}: tensor([0.1, 0.2])", flush=True)
"""


def test_log_formats_counts_and_warns_on_a_poor_fit(db, tmp_path):
    """A job that prints four lines per record: the format still wins, and log_formats says it fits poorly."""
    import subprocess
    path = tmp_path / "prints.log"
    with open(path, "w") as out:
        subprocess.run([sys.executable, "-c", JOB_WITH_PRINTS], stdout=out, stderr=subprocess.STDOUT, check=True)
    fmt, _, kind, sampled, matched, warning = chosen(db, path)
    assert (fmt, kind) == ("%(asctime)s - %(name)s - %(levelname)s - %(message)s", "python")
    assert (sampled, matched) == (200, 40)
    assert warning and "poor fit" in warning and "40 of 200" in warning
    assert db.execute("SELECT count(*) FROM read_log(?)", (str(path),)).fetchone()[0] == 40


def test_any_number_of_pip_lines_before_the_first_record(db, tmp_path):
    """pip's real output (well over the first 64 KB) before the records: auto and an explicit format both find
    them."""
    import subprocess
    path = tmp_path / "job.log"
    with open(path, "w") as out:
        for _ in range(3):
            subprocess.run([sys.executable, "-m", "pip", "show", "-f", "pip", "--disable-pip-version-check"],
                           stdout=out, stderr=subprocess.STDOUT, check=True)
        out.flush()
        subprocess.run([sys.executable, "-c", JOB_WITH_PRINTS.replace("range(4)", "range(0)")], stdout=out,
                       stderr=subprocess.STDOUT, check=True)
    assert path.stat().st_size > 100_000
    fmt = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
    assert chosen(db, path)[0] == fmt
    for args in ((str(path),), (str(path), fmt)):
        got = db.execute(f"SELECT message FROM read_log({', '.join('?' * len(args))}) WHERE level IS NOT NULL",
                         args).fetchall()
        assert [m for (m,) in got] == [f"step {i}" for i in range(40)]


def test_colour_escapes_out_of_message_kept_in_raw(db, tmp_path):
    entry = next(e for e in MANIFEST if e["log"] == "colorlog.log")
    path = placed(tmp_path, entry)
    rows = db.execute("SELECT level, message, raw FROM read_log(?) ORDER BY line", (str(path),)).fetchall()
    assert all("\x1b" not in m and r.startswith("\x1b[") for _, m, r in rows)
