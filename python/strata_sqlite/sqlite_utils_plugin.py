"""sqlite-utils plugin (entry point group `sqlite_utils`): every connection sqlite-utils opens — each
`sqlite-utils` command and `sqlite_utils.Database(...)` in Python — gets Strata, file readers included (you run
sqlite-utils on your own files). Installed with the wheel; `sqlite-utils plugins` lists it. A failure to load
(say, a Python whose sqlite3 cannot load extensions) is one warning on stderr, never a failed command.
"""
from sqlite_utils import hookimpl

from . import _load_for_plugin


@hookimpl
def prepare_connection(conn):
    _load_for_plugin(conn, "sqlite-utils", safe=False)
