"""Golden tests for the sql/ reports: each report's output on the bundled demo data (sql/demo/) must equal
Tests/golden/reports/<name>.md, so a change that breaks a join is caught.

Regenerate after an intended change:  UPDATE_GOLDEN=1 make integration   (then review the diff).
"""
import os
import pathlib

import pytest

from conftest import ROOT, run_cli

REPORTS = sorted(p for p in (ROOT / "sql").glob("*.sql") if p.name != "demo.sql")
GOLDEN = ROOT / "Tests" / "golden" / "reports"


@pytest.mark.parametrize("report", REPORTS, ids=[p.stem for p in REPORTS])
def test_report_matches_golden(report):
    r = run_cli("run", str(report.relative_to(ROOT)), "--format", "markdown")
    assert r.returncode == 0, r.stderr
    expected_path = GOLDEN / f"{report.stem}.md"
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        expected_path.write_text(r.stdout)
    assert expected_path.exists(), f"no golden file {expected_path}; run with UPDATE_GOLDEN=1"
    assert r.stdout == expected_path.read_text()


def test_every_report_documents_itself():
    for report in REPORTS:
        head = report.read_text().splitlines()[:12]
        assert head and head[0].startswith("--"), f"{report.name}: starts without a header comment"
        assert any("@param" in line for line in head) or "no parameters" in " ".join(head).lower(), report.name
