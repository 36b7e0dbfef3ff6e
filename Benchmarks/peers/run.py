#!/usr/bin/env python3
"""Runs every side-by-side benchmark in this folder, one after another, each printing its own ratio table.

Each script sets up its peers itself (a venv under .build-*, lnav from apt) and needs a release build
(`make build`). Usage: python3 Benchmarks/peers/run.py [NAME...]   (default: all; names: vectors knn logs
cron files startup). A failing script is reported and the others still run; the exit status says whether all
of them succeeded.
"""
import os
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
ALL = ["vectors", "knn", "logs", "cron", "files", "startup"]


def main():
    names = sys.argv[1:] or ALL
    unknown = [n for n in names if n not in ALL]
    if unknown:
        sys.exit(f"run.py: unknown benchmark(s) {', '.join(unknown)} (known: {' '.join(ALL)})")
    failed = []
    for name in names:
        print(f"\n=== {name} ({HERE / (name + '.py')})", flush=True)
        rc = subprocess.run([sys.executable, str(HERE / f"{name}.py")], cwd=HERE.parents[1], env=os.environ).returncode
        if rc != 0:
            failed.append(f"{name} (exit {rc})")
    if failed:
        print("\nfailed: " + ", ".join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
