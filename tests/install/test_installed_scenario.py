"""What a user of one install scenario sees: exactly the plugins installed, their groups, and install
hints for the first-party vendors that are not installed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

CHECKOUT = Path(__file__).resolve().parents[2]

# What each plugin must contribute at least; a plugin may grow more hooks than these.
REQUIRED = {
    "aws": {"distribution": "open-finops-aws", "hooks": {"register_commands", "register_pipelines",
                                                          "register_manifest_parsers", "register_settings"},
            "group": "aws"},
    "azure": {"distribution": "open-finops-azure", "hooks": {"register_commands", "register_pipelines",
                                                              "register_manifest_parsers", "register_settings"},
              "group": "azure"},
    "docker": {"distribution": "open-finops-docker", "hooks": {"register_commands", "register_settings"},
               "group": "docker"},
    "report": {"distribution": "open-finops-report", "hooks": {"register_commands", "register_settings"},
               "group": "report"},
    "hello": {"distribution": "finops-hello-plugin", "hooks": {"register_commands", "register_pipelines",
                                                               "register_manifest_parsers", "register_settings"},
              "group": "hello"},
}
FIRST_PARTY = ("aws", "azure", "docker")
PACKAGES = {"core": "open_finops", "aws": "open_finops_aws", "azure": "open_finops_azure",
            "docker": "open_finops_docker", "report": "open_finops_report", "hello": "finops_hello"}


def help_commands(text: str) -> set[str]:
    """The command names of the help's Commands section (plain Click help: two spaces, name, description)."""
    section = text.split("\nCommands:\n", 1)[1]
    return set(re.findall(r"^  ([a-z][a-z0-9_-]*)(?:\s|$)", section, flags=re.MULTILINE))


def test_plugins_list_json_lists_exactly_the_installed_plugins_with_their_hooks(finops, scenario) -> None:
    ran = finops("plugins", "list", "--json")
    assert ran.code == 0, ran.stderr
    assert ran.stderr == ""  # no plugin failed to load
    listed = {p["name"]: p for p in json.loads(ran.stdout)}
    assert set(listed) == set(scenario.plugins)
    core_version, api_version = re.fullmatch(
        r"open-finops (\S+) \(plugin API (\S+)\)\n", finops("--version").stdout
    ).groups()
    assert api_version == "1.0"
    for name, plugin in listed.items():
        required = REQUIRED[name]
        assert plugin["status"] == "loaded" and plugin["errors"] == []
        assert plugin["distribution"] == required["distribution"]
        assert required["hooks"] <= set(plugin["hooks"]), plugin["hooks"]
        assert required["group"] in plugin["commands"]
        assert plugin["api"] == ">=1.0,<2"  # every plugin of the scenarios declares the range it supports
        if name in (*FIRST_PARTY, "report"):
            assert plugin["version"] == core_version  # released together, pinned by the extras


def test_config_show_lists_the_settings_each_installed_plugin_declares(finops, scenario) -> None:
    ran = finops("config", "show", "--json")
    assert ran.code == 0, ran.stderr
    sections = json.loads(ran.stdout)["settings"]
    assert set(sections) == {"project", "focus", *scenario.plugins}
    for name in scenario.plugins:
        assert sections[name], name
        assert all(entry["origin"] == "default" and entry["help"] for entry in sections[name].values()), name


def test_help_lists_the_groups_of_the_installed_plugins_and_only_those(finops, scenario) -> None:
    ran = finops("--help")
    assert ran.code == 0
    groups = {REQUIRED[name]["group"] for name in REQUIRED}
    assert help_commands(ran.stdout) & groups == {REQUIRED[name]["group"] for name in scenario.plugins}
    assert {"plugins", "pipelines", "config"} <= help_commands(ran.stdout)


@pytest.mark.parametrize("vendor", FIRST_PARTY)
def test_a_first_party_vendor_works_when_installed_and_explains_itself_when_not(finops, scenario, vendor) -> None:
    ran = finops(vendor, "--help")
    if vendor in scenario.plugins:
        assert ran.code == 0 and f"Usage: finops {vendor}" in ran.stdout
        return
    hint = (
        f"Error: The '{vendor}' commands come from the open-finops-{vendor} plugin, which is not installed. "
        f"Install it with: pip install 'open-finops[{vendor}]'\n"
    )
    assert (ran.code, ran.stdout, ran.stderr) == (2, "", hint)


def test_finops_aws_import_cur_without_the_aws_plugin_exits_2_without_a_traceback(finops, scenario) -> None:
    ran = finops("aws", "import-cur", "--bucket", "billing", "--prefix", "cur", "--export-name", "daily")
    if "aws" in scenario.plugins:
        assert "not installed" not in ran.stderr
        return
    assert ran.code == 2
    assert ran.stderr.splitlines() == [
        "Error: The 'aws' commands come from the open-finops-aws plugin, which is not installed. "
        "Install it with: pip install 'open-finops[aws]'"
    ]
    assert "Traceback" not in ran.stderr


def test_gcp_says_it_is_planned(finops) -> None:
    vendor = "gcp"
    ran = finops(vendor, "import")
    assert ran.code == 2
    assert "planned for a future open-finops release and are not available yet" in ran.stderr


