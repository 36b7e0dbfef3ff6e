"""Exceptions as data (issue 13, item 4): exc_type, exc_message and exc_chain against what Python knew.

The oracle is Tests/fixtures/logs/tracebacks: app.log holds tracebacks Python's logging printed for exceptions
raised for real (chained with `from` and during handling, nested, suppressed context, SyntaxError with caret
lines, KeyboardInterrupt, multi-line and empty messages, qualified names, exception groups, an `except*`
handler that failed) and the interpreter's report of an uncaught exception appended by a crashed child;
truth.json holds, per record, the chain as the exception objects gave it (make_capture.py made both).
"""
import json
import pathlib

import pytest

from conftest import ROOT

CAPTURE = ROOT / "Tests" / "fixtures" / "logs" / "tracebacks"
TRUTH = json.loads((CAPTURE / "truth.json").read_text())


def rows(db, sql, params=()):
    return db.execute(sql, params).fetchall()


@pytest.fixture
def got(db):
    return rows(db, "SELECT line, level, message, exc_type, exc_message, exc_chain FROM read_log(?) ORDER BY line",
                (str(CAPTURE / "app.log"),))


def test_one_row_per_record_with_its_level_and_message(got):
    assert [(g[1], g[2]) for g in got] == [(t["level"], t["message"]) for t in TRUTH]


def test_exc_type_and_message_are_the_last_exception_raised(got):
    for g, t in zip(got, TRUTH):
        if not t["chain"]:
            assert g[3:6] == (None, None, None), g
            continue
        last = t["chain"][-1]
        assert (g[3], g[4]) == (last["type"], last["message"]), (g[0], t)


def test_exc_chain_is_every_exception_in_print_order(got):
    for g, t in zip(got, TRUTH):
        if t["chain"]:
            assert json.loads(g[5]) == t["chain"], (g[0], g[5])
    assert len(got) == len(TRUTH)


def test_which_exceptions_happened_is_one_group_by(db):
    want = {}
    for t in TRUTH:
        if t["chain"]:
            want[t["chain"][-1]["type"]] = want.get(t["chain"][-1]["type"], 0) + 1
    got = dict(rows(db, "SELECT exc_type, count(*) FROM read_log(?) WHERE exc_type IS NOT NULL GROUP BY 1",
                    (str(CAPTURE / "app.log"),)))
    assert got == want
    # The causes are in the chain: every record whose chain holds a KeyError.
    n = rows(db, "SELECT count(*) FROM read_log(?), json_each(exc_chain) WHERE json_each.value ->> 'type' = 'KeyError'",
             (str(CAPTURE / "app.log"),))[0][0]
    assert n == sum(1 for t in TRUTH for e in t["chain"] if e["type"] == "KeyError")


def test_a_record_without_a_traceback_has_none(db, tmp_path):
    p = tmp_path / "plain.log"
    p.write_text("2026-11-20 02:00:01,000 - app - ERROR - ValueError: looks like one but is the message\n"
                 "2026-11-20 02:00:02,000 - app - INFO - continued\n  KeyError: 'an indented line is no exception'\n")
    assert rows(db, "SELECT exc_type, exc_message, exc_chain FROM read_log(?)", (str(p),)) == [(None, None, None)] * 2
