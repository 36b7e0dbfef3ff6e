"""Safety: what a database file, a path, a glob, a pipe or a second SQLite library can make Strata do.

One test (or group) per problem of the safety issue; each failed on the previous main (284d5d3):
1. planted schema — a database file whose sqlite_master declares log_file/jsonl/csv_file tables (written
   with PRAGMA writable_schema by plain sqlite3, no Strata) must not read its opener's files;
2. long and wide globs — clean errors, never a crash or a walk of the whole disk; globs skip what is not a
   regular file;
3. interruption — conn.interrupt() stops a gzip bomb, cron_history/cron_runs over one, a FIFO with no writer;
   pipes named explicitly are read as streams;
5. several SQLite libraries in one process — the second load is refused with a clear error, never a crash;
6. Datasette — the safe entry point registers nothing that reads files; STRATA_ALLOWED_DIRS confines readers.

Anything that could hang or crash the interpreter runs in a child process: its exit code is checked, and a
generous timeout is the hang guard (STRATA_HANG_GUARD seconds, default 120; for the interruption tests
STRATA_INTERRUPT_GUARD, default 30, against half a second expected) — never a tight timing assert.
Tests marked xfail(strict=True) pin bugs found while writing these (see each reason).
"""
import contextlib
import gzip
import os
import pathlib
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import CLI, LIB, connect

HANG_GUARD = float(os.environ.get("STRATA_HANG_GUARD", "120"))
SECRET = "SECRET-TOKEN-8c41d"
# Datasette and `load_extension(path, entry)` want the real file name; `.load` users type it without .so.
LIB_SO = LIB if LIB.suffix == ".so" else LIB.with_name(LIB.name + ".so")
ALREADY_LOADED = "strata: already loaded into another SQLite library"
NOT_CREATED = "was not created by this connection"


# ---------------------------------------------------------------- helpers

def run_python(script, cwd, env=None, timeout=None):
    """Runs `script` in a child interpreter (this venv's, which can load extensions) with LIB, LIB_SO and
    SECRET defined. A hang fails the test (the child is killed); the caller checks the exit code."""
    prologue = f"LIB = {str(LIB)!r}\nLIB_SO = {str(LIB_SO)!r}\nSECRET = {SECRET!r}\n"
    try:
        return subprocess.run([sys.executable, "-c", prologue + textwrap.dedent(script)], cwd=cwd,
                              capture_output=True, text=True, timeout=timeout or HANG_GUARD,
                              env={**os.environ, **(env or {})})
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"child still running after {e.timeout} s (hang):\n{e.stdout}\n{e.stderr}")


def assert_clean_exit(r):
    assert r.returncode == 0, f"child died or failed (rc={r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"


def plant(db_path, tables, views=(), extra=()):
    """A database file as an attacker writes it: plain sqlite3 (no Strata), virtual tables put straight into
    sqlite_master. `tables` maps name → CREATE VIRTUAL TABLE text."""
    c = sqlite3.connect(db_path)
    c.execute("create table docs(id integer primary key, title text, e blob)")
    c.executemany("insert into docs(title, e) values (?, ?)",
                  [("x", "[1,0,0]"), ("y", "[0,1,0]"), ("z", "[0,0,1]")])
    for sql in views:
        c.execute(sql)
    for sql in extra:
        c.execute(sql)
    c.execute("pragma writable_schema = on")
    for name, sql in tables.items():
        c.execute("insert into sqlite_master values ('table', ?, ?, 0, ?)", (name, name, sql))
    c.commit()
    c.close()
    return db_path


def secret_files(d):
    """The victim's files: a log, JSON lines and a CSV, each holding SECRET."""
    d = pathlib.Path(d)
    (d / "secret.log").write_text(f"2026-11-20 10:00:00,000 ERROR auth: token {SECRET}\n")
    (d / "secret.jsonl").write_text(f'{{"token": "{SECRET}"}}\n')
    (d / "secret.csv").write_text(f"user,token\nroot,{SECRET}\n")
    return {"log_file": d / "secret.log", "jsonl": d / "secret.jsonl", "csv_file": d / "secret.csv"}


MODULES = ["log_file", "jsonl", "csv_file"]


def planted_tables(files):
    return {f"t_{m}": f"CREATE VIRTUAL TABLE t_{m} USING {m}('{files[m]}')" for m in MODULES}


# ---------------------------------------------------------------- 1. planted schema

@pytest.mark.parametrize("trusted_schema", ["on", "off"])
@pytest.mark.parametrize("module", MODULES)
def test_planted_file_table_is_refused(tmp, module, trusted_schema):
    db = plant(str(tmp / "planted.db"), planted_tables(secret_files(tmp)))
    conn = connect(db)
    conn.execute(f"pragma trusted_schema = {trusted_schema}")
    for sql in [f"select * from t_{module}", f"select count(*) from t_{module}", f"pragma table_info(t_{module})",
                f"select * from pragma_table_info('t_{module}')"]:
        with pytest.raises(sqlite3.OperationalError) as e:
            rows = conn.execute(sql).fetchall()
            assert SECRET not in repr(rows)
        msg = str(e.value)
        assert NOT_CREATED in msg and f"strata_trust_file_tables('main')" in msg, (sql, msg)
        assert SECRET not in msg
    # The rest of the database is untouched.
    assert conn.execute("select count(*) from docs").fetchone() == (3,)


