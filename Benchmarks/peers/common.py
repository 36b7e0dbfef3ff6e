"""Shared by the side-by-side benchmark scripts: a venv with the peers, timing, and a ratio table.

Each script calls `ensure_venv([...])` first: it re-runs itself under `.build-bench-venv/` (made from Debian's
/usr/bin/python3, whose sqlite3 can load extensions), installing the named PyPI packages when missing.
"""
import os
import pathlib
import sqlite3
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV = ROOT / ".build-bench-venv"
LIB = pathlib.Path(os.environ.get("STRATA_LIB", ROOT / ".build" / "release" / "libstrata"))


def ensure_venv(packages):
    py = VENV / "bin" / "python"
    if pathlib.Path(sys.prefix).resolve() != VENV.resolve():
        if not py.exists():
            subprocess.run(["/usr/bin/python3", "-m", "venv", str(VENV)], check=True)
        missing = subprocess.run([str(py), "-c", "import importlib.util, sys; sys.exit(0 if all("
                                  "importlib.util.find_spec(m) for m in sys.argv[1:]) else 1)",
                                  *[p.split("==")[0].replace("-", "_").replace("faiss_cpu", "faiss")
                                    for p in packages]])
        if missing.returncode != 0:
            subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", *packages],
                           check=True)
        os.execv(str(py), [str(py), *sys.argv])


def strata(path=":memory:"):
    conn = sqlite3.connect(path)
    conn.enable_load_extension(True)
    conn.load_extension(str(LIB))
    return conn


def median_time(fn, repeat=7, warmup=1):
    """Median wall time of `fn()` in seconds, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def print_table(title, rows, baseline):
    """rows: [(name, seconds)]; prints medians and each one's ratio to `baseline`."""
    base = dict(rows)[baseline]
    print(f"\n## {title}\n")
    print("| what | median | vs " + baseline + " |")
    print("| --- | ---: | ---: |")
    for name, secs in rows:
        shown = f"{secs * 1000:.2f} ms" if secs < 10 else f"{secs:.2f} s"
        print(f"| {name} | {shown} | {secs / base:.2f}x |")
