"""Run by scripts/bare-machine.sh inside the bare Debian root, with the venv's python: the wheel's Strata
in Python's sqlite3 (knn_match with a filter, read_log), the strata command, and what ldd resolves."""
import array
import logging
import subprocess
import sqlite3
import sys
import time

t0 = time.perf_counter()
import strata_sqlite  # noqa: E402

conn = sqlite3.connect("/tmp/docs.db")
strata_sqlite.load(conn)
version = conn.execute("select strata_version()").fetchone()[0]
print(f"== strata_sqlite {strata_sqlite.__version__} from {strata_sqlite.loadable_path()}; "
      f"import + load + first query {1000 * (time.perf_counter() - t0):.1f} ms; SQLite {sqlite3.sqlite_version}")


def f32(*v):
    return array.array("f", v).tobytes()


conn.execute("create table docs (id integer primary key, title text, lang text, embedding blob)")
conn.executemany("insert into docs values (?, ?, ?, ?)", [
    (1, "east", "en", f32(1, 0)), (2, "north-east", "de", f32(1, 1)), (3, "north", "en", f32(0, 1)),
    (4, "west", "en", f32(-1, 0)), (5, "almost east", "de", f32(1, 0.05))])
conn.commit()
sql = ("select d.title, m.rank, round(m.distance, 6) from knn_match('docs.embedding', ?, 2, 'cosine', "
       "'lang = ''en''') m join docs d on d.id = m.id order by m.rank")
rows = conn.execute(sql, (f32(1, 0.1),)).fetchall()
print("== knn_match('docs.embedding', [1, 0.1], 2, 'cosine', 'lang = ''en'''):", rows)
assert [r[:2] for r in rows] == [("east", 1), ("north", 2)], rows

fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
handler = logging.FileHandler("/tmp/app.log")
handler.setFormatter(logging.Formatter(fmt))
log = logging.getLogger("ml.retrain")
log.addHandler(handler)
log.setLevel(logging.INFO)
log.info("epoch 1 done")
try:
    raise RuntimeError("CUDA out of memory")
except RuntimeError:
    log.exception("training failed in epoch 3")
handler.close()
rows = conn.execute("select line, level, logger, message, substr(detail, -33) from read_log('/tmp/app.log', ?)",
                    (fmt,)).fetchall()
print("== read_log('/tmp/app.log', <python format>):")
for r in rows:
    print("  ", r)
assert [r[1] for r in rows] == ["INFO", "ERROR"] and rows[1][4].endswith("RuntimeError: CUDA out of memory")

out = subprocess.run([f"{sys.prefix}/bin/strata", "/tmp/docs.db",
                      "select count(*) || ' docs, nearest to north: ' || (select d.title from knn_match("
                      "'docs.embedding', '[0, 1]', 1) m join docs d on d.id = m.id) from docs"],
                     capture_output=True, text=True)
print("== strata command:", out.stdout.strip() or out.stderr.strip())
assert out.returncode == 0 and out.stdout.strip() == "5 docs, nearest to north: north"

print("== ldd libstrata.so:")
print(subprocess.run(["ldd", strata_sqlite.loadable_path()], capture_output=True, text=True).stdout.rstrip())
print("== bare machine: OK")
