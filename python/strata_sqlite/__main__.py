"""`python -m strata_sqlite` prints the extension's path, for clients that load it themselves:

    sqlite3 data.db -cmd ".load $(python -m strata_sqlite)"
    datasette data.db --load-extension="$(python -m strata_sqlite):sqlite3_strata_safe_init"

`--cli` prints the `strata` binary's path instead, `--version` the version.
"""
import sys

from . import __version__, cli_path, loadable_path


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if args in ([], ["--path"]):
        print(loadable_path())
    elif args == ["--cli"]:
        print(cli_path())
    elif args == ["--version"]:
        print(__version__)
    else:
        print("usage: python -m strata_sqlite [--path | --cli | --version]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
