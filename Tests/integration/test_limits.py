"""Every documented limit (README, "Limits"), tested at the limit and one past it.

A limit exists so that hostile or broken input costs bounded memory and time; past it the answer is an SQL
error that names the function, the file and the limit — never a crash, never a silently short result.
"""
import os
import zipfile

import numpy as np

from conftest import connect, error_of

MAX_DIMENSIONS = 65_536
MAX_K = 100_000
MAX_LINE_BYTES = 32 << 20
MAX_GLOB_FILES = 10_000
MAX_NPZ_MEMBERS = 100_000
MAX_JSON_DEPTH = 1_000
MAX_LOG_FORMAT_PARTS = 200


def test_vector_dimensions(db):
    assert db.execute("select vec_dims(zeroblob(?))", (MAX_DIMENSIONS * 4,)).fetchone() == (MAX_DIMENSIONS,)
    json_at = "[" + ",".join(["0"] * MAX_DIMENSIONS) + "]"
    assert db.execute("select vec_dims(?)", (json_at,)).fetchone() == (MAX_DIMENSIONS,)
    assert error_of(db, "select vec_dims(zeroblob(?))", ((MAX_DIMENSIONS + 1) * 4,)) == \
        "vec_dims: too many dimensions (65537 > 65536)"
    assert error_of(db, "select vec_norm(?)", ("[" + ",".join(["1"] * (MAX_DIMENSIONS + 1)) + "]",)) == \
        "vec_norm: too many dimensions (65537 > 65536)"


def test_knn_k(db):
    db.execute("create table c(e)")
    db.executemany("insert into c values(vec_f32(?))", [("[1,0]",), ("[0,1]",), ("[1,1]",)])
    rows = db.execute("select id, rank from knn_match('c.e', '[1,0]', ?)", (MAX_K,)).fetchall()
    assert [r[1] for r in rows] == [1, 2, 3] and rows[0][0] == 1
    for k in (0, MAX_K + 1):
        assert error_of(db, "select * from knn_match('c.e', '[1,0]', ?)", (k,)) == \
            f"knn_match: k must be an integer between 1 and 100000, got {k}"


def _log_line(total):
    head = "2026-11-20 02:00:01,123 [INFO] trainer: "
    return head + "x" * (total - len(head))


def test_log_line_length(tmp, db):
    with open("at.log", "w") as f:
        f.write("2026-11-20 02:00:00,000 [INFO] trainer: start\n")
        f.write(_log_line(MAX_LINE_BYTES) + "\n")
    assert db.execute("select line, level, length(raw) from read_log('at.log') order by line").fetchall() == \
        [(1, "INFO", 45), (2, "INFO", MAX_LINE_BYTES)]
    with open("past.log", "w") as f:
        f.write("2026-11-20 02:00:00,000 [INFO] trainer: start\n")
        f.write(_log_line(MAX_LINE_BYTES + 1) + "\n")
    assert error_of(db, "select count(*) from read_log('past.log')") == \
        f"read_log: line 2 of 'past.log' is longer than {MAX_LINE_BYTES} bytes"


def test_log_record_length_cuts_continuations_into_a_headless_record(tmp, db):
    # A traceback that never ends: continuation lines past the record limit start a record with no head.
    chunk = "  " + "y" * ((1 << 20) - 3) + "\n"
    with open("runaway.log", "w") as f:
        f.write("2026-11-20 02:00:00,000 [ERROR] trainer: boom\n")
        f.write(chunk * 40)
    rows = db.execute("select line, level, length(raw) from read_log('runaway.log') order by line").fetchall()
    assert len(rows) == 2
    assert rows[0][1] == "ERROR" and rows[0][2] <= MAX_LINE_BYTES
    assert rows[1][1] is None and rows[1][0] > 1
    assert rows[0][2] + rows[1][2] + 1 == os.path.getsize("runaway.log") - 1


def _write_jsonl_files(n):
    os.makedirs(f"g{n}", exist_ok=True)
    for i in range(n):
        with open(f"g{n}/{i:05}.jsonl", "w") as f:
            f.write('{"i": %d}\n' % i)


def test_files_in_a_glob(tmp, db):
    _write_jsonl_files(MAX_GLOB_FILES)
    assert db.execute(f"select count(*), sum(doc ->> 'i') from read_jsonl('g{MAX_GLOB_FILES}/*.jsonl')").fetchone() == \
        (MAX_GLOB_FILES, sum(range(MAX_GLOB_FILES)))
    _write_jsonl_files(MAX_GLOB_FILES + 1)
    assert error_of(db, f"select count(*) from read_jsonl('g{MAX_GLOB_FILES + 1}/*.jsonl')") == \
        f"read_jsonl: 'g{MAX_GLOB_FILES + 1}/*.jsonl' matches more than {MAX_GLOB_FILES} files (limit {MAX_GLOB_FILES})"
    assert error_of(db, f"select count(*) from read_log('g{MAX_GLOB_FILES + 1}/*.jsonl')").startswith(
        f"read_log: 'g{MAX_GLOB_FILES + 1}/*.jsonl' matches more than {MAX_GLOB_FILES} files (limit")


def _npz_with_members(path, n):
    import io
    buf = io.BytesIO()
    np.save(buf, np.array([7], dtype="<i8"))
    member = buf.getvalue()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for i in range(n):
            z.writestr(f"a{i}.npy", member)


def test_npz_members(tmp, db):
    _npz_with_members("at.npz", MAX_NPZ_MEMBERS)
    assert db.execute("select count(distinct array), sum(value) from read_npz('at.npz')").fetchone() == \
        (MAX_NPZ_MEMBERS, 7 * MAX_NPZ_MEMBERS)
    _npz_with_members("past.npz", MAX_NPZ_MEMBERS + 1)
    assert error_of(db, "select count(*) from read_npz('past.npz')") == \
        f"read_npz: 'past.npz': zip archive lists {MAX_NPZ_MEMBERS + 1} members (limit {MAX_NPZ_MEMBERS})"


def test_json_nesting_depth(tmp, db):
    with open("at.jsonl", "w") as f:
        f.write('{"a":' * MAX_JSON_DEPTH + "1" + "}" * MAX_JSON_DEPTH + "\n")
    assert db.execute("select count(*) from read_jsonl('at.jsonl')").fetchone() == (1,)
    with open("past.jsonl", "w") as f:
        f.write('{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1) + "\n")
    assert error_of(db, "select count(*) from read_jsonl('past.jsonl')") == \
        f"read_jsonl: 'past.jsonl' line 1: nesting deeper than {MAX_JSON_DEPTH} at column {5 * MAX_JSON_DEPTH + 1}"


def test_python_log_format_parts(tmp, db):
    with open("app.log", "w") as f:
        f.write("w " * 99 + "hello \n")
    # Parts are attributes and the literal text between them: 99 × ("%(name)s", " "), "%(message)s", " ".
    at = "%(name)s " * (MAX_LOG_FORMAT_PARTS // 2 - 1) + "%(message)s "
    assert db.execute("select count(*), max(message) from read_log('app.log', ?)", (at,)).fetchone() == (1, "hello")
    past = at + "%(lineno)d"
    assert error_of(db, "select count(*) from read_log('app.log', ?)", (past,)) == \
        f"read_log: format '{past}' has more than {MAX_LOG_FORMAT_PARTS} parts"
