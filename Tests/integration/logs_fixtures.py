"""Log files written by Python's own `logging` module, with what a correct reader must find in them.

The oracle for test_logs.py: every record goes through a real `logging.Logger` and `Formatter` into a real
`FileHandler`; a second handler on the same logger keeps, for each record, what logging itself says about it
(levelname, logger name, getMessage(), the formatted text, the timestamp as the formatter wrote it). Expected
counts, windows and texts are computed from those, never from Strata's output.

Also usable standalone: `python logs_fixtures.py OUT.log [records]` writes one file in the default test format.
"""
import gzip
import json
import logging
import random
import sys
import time
from dataclasses import dataclass, field

LEVELS = [logging.DEBUG, logging.INFO, logging.INFO, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL]
LOGGERS = ["trainer", "trainer.data", "ml.ingest", "ml.embed", "root.scheduler", "api"]
MESSAGES = [
    "epoch {} loss={:.4f}",
    "loaded {} examples from features.parquet",
    "GPU memory at {}% ({:.2f} GiB)",
    "résumé of batch {}: ok ✓",
    "request id={} took {:.1f} ms",
    "retrying download ({} of 5): connection reset by peer ({:.3f})",
]
BASE = 1_795_000_000  # 2026-11-18 (UTC), a fixed start so runs are repeatable


@dataclass
class Expected:
    """What logging wrote for one record."""
    line: int
    ts: str | None
    level: str
    logger: str
    message: str
    detail: str | None
    raw: str
    pid: int
    extra: dict = field(default_factory=dict)


class Recorder(logging.Handler):
    """Keeps every record with the text its formatter produced."""

    def __init__(self, formatter):
        super().__init__()
        self.setFormatter(formatter)
        self.records = []

    def emit(self, record):
        self.records.append((record, self.format(record)))


class Clock:
    """A simulated clock: every record gets the next time (strictly increasing unless told otherwise)."""

    def __init__(self, start=BASE, step_ms=(1, 90_000), rng=None):
        self.ms = start * 1000
        self.step = step_ms
        self.rng = rng or random.Random(1)
        self.jump_back = False

    def next(self):
        self.ms += self.rng.randint(*self.step)
        if self.jump_back:
            self.ms -= 3_600_000 * 30
            self.jump_back = False
        return self.ms


def _install_factory(clock, rng):
    old = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = old(*args, **kwargs)
        ms = clock.next()
        record.created = ms / 1000
        record.msecs = float(ms % 1000)
        record.relativeCreated = float(ms - BASE * 1000)
        record.process = rng.choice([1201, 4242, 31337, 65001])
        return record

    logging.setLogRecordFactory(factory)
    return old


def _fail_deep(n):
    if n == 0:
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
    _fail_deep(n - 1)


