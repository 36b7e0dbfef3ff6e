"""Helpers shared by the strata CLI tests (test_cli*.py): the binary, golden files, running it."""
import os
import pathlib
import subprocess

from conftest import CLI, ROOT

GOLDEN = ROOT / "Tests" / "cli-golden"
UPDATE = os.environ.get("STRATA_UPDATE_GOLDEN") == "1"


def strata(*args, input=None, cwd=None, env=None, timeout=60):
    """Runs the CLI; returns the CompletedProcess (text mode)."""
    return subprocess.run([str(CLI), *map(str, args)], input=input, capture_output=True, text=True,
                          cwd=cwd or ROOT, env={**os.environ, **(env or {})}, timeout=timeout)


def check_golden(path: pathlib.Path, actual: str):
    """Compares with a reviewed golden file; STRATA_UPDATE_GOLDEN=1 rewrites it (review the diff!)."""
    if UPDATE or not path.exists():
        path.write_text(actual)
        if not UPDATE:
            raise AssertionError(f"{path} did not exist; written — review it and commit")
    assert actual == path.read_text(), f"output differs from {path.relative_to(ROOT)}"
