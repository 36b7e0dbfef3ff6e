"""The bundled reports on data shaped like a user's own rather than the demo's (issue 17): a mongoexport with
other field names (`timestamp`, `confidence`, `model`), `$date`s, `$numberDouble: "NaN"`, Infinity and scores
written as strings (Tests/fixtures/mongoexport, made by the encoder mongoexport calls); a documents database
with its own table and column names; Python `logging` output with a traceback; a real crontab and syslog
(Tests/fixtures/cron); np.save files. Every number is checked against Python or NumPy reading the same files.
"""
import datetime as dt
import json
import logging
import math
import os
import shutil
import sqlite3
from collections import Counter, defaultdict

import numpy as np
import pytest

from conftest import ROOT, connect, run_cli

EXPORT = ROOT / "Tests" / "fixtures" / "mongoexport" / "predictions.json"
CRON = ROOT / "Tests" / "fixtures" / "cron"


def report(name, *params, fmt="json"):
    args = ["run", f"sql/{name}.sql", "--format", fmt]
    for p in params:
        args += ["--param", p]
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    return json.loads(r.stdout) if fmt == "json" else r.stdout


def results(doc):
    return {res["heading"]: res["rows"] for res in doc["results"]}


def export_records():
    """The export read by Python: Extended JSON v2 undone by hand, scores as numbers whatever their type."""
    out = []
    for line in EXPORT.read_text().splitlines():
        d = json.loads(line)
        conf = d.get("confidence")
        as_text = isinstance(conf, str)
        if isinstance(conf, dict):
            conf = float(conf["$numberDouble"])
        elif isinstance(conf, str):
            conf = float(conf)
        if conf is not None and not math.isfinite(conf):
            conf = None if math.isnan(conf) else conf
        when = dt.datetime.strptime(d["timestamp"]["$date"][:19], "%Y-%m-%dT%H:%M:%S")
        out.append({"id": d["_id"]["$oid"], "model": d.get("model", "(missing)"), "score": conf,
                    "score_is_text": as_text, "day": when.strftime("%Y-%m-%d"), "input_id": d["input"]["id"],
                    "raw": d.get("confidence")})
    return out


def test_the_fixture_is_a_mongoexport_with_other_spellings():
    text = EXPORT.read_text()
    assert '"timestamp":{"$date":"2026-10-05T' in text and '{"$numberDouble":"NaN"}' in text
    assert '"confidence":"0.87"' in text and '"model":"ranker-v2.0"' in text and '"ts"' not in text


def test_predictions_finds_the_fields_and_compares_string_scores_as_numbers():
    recs = export_records()
    res = results(report("predictions", f"predictions={EXPORT}"))
    volume = res["Volume per model version and day"]
    assert all(len(r["day"]) == 10 and r["day"].startswith("2026-10-") for r in volume)  # no blank day
    expected = Counter((r["day"], r["model"]) for r in recs)
    assert {(r["day"], r["model"]): r["predictions"] for r in volume} == dict(expected)

    by_model = defaultdict(list)
    for r in recs:
        by_model[r["model"]].append(r)
    dist = {r["model"]: r for r in res["Score distribution per model version"]}
    assert set(dist) == set(by_model)
    for model, rs in by_model.items():
        finite = [r["score"] for r in rs if r["score"] is not None and math.isfinite(r["score"])]
        assert dist[model]["n"] == len(rs)
        assert dist[model]["max"] == round(max(finite), 3), model
        assert dist[model]["min"] == round(min(finite), 3), model
        assert dist[model]["mean"] == pytest.approx(sum(finite) / len(finite), abs=5e-4)
        low = sum(s < 0.6 for s in finite)
        assert dist[model]["low_confidence_pct"] == pytest.approx(round(100 * low / len(finite), 1))
    # The issue's case: "0.87" as a string is not v2.0's maximum; 0.9944 is.
    assert dist["ranker-v2.0"]["max"] == 0.994

    per_day = res["Mean score per day and model version"]
    assert {r["model"] for r in per_day} == {"ranker-v2.0", "ranker-v2.1", "(missing)"}


def test_read_jsonl_compares_a_string_score_as_text_unless_cast(db):
    recs = export_records()
    q = "select count(*) from read_jsonl(?) where {} >= 0.9"
    as_written = db.execute(q.format("doc ->> '$.confidence'"), (str(EXPORT),)).fetchone()[0]
    cast = db.execute(q.format("CAST(doc ->> '$.confidence' AS REAL)"), (str(EXPORT),)).fetchone()[0]
    numeric = sum(1 for r in recs if r["score"] is not None and r["score"] >= 0.9)
    strings = sum(1 for r in recs if r["score_is_text"])
    strings_below = sum(1 for r in recs if r["score_is_text"] and r["score"] < 0.9)
    assert cast == numeric
    assert as_written == numeric + strings_below  # every string counts as >= 0.9: text sorts above numbers
    assert strings_below > 0 and strings > strings_below