def write_python_log(path, fmt, datefmt=None, style="%", records=400, seed=7, terminator="\n",
                     exception_rate=0.06, multiline_rate=0.03, disorder_at=None, step_ms=(1, 90_000)):
    """Writes `records` records through logging with `fmt`; returns [Expected] in file order."""
    rng = random.Random(seed)
    clock = Clock(step_ms=step_ms, rng=random.Random(seed + 1))
    formatter = logging.Formatter(fmt, datefmt=datefmt, style=style)
    formatter.converter = time.gmtime
    fh = logging.FileHandler(path, mode="w", encoding="utf-8")
    fh.terminator = terminator
    fh.setFormatter(formatter)
    rec = Recorder(formatter)
    old = _install_factory(clock, rng)
    loggers = []
    try:
        for name in LOGGERS:
            lg = logging.getLogger(name)
            lg.handlers[:] = [fh, rec]
            lg.propagate = False
            lg.setLevel(logging.DEBUG)
            loggers.append(lg)
        for i in range(records):
            if disorder_at is not None and i == disorder_at:
                clock.jump_back = True
            lg = rng.choice(loggers)
            level = rng.choice(LEVELS)
            msg = rng.choice(MESSAGES)
            args = (rng.randint(1, 10_000), rng.random() * 100)
            r = rng.random()
            if r < exception_rate:
                try:
                    _fail_deep(rng.randint(0, 3))
                except RuntimeError:
                    lg.exception("step %d failed", i, extra={"step": i})
            elif r < exception_rate + multiline_rate:
                lg.log(level, "multi-line %d\n  second line of %d\n  third", i, i)
            else:
                lg.log(level, msg.format(*args), extra={"step": i})
    finally:
        logging.setLogRecordFactory(old)
        for lg in loggers:
            lg.handlers[:] = []
        fh.close()

    out = []
    line = 1
    for record, text in rec.records:
        first, _, rest = text.partition("\n")
        ts = None
        if "%(asctime)" in fmt or "{asctime" in fmt:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(record.created))
            ts = f"{stamp}.{int(record.msecs):03d}"
        message = record.getMessage().split("\n", 1)[0]
        out.append(Expected(line=line, ts=ts, level=record.levelname, logger=record.name, message=message,
                            detail=rest if rest else None, raw=text, pid=record.process,
                            extra={"funcName": record.funcName, "lineno": record.lineno}))
        line += text.count("\n") + 1
    return out


def write_json_log(path, records=300, seed=11, epoch_ms=False):
    """JSON lines through logging, with a JSON formatter; keys as common JSON loggers write them."""

    class JSONFormatter(logging.Formatter):
        def format(self, record):
            ms = int(round(record.created * 1000))
            doc = {
                ("ts" if epoch_ms else "timestamp"): ms if epoch_ms else
                time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z",
                "level": record.levelname.lower() if epoch_ms else record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
                "step": getattr(record, "step", None),
                "ctx": {"host": "gpu-1", "tags": ["a", "b"]},
            }
            if record.exc_info:
                doc["exc"] = self.formatException(record.exc_info)
            return json.dumps(doc, ensure_ascii=bool(seed % 2))

    return write_python_log_with(path, JSONFormatter(), records, seed)


def write_python_log_with(path, formatter, records, seed):
    rng = random.Random(seed)
    clock = Clock(rng=random.Random(seed + 1))
    fh = logging.FileHandler(path, mode="w", encoding="utf-8")
    fh.setFormatter(formatter)
    rec = Recorder(formatter)
    old = _install_factory(clock, rng)
    lg = logging.getLogger("json.app")
    lg.handlers[:] = [fh, rec]
    lg.propagate = False
    lg.setLevel(logging.DEBUG)
    try:
        for i in range(records):
            if rng.random() < 0.05:
                try:
                    _fail_deep(1)
                except RuntimeError:
                    lg.exception("step %d failed: \"quoted\" \\ back", i, extra={"step": i})
            else:
                lg.log(rng.choice(LEVELS), "event %d é", i, extra={"step": i})
    finally:
        logging.setLogRecordFactory(old)
        lg.handlers[:] = []
        fh.close()
    out = []
    for n, (record, text) in enumerate(rec.records):
        ms = int(round(record.created * 1000))
        ts = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}"
        out.append(Expected(line=n + 1, ts=ts, level=record.levelname, logger=record.name,
                            message=record.getMessage(), detail=None, raw=text, pid=record.process,
                            extra={"step": getattr(record, "step", None)}))
    return out


