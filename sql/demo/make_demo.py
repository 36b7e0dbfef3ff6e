#!/usr/bin/env python3
"""Regenerates the bundled demo data in sql/demo/ (deterministic: same bytes every run).

A week (2026-11-14 .. 2026-11-21) of an ML team's operations:
  crontab            nightly retrain, 6-hourly ingestion, hourly embedding refresh
  syslog             cron's lines for those jobs (rsyslog ISO timestamps), with one failed run (retrain,
                     2026-11-21 02:00, exit status 1), one missed run (ingest, 2026-11-19 12:00) and one late run
                     (embed refresh, 2026-11-18 09:15 started 09:23)
  logs/*.log         the jobs' own Python `logging` output; the failed night has a CUDA OOM traceback
  predictions.jsonl  prediction records as `mongoexport` writes them (extended JSON), with a few quality problems
  docs.db            SQLite: documents' metadata and their embeddings (two weeks; the second has drifted and
                     holds a zero vector, a norm outlier, a NaN and a vector of the wrong dimension count)
  docs_week1.npy, docs_week2.npy   the same embeddings as np.save writes them

Usage: python sql/demo/make_demo.py   (needs numpy)
"""
import datetime as dt
import json
import logging
import os
import pathlib
import random
import sqlite3

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
START = dt.datetime(2026, 11, 14, 0, 0, 0)
END = dt.datetime(2026, 11, 21, 6, 0, 0)  # "this morning"
HOST = "mlbox"
LOG_FORMAT = "%(asctime)s [%(levelname)s] %(name)s: %(message)s"

JOBS = {
    "retrain": ("0 2 * * *", "cd /opt/ml && python retrain.py --model v2 >> sql/demo/logs/retrain.log 2>&1"),
    "ingest": ("0 */6 * * *", "/opt/ml/bin/ingest.sh >> sql/demo/logs/ingest.log 2>&1"),
    "embed": ("15 * * * *", "/opt/ml/bin/embed_refresh.py >> sql/demo/logs/embed.log 2>&1"),
}
FAILED = ("retrain", dt.datetime(2026, 11, 21, 2, 0))
MISSED = ("ingest", dt.datetime(2026, 11, 19, 12, 0))
LATE = ("embed", dt.datetime(2026, 11, 18, 9, 15), dt.datetime(2026, 11, 18, 9, 23, 4))


def write_crontab():
    lines = [
        "# ML team jobs (installed with `crontab -u ml crontab`)",
        "SHELL=/bin/bash",
        "PATH=/usr/local/bin:/usr/bin:/bin",
        "MAILTO=ml-team@example.com",
        "",
        "# nightly retrain of the ranking model",
        f"{JOBS['retrain'][0]} {JOBS['retrain'][1]}",
        "# ingestion of new documents, every 6 hours",
        f"{JOBS['ingest'][0]} {JOBS['ingest'][1]}",
        "# hourly embedding refresh",
        f"{JOBS['embed'][0]} {JOBS['embed'][1]}",
    ]
    (HERE / "crontab").write_text("\n".join(lines) + "\n")


def fire_times(job):
    t = START
    while t < END:
        if job == "retrain" and t.minute == 0 and t.hour == 2:
            yield t
        elif job == "ingest" and t.minute == 0 and t.hour % 6 == 0:
            yield t
        elif job == "embed" and t.minute == 15:
            yield t
        t += dt.timedelta(minutes=1)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+00:00"


class FixedClockHandler(logging.FileHandler):
    """A FileHandler whose records carry the simulated time instead of now."""

    def __init__(self, path):
        super().__init__(path, mode="w", encoding="utf-8")
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self.now = START

    def emit(self, record):
        ts = self.now.replace(tzinfo=dt.timezone.utc).timestamp()
        record.created = ts
        record.msecs = (ts - int(ts)) * 1000
        super().emit(record)


def job_logger(name, handler):
    log = logging.getLogger(name)
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG)
    log.propagate = False
    return log