def test_planted_file_table_is_refused_in_the_sqlite3_cli(tmp):
    db = plant(str(tmp / "planted.db"), planted_tables(secret_files(tmp)))
    for m in MODULES:
        r = subprocess.run(["sqlite3", db, f".load {LIB}", f"select * from t_{m}"], capture_output=True, text=True,
                           timeout=HANG_GUARD)
        assert NOT_CREATED in r.stderr and SECRET not in r.stdout + r.stderr, (m, r.stdout, r.stderr)


def test_trusting_the_database_admits_its_file_tables(tmp):
    db = plant(str(tmp / "planted.db"), planted_tables(secret_files(tmp)))
    conn = connect(db)
    assert conn.execute("select strata_trust_file_tables('main')").fetchone() == (db,)
    assert SECRET in conn.execute("select message from t_log_file").fetchone()[0]
    assert conn.execute("select token from t_jsonl").fetchall() == [(SECRET,)]
    assert conn.execute("select user, token from t_csv_file").fetchall() == [("root", SECRET)]
    # Trust belongs to the connection that asked for it.
    other = connect(db)
    with pytest.raises(sqlite3.OperationalError, match=NOT_CREATED):
        other.execute("select * from t_csv_file").fetchall()


def test_trust_is_per_database_file(tmp):
    files = secret_files(tmp)
    plant(str(tmp / "a.db"), planted_tables(files))
    plant(str(tmp / "b.db"), planted_tables(files))
    conn = connect(str(tmp / "a.db"))
    conn.execute("attach 'b.db' as b")
    conn.execute("select strata_trust_file_tables()")  # default: main
    assert conn.execute("select token from main.t_jsonl").fetchall() == [(SECRET,)]
    with pytest.raises(sqlite3.OperationalError) as e:
        conn.execute("select token from b.t_jsonl").fetchall()
    assert NOT_CREATED in str(e.value) and "strata_trust_file_tables('b')" in str(e.value)
    conn.execute("select strata_trust_file_tables('b')")
    assert conn.execute("select token from b.t_jsonl").fetchall() == [(SECRET,)]
    with pytest.raises(sqlite3.OperationalError, match="no database called 'nope' is attached"):
        conn.execute("select strata_trust_file_tables('nope')").fetchall()


def test_a_schema_cannot_trust_itself(tmp):
    """strata_trust_file_tables is DIRECTONLY: a planted view or trigger calling it is refused."""
    db = plant(str(tmp / "planted.db"), planted_tables(secret_files(tmp)),
               views=["create view trust_me as select strata_trust_file_tables('main') as t",
                      "create table log(x)"],
               extra=["create trigger tr after insert on log begin select strata_trust_file_tables('main'); end"])
    for trusted_schema in ("on", "off"):
        conn = connect(db)
        conn.execute(f"pragma trusted_schema = {trusted_schema}")
        with pytest.raises(sqlite3.OperationalError, match="unsafe use of strata_trust_file_tables"):
            conn.execute("select * from trust_me").fetchall()
        with pytest.raises(sqlite3.OperationalError, match="unsafe use of strata_trust_file_tables"):
            conn.execute("insert into log values (1)")
        with pytest.raises(sqlite3.OperationalError, match=NOT_CREATED):
            conn.execute("select * from t_csv_file").fetchall()
        conn.close()


def test_tables_the_connection_creates_itself_work(tmp):
    files = secret_files(tmp)
    conn = connect(str(tmp / "mine.db"))
    for m in MODULES:
        conn.execute(f"create virtual table my_{m} using {m}('{files[m]}')")
    assert conn.execute("select token from my_jsonl").fetchall() == [(SECRET,)]
    assert conn.execute("select token from my_csv_file").fetchall() == [(SECRET,)]
    assert conn.execute("select level from my_log_file").fetchall() == [("ERROR",)]
    assert [r[1] for r in conn.execute("pragma table_info(my_csv_file)")] == ["user", "token"]
    conn.execute("drop table my_log_file")
    conn.commit()
    conn.close()
    # Reopened, the file is just a database file someone wrote: its tables wait for trust again.
    again = connect(str(tmp / "mine.db"))
    with pytest.raises(sqlite3.OperationalError, match=NOT_CREATED):
        again.execute("select * from my_jsonl").fetchall()
    again.execute("select strata_trust_file_tables('main')")
    assert again.execute("select token from my_jsonl").fetchall() == [(SECRET,)]