@pytest.fixture
def kb(tmp_path):
    """A knowledge base with its own names: articles(article_id, headline, section) and
    chunks(chunk_id, article_id, vec) — one vector per article, a few stored as JSON text, and three bad ones."""
    rng = np.random.default_rng(5)
    centers = rng.normal(size=(4, 24)).astype(np.float32)
    path = tmp_path / "kb.db"
    conn = sqlite3.connect(path)
    conn.execute("create table articles(article_id integer primary key, headline text, section text)")
    conn.execute("create table chunks(chunk_id integer primary key, article_id integer, vec)")
    vectors = {}
    for a in range(1, 121):
        section = ["sports", "finance", "science", "travel"][a % 4]
        v = (centers[a % 4] + 0.35 * rng.normal(size=24)).astype(np.float32)
        conn.execute("insert into articles values (?, ?, ?)", (a, f"headline {a}", section))
        if a == 30:
            stored = np.zeros(24, np.float32).tobytes()
        elif a == 31:
            bad = v.copy(); bad[3] = np.nan
            stored = bad.tobytes()
        elif a == 32:
            stored = v[:20].tobytes()
        elif a % 10 == 0:
            stored = json.dumps([float(x) for x in v])  # JSON text works wherever a vector is taken
            vectors[a] = np.array(json.loads(stored), np.float32)
        else:
            stored = v.tobytes()
            vectors[a] = v
        conn.execute("insert into chunks(article_id, vec) values (?, ?)", (a, stored))
    conn.commit()
    conn.close()
    return path, vectors


KB_NAMES = ["documents_table=articles", "doc_key=article_id", "title_column=headline", "topic_column=section",
            "embeddings_table=chunks", "embedding_doc=article_id", "vector_column=vec", "group_column=NULL",
            "group=NULL"]


def test_search_on_a_database_with_its_own_names(kb):
    path, vectors = kb
    res = results(report("search", f"docs={path}", "like_doc=7", "k=5", *KB_NAMES))
    ids = sorted(vectors)
    m = np.stack([vectors[i] for i in ids]).astype(np.float64)
    q = vectors[7].astype(np.float64)
    d = 1 - (m @ q) / (np.linalg.norm(m, axis=1) * np.linalg.norm(q))
    expected = [ids[i] for i in np.argsort(d, kind="stable")[:5]]
    nearest = res["Nearest documents (cosine distance)"]
    assert [r["id"] for r in nearest] == expected
    assert nearest[0]["title"] == "headline 7" and nearest[0]["topic"] == "travel"
    assert [r["distance"] for r in nearest] == pytest.approx(sorted(d)[:5], abs=1e-4)
    assert res["The query"][0]["query"] == "document 7: headline 7 (travel)"


def test_search_refuses_a_name_that_would_be_sql(kb):
    path, _ = kb
    r = run_cli("run", "sql/search.sql", "--param", f"docs={path}", *sum((["--param", p] for p in KB_NAMES), []),
                "--param", 'embeddings_table=chunks" ; drop table articles; --')
    assert r.returncode == 1
    assert 'no such table: d.chunks" ; drop table articles; --' in r.stderr
    assert sqlite3.connect(path).execute("select count(*) from articles").fetchone()[0] == 120


def test_quality_counts_scores_stored_as_text_and_bad_vectors(kb):
    path, _ = kb
    recs = export_records()
    res = results(report("quality", f"predictions={EXPORT}", f"docs={path}", "dims=24",
                         "embeddings_table=chunks", "id_column=article_id", "vector_column=vec",
                         "group_column=NULL"))
    checks = {r["check"]: r["failing"] for r in res["Checks"]}
    assert checks["score stored as text (compared as a number)"] == sum(r["score_is_text"] for r in recs) > 0
    assert checks["score that is not a number"] == 0
    assert checks["score outside [0, 1]"] == sum(1 for r in recs if r["score"] is not None and not 0 <= r["score"] <= 1) == 2
    assert checks["prediction without model_version"] == sum(r["model"] == "(missing)" for r in recs) == 5
    assert checks["prediction without score or input_id or ts"] == sum(r["score"] is None for r in recs) == 3
    dup = Counter(r["input_id"] for r in recs)
    assert checks["input_id predicted more than once"] == sum(1 for n in dup.values() if n > 1)
    assert checks["zero embedding"] == 1 and checks["embedding with NaN or Inf"] == 1
    assert checks["embedding with wrong dimension count"] == 1
    failing = res["Failing records, one line each"]
    assert {r["record"] for r in failing if r["kind"] == "embedding"} >= {"30", "31", "32"} or \
        {r["record"] for r in failing if r["kind"] == "embedding"} >= {30, 31, 32}


