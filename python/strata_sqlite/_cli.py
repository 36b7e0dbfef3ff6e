"""The `strata` console command: runs the shell binary shipped in the wheel (strata_sqlite/bin/strata) in this
process's place, with the same arguments, standard streams and exit status."""
import os
import sys

from . import cli_path


def main():
    path = cli_path()
    try:
        os.execv(path, ["strata", *sys.argv[1:]])
    except OSError as e:
        print(f"strata: cannot run {path}: {e.strerror}", file=sys.stderr)
        return 126


if __name__ == "__main__":
    sys.exit(main())