def test_planted_table_never_opens_its_path_at_connect(tmp):
    """A planted jsonl/csv_file table infers its columns by reading the file when it connects; refused first,
    it never opens the path. A FIFO (whose open would wait for a writer) and a 3,000-component glob (which
    overflowed the stack of glibc's glob) must neither hang nor crash, with trusted_schema on or off."""
    os.mkfifo(tmp / "fifo")
    glob = "*/" * 3000
    tables = {}
    for m in ["jsonl", "csv_file", "log_file"]:
        tables[f"fifo_{m}"] = f"CREATE VIRTUAL TABLE fifo_{m} USING {m}('{tmp / 'fifo'}')"
        tables[f"glob_{m}"] = f"CREATE VIRTUAL TABLE glob_{m} USING {m}('{glob}')"
    plant(str(tmp / "planted.db"), tables)
    r = run_python(f"""
        import sqlite3
        for trusted in ("on", "off"):
            c = sqlite3.connect("planted.db")
            c.enable_load_extension(True); c.load_extension(LIB)
            c.execute(f"pragma trusted_schema = {{trusted}}")
            for t in {sorted(tables)!r}:
                for sql in [f"select * from {{t}}", f"pragma table_info({{t}})", f"select count(*) from {{t}}"]:
                    try:
                        c.execute(sql).fetchall(); print("READ", sql)
                    except sqlite3.Error as e:
                        print("refused" if {NOT_CREATED!r} in str(e) else "OTHER " + str(e))
            print("names", c.execute("select count(*) from sqlite_master").fetchone()[0])
    """, cwd=tmp, timeout=60)
    assert_clean_exit(r)
    assert r.stdout.count("refused") == 2 * len(tables) * 3, r.stdout
    assert "READ" not in r.stdout and "OTHER" not in r.stdout


# ---------------------------------------------------------------- 2. long and wide globs

def test_long_glob_is_a_clean_error(tmp):
    r = run_python("""
        import sqlite3
        c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(LIB)
        for sql in ["select * from read_log(replace(hex(zeroblob(3000)),'00','*/'))",
                    "select * from read_jsonl(replace(hex(zeroblob(3000)),'00','*/'))",
                    "select * from read_log(replace(hex(zeroblob(1000)),'00','*/'))",
                    "select * from read_log('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b')"]:
            try:
                c.execute(sql).fetchall(); print("ROWS")
            except sqlite3.Error as e:
                print("ERR", e)
        print("alive", c.execute("select 1").fetchone()[0])
    """, cwd=tmp, timeout=60)
    assert_clean_exit(r)
    lines = r.stdout.splitlines()
    assert lines[0] == "ERR read_log: path or pattern is 6000 bytes long (limit 4096)"
    assert lines[1] == "ERR read_jsonl: path or pattern is 6000 bytes long (limit 4096)"
    assert lines[2].startswith("ERR read_log: pattern '") and lines[2].endswith("has 1000 path components (limit 128)")
    assert lines[3].startswith("ERR read_log: no files match")
    assert lines[4] == "alive 1"


def test_planted_long_glob_in_a_trusted_jsonl_table_is_a_clean_error(tmp):
    glob = "*/" * 3000
    plant(str(tmp / "planted.db"), {"j": f"CREATE VIRTUAL TABLE j USING jsonl('{glob}')",
                                    "c": f"CREATE VIRTUAL TABLE c USING csv_file('{glob}')"})
    r = run_python(f"""
        import sqlite3
        c = sqlite3.connect("planted.db"); c.enable_load_extension(True); c.load_extension(LIB)
        for trust in (False, True):
            if trust:
                c.execute("select strata_trust_file_tables('main')")
            for t in ["j", "c"]:
                for sql in [f"select * from {{t}}", f"pragma table_info({{t}})"]:
                    try:
                        c.execute(sql).fetchall(); print("ROWS")
                    except sqlite3.Error as e:
                        print("ERR", e)
    """, cwd=tmp, timeout=60)
    assert_clean_exit(r)
    lines = r.stdout.splitlines()
    assert len(lines) == 8
    assert all(NOT_CREATED in l for l in lines[:4]), lines
    assert all(l.startswith("ERR ") and "6000 bytes long (limit 4096)" in l for l in lines[4:]), lines


@pytest.mark.parametrize("reader,content,expected", [
    ("read_jsonl", '{"a": 1}\n{"a": 2}\n', 2),
    ("read_csv", "a,b\n1,2\n3,4\n", 2),
    ("read_log", "2026-11-20 10:00:00,000 INFO app: one\n2026-11-20 10:00:01,000 INFO app: two\n", 2),
    ("crontab", "0 2 * * * /bin/true\n*/5 * * * * /bin/false\n", 2),
])
def test_glob_skips_directories_and_fifos(tmp, reader, content, expected):
    (tmp / "in").mkdir()
    (tmp / "in" / "a.dat").write_text(content)
    (tmp / "in" / "d.dat").mkdir()           # a directory matching the glob
    os.mkfifo(tmp / "in" / "f.dat")          # a FIFO matching the glob: no writer will ever come
    (tmp / "in" / "z.dat").symlink_to(tmp / "in" / "a.dat")  # a link to a regular file is a regular file
    r = run_python(f"""
        import sqlite3
        c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(LIB)
        print(c.execute("select count(*), group_concat(distinct path) from {reader}('in/*.dat')").fetchone())
    """, cwd=tmp, timeout=60)
    assert_clean_exit(r)
    assert r.stdout.strip() == repr((2 * expected, "in/a.dat,in/z.dat"))