def simulate():
    rng = random.Random(42)
    (HERE / "logs").mkdir(exist_ok=True)
    handlers = {job: FixedClockHandler(HERE / "logs" / f"{job}.log") for job in JOBS}
    # Convert record times with UTC so the log shows the simulated wall-clock time on any machine.
    logging.Formatter.converter = lambda self, secs: dt.datetime.fromtimestamp(secs, dt.timezone.utc).timetuple()
    syslog = []
    pid = 4000
    runs = []
    for job in JOBS:
        for t in fire_times(job):
            if (job, t) == MISSED:
                continue
            start = t + dt.timedelta(seconds=1)
            if job == LATE[0] and t == LATE[1]:
                start = LATE[2]
            runs.append((start, job, t))
    runs.sort()
    for start, job, scheduled in runs:
        pid += rng.randint(3, 40)
        cron_pid, job_pid = pid, pid + 1
        failed = (job, scheduled) == FAILED
        duration = {"retrain": rng.randint(1500, 2400), "ingest": rng.randint(200, 400), "embed": rng.randint(40, 90)}[job]
        if failed:
            duration = 1260
        end = start + dt.timedelta(seconds=duration)
        cmd = JOBS[job][1]
        syslog.append((start, f"{iso(start)} {HOST} CRON[{cron_pid}]: pam_unix(cron:session): session opened for user ml(uid=1000) by (uid=0)"))
        syslog.append((start + dt.timedelta(microseconds=2000), f"{iso(start + dt.timedelta(microseconds=2000))} {HOST} CRON[{job_pid}]: (ml) CMD ({cmd})"))
        if failed:
            syslog.append((end, f"{iso(end)} {HOST} CRON[{cron_pid}]: (CRON) error (grandchild #{job_pid} failed with exit status 1)"))
        syslog.append((end + dt.timedelta(microseconds=5000), f"{iso(end + dt.timedelta(microseconds=5000))} {HOST} CRON[{cron_pid}]: pam_unix(cron:session): session closed for user ml"))
        write_job_log(job, handlers[job], start, end, failed, rng)
    # Unrelated syslog noise that cron_history must skip.
    t = START + dt.timedelta(minutes=7)
    while t < END:
        syslog.append((t, f"{iso(t)} {HOST} systemd[1]: Started Daily apt download activities."))
        t += dt.timedelta(hours=11, minutes=13)
    syslog.sort()
    (HERE / "syslog").write_text("\n".join(line for _, line in syslog) + "\n")
    for h in handlers.values():
        h.close()


# The failing code is compiled under the job's own file name so the traceback reads as it would in production
# (and does not depend on where this script lives).
TRAINER = {}
exec(compile(
    "def train_epoch(log, epoch):\n"
    "    try:\n"
    "        allocate_batch(512)\n"
    "    except RuntimeError:\n"
    "        log.exception('training failed in epoch %d', epoch)\n"
    "def allocate_batch(size):\n"
    "    raise RuntimeError('CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total capacity)')\n",
    "/opt/ml/retrain.py", "exec"), TRAINER)


def write_job_log(job, handler, start, end, failed, rng):
    log = job_logger(f"ml.{job}", handler)
    step = (end - start) / 6
    handler.now = start
    log.info("starting %s (pid %d)", job, rng.randint(10000, 60000))
    if job == "retrain":
        handler.now = start + step
        log.info("loaded 1,204,311 training examples from features.parquet")
        for epoch in range(1, 4):
            handler.now = start + step * (1 + epoch)
            if failed and epoch == 3:
                log.warning("GPU memory at 97%% after epoch %d; batch size 512", epoch - 1)
                handler.now = start + step * 5
                TRAINER["train_epoch"](log, epoch)
                handler.now = end
                log.error("retrain aborted; model v2 not published")
                return
            log.info("epoch %d/3 loss=%.4f val_auc=%.4f", epoch, 0.9 / epoch + rng.random() * 0.01, 0.80 + epoch * 0.03)
        handler.now = end
        log.info("published model v2 (val_auc=0.8912)")
    elif job == "ingest":
        handler.now = start + step
        n = rng.randint(800, 1500)
        log.info("fetched %d new documents", n)
        if rng.random() < 0.25:
            handler.now = start + step * 2
            log.warning("skipped %d documents with empty text", rng.randint(1, 9))
        handler.now = end
        log.info("ingested %d documents", n)
    else:
        handler.now = start + step * 3
        log.debug("batch of 256 embedded in %.2fs", 0.4 + rng.random())
        handler.now = end
        log.info("refreshed %d embeddings", rng.randint(100, 400))


