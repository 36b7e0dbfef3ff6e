"""The SQL surface, pinned and documented from one place.

Each SQL name is declared once (SQLDeclaration in Swift); `strata_help` lists what a connection registered.
Here: the exact pragma_function_list / pragma_module_list additions are pinned (as sqlite-vec pins its own), for
the full and the safe entry point; strata_help agrees with SQLite's own lists (names, argument counts,
flags); every parameter and column is documented; and the README's surface table and docs/reference.md are
generated from strata_help — `UPDATE_DOCS=1` rewrites them, otherwise a difference fails.
"""
import json
import os
import sqlite3

import pytest

from conftest import LIB, ROOT, connect

DETERMINISTIC, DIRECTONLY, INNOCUOUS = 0x800, 0x80000, 0x200000
PURE = DETERMINISTIC | INNOCUOUS

EXPECTED_FUNCTIONS = {
    ("strata_version", 0, "s", PURE),
    ("strata_trust_file_tables", 0, "s", DIRECTONLY),
    ("strata_trust_file_tables", 1, "s", DIRECTONLY),
    ("vec_f32", 1, "s", PURE),
    ("vec_to_json", 1, "s", PURE),
    ("vec_dims", 1, "s", PURE),
    ("vec_norm", 1, "s", PURE),
    ("vec_normalize", 1, "s", PURE),
    ("cosine_distance", 2, "s", PURE),
    ("cosine_similarity", 2, "s", PURE),
    ("l2_distance", 2, "s", PURE),
    ("inner_product", 2, "s", PURE),
    ("vec_avg", 1, "a", PURE),
    ("knn_cache_clear", 0, "s", DIRECTONLY),
    ("vec_check", 1, "s", PURE),
    ("vec_check", 2, "s", PURE),
    ("vec_valid", 1, "s", PURE),
    ("vec_valid", 2, "s", PURE),
    ("cron_next", 2, "s", PURE),
    ("cron_next", 3, "s", PURE),                      # with tz
    ("cron_prev", 2, "s", PURE),
    ("cron_prev", 3, "s", PURE),
    ("cron_describe", 1, "s", PURE),
    ("log_shape", 1, "s", PURE),
}
EXPECTED_MODULES = {
    "strata_help",
    "knn_match", "knn_index",                         # vectors
    "read_log", "log_file", "log_formats",            # logs
    "crontab", "cron_schedule", "cron_history", "cron_runs",  # cron
    "read_jsonl", "jsonl", "read_csv", "csv_file", "read_npy", "read_npz",  # files
    "read_parquet", "parquet_file",                   # parquet
    "generate_series",                                # sqlite3's, where the host SQLite lacks it
}
FILE_READERS = {"read_log", "log_file", "log_formats", "crontab", "cron_history", "cron_runs",
                "read_jsonl", "jsonl", "read_csv", "csv_file", "read_npy", "read_npz", "read_parquet", "parquet_file"}
SAFE_FUNCTIONS = {f for f in EXPECTED_FUNCTIONS if f[0] != "strata_trust_file_tables"}
SAFE_MODULES = EXPECTED_MODULES - FILE_READERS


def function_list(conn):
    return {(n, narg, t, flags & (DETERMINISTIC | DIRECTONLY | INNOCUOUS))
            for n, narg, t, flags in conn.execute("select name, narg, type, flags from pragma_function_list")}


def surface_of(conn):
    plain = sqlite3.connect(":memory:")
    functions = function_list(conn) - function_list(plain)
    modules = ({r[0] for r in conn.execute("select name from pragma_module_list")}
               - {r[0] for r in plain.execute("select name from pragma_module_list")})
    return functions, modules


def safe_connect():
    conn = sqlite3.connect(":memory:")
    conn.enable_load_extension(True)
    conn.execute("select load_extension(?, 'sqlite3_strata_safe_init')", (str(LIB),))
    conn.enable_load_extension(False)
    return conn


def test_registered_surface_is_pinned():
    assert surface_of(connect()) == (EXPECTED_FUNCTIONS, EXPECTED_MODULES)


def test_safe_entry_point_registers_no_file_reader():
    assert surface_of(safe_connect()) == (SAFE_FUNCTIONS, SAFE_MODULES)


def help_rows(conn):
    cols = [d[1] for d in conn.execute("pragma table_info(strata_help)")]
    return [dict(zip(cols, r)) for r in conn.execute("select * from strata_help")]