def test_glob_of_the_whole_disk_is_refused_or_interrupted_promptly(tmp):
    r = run_python("""
        import sqlite3, threading
        c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(LIB)
        threading.Timer(0.5, c.interrupt).start()
        try:
            print("ROWS", c.execute("select count(*) from read_log('/*/*/*/*/*/*/*/*')").fetchall())
        except sqlite3.Error as e:
            print("ERR", e)
    """, cwd=tmp, timeout=60)
    assert_clean_exit(r)
    out = r.stdout.strip()
    assert out.startswith("ERR") and ("matches more than 10000 files" in out or "directory entries" in out
                                      or out == "ERR interrupted"), out


# ---------------------------------------------------------------- 3. interruption and pipes

HOSTS = ["sqlite3", "sqlean"]  # SQLite 3.40 (probe by compiling a statement) and ≥ 3.41 (sqlite3_is_interrupted)


def host_module(host):
    if host == "sqlean":
        pytest.importorskip("sqlean", reason="sqlean.py is not installed (scripts/requirements-test.txt)")
    return {"sqlite3": "sqlite3", "sqlean": "sqlean"}[host]


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    """gzip bombs: one member of 2M identical lines, repeated (a multi-member gzip, as `cat a.gz b.gz`)."""
    d = tmp_path_factory.mktemp("bombs")

    def bomb(name, line, members):
        member = gzip.compress(line * 2_000_000, 9)
        with open(d / name, "wb") as f:
            for _ in range(members):
                f.write(member)

    bomb("bomb.log.gz", b"2026-11-20 10:00:00,000 INFO app: the same line again\n", 40)  # 80M lines, 12 MB
    bomb("cron.log.gz", b"Nov 20 02:00:01 host CRON[1234]: (root) CMD (/usr/bin/true)\n", 40)
    # Lines of other programs: cron_history skips them inside one call, where SQLite never looks for an
    # interrupt. 400M of them: far longer to read than the hang guard.
    bomb("noise.log.gz", b"Nov 20 02:00:01 host sshd[99]: Accepted publickey for alice\n", 200)
    (d / "crontab").write_text("0 2 * * * /usr/bin/true\n")
    return d


# The hang guard of the interruption tests: generous next to the half second they take, far shorter than
# reading a bomb to its end (which is what happened before: the interrupt was seen only afterwards).
INTERRUPT_GUARD = float(os.environ.get("STRATA_INTERRUPT_GUARD", "30"))


def interrupted_after_half_a_second(host, sql, cwd):
    """Runs `sql` in a child with conn.interrupt() from a Timer(0.5); returns the child's output lines."""
    r = run_python(f"""
        import threading
        import {host_module(host)} as sqlite
        c = sqlite.connect(":memory:"); c.enable_load_extension(True); c.load_extension(LIB)
        threading.Timer(0.5, c.interrupt).start()
        try:
            print("ROWS", c.execute({sql!r}).fetchall()[:3])
        except sqlite.OperationalError as e:
            print("ERR", e)
        print("after", c.execute("select cosine_distance('[1,0]', '[0,1]')").fetchone()[0])
    """, cwd=cwd, timeout=INTERRUPT_GUARD)
    assert_clean_exit(r)
    return r.stdout.splitlines()


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("sql", [
    "select level, count(*) from read_log('bomb.log.gz') group by level",
    "select count(*) from read_log('bomb.log.gz')",
    "select count(*) from cron_history('noise.log.gz')",
    "select count(*) from cron_history('cron.log.gz')",
    "select count(*) from cron_runs('crontab', 'cron.log.gz', '2026-11-19', '2026-11-21')",
    "select count(*) from cron_runs('crontab', 'noise.log.gz', '2026-11-19', '2026-11-21')",
], ids=["read_log-group-by-level", "read_log-count", "cron_history-other-programs", "cron_history-cron-lines",
        "cron_runs-cron-lines", "cron_runs-other-programs"])
