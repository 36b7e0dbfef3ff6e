#!/usr/bin/env python3
"""What `auto` costs per file: log_formats over each real capture (Tests/fixtures/logs/real) and over a large
file whose first 64 KB fit poorly (so detection also reads windows spread over the file).

log_formats opens the file and runs the same detection read_log runs before its scan, so its time per file is
detection's cost (plus opening the file). Prints the median over --repeat runs per file, in ms; the goal
(issue 13) is at most 5 ms per file.

Usage: /usr/bin/python3 Benchmarks/peers/log_detection.py [--repeat N]    (needs a release build;
STRATA_LIB=<path without .so> to point at another build)
"""
import os
import pathlib
import random
import sqlite3
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
LIB = pathlib.Path(os.environ.get("STRATA_LIB", ROOT / ".build" / "release" / "libstrata"))
REAL = ROOT / "Tests" / "fixtures" / "logs" / "real"


def connect():
    db = sqlite3.connect(":memory:")
    db.enable_load_extension(True)
    db.load_extension(str(LIB))
    return db


def time_file(db, path, repeat):
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        row = db.execute("SELECT kind, sampled_lines FROM log_formats(?)", (str(path),)).fetchone()
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs), row


def noisy_file(d):
    """20 MB: 2,000 lines of pip-like output, then Python-logging records (a poor fit at first)."""
    rng = random.Random(3)
    p = pathlib.Path(d) / "noisy.log"
    with open(p, "w") as f:
        for i in range(2000):
            f.write(f"  Downloading package_{i}-1.0-py3-none-any.whl ({rng.randint(1, 900)} kB)\n")
        t = 1_795_000_000
        while f.tell() < 20 << 20:
            t += rng.random()
            f.write(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)) + f",{rng.randint(0, 999):03d} "
                    f"[INFO] trainer: step {rng.randint(0, 10**6)} loss={rng.random():.4f}\n")
    return p


def main():
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 20
    db = connect()
    files = sorted(p for p in REAL.iterdir() if p.suffix in (".log", ".json"))
    results = []
    with tempfile.TemporaryDirectory() as d:
        files.append(noisy_file(d))
        for p in files:
            ms, (kind, sampled) = time_file(db, p, repeat)
            results.append(ms)
            print(f"{p.name:28} {kind or '-':10} {sampled:5} sampled  {ms:7.3f} ms")
    print(f"median {statistics.median(results):.3f} ms, max {max(results):.3f} ms per file over {len(results)} files")


if __name__ == "__main__":
    main()
