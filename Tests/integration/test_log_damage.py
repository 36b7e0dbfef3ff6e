"""Globs over damaged and unknown files (issue 13, item 6): one bad file never hides the others' rows.

A real gzip (Python's gzip module, as logrotate's `compress` writes it) cut at several points yields every record
that was complete before the cut, then one row whose `problem` says what happened; a file that is not text is a
`problem` row too; the other files of the glob are read in full. The truth is the uncompressed text itself.
"""
import gzip

import pytest

import logs_fixtures as fx


FMT = "%(asctime)s [%(levelname)s] %(name)s: %(message)s"


def rows(db, sql, params=()):
    return db.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def rotated(tmp_path_factory):
    d = tmp_path_factory.mktemp("rot")
    exp = fx.write_python_log(d / "app.log", FMT, records=1500, seed=3)
    text = (d / "app.log").read_bytes()
    packed = gzip.compress(text, compresslevel=6)
    return d, exp, text, packed


@pytest.mark.parametrize("fraction", [0.0, 0.001, 0.3, 0.5, 0.97, "crc", "size"])
def test_truncated_gzip_yields_its_complete_records_and_says_so(db, tmp_path, rotated, fraction):
    d, exp, text, packed = rotated
    cut = {"crc": len(packed) - 8, "size": len(packed) - 2}.get(fraction) or int(len(packed) * float(fraction)) or 10
    gz = tmp_path / "app.log.1.gz"
    gz.write_bytes(packed[:cut])
    # What zlib itself recovers from the cut stream: the records whose whole text (up to the next record's head)
    # came through.
    d_obj = gzip.zlib.decompressobj(31)
    got_text = d_obj.decompress(packed[:cut])
    complete = got_text[:got_text.rfind(b"\n") + 1] if b"\n" in got_text else b""
    want_records = []
    at = 0
    for e in exp:
        raw = e.raw.encode()
        at = text.index(raw, at) + len(raw)
        if at < len(complete):  # its line end came through too
            want_records.append(e)
    got = rows(db, "SELECT line, level, message, problem FROM read_log(?) ORDER BY line", (str(gz),))
    records = [g for g in got if g[3] is None]
    problems = [g for g in got if g[3] is not None]
    assert len(problems) == 1, got[-3:]
    assert "is damaged" in problems[0][3] and str(gz) in problems[0][3]
    assert problems[0][1] is None
    # Every record before the cut, exactly; the last one may be cut short only if its text was.
    n = len(records)
    assert n >= len(want_records)
    assert n <= len(want_records) + 1
    assert [(g[0], g[1], g[2]) for g in records[:len(want_records)]] == \
        [(e.line, e.level, e.message) for e in want_records]


def test_one_bad_file_never_hides_the_others(db, tmp_path, rotated):
    d, exp, text, packed = rotated
    (tmp_path / "a.log").write_bytes(text)
    (tmp_path / "b.log.gz").write_bytes(packed[:len(packed) // 2])
    (tmp_path / "c.log").write_bytes(b"\x00\x01\x02\x7fELF junk\x00\n")
    (tmp_path / "d.log.gz").write_bytes(packed)
    (tmp_path / "e.log").write_text("just some notes\nno log format here\n")
    by_path = dict(rows(db, "SELECT path, count(*) FROM read_log(?) WHERE problem IS NULL GROUP BY path",
                        (str(tmp_path / "*"),)))
    assert by_path[str(tmp_path / "a.log")] == len(exp)
    assert by_path[str(tmp_path / "d.log.gz")] == len(exp)
    assert by_path[str(tmp_path / "e.log")] == 2
    assert 0 < by_path[str(tmp_path / "b.log.gz")] < len(exp)
    problems = dict(rows(db, "SELECT path, problem FROM read_log(?) WHERE problem IS NOT NULL", (str(tmp_path / "*"),)))
    assert sorted(problems) == [str(tmp_path / "b.log.gz"), str(tmp_path / "c.log")]
    # Counting by level (the fast path) sees the same rows.
    want = {}
    for p in (tmp_path / "a.log", tmp_path / "d.log.gz"):
        for e in exp:
            want[e.level] = want.get(e.level, 0) + 1
    got = dict(rows(db, "SELECT level, count(*) FROM read_log(?) GROUP BY level", (str(tmp_path / "*"),)))
    plain = dict(rows(db, "SELECT level, count(*) FROM (SELECT level, path FROM read_log(?)) GROUP BY level",
                      (str(tmp_path / "*"),)))
    assert got == plain
    for k, v in want.items():
        assert got[k] >= v


def test_a_given_format_that_fits_one_file_of_a_glob_not_the_others(db, tmp_path, rotated):
    d, exp, text, packed = rotated
    (tmp_path / "a.log").write_bytes(text)
    (tmp_path / "b.log").write_text('{"ts": "2026-11-20T02:00:00Z", "level": "info", "msg": "json"}\n')
    got = rows(db, "SELECT path, count(*), max(problem) FROM read_log(?, ?) GROUP BY path", (str(tmp_path / "*.log"), FMT))
    assert got[0] == (str(tmp_path / "a.log"), len(exp), None)
    assert got[1][0] == str(tmp_path / "b.log") and got[1][1] == 1 and "fits the format" in got[1][2]


def test_log_formats_warns_when_its_sample_meets_the_damage(db, tmp_path, rotated):
    d, exp, text, packed = rotated
    for cut in (10, 400):
        gz = tmp_path / f"cut{cut}.log.gz"
        gz.write_bytes(packed[:cut])
        (warning,), = rows(db, "SELECT warning FROM log_formats(?)", (str(gz),))
        assert "is damaged" in warning and str(gz) in warning
    whole = tmp_path / "whole.log.gz"
    whole.write_bytes(packed)
    assert rows(db, "SELECT warning FROM log_formats(?)", (str(whole),)) == [(None,)]
