"""A line the format does not read as it stands is looked at again from each place a record could start inside
it (after a NUL run, a `\\r`, a progress bar). Those places are bounded: a line of many short NUL runs once made
format detection try every one, each reading the rest of the line — a 200 kB line held read_log for minutes.
The records around it must still come out, and the query must finish (the child's timeout is a hang guard, far
above the fraction of a second it takes)."""
import subprocess
import sys

from conftest import LIB


def test_a_line_of_many_nul_runs_is_read_without_trying_every_one(tmp_path):
    good = [f"2026-11-20 02:00:{i:02d},123 INFO app: message {i}\n" for i in range(50)]
    bad = "2026-11-20 02:01:00,123 INFO app: " + "\0a" * 100_000 + "\x1b[0m tail\n"
    (tmp_path / "nul.log").write_text("".join(good[:25]) + bad + "".join(good[25:]))
    code = r'''
import sqlite3, sys
c = sqlite3.connect(":memory:"); c.enable_load_extension(True); c.load_extension(sys.argv[1])
print(c.execute("SELECT count(*), sum(message LIKE 'message %') FROM read_log('nul.log')").fetchall())
'''
    proc = subprocess.run([sys.executable, "-c", code, str(LIB)], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[(51, 50)]", proc.stdout