def write_syslog_3164(path, records=200, seed=5, start=None):
    """RFC 3164 lines (`Nov 20 02:00:01 host prog[pid]: msg`), times formatted by Python's strftime."""
    rng = random.Random(seed)
    t = start if start is not None else BASE
    out = []
    lines = []
    for i in range(records):
        t += rng.randint(1, 600)
        tm = time.gmtime(t)
        prog = rng.choice(["CRON", "kernel", "sshd", "systemd"])
        pid = rng.randint(1, 40000) if prog != "kernel" else None
        msg = f"event {i} from {prog}"
        tag = f"{prog}[{pid}]" if pid else prog
        stamp = time.strftime("%b %d %H:%M:%S", tm)
        # RFC 3164 pads the day with a space, not a zero.
        if stamp[4] == "0":
            stamp = stamp[:4] + " " + stamp[5:]
        lines.append(f"{stamp} mlbox {tag}: {msg}")
        out.append(Expected(line=i + 1, ts=time.strftime("%Y-%m-%d %H:%M:%S.000", tm), level=None, logger=prog,
                            message=msg, detail=None, raw=lines[-1], pid=pid))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return out


def write_syslog_5424(path, records=100, seed=6):
    rng = random.Random(seed)
    t = BASE
    out = []
    lines = []
    sev_names = ["CRITICAL", "CRITICAL", "CRITICAL", "ERROR", "WARNING", "INFO", "INFO", "DEBUG"]
    for i in range(records):
        t += rng.randint(1, 600)
        sev = rng.randint(0, 7)
        fac = rng.choice([1, 3, 16])
        ms = rng.randint(0, 999)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{ms:03d}Z"
        sd = rng.choice(["-", '[exampleSDID@32473 iut="3" eventSource="App\\]lication"]'])
        msg = f"message {i}"
        lines.append(f"<{fac * 8 + sev}>1 {stamp} host{i % 3} app{i % 2} {1000 + i} ID{i % 4} {sd} {msg}")
        out.append(Expected(line=i + 1, ts=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)) + f".{ms:03d}",
                            level=sev_names[sev], logger=f"app{i % 2}", message=msg, detail=None, raw=lines[-1],
                            pid=1000 + i, extra={"facility": fac, "host": f"host{i % 3}", "msgid": f"ID{i % 4}"}))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return out


def gzip_copy(src, dst):
    with open(src, "rb") as f, gzip.open(dst, "wb") as g:
        g.write(f.read())


if __name__ == "__main__":
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    recs = write_python_log(sys.argv[1], "%(asctime)s [%(levelname)s] %(name)s: %(message)s", records=n)
    print(f"{len(recs)} records")


LOCAL_TIME_WRITER = r"""
import json, logging, sys, time
path, start, seconds, step = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
formatter = logging.Formatter("%(asctime)s [%(levelname)s] %(name)s: %(message)s")  # local time, no offset
handler = logging.FileHandler(path, mode="w", encoding="utf-8")
handler.setFormatter(formatter)
truth = []
class Truth(logging.Handler):
    def emit(self, record):
        truth.append([formatter.formatTime(record).replace(",", "."), record.created, record.levelname])
lg = logging.getLogger("job")
lg.handlers[:] = [handler, Truth()]
lg.propagate = False
lg.setLevel(logging.DEBUG)
old = logging.getLogRecordFactory()
clock = [float(start)]
def factory(*a, **k):
    r = old(*a, **k)
    r.created = clock[0]
    r.msecs = (clock[0] - int(clock[0])) * 1000
    return r
logging.setLogRecordFactory(factory)
i = 0
while clock[0] < start + seconds:
    lg.log([logging.INFO, logging.INFO, logging.WARNING, logging.ERROR][i % 4], "tick %d", i)
    clock[0] += step
    i += 1
handler.close()
json.dump(truth, sys.stdout)
"""


def write_local_time_log(path, tz, start, seconds, step):
    """Records through logging with the local time of `tz` (as a server in that zone writes them, no offset),
    from epoch `start` for `seconds`, one every `step` seconds. Returns [(ts text, created, levelname)] from the
    formatter itself (ts as read_log writes it)."""
    import os
    import subprocess
    out = subprocess.run([sys.executable, "-c", LOCAL_TIME_WRITER, str(path), str(start), str(seconds), str(step)],
                         env={**os.environ, "TZ": tz}, capture_output=True, text=True, check=True).stdout
    return [tuple(t) for t in json.loads(out)]