def test_the_hello_example_works_when_installed(finops, scenario, tmp_path: Path) -> None:
    if "hello" not in scenario.plugins:
        ran = finops("hello")
        assert ran.code == 2 and "No such command 'hello'" in ran.stderr
        return
    assert finops("hello", "greet", "Ada").stdout == "Hello, Ada!\n"
    pipelines = json.loads(finops("pipelines", "list", "--json").stdout)
    assert {"name": "hello-greetings", "plugin": "hello", "runner": "finops_hello.pipeline:run"}.items() <= (
        next(p for p in pipelines if p["name"] == "hello-greetings").items()
    )

    (tmp_path / "config.toml").write_text('[project]\ndata_dir = "warehouse"\n')
    ran = finops("hello", "greet", "Grace", "--save")  # ./config.toml of the working directory

    assert ran.code == 0, ran.stderr
    assert ran.stdout == "Hello, Grace!\nLoaded 1 greeting(s) into hello.greetings (duckdb).\n"
    con = duckdb.connect(str(tmp_path / "warehouse" / "finops.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT name, greeting FROM hello.greetings").fetchall() == [("Grace", "Hello, Grace!")]
    finally:
        con.close()
    assert sorted(p.name for p in (tmp_path / "warehouse").iterdir()) == [".dlt", "finops.duckdb"]


def test_python_dash_m_open_finops_is_the_same_cli(finops, scenario) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "open_finops", "--version"], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0
    assert completed.stdout == finops("--version").stdout


def test_the_code_under_test_is_the_installed_one(scenario) -> None:
    """Wheel environments must not import the checkout's sources; editable ones must."""
    packages = ["core", *sorted(scenario.plugins)]
    code = (
        "import importlib, json, sys\n"
        "print(json.dumps({m: importlib.import_module(m).__file__ for m in sys.argv[1:]}))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code, *(PACKAGES[p] for p in packages)], capture_output=True, text=True,
        cwd=CHECKOUT, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
    for module, file in json.loads(completed.stdout).items():
        path = Path(file).resolve()
        if scenario.install == "wheel":
            assert path.is_relative_to(site_packages), f"{module} imported from {path}"
        else:
            assert path.is_relative_to(CHECKOUT) and not path.is_relative_to(site_packages), path


# How each vendor plugin of this repository writes a small sample export and imports it.
IMPORTERS = {
    "aws": (["aws", "generate-sample", "{out}", "-n", "cur", "-p", "cur", "-m", "1", "--rows-per-month", "50"],
            ["aws", "import-cur", "--from-dir", "{out}", "-p", "cur", "-n", "cur", "--data-dir", "{data}", "-q"]),
    "azure": (["azure", "generate-sample", "{out}", "-n", "costs", "-p", "exports", "-m", "1", "--rows-per-month",
               "49"],
              ["azure", "import-exports", "--from-dir", "{out}", "-p", "exports", "-n", "costs", "--data-dir", "{data}",
               "-q"]),
    "hello": (["hello", "generate-sample", "{out}", "-n", "team", "-m", "1", "--rows", "50"],
              ["hello", "import", "--from-dir", "{out}", "-n", "team", "--data-dir", "{data}", "-q"]),
}


def test_the_installed_vendors_imports_sit_side_by_side_in_state_show_and_exports_list(
    finops, scenario, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    vendors = sorted(set(IMPORTERS) & scenario.plugins)
    generated = {}
    for vendor in vendors:
        generate, load = IMPORTERS[vendor]
        out = tmp_path / f"{vendor}-export"
        ran = finops(*(a.format(out=out, data=data) for a in generate), "--json")
        assert ran.code == 0, ran.stderr
        written = json.loads(ran.stdout)
        generated[vendor] = sum(p["rows"] for p in (written if isinstance(written, list) else written["periods"]))
        ran = finops(*(a.format(out=out, data=data) for a in load))
        assert ran.code == 0, ran.stderr

    state = finops("state", "show", "--data-dir", str(data), "--json")
    exports = finops("exports", "list", "--data-dir", str(data), "--json")

    assert state.code == exports.code == 0, state.stderr + exports.stderr
    assert sorted({(r["vendor"], r["status"], r["is_current"]) for r in json.loads(state.stdout)}) == [
        (vendor, "completed", True) for vendor in vendors]
    assert sorted((e["vendor"], e["rows"]) for e in json.loads(exports.stdout)) == sorted(generated.items())


def test_finops_report_is_there_with_its_plugin_only(finops, scenario) -> None:
    ran = finops("report", "--help")
    if "report" not in scenario.plugins:
        assert ran.code == 2 and ran.stdout == ""
        assert ran.stderr == ("Error: The 'report' commands come from the open-finops-report plugin, which is not "
                              "installed. Install it with: pip install 'open-finops[report]'\n")
        return
    assert ran.code == 0 and "Usage: finops report" in ran.stdout and "--out" in ran.stdout


def test_a_report_of_imported_aws_data_adds_up_to_focus_summary(finops, scenario, tmp_path: Path) -> None:
    """The issue's "done when": import, focus build, finops report; the report's totals are the summary's."""
    if not {"aws", "report"} <= scenario.plugins:
        ran = finops("report", "--out", str(tmp_path / "r.html"), "--data-dir", str(tmp_path))
        assert ran.code == 2
        return
    data, out = tmp_path / "data", tmp_path / "aws-export"
    generate, load = IMPORTERS["aws"]
    for argv in (generate, load, ["focus", "build", "--data-dir", "{data}", "-q"]):
        ran = finops(*(a.format(out=out, data=data) for a in argv))
        assert ran.code == 0, ran.stderr
    ran = finops("report", "--out", str(tmp_path / "report.html"), "--data-dir", str(data), "--json")
    assert ran.code == 0, ran.stderr
    figures = json.loads(ran.stdout)
    summary = json.loads(finops("focus", "summary", "--data-dir", str(data), "--json").stdout)
    assert figures["totals"]["effective_cost"] is not None
    assert Decimal(figures["totals"]["billed_cost"]) == sum(Decimal(r["billed_cost"]) for r in summary)
    assert Decimal(figures["totals"]["effective_cost"]) == sum(Decimal(r["effective_cost"]) for r in summary)
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")
