"""Time (issue 13, item 5): ts stays the log's wall clock; ts_utc is the UTC instant when the offset is known —
from the line (`+01:00`, `Z`, `%z`, epoch numbers) or from the tz argument naming an IANA zone — so windows over a
DST fall-back return every record, and the binary search over ts never drops records when time goes back.

The oracle is Python: records written by logging under TZ=America/New_York with explicit `created` times
(logs_fixtures.write_local_time_log), each record's UTC instant from `created` itself.
"""
import calendar
import datetime
import json
import logging
import operator

import pytest

import logs_fixtures as fx
from conftest import SANITIZER, error_of

NY = "America/New_York"


def rows(db, sql, params=()):
    return db.execute(sql, params).fetchall()


def utc_text(created):
    ms = int(round(created * 1000))
    d = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return d.strftime("%Y-%m-%d %H:%M:%S") + f".{ms % 1000:03d}"


@pytest.fixture(scope="module")
def fall_back(tmp_path_factory):
    """Two days of local New York time around 2026-11-01's fall-back, a record every 7 s (the repeated hour
    holds 2 x ~514 records)."""
    path = tmp_path_factory.mktemp("tz") / "local.log"
    start = calendar.timegm((2026, 10, 31, 16, 0, 0))  # 12:00 EDT on the day before
    truth = fx.write_local_time_log(path, NY, start, 2 * 86400, 7)
    return str(path), truth


def test_ts_stays_the_wall_clock_and_ts_utc_is_the_instant(db, fall_back):
    path, truth = fall_back
    got = rows(db, "SELECT ts, ts_utc FROM read_log(?, NULL, NULL, ?) ORDER BY line", (path, NY))
    assert [g[0] for g in got] == [t[0] for t in truth]
    want = [utc_text(t[1]) for t in truth]
    assert [g[1] for g in got] == want
    assert want != sorted(t[0] for t in truth)  # the wall clock went back; UTC did not
    assert [g[1] for g in got] == sorted(g[1] for g in got)


def test_windows_over_the_fall_back_return_every_record(db, fall_back):
    path, truth = fall_back
    utc = [utc_text(t[1]) for t in truth]
    # 01:00-01:05 New York happened twice: 05:00-05:05 and 06:00-06:05 UTC.
    for lo, hi in [("2026-11-01 05:00", "2026-11-01 06:05"), ("2026-11-01 05:30", "2026-11-01 06:30"),
                   ("2026-11-01 05:59:59", "2026-11-01 06:00:01"), ("2026-10-31 20:00", "2026-11-02 00:00")]:
        want = sum(lo <= u <= hi for u in utc)
        assert want > 0
        assert rows(db, "SELECT count(*) FROM read_log(?, NULL, NULL, ?) WHERE ts_utc BETWEEN ? AND ?",
                    (path, NY, lo, hi))[0][0] == want
    # The wall-clock window is every record whose ts falls in it: both passes of the repeated hour.
    lo, hi = "2026-11-01 01:00", "2026-11-01 01:05"
    want = sum(lo <= t[0] <= hi for t in truth)
    assert want == sum("2026-11-01 05:00" <= u <= "2026-11-01 05:05" or "2026-11-01 06:00" <= u <= "2026-11-01 06:05"
                       for u in utc)
    assert rows(db, "SELECT count(*) FROM read_log(?) WHERE ts BETWEEN ? AND ?", (path, lo, hi))[0][0] == want
    assert rows(db, "SELECT count(DISTINCT ts_utc) FROM read_log(?, NULL, NULL, ?) WHERE ts BETWEEN ? AND ?",
                (path, NY, lo, hi))[0][0] == want


def test_level_filter_does_not_confuse_the_repeated_hour(db, fall_back):
    """Only ERROR records reach SQL; the hour's reading still follows every record before."""
    path, truth = fall_back
    want = [utc_text(t[1]) for t in truth if t[2] == "ERROR"]
    assert [r[0] for r in rows(db, "SELECT ts_utc FROM read_log(?, NULL, NULL, ?) WHERE level = 'ERROR' ORDER BY line",
                               (path, NY))] == want


def test_tz_on_a_log_file_table_and_in_where(db, fall_back):
    path, truth = fall_back
    db.execute(f"CREATE VIRTUAL TABLE ny USING log_file('{path}', '', '', '{NY}')")
    assert rows(db, "SELECT max(ts_utc) FROM ny")[0][0] == utc_text(truth[-1][1])
    assert rows(db, "SELECT max(ts_utc) FROM read_log WHERE files = ? AND tz = ?", (path, NY))[0][0] == \
        utc_text(truth[-1][1])


def test_without_tz_a_time_without_offset_has_no_utc(db, fall_back):
    path, _ = fall_back
    assert rows(db, "SELECT count(*) FROM read_log(?) WHERE ts_utc IS NOT NULL", (path,))[0][0] == 0


