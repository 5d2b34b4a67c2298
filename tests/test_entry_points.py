"""Plugin discovery reads the installed distributions' entry points itself, finding what importlib.metadata
finds: the same names, values, distributions and versions, the first distribution of a name on the path
shadowing later ones."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest

from open_finops.entry_points import EntryPoint, entry_points


def listed(eps) -> set[tuple[str, str, str | None, str | None]]:
    return {(ep.name, ep.value, ep.distribution, ep.version) for ep in eps}


@pytest.mark.parametrize("group", ["open_finops", "console_scripts", "pytest11", "dlt"])
def test_every_installed_entry_point_of_a_group_is_the_one_importlib_metadata_finds(group: str) -> None:
    expected = {(ep.name, ep.value, ep.dist.metadata["Name"], ep.dist.version)
                for ep in metadata.entry_points(group=group)}

    assert listed(entry_points(group)) == expected
    if group == "console_scripts":  # pip's and pytest's, in every environment the suite runs in
        assert expected


def dist(folder: Path, name: str, version: str, entry_points_txt: str | None, *, egg: bool = False,
         metadata_text: str | None = None) -> Path:
    info = folder / (f"{name}.egg-info" if egg else f"{name.replace('-', '_')}-{version}.dist-info")
    info.mkdir(parents=True)
    headers = metadata_text or f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    (info / ("PKG-INFO" if egg else "METADATA")).write_text(headers)
    if entry_points_txt is not None:
        (info / "entry_points.txt").write_text(entry_points_txt)
    return info


def test_entry_points_are_read_as_ini_sections_with_comments_blanks_spaces_and_extras(tmp_path: Path) -> None:
    dist(tmp_path, "acme-plugin", "2.0", (
        "# a comment\n; another\n\n[console_scripts]\nacme = acme.cli:main\n\n"
        "[open_finops]\n  acme  =  acme_plugin.plugin  \nother=acme_plugin.more:Plugin.hooks [extra]\n"
        "[open_finops.more]\nnot_this = x:y\n"))

    found = entry_points("open_finops", [str(tmp_path)])

    assert listed(found) == {("acme", "acme_plugin.plugin", "acme-plugin", "2.0"),
                             ("other", "acme_plugin.more:Plugin.hooks [extra]", "acme-plugin", "2.0")}


def test_the_first_distribution_of_a_name_on_the_path_shadows_later_ones(tmp_path: Path) -> None:
    first, later = tmp_path / "first", tmp_path / "later"
    dist(first, "Acme_Plugin", "2.0", "[open_finops]\nacme = new.plugin\n")
    dist(later, "acme.plugin", "1.0", "[open_finops]\nacme = old.plugin\n")
    dist(later, "beta", "1.0", "[open_finops]\nbeta = beta.plugin\n")

    found = entry_points("open_finops", [str(first), str(later)])

    assert listed(found) == {("acme", "new.plugin", "Acme_Plugin", "2.0"), ("beta", "beta.plugin", "beta", "1.0")}


def test_egg_info_metadata_headers_only_and_unreadable_path_entries(tmp_path: Path) -> None:
    dist(tmp_path, "legacy", "0.3", "[open_finops]\nlegacy = legacy.plugin\n", egg=True,
         metadata_text="Metadata-Version: 1.0\nName: legacy\nVersion: 0.3\n\nName: not-a-header\n")
    dist(tmp_path, "no-entry-points", "1.0", None)
    (tmp_path / "stray.dist-info").write_text("a file, not a folder")
    (tmp_path / "archive.zip").write_bytes(b"PK")

    found = entry_points("open_finops", [str(tmp_path / "missing"), str(tmp_path / "archive.zip"), str(tmp_path)])

    assert listed(found) == {("legacy", "legacy.plugin", "legacy", "0.3")}


def test_load_returns_the_module_or_the_attribute_path_it_names() -> None:
    def ep(value: str) -> EntryPoint:
        return EntryPoint("x", value, None, None)

    assert ep("open_finops.entry_points").load() is sys.modules["open_finops.entry_points"]
    assert ep("open_finops.entry_points:EntryPoint.load").load() is EntryPoint.load
    assert ep("open_finops.entry_points : EntryPoint [extra]").load() is EntryPoint
    with pytest.raises(ValueError, match="is not an object reference"):
        ep("not a reference!").load()
    with pytest.raises(ModuleNotFoundError):
        ep("a_module_that_is_not_installed_anywhere:x").load()
