"""cron_runs over one history file, however it arrives. One plain file in time order is fed to the pairing while it
is read; a plain file out of time order is read again and sorted; a pipe (which cannot be read twice) is kept and
sorted. All three must give what the same lines give as separate files (syslog and auth.log), which
test_cron_daemons checks against the jobs' own records. The lines are the real captures of Debian's cron (default
level and -L 15) and cronie, ISO-stamped (a pipe has no modification time to give traditional stamps a year).
"""
import os
import threading

import pytest

from test_cron_daemons import DAEMONS, install

COLS = ("scheduled_at, started_at, ended_at, duration_s, status, exit_status, outcome, evidence, command, "
        "log_path, overran, overlapping, median_s, history_from, history_to")
# cron.log and kern.log repeat lines syslog has (separate files are read without duplicates): not concatenated.
FILES = ["syslog", "auth.log"]


def stamp(line):
    return line.split(b" ", 1)[0]


def runs(db, dst, manifest, history):
    crontabs = "{%s/crontabs/alice,%s/crontabs/cron.d/*}" % (dst, dst)
    return db.execute(f"select {COLS} from cron_runs WHERE crontab = ? AND history = ? AND start = ? AND \"end\" = ? "
                      "AND tz = ?", (crontabs, history, *manifest["window"], manifest["timezone"])).fetchall()


@pytest.mark.parametrize("daemon", DAEMONS)
def test_one_file_in_order_out_of_order_and_piped(db, tmp_path, daemon):
    dst, manifest = install(tmp_path, daemon)
    log = dst / "log"
    reference = runs(db, dst, manifest, "%s/{%s}" % (log, ",".join(FILES)))
    assert len(reference) > 10
    lines = []
    for name in FILES:
        lines += [x for x in (log / name).read_bytes().splitlines(keepends=True) if x.strip()]
    # In time order (a stable sort: lines of one moment keep the files' order, as the separate files give them).
    merged = tmp_path / "merged"
    merged.write_bytes(b"".join(sorted(lines, key=stamp)))
    assert runs(db, dst, manifest, str(merged)) == reference
    # Out of time order: syslog's lines, then auth.log's.
    concatenated = tmp_path / "concatenated"
    concatenated.write_bytes(b"".join(lines))
    assert b"".join(lines) != merged.read_bytes()
    assert runs(db, dst, manifest, str(concatenated)) == reference
    # The same, through a pipe.
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def write():
        with open(fifo, "wb") as f:
            f.write(b"".join(lines))
    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert runs(db, dst, manifest, str(fifo)) == reference
    finally:
        writer.join(timeout=10)
