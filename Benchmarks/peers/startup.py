#!/usr/bin/env python3
"""Start-up to first result: `strata :memory: 'select 1'` beside `sqlite3 :memory: 'select 1'`.

The budget is 30 ms (cron runs strata every minute for some users). Prints wall time (median and best of N
runs) and the child's CPU time (user+sys from wait4, which contention from other processes distorts less),
then the ratio to sqlite3. Usage:
    python3 Benchmarks/peers/startup.py [--runs N] [--strata PATH]
Uses hyperfine too when it is installed (`--hyperfine`). `--export` adds a second table: printing a
million rows (list and csv) beside sqlite3 doing the same, the cost per row of the output path.
"""
import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]


def measure(cmd, runs, env=None):
    walls, cpus = [], []
    for _ in range(3):  # warm the page cache
        subprocess.run(cmd, stdout=subprocess.DEVNULL, env=env)
    for _ in range(runs):
        start = time.perf_counter()
        pid = os.posix_spawn(cmd[0], cmd, env or os.environ,
                             file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)])
        _, status, usage = os.wait4(pid, 0)
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((usage.ru_utime + usage.ru_stime) * 1000)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{cmd} failed")
    return walls, cpus


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--strata", default=os.environ.get("STRATA_CLI", str(ROOT / ".build" / "release" / "strata-cli")))
    ap.add_argument("--hyperfine", action="store_true")
    ap.add_argument("--export", action="store_true")
    args = ap.parse_args()
    sqlite3 = shutil.which("sqlite3")
    peers = [("strata", [args.strata, ":memory:", "select 1"])]
    if sqlite3:
        peers.append(("sqlite3", [sqlite3, ":memory:", "select 1"]))
    rows = {}
    for name, cmd in peers:
        walls, cpus = measure(cmd, args.runs)
        rows[name] = (statistics.median(walls), min(walls), statistics.median(cpus))
    base = rows.get("sqlite3")
    print(f"{'command':<10} {'wall median':>12} {'wall best':>10} {'cpu median':>11} {'vs sqlite3':>11}")
    for name, (med, best, cpu) in rows.items():
        ratio = f"{med / base[0]:.1f}x" if base else "-"
        print(f"{name:<10} {med:>9.2f} ms {best:>7.2f} ms {cpu:>8.2f} ms {ratio:>11}")
    med = rows["strata"][0]
    print(f"budget: strata wall median {med:.1f} ms <= 30 ms: {'ok' if med <= 30 else 'OVER'}")
    print(f"load average: {os.getloadavg()[0]:.2f} (2 cores; other builds distort wall times)")
    if args.export and sqlite3:
        query = ("with recursive r(i) as (select 1 union all select i + 1 from r where i < 1000000) "
                 "select i, i * 0.5, 'row ' || i from r;")
        print(f"\n1,000,000 rows {'':<8} {'wall median':>12} {'cpu median':>11} {'vs sqlite3':>11}")
        for flag in ["-list", "-csv"]:
            ours = measure([args.strata, flag, ":memory:", query], 3)
            theirs = measure([sqlite3, flag, ":memory:", query], 3)
            for name, (walls, cpus) in [(f"strata {flag}", ours), (f"sqlite3 {flag}", theirs)]:
                print(f"{name:<22} {statistics.median(walls):>9.0f} ms {statistics.median(cpus):>8.0f} ms "
                      f"{statistics.median(cpus) / statistics.median(theirs[1]):>10.1f}x")
    if args.hyperfine and shutil.which("hyperfine"):
        subprocess.run(["hyperfine", "-N", "--warmup", "20", "--runs", str(args.runs),
                        f"{args.strata} :memory: 'select 1'", "sqlite3 :memory: 'select 1'"])


if __name__ == "__main__":
    main()
