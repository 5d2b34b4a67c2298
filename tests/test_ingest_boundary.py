"""The boundary every vendor's manifest passes before anything of its period is read or staged.

A manifest comes from a store we do not control. Before a period loads, core's engine checks that each
data file it lists is an object of the source being read (a URI naming another bucket or scheme is
refused, never read from our own store), lies under the export's own folder, and is listed once,
whatever its spelling; and the listing refuses to choose between manifests of one period that belong to
two exports sharing a name. The vendor is the fake "acme" (``finops_fakes``); sources, engine, dlt and
DuckDB are real. Each refusal fails only its period (or, for a conflict the listing finds, stops the
run before anything loads) and leaves the data loaded before exact.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from finops_fakes import ACME_PARSER
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ingest import TERMS, history, query, rows_of, tables, write_version

from open_finops.api import (
    DataFile,
    Destination,
    ExportVersion,
    ImportOptions,
    LocalSource,
    ManifestError,
    SourceError,
    run_import,
)
from open_finops.cli.imports import period_line
from open_finops.ingest.listing import check_data_files
from open_finops.naming import period_table

ORIGIN = "s3://acme-bucket"


def import_acme(root: Path, data: Path, *, origin: str | None = ORIGIN, **options):
    """Import from the folder as a copy of ``origin`` (the store the manifests' URIs must name)."""
    opts = ImportOptions(data_dir=data, destination=Destination("duckdb", "acme"), **options)
    return run_import(opts, TERMS, LocalSource(root, origin=origin), [ACME_PARSER])


def loaded_then_new_version(root: Path, data: Path, *, files: int = 3) -> tuple[Path, list[str]]:
    """January loaded at version v-a (6 rows, 6.00), February too; January's new version v-b written."""
    old = write_version(root, "2024-01", "v-a", rows_of(6, "1.00"))
    write_version(root, "2024-02", "v-c", rows_of(3))
    import_acme(root, data)
    old.unlink()
    manifest = write_version(root, "2024-01", "v-b", rows_of(9, "7.00"), files=files)
    return manifest, json.loads(manifest.read_text())["files"]


def set_files(manifest: Path, uris: list[str]) -> None:
    doc = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**doc, "files": uris}))


def assert_refused_and_january_kept(summary, data: Path, *names: str) -> str:
    """January failed naming ``names``, February untouched, January's loaded rows and cost exact."""
    assert [(p.billing_period, p.status) for p in summary.periods] == [("2024-01", "failed"), ("2024-02", "skipped")]
    error = summary.periods[0].error
    for name in names:
        assert name in error, error
    assert query(data, f'SELECT count(*), sum(cost) FROM acme."{period_table("bill", "2024-01")}"') == [
        (6, Decimal("6.00"))]
    assert history(data, "2024-01")[-1] == ("v-b", "failed", False)
    assert not any("_staging_" in t for t in tables(data))
    return error


def another_export(root: Path) -> str:
    """A readable file of the same shape, under another export's folder: read, it would add its rows."""
    write_version(root, "2024-01", "o-1", rows_of(5, "100.00"), export="other", files=1).unlink()
    return "other/2024-01/o-1/part-0.csv.gz"


def sibling_prefix(root: Path) -> str:
    """``bill-old/`` starts like ``bill`` but is another folder."""
    write_version(root, "2024-01", "o-1", rows_of(5, "100.00"), export="bill-old", files=1).unlink()
    return "bill-old/2024-01/o-1/part-0.csv.gz"


def climbs_out_and_back(root: Path) -> str:
    another_export(root)
    return "bill/2024-01/../../other/2024-01/o-1/part-0.csv.gz"


def climbs_out_of_the_folder(root: Path) -> str:
    return "../../etc/passwd"


def absolute_path(root: Path) -> str:
    another_export(root)
    return str(root / "other/2024-01/o-1/part-0.csv.gz")


def absolute_path_into_the_export(root: Path) -> str:
    return "/bill/2024-01/v-b/part-0.csv.gz"


def dot_segment(root: Path) -> str:
    return "bill/2024-01/./v-b/part-0.csv.gz"


def another_bucket(root: Path) -> str:
    """The same key in another bucket: the folder is a copy of ours, so this key here is not that file."""
    return "s3://someone-elses-bucket/bill/2024-01/v-b/part-0.csv.gz"


def another_scheme(root: Path) -> str:
    return "gs://acme-bucket/bill/2024-01/v-b/part-0.csv.gz"


def file_uri(root: Path) -> str:
    return "file:///bill/2024-01/v-b/part-0.csv.gz"


def no_object(root: Path) -> str:
    return "s3://acme-bucket/"


OUTSIDE = [another_export, sibling_prefix, climbs_out_and_back, climbs_out_of_the_folder, absolute_path,
           absolute_path_into_the_export, dot_segment, another_bucket, another_scheme, file_uri, no_object]