@pytest.mark.parametrize("make", [connect, safe_connect], ids=["full", "safe"])
def test_strata_help_agrees_with_sqlite(make):
    conn = make()
    functions, modules = surface_of(conn)
    rows = help_rows(conn)
    by_name = {r["name"]: r for r in rows}
    assert len(by_name) == len(rows), "a name is declared twice"
    assert {n for n, *_ in functions} | modules == set(by_name)
    for name, narg, kind, flags in functions:
        r = by_name[name]
        assert r["kind"] == ("aggregate" if kind == "a" else "function")
        params = json.loads(r["parameters"])
        assert sum(p["required"] for p in params) <= narg <= len(params), (name, narg)
        assert (flags == PURE) == (r["safety"] == "pure") and (flags == DIRECTONLY) == (r["safety"] == "directOnly")
    for name in modules:
        r = by_name[name]
        assert r["kind"] in ("table function", "virtual table")
        assert bool(r["reads_files"]) == (name in FILE_READERS)
    for r in rows:
        assert r["help"].strip() and r["signature"].startswith(r["name"] + "(")
        for p in json.loads(r["parameters"]):
            assert p["doc"].strip(), (r["name"], p)
        for c in json.loads(r["columns"]):
            assert c["doc"].strip() and c["type"] is not None, (r["name"], c)


def test_table_columns_are_what_the_declaration_says():
    conn = connect()
    for r in help_rows(conn):
        if r["kind"] != "table function":
            continue
        # HIDDEN output columns (knn_match's id, skipped) are left out of SELECT *.
        declared = [c["name"] for c in json.loads(r["columns"]) if not c["type"].endswith("HIDDEN")]
        if not declared:
            continue
        visible = [row[1] for row in conn.execute(f"pragma table_xinfo({r['name']})") if row[6] == 0]
        assert visible == declared, r["name"]


# ---- generated documentation -------------------------------------------------------------------------------

README = ROOT / "README.md"
REFERENCE = ROOT / "docs" / "reference.md"
BEGIN = "<!-- surface table: generated by Tests/integration/test_surface.py from strata_help -->"
END = "<!-- end of surface table -->"
DOMAIN_DOCS = {"vec": "knn.md", "cosine": "knn.md", "l2": "knn.md", "inner": "knn.md", "knn": "knn.md",
               "read_log": "logs.md", "log": "logs.md", "cron": "cron.md", "crontab": "cron.md",
               "read_jsonl": "files.md", "jsonl": "files.md", "read_csv": "files.md", "csv": "files.md",
               "read_np": "files.md", "read_parquet": "files.md", "parquet": "files.md", "strata": "security.md"}


def doc_for(name):
    for prefix, doc in sorted(DOMAIN_DOCS.items(), key=lambda kv: -len(kv[0])):
        if name.startswith(prefix):
            return doc
    return "reference.md"


def md(text):
    return text.replace("|", "\\|")


def surface_table(rows):
    lines = ["| name | kind | safety | usage | docs |", "| --- | --- | --- | --- | --- |"]
    for r in rows:
        safety = "pure" if r["safety"] == "pure" else "DIRECTONLY" + (", reads files" if r["reads_files"] else "")
        doc = doc_for(r["name"])
        lines.append(f"| `{r['name']}` | {r['kind']} | {safety} | {md(r['help'])} | [{doc}](docs/{doc}) |")
    return "\n".join(lines)


def reference_page(rows):
    out = ["# SQL reference", "",
           "Generated from `strata_help` by Tests/integration/test_surface.py (`UPDATE_DOCS=1` to rewrite): every",
           "SQL name Strata registers, its parameters and its columns. `SELECT * FROM strata_help` shows the same",
           "in SQL. Names marked *reads files* are absent from the safe entry point (see [security.md](security.md)).",
           ""]
    for r in rows:
        out += [f"## `{r['name']}`", "", f"{r['kind']}, " + ("pure (DETERMINISTIC, INNOCUOUS)" if r["safety"] == "pure"
                else "DIRECTONLY" + (", reads files" if r["reads_files"] else "")), "",
                "```sql", r["help"], "```", ""]
        params = json.loads(r["parameters"])
        if params:
            out += ["| parameter | required | meaning |", "| --- | --- | --- |"]
            out += [f"| `{p['name']}` | {'yes' if p['required'] else 'no'} | {md(p['doc'])} |" for p in params]
            out.append("")
        cols = json.loads(r["columns"])
        if cols:
            out += ["| column | type | meaning |", "| --- | --- | --- |"]
            out += [f"| `{c['name']}` | {c['type']} | {md(c['doc'])} |" for c in cols]
            out.append("")
        if r["notes"]:
            out += [r["notes"], ""]
    return "\n".join(out).rstrip() + "\n"


def test_docs_are_generated_from_the_declarations():
    rows = help_rows(connect())
    table = surface_table(rows)
    page = reference_page(rows)
    readme = README.read_text()
    assert BEGIN in readme and END in readme, "README lacks the surface table markers"
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    want_readme = head + BEGIN + "\n" + table + "\n" + END + tail
    if os.environ.get("UPDATE_DOCS"):
        README.write_text(want_readme)
        REFERENCE.write_text(page)
        pytest.skip("README surface table and docs/reference.md rewritten")
    assert readme == want_readme, "README's surface table is out of date: run UPDATE_DOCS=1 on test_surface.py"
    assert REFERENCE.exists() and REFERENCE.read_text() == page, \
        "docs/reference.md is out of date: run UPDATE_DOCS=1 on test_surface.py"