def test_interrupt_stops_a_gzip_bomb(bombs, host, sql):
    out = interrupted_after_half_a_second(host, sql, bombs)
    assert out == ["ERR interrupted", "after 1.0"], out


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("sql", [
    "select * from read_log('fifo')",
    "select * from read_jsonl('fifo')",
    "select * from read_csv('fifo')",
    "select * from crontab('fifo')",
    "select * from cron_history('fifo')",
    "select * from log_formats('fifo')",
], ids=lambda s: s.split(" from ")[-1].split("(")[0] if " from " in s else s)
def test_interrupt_stops_waiting_for_a_fifo_writer(tmp, host, sql):
    os.mkfifo(tmp / "fifo")
    out = interrupted_after_half_a_second(host, sql, tmp)
    assert out == ["ERR interrupted", "after 1.0"], out


@pytest.mark.parametrize("module", ["jsonl", "csv_file"])
def test_interrupt_stops_creating_a_file_table_over_a_fifo(tmp, module):
    os.mkfifo(tmp / "fifo")
    r = run_python(f"""
        import sqlite3, threading
        c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(LIB)
        threading.Timer(0.5, c.interrupt).start()
        try:
            c.execute("create virtual table t using {module}('fifo')"); print("CREATED")
        except sqlite3.OperationalError as e:
            print("ERR", e)
    """, cwd=tmp, timeout=20)
    assert_clean_exit(r)
    # Refused at once (a FIFO is read once, a file table reads its files twice), or interrupted while waiting.
    out = r.stdout.strip()
    assert out == "ERR interrupted" or (out.startswith("ERR") and "pipe or device" in out), out


PIPED = [
    ("read_log", "2026-11-20 10:00:00,000 INFO app: one\n2026-11-20 10:00:01,000 ERROR app: two\n"
                 "Traceback (most recent call last):\n2026-11-20 10:00:02,000 INFO app: three\n", 3),
    ("read_jsonl", '{"a": 1}\n{"a": 2}\n{"a": 3}\n{"a": 4}\n', 4),
    ("read_csv", "a,b\n1,2\n3,4\n5,6\n", 3),
    ("crontab", "# m h dom mon dow command\n0 2 * * * /bin/true\n*/5 * * * * /bin/false\n", 2),
    ("cron_history", "Nov 20 02:00:01 host CRON[1234]: (root) CMD (/usr/bin/true)\n"
                     "Nov 20 02:00:02 host sshd[1]: not cron\n"
                     "Nov 20 02:05:01 host CRON[1240]: (root) CMD (/bin/false)\n", 2),
]


@pytest.mark.parametrize("reader,content,expected", PIPED, ids=[p[0] for p in PIPED])
def test_sqlite3_cli_reads_dev_stdin(reader, content, expected):
    r = subprocess.run(["sqlite3", ":memory:", f".load {LIB}", f"select count(*) from {reader}('/dev/stdin')"],
                       input=content, capture_output=True, text=True, timeout=HANG_GUARD)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"{expected}\n", "")


@pytest.mark.parametrize("reader,content,expected", PIPED[:3], ids=[p[0] for p in PIPED[:3]])
def test_process_substitution_is_read_as_a_stream(tmp, reader, content, expected):
    (tmp / "content").write_text(content)
    script = f"""q() {{ sqlite3 :memory: '.load {LIB}' "select count(*) from {reader}('$1')"; }}; q <(cat content)"""
    r = subprocess.run(["bash", "-c", script], cwd=tmp, capture_output=True, text=True, timeout=HANG_GUARD)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"{expected}\n", "")


@pytest.mark.parametrize("reader,content,expected", PIPED, ids=[p[0] for p in PIPED])
def test_fifo_with_a_late_writer_is_read_to_its_end(tmp, reader, content, expected):
    os.mkfifo(tmp / "fifo")
    r = run_python(f"""
        import sqlite3, threading, time
        def writer():
            time.sleep(0.3)
            with open("fifo", "w") as f:
                f.write({content!r})
        threading.Thread(target=writer).start()
        c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(LIB)
        print(c.execute("select count(*) from {reader}('fifo')").fetchone()[0])
    """, cwd=tmp, timeout=60)
    assert_clean_exit(r)
    assert r.stdout == f"{expected}\n"


@pytest.mark.parametrize("reader", ["read_npy", "read_npz"])
def test_npy_readers_refuse_a_pipe_clearly(tmp, reader):
    os.mkfifo(tmp / "fifo")
    r = run_python(f"""
        import sqlite3
        c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(LIB)
        try:
            c.execute("select * from {reader}('fifo')").fetchall(); print("ROWS")
        except sqlite3.Error as e:
            print("ERR", e)
    """, cwd=tmp, timeout=30)
    assert_clean_exit(r)
    assert r.stdout.startswith(f"ERR {reader}: cannot read 'fifo': not a regular file"), r.stdout


@pytest.mark.parametrize("module,content", [("jsonl", '{"a": 1}\n{"a": 2}\n'), ("csv_file", "a,b\n1,2\n3,4\n")])
def test_file_table_over_a_pipe_reads_its_rows_or_refuses(module, content):
    r = subprocess.run(["sqlite3", ":memory:", f".load {LIB}", f"create virtual table t using {module}('/dev/stdin')",
                        "select count(*) from t"], input=content, capture_output=True, text=True, timeout=HANG_GUARD)
    assert r.stdout == "2\n" or ("pipe" in r.stderr and r.returncode != 0), (r.returncode, r.stdout, r.stderr)