@pytest.mark.parametrize("position", [0, 1, 2], ids=["first", "middle", "last"])
@pytest.mark.parametrize("outside", OUTSIDE, ids=[c.__name__ for c in OUTSIDE])
def test_a_data_file_outside_the_export_or_the_store_fails_the_period_naming_it(root: Path, data: Path, outside,
                                                                                position: int):
    manifest, uris = loaded_then_new_version(root, data)
    uris[position] = outside(root)
    set_files(manifest, uris)

    summary = import_acme(root, data)

    assert_refused_and_january_kept(summary, data, "bill/2024-01/v-b/acme-Manifest.json", repr(uris[position]))


def test_without_the_folders_origin_any_bucket_is_read_there_but_one_manifest_names_one_store(root: Path,
                                                                                             data: Path):
    manifest, uris = loaded_then_new_version(root, data)
    set_files(manifest, [f"s3://copied-bucket/{uris[0]}", f"s3://copied-bucket/{uris[1]}", f"s3://elsewhere/{uris[2]}"])

    summary = import_acme(root, data, origin=None)

    assert_refused_and_january_kept(summary, data, "two stores", "'s3://copied-bucket/", "'s3://elsewhere/")
    set_files(manifest, [f"s3://copied-bucket/{u}" for u in uris])
    assert [p.status for p in import_acme(root, data, origin=None).periods] == ["loaded", "skipped"]


def test_uris_naming_the_folders_own_store_are_read_as_their_keys(root: Path, data: Path):
    manifest, uris = loaded_then_new_version(root, data)
    set_files(manifest, [f"{ORIGIN}/{uris[0]}", uris[1], f"S3://acme-bucket/{uris[2]}"])

    summary = import_acme(root, data)

    assert [(p.status, p.rows, p.files) for p in summary.periods] == [("loaded", 9, 3), ("skipped", 0, 0)]
    assert query(data, f'SELECT sum(cost) FROM acme."{period_table("bill", "2024-01")}"') == [(Decimal("63.00"),)]


def twice_as_written(uri: str) -> str:
    return uri


def twice_as_a_uri_of_our_store(uri: str) -> str:
    return f"{ORIGIN}/{uri}"


def twice_with_a_double_slash(uri: str) -> str:
    return uri.replace("/v-b/", "//v-b/")


def twice_with_a_trailing_double_slash_in_a_uri(uri: str) -> str:
    return f"{ORIGIN}/{uri.replace('bill/', 'bill//')}"


SPELLINGS = [twice_as_written, twice_as_a_uri_of_our_store, twice_with_a_double_slash,
             twice_with_a_trailing_double_slash_in_a_uri]


@pytest.mark.parametrize("original, at", [(0, 1), (0, 3), (2, 3), (1, 3), (2, 0)],
                         ids=["first-right-after", "first-at-the-end", "last-again", "middle-at-the-end",
                              "last-at-the-start"])
@pytest.mark.parametrize("spelling", SPELLINGS, ids=[s.__name__ for s in SPELLINGS])
def test_a_data_file_listed_twice_fails_the_period_naming_the_file(root: Path, data: Path, spelling,
                                                                   original: int, at: int):
    manifest, uris = loaded_then_new_version(root, data)
    uris.insert(at, spelling(uris[original]))
    set_files(manifest, uris)

    summary = import_acme(root, data)

    assert_refused_and_january_kept(summary, data, "bill/2024-01/v-b/acme-Manifest.json", "twice",
                                    f"'bill/2024-01/v-b/part-{original}.csv.gz'")


keys = st.lists(st.from_regex(r"bill/[a-z0-9]{1,6}(/[a-z0-9]{1,6}){0,2}\.csv", fullmatch=True), min_size=1,
                max_size=8, unique=True)


def spell(key: str, how: int) -> str:
    """One object, several spellings: as written, as a URI of our store, with doubled slashes."""
    return [key, f"{ORIGIN}/{key}", key.replace("/", "//"), f"{ORIGIN}/" + key.replace("/", "///")][how]


def version_of(uris: list[str]) -> ExportVersion:
    return ExportVersion(vendor="acme", export_name="bill", billing_period="2024-01", version_id="v",
                         format_version="v1", manifest_key="bill/m.json", export_root="bill/",
                         data_files=tuple(DataFile(uri=uri, format="csv") for uri in uris))


@settings(max_examples=200, deadline=None)
@given(keys=keys, draw=st.data())
def test_any_manifest_without_a_repeated_object_passes_with_its_keys_in_order(tmp_path_factory, keys, draw):
    source = LocalSource(tmp_path_factory.getbasetemp(), origin=ORIGIN)
    uris = [spell(k, draw.draw(st.integers(0, 3))) for k in keys]

    checked = check_data_files(version_of(uris), source)

    assert [f.uri for f in checked.data_files] == keys


