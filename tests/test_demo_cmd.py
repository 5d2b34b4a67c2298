"""finops demo: every installed vendor's demo pipeline, then FOCUS, then the cost by cloud (the plugins'
own tests run it with the real vendors: plugins/azure/tests/test_demo.py)."""

from __future__ import annotations

from pathlib import Path

from finops_fakes import make_plugin, registry_of

from open_finops.api import Pipeline
from open_finops.cli.demo_cmd import NO_DEMO

DEMO_RAN: list[str] = []


def fake_demo(config) -> dict:
    DEMO_RAN.append(str(config.data_dir()))
    return {"rows": 0}


def test_without_a_vendor_demo_it_says_what_to_install(cli) -> None:
    result = cli(registry_of(), "demo")
    assert (result.exit_code, result.stderr) == (2, f"Error: {NO_DEMO}\n")


def test_each_demo_pipeline_runs_with_the_data_directory_given(cli, tmp_path: Path) -> None:
    plugin = make_plugin("acme", register_pipelines=lambda: [
        Pipeline(name="acme-demo", vendor="acme", kind="demo", description="d", runner="test_demo_cmd:fake_demo")])
    DEMO_RAN.clear()

    result = cli(registry_of(plugin), "demo", "--data-dir", str(tmp_path / "d"))

    # The fake imported nothing, so there is no database to build FOCUS in: that is said in one line.
    assert [str(tmp_path / "d")] == DEMO_RAN
    assert result.exit_code != 0 and "does not exist yet" in result.stderr
    assert "acme: imported the sample (0 new rows)" in result.stdout


def test_an_account_several_exports_hold_is_named_once_with_its_months() -> None:
    from open_finops.cli.demo_cmd import overlap_lines
    from open_finops.focus.build import PeriodResult
    from open_finops.focus.overlap import Overlap

    def seen(period: str, export: str, status: str) -> PeriodResult:
        overlap = Overlap("acme", period, "A-1", "acme-focus", ("acme-cur",), "FOCUS preferred over CUR")
        return PeriodResult("acme", export, period, status, "acme-focus", overlaps=[overlap])

    periods = [seen("2024-02", "acme-focus", "built"), seen("2024-02", "acme-cur", "superseded"),
               seen("2024-01", "acme-focus", "skipped"), seen("2024-01", "acme-cur", "skipped"),
               PeriodResult("acme", "other", "2024-01", "built", "acme-focus")]

    assert overlap_lines(periods) == [
        "acme: billing account A-1 is in acme-focus and acme-cur for 2024-01, 2024-02: each charge counted once, "
        "from acme-focus (FOCUS preferred over CUR)"]