def write_python_log(path):
    """An application log written by Python's logging (fixed times), with a traceback."""
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("etl.loader")
    start = dt.datetime(2026, 10, 5, 0, 0, 0)
    expected = Counter()
    for i in range(300):
        t = start + dt.timedelta(minutes=7 * i)
        level = logging.ERROR if i % 41 == 0 else (logging.WARNING if i % 9 == 0 else logging.INFO)
        exc = None
        if i == 205:
            try:
                1 / 0
            except ZeroDivisionError:
                exc = __import__("sys").exc_info()
            level = logging.ERROR
        rec = logger.makeRecord(logger.name, level, __file__, 1, "batch %d of doc_%d done", (i, i * 3), exc)
        rec.created = t.replace(tzinfo=dt.timezone.utc).timestamp()
        rec.msecs = 0
        handler.emit(rec)
        if level >= logging.WARNING:
            expected[t.strftime("%Y-%m-%d %H:00")] += 1
    handler.close()
    return expected


def test_errors_on_python_logging_output(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    log = tmp_path / "app.log"
    expected = write_python_log(log)
    res = results(report("errors", f"logs={log}", "since=2026-10-05"))
    per_hour = {r["hour"]: r["records"] for r in res["Warnings and errors per hour"]}
    assert per_hour == dict(expected)
    latest = res["The latest traceback"][0]
    assert "ZeroDivisionError" in latest["traceback"] and latest["logger"] == "etl.loader"
    assert sum(r["records"] for r in res["Records per message shape"]) == sum(expected.values())


def test_errors_text_report_draws_the_hours_on_a_time_axis(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    log = tmp_path / "app.log"
    write_python_log(log)
    text = report("errors", f"logs={log}", "since=2026-10-05", fmt="text")
    chart = text.split("Warnings and errors per hour")[1].split("┌")[0]
    assert "└┬" in chart and "10-06" in chart  # a tick at the second day's midnight
    assert "records · 2026-10-05 00:00 → 2026-10-06 " in chart and " · per hour · max 2 at " in chart


def test_jobs_on_a_real_crontab_and_syslog(tmp_path):
    (tmp_path / "cron.d").mkdir()
    shutil.copy(CRON / "cron.d" / "ml", tmp_path / "cron.d" / "ml")
    syslog = tmp_path / "syslog"
    shutil.copy(CRON / "debian-default.syslog", syslog)
    stamp = dt.datetime(2026, 3, 6, 12, 0).timestamp()
    os.utime(syslog, (stamp, stamp))  # its lines have no year: it comes from the file's time
    doc = report("jobs", f"crontab={tmp_path / 'cron.d' / 'ml'}", f"syslog={syslog}",
                 "since=2026-03-05 00:00:00", "until=2026-03-05 03:00:00", "week_since=2026-03-01 00:00:00")
    first = doc["results"][0]["rows"]
    commands = {r["command"] for r in first}
    assert any("/opt/ml/ingest.sh" in c for c in commands) and any("/opt/ml/retrain.py" in c for c in commands)
    assert {r["scheduled"] for r in first} >= {"2026-03-05 01:00:00", "2026-03-05 02:00:00"}


def test_drift_on_np_save_files(tmp_path):
    rng = np.random.default_rng(9)
    a = rng.normal(size=(150, 16)).astype(np.float32)
    b = (a + 0.8 + 0.2 * rng.normal(size=(150, 16))).astype(np.float32)
    np.save(tmp_path / "w1.npy", a)
    np.save(tmp_path / "w2.npy", b)
    res = results(report("drift", f"last_week={tmp_path / 'w1.npy'}", f"this_week={tmp_path / 'w2.npy'}"))
    ca, cb = a.astype(np.float64).mean(0), b.astype(np.float64).mean(0)
    expected = 1 - ca @ cb / (np.linalg.norm(ca) * np.linalg.norm(cb))
    row = res["Centroids"][0]
    assert row["last_week_vectors"] == 150 and row["this_week_vectors"] == 150
    assert row["centroid_cosine_distance"] == pytest.approx(expected, abs=1e-4)