# ---------------------------------------------------------------- 5. several SQLite libraries in one process

OTHER_LIBRARIES = {  # PyPI package's module → how a connection is opened with it (each bundles its own SQLite)
    "apsw": "apsw.Connection(':memory:')",
    "pysqlite3": "pysqlite3.dbapi2.connect(':memory:')",
    "sqlean": "sqlean.connect(':memory:')",
}


@pytest.mark.parametrize("first", ["stdlib", "other"])
@pytest.mark.parametrize("library", sorted(OTHER_LIBRARIES))
def test_second_sqlite_library_is_refused_clearly(tmp, library, first):
    pytest.importorskip(library, reason=f"{library} is not installed on this Python (scripts/requirements-test.txt)")
    r = run_python(f"""
        import sqlite3, {"pysqlite3.dbapi2" if library == "pysqlite3" else library}
        other = {OTHER_LIBRARIES[library]}
        std = sqlite3.connect(":memory:")
        def load(conn):
            conn.enable_load_extension(True)
            try:
                conn.load_extension(LIB)
            except Exception as e:
                return "ERR " + str(e)
            return "ok " + str(list(conn.execute("select cosine_distance('[1,0]', '[0,1]')"))[0][0])
        order = [std, other] if {first!r} == "stdlib" else [other, std]
        print(load(order[0]))
        print(load(order[1]))
        # The first library's connection carries on.
        print(list(order[0].execute("select count(*) from strata_help"))[0][0] > 0)
        print(list(order[0].execute("select vec_dims('[1,2,3]')"))[0][0])
    """, cwd=tmp, timeout=60)
    assert_clean_exit(r)
    lines = r.stdout.splitlines()
    assert lines[0] == "ok 1.0", lines
    assert lines[1].startswith("ERR ") and ALREADY_LOADED in lines[1], lines
    assert lines[2:] == ["True", "3"], lines


def test_one_library_many_connections_is_fine(tmp):
    r = run_python("""
        import sqlite3
        conns = [sqlite3.connect(":memory:") for _ in range(3)]
        for c in conns:
            c.enable_load_extension(True); c.load_extension(LIB)
        print([c.execute("select cosine_distance('[1,0]', '[0,1]')").fetchone()[0] for c in conns])
    """, cwd=tmp, timeout=60)
    assert_clean_exit(r)
    assert r.stdout.strip() == "[1.0, 1.0, 1.0]"


def test_thread_exits_cleanly_after_the_library_is_unloaded(tmp):
    (tmp / "a.csv").write_text("a,b\n1,2\n")
    r = run_python("""
        import sqlite3, threading
        def work():
            c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(LIB)
            assert c.execute("select count(*) from read_csv('a.csv')").fetchall() == [(1,)]
            c.close()  # the last connection: SQLite dlcloses libstrata.so
        for _ in range(10):
            t = threading.Thread(target=work); t.start(); t.join()
        print("ok")
    """, cwd=tmp, timeout=60)
    assert_clean_exit(r)
    assert r.stdout.strip() == "ok"


def test_loading_again_and_again_keeps_the_hosts_thread_keys(tmp):
    """A host that opens a connection, loads Strata and closes it per request or per notebook cell unloads and
    loads the library each time: every load took a pthread key for good (1024 per process), so after about a
    thousand loads no library in the process could make one. Counted with pthread_key_create itself."""
    (tmp / "a.log").write_text("a\nb\n")
    r = run_python("""
        import ctypes, sqlite3
        libc = ctypes.CDLL(None)
        def free_keys():
            made, k = [], ctypes.c_uint()
            while libc.pthread_key_create(ctypes.byref(k), None) == 0:
                made.append(k.value)
            for m in made:
                libc.pthread_key_delete(m)
            return len(made)
        def loaded():
            return any("libstrata" in line for line in open("/proc/self/maps"))
        before = free_keys()
        for _ in range(50):
            c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(LIB)
            assert c.execute("select count(*) from read_log('a.log')").fetchall() == [(2,)]
            c.close()
        print(loaded(), before - free_keys())
    """, cwd=tmp, timeout=120)
    assert_clean_exit(r)
    unloaded_each_time = r.stdout.split()[0] == "False"
    if not unloaded_each_time:
        pytest.skip("this host does not unload the library on close")
    assert r.stdout.split()[1] == "0", r.stdout


