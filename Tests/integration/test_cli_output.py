"""Output modes against oracles we did not write: Python's csv and json parsers and html.parser read back
what strata printed and must find exactly the values Python's sqlite3 module reads from the same database,
and for list, line and tabs the text must equal what Debian's sqlite3 shell prints."""
import csv
import html.parser
import io
import json
import os
import pty
import sqlite3
import subprocess

import pytest

from cli_support import strata
from conftest import CLI

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


# ---- control characters: never raw to a terminal ----------------------------------------------------------

# A value that would retitle the window (OSC ... BEL), clear the screen (ESC [2J) and colour text (C1 CSI,
# U+009B), and a column name with an escape sequence of its own.
HOSTILE_SQL = ("select 'a' || char(27) || ']0;pwned' || char(7) || char(27) || '[2J' || char(155) || '31mz'"
               " || char(10) || 'next' as \"v\x1b[1m\"")
SHOWN = "a·]0;pwned··[2J·31mz"


def on_terminal(*args):
    """What a terminal receives from strata run with stdout on a pseudo-terminal (its \\n arrive as \\r\\n)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([str(CLI), *map(str, args)], stdin=subprocess.DEVNULL, stdout=slave,
                            stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"})
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    assert proc.returncode == 0, proc.stderr.read()
    return b"".join(chunks).decode().replace("\r\n", "\n")


def terminal_controls(text):
    return [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]


@pytest.mark.parametrize("mode", ["list", "line", "box", "table", "csv", "tsv", "markdown", "html", "json", "jsonl",
                                  "bar"])
def test_no_control_characters_reach_a_terminal(mode):
    out = on_terminal(f"--{mode}", "--header", ":memory:", HOSTILE_SQL)
    assert terminal_controls(out) == [], out
    assert "pwned" in out


def test_list_and_line_on_a_terminal_show_controls_as_grids_do():
    assert on_terminal("--list", ":memory:", HOSTILE_SQL) == SHOWN + "\nnext\n"
    assert on_terminal("--line", ":memory:", HOSTILE_SQL) == "v·[1m = " + SHOWN + "\nnext\n"
    assert SHOWN + "↵next" in on_terminal("--box", ":memory:", HOSTILE_SQL)


@pytest.mark.parametrize("fmt", ["text", "markdown", "csv", "json", "html"])
def test_reports_on_a_terminal_show_no_control_characters(tmp_path, fmt):
    report = tmp_path / "r.sql"
    report.write_text("-- # Hostile\n" + HOSTILE_SQL + ";\n")
    out = on_terminal("run", report, "--format", fmt)
    assert terminal_controls(out) == [], out
    assert "pwned" in out


def test_list_to_a_pipe_keeps_the_bytes_as_sqlite3_does():
    r = strata("--list", "--header", ":memory:", HOSTILE_SQL)
    raw = "a\x1b]0;pwned\x07\x1b[2J\x9b31mz\nnext"
    assert r.stdout == "v\x1b[1m\n" + raw + "\n"
    theirs = subprocess.run(["sqlite3", "-header", ":memory:", HOSTILE_SQL], capture_output=True, text=True)
    assert r.stdout == theirs.stdout
