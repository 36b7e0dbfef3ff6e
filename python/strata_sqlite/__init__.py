"""Strata for Python: the Strata SQLite extension (vectors and knn_match, log files, cron, JSON lines, CSV and
.npy readers) from a wheel, with no Swift toolchain and no OpenBLAS on the machine.

    import sqlite3, strata_sqlite
    conn = sqlite3.connect("data.db")
    strata_sqlite.load(conn)                 # everything
    strata_sqlite.load(conn, safe=True)      # no file readers (for SQL written by others)

`loadable_path()` is the library's path, for clients that load it themselves (`sqlite3`'s `.load`, sqlite-jdbc,
Datasette's `--load-extension`). The wheel also installs the `strata` shell and plugins for sqlite-utils and
Datasette (see their modules in this package).
"""
import os
import sys

try:
    from ._version import __version__
except ImportError:  # the source tree, not a built wheel
    __version__ = "0+source"

__all__ = ["load", "loadable_path", "ENTRY_POINT", "SAFE_ENTRY_POINT", "ExtensionLoadingUnavailable"]

#: Everything: vector, log, cron and file-reader functions and tables.
ENTRY_POINT = "sqlite3_strata_init"
#: The same minus everything that opens a file (read_log, read_jsonl, read_csv, read_npy, crontab, ...).
SAFE_ENTRY_POINT = "sqlite3_strata_safe_init"

_HERE = os.path.dirname(os.path.abspath(__file__))


class ExtensionLoadingUnavailable(RuntimeError):
    """This Python's sqlite3 module was built without extension loading."""


def loadable_path():
    """The absolute path of the extension library (`.../strata_sqlite/libstrata.so`).

    SQLite derives the default entry point (`sqlite3_strata_init`) from the file name, so
    `.load PATH` in the sqlite3 shell and `load_extension(PATH)` elsewhere need no second argument; the safe
    mode's entry point is `SAFE_ENTRY_POINT`."""
    return os.path.join(_HERE, "libstrata.so")


def cli_path():
    """The absolute path of the `strata` shell binary shipped in the wheel."""
    return os.path.join(_HERE, "bin", "strata")


def _explain_unavailable(conn):
    module = type(conn).__module__.split(".")[0]
    return (
        f"strata_sqlite.load: this Python's {module} module cannot load SQLite extensions "
        f"({type(conn).__module__}.{type(conn).__name__} has no enable_load_extension): {sys.executable} "
        f"(Python {sys.version.split()[0]}) was built without --enable-loadable-sqlite-extensions, as macOS' "
        "system Python and some pyenv builds are. Fix: use a Python built with it — Debian's or Ubuntu's "
        "/usr/bin/python3, python.org's or Homebrew's Python, or with pyenv rebuild it: "
        "PYTHON_CONFIGURE_OPTS=\"--enable-loadable-sqlite-extensions\" pyenv install --force "
        f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro} — then create the venv "
        "again from that Python. Check a Python with: python3 -c \"import sqlite3; "
        "sqlite3.connect(':memory:').enable_load_extension(True)\""
    )


def load(conn, safe=False):
    """Loads Strata into `conn` (a `sqlite3.Connection`, or another DB-API connection with
    `enable_load_extension`, such as apsw's).

    safe=True loads the no-file-readers entry point (`sqlite3_strata_safe_init`). Extension loading is enabled
    only while loading and is left off afterwards, SQLite's default. Set `STRATA_ALLOWED_DIRS`
    (colon-separated directories) before the first load to confine the file readers.

    Raises ExtensionLoadingUnavailable (naming the fix) when this Python's sqlite3 cannot load extensions, and
    the connection's own error (sqlite3.OperationalError) when SQLite refuses the library."""
    enable = getattr(conn, "enable_load_extension", None)
    if enable is None:
        raise ExtensionLoadingUnavailable(_explain_unavailable(conn))
    path = loadable_path()
    entry = SAFE_ENTRY_POINT if safe else ENTRY_POINT
    enable(True)
    try:
        try:
            conn.load_extension(path, entrypoint=entry)  # Python 3.12+, apsw
        except TypeError:  # Python < 3.12: no entry point argument; SQL's load_extension takes one
            conn.execute("select load_extension(?, ?)", (path, entry)).fetchall()
    finally:
        enable(False)


def _is_loaded(conn):
    """Whether Strata's functions are already registered on `conn` (by a plugin or --load-extension)."""
    try:
        conn.execute("select strata_version()").fetchall()
        return True
    except Exception:
        return False


_warned = set()


def _load_for_plugin(conn, host, safe):
    """A plugin's load: never breaks the host's command; a failure is one warning per process and reason."""
    if _is_loaded(conn):
        return False
    try:
        load(conn, safe=safe)
        return True
    except Exception as e:  # noqa: BLE001 - any failure: the host command goes on without Strata
        message = f"{host}: Strata not loaded: {e}"
        if message not in _warned:
            _warned.add(message)
            print(f"warning: {message}", file=sys.stderr)
        return False
