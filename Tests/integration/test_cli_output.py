"""Output modes against oracles we did not write: Python's csv and json parsers and html.parser read back
what strata printed and must find exactly the values Python's sqlite3 module reads from the same database,
and for list, line and tabs the text must equal what Debian's sqlite3 shell prints."""
import csv
import html.parser
import io
import json
import sqlite3
import subprocess

import pytest

from cli_support import strata

ROWS = [
    (1, "plain", 2.5, None),
    (2, "comma, and \"quotes\"", -0.125, "x"),
    (3, "line\nbreak", 1e-7, "tab\there"),
    (4, "unicode é 日本", 123456789.0, ""),
    (5, "  spaces  ", 0.1 + 0.2, "|pipe|"),
]


@pytest.fixture
def dbfile(tmp_path):
    path = tmp_path / "t.db"
    conn = sqlite3.connect(path)
    conn.execute("create table t(id integer, name text, x real, note text)")
    conn.executemany("insert into t values (?, ?, ?, ?)", ROWS)
    conn.commit()
    conn.close()
    return path


def expected(dbfile, sql="select * from t order by id"):
    conn = sqlite3.connect(dbfile)
    cur = conn.execute(sql)
    cols = [d[0] for d in cur.description]
    rows = cur.fetchall()
    conn.close()
    return cols, rows


def sqlite_text(v):
    """How SQLite itself turns a value into text (CAST AS TEXT), the oracle for csv cells."""
    if v is None:
        return ""
    conn = sqlite3.connect(":memory:")
    try:
        return conn.execute("select cast(? as text)", (v,)).fetchone()[0]
    finally:
        conn.close()


def test_csv_reads_back(dbfile):
    r = strata("--csv", dbfile, "select * from t order by id")
    assert r.returncode == 0, r.stderr
    cols, rows = expected(dbfile)
    parsed = list(csv.reader(io.StringIO(r.stdout, newline="")))
    assert parsed[0] == cols
    assert parsed[1:] == [[sqlite_text(v) for v in row] for row in rows]


def test_json_reads_back(dbfile):
    r = strata("--json", dbfile, "select * from t order by id")
    assert r.returncode == 0, r.stderr
    cols, rows = expected(dbfile)
    assert json.loads(r.stdout) == [dict(zip(cols, row)) for row in rows]


def test_jsonl_reads_back(dbfile):
    r = strata("--jsonl", dbfile, "select * from t order by id")
    cols, rows = expected(dbfile)
    assert [json.loads(line) for line in r.stdout.splitlines()] == [dict(zip(cols, row)) for row in rows]


def test_tsv_reads_back(dbfile):
    r = strata("--tsv", dbfile, "select * from t order by id")
    cols, rows = expected(dbfile)
    lines = r.stdout.split("\n")
    assert lines[-1] == ""

    def unescape(s):
        return s.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")

    parsed = [[unescape(c) for c in line.split("\t")] for line in lines[:-1]]
    assert parsed[0] == cols
    assert parsed[1:] == [[sqlite_text(v) for v in row] for row in rows]


def test_html_reads_back(dbfile):
    class Cells(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.cell = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.rows.append([])
            elif tag in ("td", "th"):
                self.cell = ""

        def handle_endtag(self, tag):
            if tag in ("td", "th"):
                self.rows[-1].append(self.cell)
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    r = strata("--html", dbfile, "select * from t order by id")
    p = Cells()
    p.feed(r.stdout)
    cols, rows = expected(dbfile)
    assert p.rows[0] == cols
    assert p.rows[1:] == [[sqlite_text(v) for v in row] for row in rows]


def test_markdown_reads_back(dbfile):
    r = strata("--markdown", dbfile, "select id, x, note from t where id in (1, 2, 5) order by id")
    cols, rows = expected(dbfile, "select id, x, note from t where id in (1, 2, 5) order by id")
    lines = r.stdout.splitlines()
    split = [[c.strip().replace("\\|", "|") for c in line.strip("|").split(" | ")] for line in lines]
    assert split[0] == cols
    assert set(lines[1]) <= set("|-:")
    assert split[2:] == [[sqlite_text(v) for v in row] for row in rows]


@pytest.mark.parametrize("mode,sqlite_flag", [("list", "-list"), ("line", "-line"), ("tsv", "-tabs")])
def test_same_text_as_sqlite3(dbfile, mode, sqlite_flag):
    # Values sqlite3 and strata print alike (tsv escapes control characters; sqlite3 -tabs does not).
    # strata's csv/tsv print the header row unless told not to; sqlite3's do not.
    sql = "select id, name, x, note from t where id in (1, 4, 5) order by id"
    ours = strata(f"--{mode}", "--no-header", dbfile, sql)
    theirs = subprocess.run(["sqlite3", sqlite_flag, str(dbfile), sql], capture_output=True, text=True)
    assert ours.returncode == 0 and theirs.returncode == 0
    assert ours.stdout == theirs.stdout


def test_list_header_and_separator_like_sqlite3(dbfile):
    sql = "select id, name from t where id < 3 order by id"
    ours = strata("-header", "-separator", ";", dbfile, sql)
    theirs = subprocess.run(["sqlite3", "-header", "-separator", ";", str(dbfile), sql], capture_output=True, text=True)
    assert ours.stdout == theirs.stdout


def test_vectors_preview_not_bytes():
    r = strata("--list", ":memory:", "select vec_f32('[0.5, 1, 2, 3, 4, 5]'), randomblob(0) is null")
    assert r.stdout == "[0.5, 1, 2, … 6 dims]|0\n"
    r = strata("--json", ":memory:", "select vec_f32('[0.5, 1.5]') as v")
    assert json.loads(r.stdout) == [{"v": [0.5, 1.5]}]


def test_bar_lengths_proportional():
    r = strata("--bar", ":memory:", "select 'a' as k, 10 as n union all select 'b', 40 union all select 'c', 20")
    lines = r.stdout.splitlines()[2:]
    full = [line.count("█") for line in lines]
    assert full == [10, 40, 20]
