"""SQL-level fuzzer: calls every function and table-valued function Strata registers with random argument
counts and types, from a fixed seed. Run as a child process by test_hardening.py, so that a crash (a trap, a
segfault) shows up as a dead child instead of killing the test runner.

Every call must end in a value or an SQL error; an SQL error from a Strata function must name it.
Prints one summary line: `calls=N ok=N errors=N`.
"""
import random
import sqlite3
import sys

from conftest import connect

SEED = int(sys.argv[1]) if len(sys.argv) > 1 else 1
CALLS_PER_NAME = int(sys.argv[2]) if len(sys.argv) > 2 else 1000

rng = random.Random(SEED)
BIG_BLOB = bytes(rng.getrandbits(8) for _ in range(4096)) * 2560  # 10 MB


def random_value():
    kind = rng.randrange(14)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([0, 1, -1, 2**31, -(2**31) - 1, 2**63 - 1, -(2**63), 100_000, 100_001, 65_536])
    if kind == 2:
        return rng.randint(-(2**63), 2**63 - 1)
    if kind == 3:
        return rng.choice([0.0, -0.0, 1e308, -1e308, 5e-324, float("nan"), float("inf"), float("-inf"), 0.5])
    if kind == 4:
        return ""
    if kind == 5:
        return "".join(chr(rng.randrange(1, 0x2FF)) for _ in range(rng.randrange(1, 40)))
    if kind == 6:
        return rng.choice(["[1,2,3]", "[]", "[[1]]", "[1e39]", "[", "[1,2,", "{\"a\":1}", "[" + "1," * 70000 + "1]",
                           "* * * * *", "61 * * * *", "*/0 * * * *", "0 0 31 2 *", "@reboot", "@daily",
                           "2026-11-20 02:00:00", "not a date", "9999-12-31 23:59:59", "0000-01-01",
                           "docs.embedding", "no_such_table.col", "main.docs.embedding", "'; drop table docs; --",
                           "auto", "regex:(?<ts>\\d+)", "regex:(", "%(asctime)s %(message)s", "cosine", "l2", "dot",
                           "/nonexistent/file.log", "/dev/null", "/etc/hostname", "*.nothing", "Tests/**",
                           "sql/demo/*.npy", "sql/demo/syslog", "sql/demo/crontab", "sql/demo/predictions.jsonl"])
    if kind == 7:
        return b""
    if kind == 8:
        return bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 64)))
    if kind == 9:
        return bytes(4 * rng.randrange(1, 8))  # zero vectors
    if kind == 10:
        return BIG_BLOB if rng.random() < 0.05 else b"\x00\x00\x80\x3f" * rng.randrange(1, 2000)
    if kind == 11:
        return b"\x00\x00\xc0\x7f" * rng.randrange(1, 4)  # NaN
    if kind == 12:
        return rng.uniform(-1e6, 1e6)
    return rng.randint(-5, 200_000)


def main():
    plain = sqlite3.connect(":memory:")
    builtin_functions = {r[0] for r in plain.execute("select name from pragma_function_list")}
    builtin_modules = {r[0] for r in plain.execute("select name from pragma_module_list")}
    db = connect()
    db.execute("create table docs(id integer primary key, embedding blob, lang text)")
    db.executemany("insert into docs(embedding, lang) values (?, ?)",
                   [(bytes(rng.getrandbits(8) for _ in range(16)), "en") for _ in range(50)]
                   + [(b"\x00\x00\x80\x3f" * 4, "de"), (None, "en")])
    functions = sorted({(n, narg) for n, narg in db.execute("select name, narg from pragma_function_list")
                        if n not in builtin_functions})
    modules = sorted({r[0] for r in db.execute("select name from pragma_module_list")} - builtin_modules)
    calls = ok = errors = 0
    for name, narg in functions:
        for _ in range(CALLS_PER_NAME):
            n = narg if narg >= 0 and rng.random() < 0.8 else rng.randrange(0, 6)
            args = [random_value() for _ in range(n)]
            sql = f"select {name}({', '.join('?' * n)})"
            calls += 1
            try:
                db.execute(sql, args).fetchall()
                ok += 1
            except sqlite3.OperationalError as e:
                msg = str(e)
                # Wrong argument counts are SQLite's own message; anything from us names the function.
                assert msg.startswith(name + ":") or "wrong number of arguments" in msg \
                    or "unsafe use" in msg, f"{sql} {args!r:.200}: {msg}"
                errors += 1
            except (sqlite3.DataError, sqlite3.ProgrammingError, OverflowError, sqlite3.IntegrityError):
                errors += 1
    for name in modules:
        for _ in range(max(1, CALLS_PER_NAME // 4)):
            n = rng.randrange(0, 6)
            args = [random_value() for _ in range(n)]
            sql = f"select * from {name}({', '.join('?' * n)}) limit 50"
            calls += 1
            try:
                db.execute(sql, args).fetchall()
                ok += 1
            except sqlite3.Error as e:
                errors += 1
                msg = str(e)
                assert "no such" in msg or "too many arguments" in msg or name in msg or "unsafe use" in msg \
                    or "no query solution" in msg or msg.startswith(name.split("_")[0]), f"{sql}: {msg}"
    planted = planted_databases(modules)
    print(f"calls={calls} ok={ok} errors={errors} functions={len(functions)} modules={len(modules)} planted={planted}")


PLANTED_ARGS = ["'/etc/passwd'", "'/etc/*'", "'" + "*/" * 3000 + "'", "'/*/*/*/*/*/*/*/*'", "'/dev/zero'",
                "'/dev/stdin'", "'sql/demo/predictions.jsonl'", "'regex:(?<message>(\\w+\\s?)*)$'", "",
                "'header=false, delimiter=:'", "x'00'", "'%(message)s'", "NULL", "'a', 'b', 'c', 'd', 'e'"]


def planted_databases(modules):
    """Database files whose schema was written straight into sqlite_master (no Strata on the writing side):
    random file-reading virtual tables and views over Strata's names. Opening them with Strata loaded and
    poking every object must never read a file or crash; planted file tables are refused."""
    import os
    import tempfile
    count = 0
    with tempfile.TemporaryDirectory() as d:
        for i in range(20):
            path = os.path.join(d, f"planted{i}.db")
            w = sqlite3.connect(path)
            w.execute("create table t(x)")
            w.execute("pragma writable_schema=on")
            names = []
            for j in range(rng.randrange(1, 6)):
                module = rng.choice(sorted(modules) + ["log_file", "jsonl", "csv_file"] * 3)
                args = ", ".join(rng.choice(PLANTED_ARGS) for _ in range(rng.randrange(0, 3)))
                name = f"p{j}"
                sql = f"CREATE VIRTUAL TABLE {name} USING {module}({args})"
                w.execute("insert into sqlite_master values('table', ?, ?, 0, ?)", (name, name, sql))
                names.append(name)
                view = f"v{j}"
                w.execute("insert into sqlite_master values('view', ?, ?, 0, ?)",
                          (view, view, f"CREATE VIEW {view} AS SELECT * FROM {module}({args})"))
                names.append(view)
            w.commit()
            w.close()
            db = connect(path)
            for name in names:
                for sql in (f"pragma table_info({name})", f"select * from {name} limit 3",
                            f"select count(*) from {name}"):
                    count += 1
                    try:
                        rows = db.execute(sql).fetchall()
                    except sqlite3.Error as e:
                        continue
                    assert not any("root:" in str(r) for r in rows), f"{sql} leaked a file: {rows!r:.200}"
            db.close()
    return count


if __name__ == "__main__":
    main()
