"""Golden files: every output mode and every report format, compared byte for byte with reviewed files in
Tests/cli-golden/. Regenerate with STRATA_UPDATE_GOLDEN=1 after an intended change, and review the diff."""
import pytest

from cli_support import GOLDEN, check_golden, strata

MODES = ["box", "table", "csv", "tsv", "json", "jsonl", "markdown", "html", "line", "list", "bar"]
FORMATS = ["text", "markdown", "csv", "json", "html"]


@pytest.mark.parametrize("mode", MODES)
def test_output_mode(mode):
    r = strata(f"--{mode}", ":memory:", input=(GOLDEN / "data.sql").read_text())
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    check_golden(GOLDEN / "modes" / f"{mode}.txt", r.stdout)


def test_bar_mode_charts_the_last_numeric_column():
    r = strata("--bar", ":memory:", "select 'a' as k, 1 as n union all select 'b', 4")
    assert r.returncode == 0, r.stderr
    check_golden(GOLDEN / "modes" / "bar-simple.txt", r.stdout)


@pytest.mark.parametrize("fmt", FORMATS)
def test_report_format(fmt):
    r = strata("run", "Tests/cli-golden/report.sql", "--format", fmt)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    ext = {"text": "txt", "markdown": "md"}.get(fmt, fmt)
    check_golden(GOLDEN / "reports" / f"report.{ext}", r.stdout)


def test_report_with_parameters():
    r = strata("run", "Tests/cli-golden/report.sql", "--format", "markdown", "--param", "min_runs=100",
               "--param", "label='007'")
    assert r.returncode == 0, r.stderr
    check_golden(GOLDEN / "reports" / "report-min100.md", r.stdout)