# ---------------------------------------------------------------- 6. Datasette, STRATA_ALLOWED_DIRS

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url):
    """(status, body) — an HTTP error is an answer too."""
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@contextlib.contextmanager
def datasette(db_path, entry_point, cwd):
    """`datasette serve` on a free port with Strata loaded through `entry_point`; yields (base_url, process),
    or (None, process) when Datasette exited instead of serving."""
    pytest.importorskip("datasette")
    port = free_port()
    log = open(cwd / "datasette.log", "w+")
    p = subprocess.Popen([sys.executable, "-m", "datasette", "serve", str(db_path), "-h", "127.0.0.1",
                          "-p", str(port), f"--load-extension={LIB_SO}:{entry_point}"],
                         cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if p.poll() is not None:
                yield None, p
                break
            try:
                if http_get(base + "/-/versions.json")[0] == 200:
                    yield base, p
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "datasette did not start:\n" + (cwd / "datasette.log").read_text()
            time.sleep(0.2)
    finally:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log.close()


def sql_json(base, db, sql):
    status, body = http_get(f"{base}/{db}.json?" + urllib.parse.urlencode({"sql": sql, "_shape": "array"}))
    return status, body


def test_datasette_safe_mode_serves_vectors_and_no_file_readers(tmp):
    secret_files(tmp)
    plant(str(tmp / "data.db"), {}, views=[
        f"create view leak_csv as select * from read_csv('{tmp / 'secret.csv'}')",
        f"create view leak_log as select * from read_log('{tmp / 'secret.log'}')",
        f"create view leak_jsonl as select * from read_jsonl('{tmp / 'secret.jsonl'}')",
        "create view near as select id, cosine_distance(e, '[1,0,0]') as d from docs",  # pure: works in a view
    ])
    with datasette(tmp / "data.db", "sqlite3_strata_safe_init", tmp) as (base, proc):
        assert base, "datasette exited:\n" + (tmp / "datasette.log").read_text()
        status, body = sql_json(base, "data", "select cosine_distance('[1,0]', '[0,1]') as d, vec_dims('[1,2,3]') as n")
        assert (status, body) == (200, '[{"d": 1.0, "n": 3}]'), body
        status, body = sql_json(base, "data", "select id, rank from knn_match('docs.e', '[1,0.1,0]', 2)")
        assert (status, body) == (200, '[{"id": 1, "rank": 1}, {"id": 2, "rank": 2}]'), body
        status, body = sql_json(base, "data", "select cron_next('0 2 * * *', '2026-11-20 10:00:00') as n")
        assert (status, body) == (200, '[{"n": "2026-11-21 02:00:00"}]'), body
        for sql, missing in [("select * from read_csv('/etc/passwd', 'delimiter=:,header=false')", "read_csv"),
                             ("select * from read_log('/etc/passwd')", "read_log"),
                             (f"select * from read_jsonl('{tmp / 'secret.jsonl'}')", "read_jsonl"),
                             ("select * from read_npy('/etc/passwd')", "read_npy"),
                             ("select * from crontab('/etc/crontab')", "crontab"),
                             ("select * from cron_history('/var/log/syslog')", "cron_history")]:
            status, body = sql_json(base, "data", sql)
            assert status == 400 and f"no such table: {missing}" in body, (sql, status, body)
            assert "root:" not in body
        status, body = sql_json(base, "data", "select strata_trust_file_tables('main')")
        assert status == 400 and "no such function: strata_trust_file_tables" in body
        status, body = sql_json(base, "data", f"select * from knn_match('{tmp / 'x.npy'}', '[1,0,0]', 1)")
        assert status == 400 and "no such table" in body  # no .npy corpora in safe mode
        for view in ["leak_csv", "leak_log", "leak_jsonl"]:
            status, body = http_get(f"{base}/data/{view}.json")
            assert status == 400 and SECRET not in body, (view, status, body)
        status, body = http_get(f"{base}/data/near.json?_shape=array")
        assert (status, body) == (200, '[{"id": 1, "d": 0.0}, {"id": 2, "d": 1.0}, {"id": 3, "d": 1.0}]'), body
        for page in ["/", "/data", "/data/docs", "/data/leak_csv"]:
            status, body = http_get(base + page)
            assert SECRET not in body, page
            if page != "/data/leak_csv":
                assert status == 200, (page, status)
        assert http_get(base + "/-/versions.json")[0] == 200 and proc.poll() is None
    assert SECRET not in (tmp / "datasette.log").read_text()


@pytest.mark.parametrize("entry_point", ["sqlite3_strata_safe_init", "sqlite3_strata_init"])
def test_datasette_over_planted_file_tables_never_shows_the_secret(tmp, entry_point):
    """Datasette checks every table with PRAGMA table_info when it opens a database: with planted file tables
    it may refuse to serve the database (safe mode: no such module; full mode: not created by this
    connection) — what it must never do is read the victim's files."""
    plant(str(tmp / "data.db"), planted_tables(secret_files(tmp)))
    with datasette(tmp / "data.db", entry_point, tmp) as (base, proc):
        if base:
            for page in ["/", "/data", "/data.json", "/data/t_csv_file", "/data/t_jsonl.json", "/data/t_log_file"]:
                status, body = http_get(base + page)
                assert SECRET not in body, page
            assert http_get(base + "/-/versions.json")[0] == 200 and proc.poll() is None
    log = (tmp / "datasette.log").read_text()
    assert SECRET not in log
    if not base:
        expected = "no such module: log_file" if entry_point == "sqlite3_strata_safe_init" else NOT_CREATED
        assert expected in log, log


def allowed_dirs_tree(tmp):
    inside, outside, second = tmp / "allowed", tmp / "outside", tmp / "second"
    for d in (inside, outside, second):
        d.mkdir()
    (inside / "ok.csv").write_text("a,b\n1,2\n")
    (second / "two.csv").write_text("a,b\n1,2\n3,4\n")
    (outside / "secret.csv").write_text(f"a,b\n1,{SECRET}\n")
    (inside / "link.csv").symlink_to(outside / "secret.csv")
    (inside / "dirlink").symlink_to(outside)
    return inside, outside, second


def test_allowed_dirs_confine_every_reader(tmp):
    inside, outside, second = allowed_dirs_tree(tmp)
    import numpy as np
    np.save(outside / "v.npy", np.eye(3, dtype="float32"))
    np.save(inside / "v.npy", np.eye(3, dtype="float32"))
    r = run_python("""
        import sqlite3
        c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(LIB)
        for sql in [
            "select count(*) from read_csv('allowed/ok.csv')",
            "select count(*) from read_csv('" + __import__('os').path.abspath('allowed/ok.csv') + "')",
            "select count(*) from read_csv('second/two.csv')",
            "select count(*) from knn_match('allowed/v.npy', '[1,0,0]', 2)",
            "select * from read_csv('/etc/passwd')",
            "select * from read_log('/etc/passwd')",
            "select * from read_jsonl('/etc/passwd')",
            "select * from read_npy('outside/v.npy')",
            "select * from knn_match('outside/v.npy', '[1,0,0]', 1)",
            "select * from cron_history('/etc/passwd')",
            "select * from read_csv('allowed/link.csv')",
            "select * from read_csv('allowed/dirlink/secret.csv')",
            "select * from read_csv('allowed/../outside/secret.csv')",
            "select * from read_csv('allowed/*.csv')",
            "create virtual table t using csv_file('outside/secret.csv')",
        ]:
            try:
                print("ROWS", c.execute(sql).fetchall())
            except sqlite3.Error as e:
                print("ERR", e)
    """, cwd=tmp, env={"STRATA_ALLOWED_DIRS": f"{inside}:{second}:{tmp / 'does-not-exist'}"}, timeout=60)
    assert_clean_exit(r)
    lines = r.stdout.splitlines()
    assert lines[:4] == ["ROWS [(1,)]", "ROWS [(1,)]", "ROWS [(2,)]", "ROWS [(2,)]"], lines
    for line in lines[4:]:
        if line.startswith("ROWS"):
            # The glob 'allowed/*.csv': its link to a file outside is not a match (names outside do not exist).
            assert "allowed/ok.csv" in line and "link" not in line, line
            continue
        assert line.startswith("ERR ") and "outside the directories this extension may read (STRATA_ALLOWED_DIRS)" \
            in line, line
    assert SECRET not in r.stdout and "root:" not in r.stdout


def test_allowed_dirs_without_the_variable_reads_anywhere(tmp):
    inside, outside, _ = allowed_dirs_tree(tmp)
    env = {k: v for k, v in os.environ.items() if k != "STRATA_ALLOWED_DIRS"}
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import sqlite3
        c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension({str(LIB)!r})
        print(c.execute("select row from read_csv('allowed/link.csv')").fetchall())
    """)], cwd=tmp, env=env, capture_output=True, text=True, timeout=60)
    assert_clean_exit(r)
    assert SECRET in r.stdout


def test_allowed_dirs_do_not_reveal_names_outside(tmp):
    inside, outside, _ = allowed_dirs_tree(tmp)
    (outside / "id_ed25519_hidden_name").write_text("x\n")
    r = run_python(f"""
        import sqlite3
        c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(LIB)
        try:
            c.execute("select * from read_csv('{outside}/id_*')").fetchall(); print("ROWS")
        except sqlite3.Error as e:
            print("ERR", e)
    """, cwd=tmp, env={"STRATA_ALLOWED_DIRS": str(inside)}, timeout=60)
    assert_clean_exit(r)
    assert r.stdout.startswith("ERR") and "hidden_name" not in r.stdout, r.stdout


def test_refusal_names_an_option_strata_has(tmp):
    db = plant(str(tmp / "planted.db"), planted_tables(secret_files(tmp)))
    r = subprocess.run([str(CLI), "--trust-file-tables", db, "select token from t_csv_file"], capture_output=True,
                       text=True, timeout=HANG_GUARD)
    assert (r.returncode, r.stdout.strip()) == (0, SECRET), (r.returncode, r.stdout, r.stderr)