@settings(max_examples=200, deadline=None)
@given(keys=keys, draw=st.data())
def test_any_object_listed_twice_in_any_spelling_and_position_is_refused(tmp_path_factory, keys, draw):
    source = LocalSource(tmp_path_factory.getbasetemp(), origin=ORIGIN)
    repeated = draw.draw(st.sampled_from(keys))
    uris = [spell(k, draw.draw(st.integers(0, 3))) for k in keys]
    uris.insert(draw.draw(st.integers(0, len(uris))), spell(repeated, draw.draw(st.integers(0, 3))))

    with pytest.raises(ManifestError, match=r"lists data file .* twice") as info:
        check_data_files(version_of(uris), source)
    assert f"{repeated!r}" in info.value.message and "bill/m.json" in info.value.message


def test_a_source_refuses_a_uri_of_another_store_itself(root: Path):
    source = LocalSource(root, origin=ORIGIN)

    assert source.data_key(f"{ORIGIN}/bill//x.csv") == "bill/x.csv"
    for uri in ("s3://acme-bucket-2/bill/x.csv", "s3a://acme-bucket/bill/x.csv", "https://acme-bucket/bill/x.csv"):
        with pytest.raises(SourceError, match="is not in s3://acme-bucket, the store being read"):
            source.data_key(uri)


def test_several_manifests_of_one_period_in_one_export_folder_load_the_newest_and_name_the_others(root: Path,
                                                                                                 data: Path):
    write_version(root, "2024-01", "exec-1", rows_of(8, "1.00"), folder="20240201T000000Z", mtime=1_000_000_000)
    write_version(root, "2024-01", "exec-3", rows_of(3, "9.00"), folder="20240205T000000Z", mtime=3_000_000_000)
    write_version(root, "2024-01", "exec-2", rows_of(4, "2.00"), folder="20240203T000000Z", mtime=2_000_000_000)

    summary = import_acme(root, data)
    again = import_acme(root, data)

    older = ["bill/2024-01/20240203T000000Z/acme-Manifest.json", "bill/2024-01/20240201T000000Z/acme-Manifest.json"]
    assert [(p.version_id, p.status, p.rows, p.superseded) for p in summary.periods] == [
        ("exec-3", "loaded", 3, older)]
    assert summary.as_dict()["periods"][0]["superseded"] == older
    assert period_line(summary.periods[0]).endswith("(newest of 3 manifests of the period)")
    assert [(p.status, p.superseded) for p in again.periods] == [("skipped", older)]
    assert period_line(again.periods[0]) == (
        "bill 2024-01: up to date (version exec-3; newest of 3 manifests of the period)")


def test_manifests_of_one_period_in_two_export_folders_stop_the_run_naming_both(root: Path, data: Path):
    write_version(root, "2024-01", "v-a", rows_of(6, "1.00"))
    import_acme(root, data)
    # The same export name under another folder: another account's export, or a copy of it.
    mirror = write_version(root / "mirror", "2024-01", "m-1", rows_of(2, "5.00"))
    set_files(mirror, [f"mirror/{uri}" for uri in json.loads(mirror.read_text())["files"]])
    os.utime(mirror, (4_000_000_000, 4_000_000_000))  # the newest: without the check it would win unnoticed

    with pytest.raises(ManifestError, match="two export folders") as info:
        import_acme(root, data)

    assert "bill/2024-01/v-a/acme-Manifest.json" in info.value.message
    assert mirror.relative_to(root).as_posix() in info.value.message and "--prefix" in info.value.message
    assert query(data, f'SELECT count(*), sum(cost) FROM acme."{period_table("bill", "2024-01")}"') == [
        (6, Decimal("6.00"))]
    assert history(data, "2024-01") == [("v-a", "completed", True)]
    assert [p.version_id for p in import_acme(root, data, prefix="mirror").periods] == ["m-1"]


def test_a_parser_that_names_no_export_folder_gets_the_folder_the_import_lists(root: Path, data: Path,
                                                                              monkeypatch: pytest.MonkeyPatch):
    import finops_fakes

    parse = finops_fakes.parse_acme_manifest
    monkeypatch.setattr("finops_fakes.parse_acme_manifest",
                        lambda key, body: ExportVersion(**{**parse(key, body).__dict__, "export_root": None}))
    other = another_export(root)
    manifest = write_version(root, "2024-01", "v-a", rows_of(6, "1.00"))
    set_files(manifest, [*json.loads(manifest.read_text())["files"], other])

    summary = import_acme(root, data, export_name="bill")

    assert [p.status for p in summary.periods] == ["failed"]
    assert f"{other!r}, outside its export's folder 'bill/'" in summary.periods[0].error