def write_predictions():
    rng = random.Random(7)
    lines = []
    t = dt.datetime(2026, 11, 14, 0, 30)
    n = 0
    while t < END:
        n += 1
        version = "v1" if t < dt.datetime(2026, 11, 17) else "v2"
        score = round(min(1.0, max(0.0, rng.betavariate(5, 2) if version == "v2" else rng.betavariate(3, 2))), 4)
        doc = {
            "_id": {"$oid": f"6553{n:020x}"},
            "model_version": version,
            "input_id": f"doc-{rng.randint(1, 240):04d}-{n:05d}",
            "score": score,
            "label": "relevant" if score >= 0.5 else "irrelevant",
            "ts": {"$date": t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"},
            "latency_ms": {"$numberLong": str(rng.randint(3, 120))},
        }
        # A few records with the quality problems quality.sql looks for.
        if n % 97 == 0:
            del doc["model_version"]
        if n % 131 == 0:
            doc["score"] = 1.7
        if n % 149 == 0 and lines:
            doc["input_id"] = json.loads(lines[-1])["input_id"]
        lines.append(json.dumps(doc, separators=(",", ":")))
        t += dt.timedelta(minutes=rng.randint(5, 25))
    (HERE / "predictions.jsonl").write_text("\n".join(lines) + "\n")


TOPICS = ["training", "ingestion", "embeddings", "serving", "monitoring"]


def write_embeddings():
    rng = np.random.default_rng(11)
    dims, n = 64, 200
    centers = rng.standard_normal((len(TOPICS), dims)).astype(np.float32)
    topic_of = rng.integers(0, len(TOPICS), n)
    week1 = (centers[topic_of] + 0.35 * rng.standard_normal((n, dims))).astype(np.float32)
    drift = 0.9 * rng.standard_normal(dims).astype(np.float32)
    week2 = (centers[topic_of] + drift + 0.35 * rng.standard_normal((n, dims))).astype(np.float32)
    week2[17] = 0.0          # a zero vector
    week2[42] *= 40.0        # a norm outlier
    np.save(HERE / "docs_week1.npy", week1)
    np.save(HERE / "docs_week2.npy", week2)
    db_path = HERE / "docs.db"
    if db_path.exists():
        db_path.unlink()
    db = sqlite3.connect(db_path)
    db.executescript("""
        CREATE TABLE documents(id INTEGER PRIMARY KEY, title TEXT NOT NULL, topic TEXT NOT NULL);
        CREATE TABLE embeddings(doc_id INTEGER NOT NULL REFERENCES documents(id), week INTEGER NOT NULL,
                                embedding BLOB, PRIMARY KEY(doc_id, week));
    """)
    words = {"training": ["retrain", "loss curve", "learning rate", "GPU memory"],
             "ingestion": ["parquet export", "schema change", "late data", "dedup"],
             "embeddings": ["refresh", "MiniLM", "index rebuild", "dimension change"],
             "serving": ["latency", "p99", "rollout", "canary"],
             "monitoring": ["drift alert", "dashboard", "on-call", "error budget"]}
    for i in range(n):
        topic = TOPICS[topic_of[i]]
        w = words[topic]
        db.execute("INSERT INTO documents VALUES (?, ?, ?)", (i + 1, f"{w[i % 4]} note #{i + 1}", topic))
        db.execute("INSERT INTO embeddings VALUES (?, 1, ?)", (i + 1, week1[i].tobytes()))
        blob = week2[i].tobytes()
        if i == 99:
            blob = week2[i][:48].tobytes()   # wrong dimension count
        if i == 149:
            bad = week2[i].copy()
            bad[5] = np.nan                   # a non-finite value
            blob = bad.tobytes()
        db.execute("INSERT INTO embeddings VALUES (?, 2, ?)", (i + 1, blob))
    db.commit()
    db.execute("VACUUM")
    db.close()
    # The query vector search.sql uses by default: the training topic's center.
    (HERE / "query_training.json").write_text(json.dumps([round(float(x), 5) for x in centers[0]]) + "\n")


if __name__ == "__main__":
    write_crontab()
    simulate()
    write_predictions()
    write_embeddings()
    print(f"wrote demo data to {HERE}")