def test_unknown_zone_is_an_error(db, fall_back):
    path, _ = fall_back
    for bad in ["Mars/Olympus_Mons", "../../etc/passwd", "/etc/passwd"]:
        assert error_of(db, "SELECT count(*) FROM read_log(?, NULL, NULL, ?)", (path, bad)).startswith(
            "read_log: ")


@pytest.mark.parametrize("datefmt", ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S %z"])
def test_offsets_written_in_the_line(db, tmp_path, datefmt):
    """`%z` written by logging itself (local time of several zones and both sides of a change): the offset in
    the line wins over tz."""
    import subprocess
    import sys
    path = tmp_path / "z.log"
    writer = r"""
import json, logging, sys
path, datefmt = sys.argv[1], sys.argv[2]
f = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt=datefmt)
h = logging.FileHandler(path, mode="w"); h.setFormatter(f)
lg = logging.getLogger("z"); lg.handlers[:] = [h]; lg.propagate = False
out = []
for i, created in enumerate([1793512800 + k * 1200 for k in range(12)]):  # around 2026-11-01 05:00 UTC
    r = lg.makeRecord("z", logging.INFO, "x", 1, "tick %d", (i,), None)
    r.created = created; r.msecs = 0
    lg.handle(r); out.append(created)
h.close(); print(json.dumps(out))
"""
    for zone in (NY, "Asia/Kolkata", "UTC"):
        created = json.loads(subprocess.run([sys.executable, "-c", writer, str(path), datefmt], env={"TZ": zone},
                                            capture_output=True, text=True, check=True).stdout)
        got = rows(db, "SELECT ts_utc FROM read_log(?, ?, ?, 'Europe/Berlin') ORDER BY line",
                   (str(path), "%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt))
        assert [g[0] for g in got] == [utc_text(c) for c in created], zone


def test_epoch_and_iso_offsets_in_json_lines(db, tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text(json.dumps({"ts": 1793512800.25, "level": "info", "msg": "epoch"}) + "\n"
                    + json.dumps({"ts": "2026-11-01T01:30:00-04:00", "level": "info", "msg": "edt"}) + "\n"
                    + json.dumps({"ts": "2026-11-01T01:30:00-05:00", "level": "info", "msg": "est"}) + "\n"
                    + json.dumps({"ts": "2026-11-01T06:45:00Z", "level": "info", "msg": "zulu"}) + "\n")
    assert rows(db, "SELECT ts, ts_utc FROM read_log(?)", (str(path),)) == [
        ("2026-11-01 06:00:00.250", "2026-11-01 06:00:00.250"),
        ("2026-11-01 01:30:00.000", "2026-11-01 05:30:00.000"),
        ("2026-11-01 01:30:00.000", "2026-11-01 06:30:00.000"),
        ("2026-11-01 06:45:00.000", "2026-11-01 06:45:00.000")]


def test_time_search_never_drops_records_when_time_goes_back(db, tmp_path):
    """Two runs' logs concatenated out of order (a later week first), and a clock set back a day mid-file: every
    ts window counts what a full scan of the truth counts."""
    parts = []
    for i, start in enumerate([calendar.timegm((2026, 11, 20, 0, 0, 0)), calendar.timegm((2026, 11, 10, 0, 0, 0)),
                               calendar.timegm((2026, 11, 12, 12, 0, 0)), calendar.timegm((2026, 11, 11, 12, 0, 0))]):
        p = tmp_path / f"part{i}.log"
        parts.append((p, fx.write_local_time_log(p, "UTC", start, 86400, 13)))
    merged = tmp_path / "merged.log"
    with open(merged, "w") as out:
        for p, _ in parts:
            out.write(p.read_text())
    ts = [t[0] for _, truth in parts for t in truth]
    for lo, hi in [("2026-11-10 06:00", "2026-11-10 07:00"), ("2026-11-11 12:00", "2026-11-12 13:00"),
                   ("2026-11-12 00:00", "2026-11-13 00:00"), ("2026-11-20 23:00", "2026-11-21"),
                   ("2026-11-11 11:59:59", "2026-11-11 12:00:01")]:
        want = sum(lo <= t < hi for t in ts)
        assert rows(db, "SELECT count(*) FROM read_log(?) WHERE ts >= ? AND ts < ?", (str(merged), lo, hi))[0][0] == want


def test_second_precision_bounds(db, tmp_path):
    """ts carries milliseconds; a bound without them compares as text (docs/logs.md): '... 01:05' is before
    every record of 01:05:00.xxx, so `ts <= '... 01:05'` leaves them out and `ts < '... 01:06'` keeps them."""
    path = tmp_path / "s.log"
    path.write_text("2026-11-01 01:04:59,999 [INFO] a: one\n2026-11-01 01:05:00,000 [INFO] a: two\n"
                    "2026-11-01 01:05:00,500 [INFO] a: three\n2026-11-01 01:06:00,000 [INFO] a: four\n")
    q = "SELECT group_concat(message) FROM read_log(?) WHERE ts {} ?"
    assert rows(db, q.format("<="), (str(path), "2026-11-01 01:05"))[0][0] == "one"
    assert rows(db, q.format("<="), (str(path), "2026-11-01 01:05:00"))[0][0] == "one"
    assert rows(db, q.format("<="), (str(path), "2026-11-01 01:05:00.999"))[0][0] == "one,two,three"
    assert rows(db, q.format("<"), (str(path), "2026-11-01 01:06"))[0][0] == "one,two,three"


def test_ts_utc_bounds_are_pushed_down_and_keep_every_record(db, fall_back):
    """A ts_utc bound is searched on ts over dates widened by two days (offsets are under a day): the rows must be
    exactly those Python's own UTC instants say, and those SQLite gives when it compares every row (`ts_utc || ''`
    is not pushed down) — over a fall-back with tz here, and (below) at the zones farthest from UTC (+14, -12),
    in a file whose parts are out of order, and under POSIX TZ rules 24:59 either side of UTC."""
    path, truth = fall_back
    plan = rows(db, "EXPLAIN QUERY PLAN SELECT * FROM read_log(?, NULL, NULL, ?) WHERE ts_utc >= ? AND ts_utc < ?",
                (path, NY, "a", "b"))
    assert "ts_utc>=? AND ts_utc<?" in plan[0][3]
    utc = [utc_text(c) for _, c, _ in truth]
    for lo, hi in [("2026-11-01 05:00", "2026-11-01 07:00"), ("2026-10-31 16:00", "2026-10-31 16:00:07"),
                   ("2026-11-02 03:59:59", "2026-11-03")]:
        got = rows(db, "SELECT count(*) FROM read_log(?, NULL, NULL, ?) WHERE ts_utc >= ? AND ts_utc < ?",
                   (path, NY, lo, hi))[0][0]
        assert got == sum(lo <= u < hi for u in utc)


@pytest.fixture(scope="module")
def far_zones(tmp_path_factory):
    """A day of records in each of three zones (+14, -12, +5:30) as three files, and the three merged in one
    file whose parts are out of order; and the records' UTC instants, sorted."""
    d = tmp_path_factory.mktemp("zones")
    parts, created = [], []
    for i, (zone, start) in enumerate([("Pacific/Kiritimati", calendar.timegm((2026, 11, 20, 0, 0, 0))),
                                       ("Etc/GMT+12", calendar.timegm((2026, 11, 19, 0, 0, 0))),
                                       ("Asia/Kolkata", calendar.timegm((2026, 11, 21, 6, 0, 0)))]):
        p = d / f"z{i}.log"
        parts.append(p)
        # A record every 97 s; under a sanitizer every 389 s (each of the ~600 queries below reads every record).
        created += [c for _, c, _ in fx.write_local_time_log(p, zone, start, 86400, 389 if SANITIZER else 97)]
    merged = d / "zones.log"
    merged.write_text("".join(p.read_text() for p in parts))
    return parts, merged, sorted(utc_text(c) for c in created)


# One test an operator (the same ~600 queries in all): pytest-xdist shares them out, where the one test took
# two and a half minutes of one worker under AddressSanitizer.
@pytest.mark.parametrize("op", ["=", ">", ">=", "<", "<="])
def test_ts_utc_bounds_at_the_zones_farthest_from_utc_keep_every_record(db, far_zones, op):
    parts, merged, utc = far_zones
    # The files carry no offset: each part is read with its own zone, and also the merged file under one zone.
    for x in ["2026-11-18", "2026-11-19 23:00", "2026-11-20", "2026-11-20 11:59:59.999", utc[len(utc) // 2],
              utc[0], utc[-1], "2026-11-22 12:00", "2026-11", "x", "2026-02-30 00:00"]:
        pushed = sum(rows(db, f"SELECT count(*) FROM read_log(?, NULL, NULL, ?) WHERE ts_utc {op} ?",
                          (str(p), z, x))[0][0]
                     for p, z in zip(parts, ["Pacific/Kiritimati", "Etc/GMT+12", "Asia/Kolkata"]))
        compare = {"=": operator.eq, ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}[op]
        assert pushed == sum(compare(u, x) for u in utc), (op, x)
        for z in ["Pacific/Kiritimati", "Etc/GMT+12", "AAA-24:59", "AAA+24:59"]:  # the last: POSIX rules' limits
            q = "SELECT count(*), min(line), max(line) FROM read_log(?, NULL, NULL, ?) WHERE ts_utc{} {} ?"
            assert rows(db, q.format("", op), (str(merged), z, x)) == \
                rows(db, q.format(" || ''", op), (str(merged), z, x)), (op, x, z)
