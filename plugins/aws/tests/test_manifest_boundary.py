"""CUR manifests at the boundary: a manifest in another month's folder, two exports sharing a name, a data
file listed twice, and data files outside the export or the bucket are refused, naming the manifest and
the file, before anything of the period is read; nothing loaded before changes. Legitimate history (CUR
2.0 execution folders, v1 assembly copies) still loads the newest version and says what it passed over.

Real CUR layouts come from the sample generator, read through ``--from-dir`` and from moto's S3 server.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from open_finops_aws.manifests import parse_v1, parse_v2
from open_finops_aws.sample import generate_sample, restate, upload
from test_bad_input import Loaded, assert_refused, from_dir_args, snapshot
from test_manifests import V1_KEY, V2_KEY, v1_manifest, v2_manifest

from open_finops.errors import ManifestError


@pytest.fixture
def loaded(tmp_path: Path, finops, query) -> Loaded:
    """As in test_bad_input: a v1 CSV export ``cur`` and a CUR 2.0 Parquet one ``pq`` side by side, imported."""
    root = tmp_path / "bucket"
    cur = generate_sample(root, cur_version="v1", export_name="cur", periods=("2024-01", "2024-02"),
                          rows_per_period=800)
    pq = generate_sample(root, cur_version="v2", data_format="parquet", export_name="pq",
                         periods=("2024-01", "2024-02"), rows_per_period=800)
    first = finops(*from_dir_args(root))
    assert first.code == 0, first.err
    return Loaded(cur, pq, snapshot(query, tmp_path / "data"))


# --- The period in the manifest and the period of its folder ----------------------------------------------


@pytest.mark.parametrize("start, end", [
    ("20240201T000000.000Z", "20240301T000000.000Z"),  # another month, whole
    ("20231201T000000.000Z", "20240101T000000.000Z"),  # the month before
    ("20240101T000000.000Z", "20240131T000000.000Z"),  # the right start, another end
    ("20240102T000000.000Z", "20240201T000000.000Z"),  # the right month, another start day
    ("2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z"),  # another year, other spelling
])
def test_a_v1_manifest_whose_billing_period_disagrees_with_its_folder_is_refused(start, end):
    body = json.dumps(v1_manifest(billingPeriod={"start": start, "end": end})).encode()

    with pytest.raises(ManifestError, match="does not match its folder 20240101-20240201") as info:
        parse_v1(V1_KEY, body)
    assert V1_KEY in info.value.message


@pytest.mark.parametrize("key", ["mycur/mycur-Manifest.json", "cur/mycur/2024-01/mycur-Manifest.json",
                                 "mycur-Manifest.json"])
def test_a_v1_manifest_outside_a_period_folder_is_refused(key):
    with pytest.raises(ManifestError, match="is not in a <YYYYMMDD-YYYYMMDD> period folder"):
        parse_v1(key, json.dumps(v1_manifest()).encode())


@pytest.mark.parametrize("period", ["2024-02", "2024-04", "2023-03", "2025-03"])
def test_a_v2_manifest_whose_billing_period_disagrees_with_its_folder_is_still_refused(period):
    body = json.dumps(v2_manifest(billingPeriod={"start": f"{period}-01T00:00:00.000Z"})).encode()
    for key in (V2_KEY, V2_KEY.replace("/mycur-Manifest.json", "/20240305T101010Z/mycur-Manifest.json")):
        with pytest.raises(ManifestError, match=f"billingPeriod {period} does not match its folder 2024-03"):
            parse_v2(key, body)


@pytest.mark.parametrize("key, root", [
    (V1_KEY, "cur/mycur/"),
    ("mycur/20240101-20240201/mycur-Manifest.json", "mycur/"),
    ("20240101-20240201/mycur-Manifest.json", ""),  # a copy of the export's own folder
    ("cur//mycur/20240101-20240201/mycur-Manifest.json", "cur//mycur/"),  # a prefix ending in '/'
])
def test_a_v1_export_root_is_the_folder_holding_its_period_folders(key, root):
    assert parse_v1(key, json.dumps(v1_manifest()).encode()).export_root == root


@pytest.mark.parametrize("key, root", [
    (V2_KEY, "cur/mycur/data/BILLING_PERIOD=2024-03/"),
    ("cur/mycur/metadata/BILLING_PERIOD=2024-03/20240305T101010Z/mycur-Manifest.json",
     "cur/mycur/data/BILLING_PERIOD=2024-03/"),
    ("metadata/BILLING_PERIOD=2024-03/mycur-Manifest.json", "data/BILLING_PERIOD=2024-03/"),
])
def test_a_v2_export_root_is_the_periods_data_folder(key, root):
    assert parse_v2(key, json.dumps(v2_manifest()).encode()).export_root == root


def move_to_next_month(loaded: Loaded, sample_name: str):
    """A restated January whose manifest says February (start and end), left in January's folder."""
    sample = getattr(loaded, sample_name)
    new = restate(sample, "2024-01", seed=3).periods["2024-01"]
    path = sample.root / new.manifest_key
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["billingPeriod"] = {k: v.replace("2024-02", "2024-03").replace("2024-01", "2024-02").replace(
        "202402", "202403").replace("202401", "202402") for k, v in doc["billingPeriod"].items()}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return new.manifest_key


@pytest.mark.parametrize("sample_name", ["cur", "pq"], ids=["v1-csv", "v2-parquet"])
def test_a_manifest_claiming_another_month_than_its_folder_stops_the_import(sample_name, loaded, finops, query,
                                                                             tmp_path):
    manifest = move_to_next_month(loaded, sample_name)

    result = finops(*from_dir_args(loaded.cur.root))

    assert_refused(result, 1, manifest, "does not match its folder")
    assert snapshot(query, tmp_path / "data") == loaded.before


# --- Several manifests for one period ---------------------------------------------------------------------


def test_two_exports_with_one_name_in_two_prefixes_are_refused_naming_both_manifests(tmp_path, finops, query):
    root = tmp_path / "bucket"
    team_a = generate_sample(root, export_name="cur", prefix="team-a", periods=("2024-01", "2024-02"),
                             rows_per_period=300)
    team_b = generate_sample(root, export_name="cur", prefix="team-b", periods=("2024-02",), rows_per_period=200,
                             seed=5)
    args = ["aws", "import-cur", "--from-dir", root, "--data-dir", "data", "--json"]

    result = finops(*args)

    assert_refused(result, 1, "'cur' 2024-02", "two export folders", team_a.periods["2024-02"].manifest_key,
                   team_b.periods["2024-02"].manifest_key, "--prefix")
    assert not (tmp_path / "data" / "finops.duckdb").exists() or snapshot(query, tmp_path / "data") == ([], [])
    chosen = finops(*args, "-p", "team-a")
    assert chosen.code == 0, chosen.err
    assert [(p["billing_period"], p["rows"]) for p in chosen.json()["periods"]] == [("2024-01", 300),
                                                                                   ("2024-02", 300)]


def test_cur2_execution_folders_load_the_newest_and_name_the_older_manifests(tmp_path, finops, query):
    sample = generate_sample(tmp_path / "bucket", cur_version="v2", layout="execution-folder", export_name="x2",
                             periods=("2024-01", "2024-02"), rows_per_period=300)
    args = ["aws", "import-cur", "--from-dir", sample.root, "-p", "cur", "--data-dir", "data"]
    assert finops(*args).code == 0
    first = sample.periods["2024-01"]
    second = restate(sample, "2024-01", seed=2, rows=250)
    newest = restate(second, "2024-01", seed=3, rows=200).periods["2024-01"]

    result = finops(*args, "--json")
    line = finops(*args).err

    assert result.code == 0, result.err
    jan, feb = result.json()["periods"]
    assert (jan["version_id"], jan["status"], jan["rows"]) == (newest.version_id, "loaded", 200)
    assert jan["superseded"] == [second.periods["2024-01"].manifest_key, first.manifest_key]
    assert (feb["status"], feb["superseded"]) == ("skipped", [])
    line = " ".join(line.split())  # as a terminal may wrap it
    assert f"x2 2024-01: up to date (version {newest.version_id}; newest of 3 manifests of the period)" in line
    assert query('SELECT count(*) FROM aws_cur."x2_2024_01"') == [(200,)]
    listed = finops("aws", "list-manifests", "--from-dir", sample.root, "-p", "cur", "--data-dir", "data", "--json")
    assert [m["superseded"] for m in listed.json()] == [jan["superseded"], []]


def test_v1_assembly_copies_are_not_manifests_of_the_period(tmp_path, finops):
    sample = generate_sample(tmp_path / "bucket", export_name="v1a", periods=("2024-01",), rows_per_period=200)
    restate(sample, "2024-01", seed=2)  # a second assembly folder, each with its copy of the manifest

    result = finops("aws", "import-cur", "--from-dir", sample.root, "--data-dir", "data", "--json")

    assert result.code == 0, result.err
    assert [p["superseded"] for p in result.json()["periods"]] == [[]]


# --- The data files a manifest lists ----------------------------------------------------------------------


def rewrite_files(sample, manifest_key: str, change) -> list[str]:
    path = sample.root / manifest_key
    doc = json.loads(path.read_text(encoding="utf-8"))
    field = "reportKeys" if "reportKeys" in doc else "dataFiles"
    doc[field] = change(list(doc[field]))
    path.write_text(json.dumps(doc), encoding="utf-8")
    return doc[field]


def listed_twice_v1(loaded: Loaded):
    new = restate(loaded.cur, "2024-01", seed=3).periods["2024-01"]
    rewrite_files(loaded.cur, new.manifest_key, lambda keys: [*keys, keys[0]])
    return [], [new.manifest_key, "twice", repr(new.data_keys[0])]


def listed_twice_v2_as_uri_and_key(loaded: Loaded):
    new = restate(loaded.pq, "2024-02", seed=3).periods["2024-02"]
    rewrite_files(loaded.pq, new.manifest_key, lambda uris: [uris[0], new.data_keys[1], uris[1]])
    return [], [new.manifest_key, "twice", repr(new.data_keys[1])]


def listed_twice_v2_with_a_double_slash(loaded: Loaded):
    new = restate(loaded.pq, "2024-01", seed=3).periods["2024-01"]
    rewrite_files(loaded.pq, new.manifest_key, lambda uris: [uris[1].replace("/data/", "//data/"), *uris])
    return [], [new.manifest_key, "twice", repr(new.data_keys[1])]


def another_exports_file(loaded: Loaded):
    """A v1 export ``cur-old`` beside ``cur``: its January file has the same columns, so it would load."""
    old = generate_sample(loaded.cur.root, export_name="cur-old", periods=("2024-01",), rows_per_period=100, seed=9)
    (old.root / old.periods["2024-01"].manifest_key).unlink()
    stranger = old.periods["2024-01"].data_keys[0]
    new = restate(loaded.cur, "2024-01", seed=3).periods["2024-01"]
    rewrite_files(loaded.cur, new.manifest_key, lambda keys: [*keys[:-1], stranger])
    return [], [new.manifest_key, repr(stranger), "outside its export's folder 'cur/cur/'"]


def another_months_file(loaded: Loaded):
    """A CUR 2.0 January manifest naming a February data file: February's rows counted as January's."""
    february = loaded.pq.periods["2024-02"].data_keys[0]
    new = restate(loaded.pq, "2024-01", seed=3).periods["2024-01"]
    uri = f"s3://{loaded.pq.bucket}/{february}"
    rewrite_files(loaded.pq, new.manifest_key, lambda uris: [uri, *uris[1:]])
    return [], [new.manifest_key, repr(uri), "'cur/pq/data/BILLING_PERIOD=2024-01/'"]


def another_bucket_than_the_folder_copies(loaded: Loaded):
    new = restate(loaded.pq, "2024-01", seed=3).periods["2024-01"]
    uri = f"s3://someone-elses-bucket/{new.data_keys[1]}"
    rewrite_files(loaded.pq, new.manifest_key, lambda uris: [uris[0], uri])
    return ["-b", loaded.pq.bucket], [new.manifest_key, repr(uri), f"is not in s3://{loaded.pq.bucket}"]


def climbing_back_in(loaded: Loaded):
    new = restate(loaded.cur, "2024-02", seed=3).periods["2024-02"]
    sneaky = new.data_keys[0].replace("cur/cur/", "cur/cur/../cur/")
    rewrite_files(loaded.cur, new.manifest_key, lambda keys: [sneaky, *keys[1:]])
    return [], [new.manifest_key, repr(sneaky), "points outside the export"]


CASES = [listed_twice_v1, listed_twice_v2_as_uri_and_key, listed_twice_v2_with_a_double_slash,
         another_exports_file, another_months_file, another_bucket_than_the_folder_copies, climbing_back_in]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_a_manifest_listing_a_file_twice_or_outside_its_export_fails_its_period(case, loaded, finops, query,
                                                                              tmp_path):
    extra, names = case(loaded)

    result = finops(*from_dir_args(loaded.cur.root, *extra))

    assert_refused(result, 1, *names)
    assert snapshot(query, tmp_path / "data") == loaded.before


# --- From S3: the bucket is the one being read --------------------------------------------------------------


@pytest.fixture
def cur2_in_s3(tmp_path, s3, bucket, s3_endpoint, finops, query):
    sample = generate_sample(tmp_path / "bucket", bucket=bucket, cur_version="v2", export_name="c2",
                             periods=("2024-01",), rows_per_period=400)
    upload(sample.root, bucket, s3)
    args = ["aws", "import-cur", "-b", bucket, "-p", "cur", "--endpoint-url", s3_endpoint, "--data-dir", "data",
            "--quiet"]
    assert finops(*args).code == 0
    return sample, args, snapshot(query, tmp_path / "data")


def restated_in_s3(sample, s3, change) -> tuple[str, list[str]]:
    new = restate(sample, "2024-01", seed=4).periods["2024-01"]
    uris = rewrite_files(sample, new.manifest_key, change)
    upload(sample.root, sample.bucket, s3)
    return new.manifest_key, uris


def test_an_s3_uri_of_another_bucket_is_refused_not_read_from_ours(cur2_in_s3, s3, finops, query, tmp_path):
    sample, args, before = cur2_in_s3
    s3.create_bucket(Bucket=f"{sample.bucket}-other")
    manifest, uris = restated_in_s3(sample, s3, lambda uris: [uris[0].replace(sample.bucket, f"{sample.bucket}-other"),
                                                               *uris[1:]])

    result = finops(*args)

    assert_refused(result, 1, manifest, repr(uris[0]), f"is not in s3://{sample.bucket}, the store being read")
    assert snapshot(query, tmp_path / "data") == before


@pytest.mark.parametrize("scheme", ["s3a", "https", "gs"])
def test_an_s3_uri_of_another_scheme_is_refused(cur2_in_s3, s3, finops, query, tmp_path, scheme):
    sample, args, before = cur2_in_s3
    manifest, uris = restated_in_s3(sample, s3, lambda uris: [*uris[:-1], uris[-1].replace("s3://", f"{scheme}://")])

    result = finops(*args)

    assert_refused(result, 1, manifest, repr(uris[-1]), "is not in s3://")
    assert snapshot(query, tmp_path / "data") == before


def test_in_s3_a_file_listed_as_uri_and_as_key_is_refused(cur2_in_s3, s3, finops, query, tmp_path):
    sample, args, before = cur2_in_s3
    key = sample.periods["2024-01"].data_keys  # the restated version writes the same keys (overwrite layout)
    manifest, _ = restated_in_s3(sample, s3, lambda uris: [*uris, key[0]])

    result = finops(*args)

    assert_refused(result, 1, manifest, "twice", repr(key[0]))
    assert snapshot(query, tmp_path / "data") == before


@pytest.mark.parametrize("where, refusal", [
    ("/data/", "outside its export's folder"),  # cur/c2//data/...: another folder, literally
    ("/c2-", "does not exist"),  # .../BILLING_PERIOD=2024-01//c2-00001...: in the folder, but no such object
])
def test_in_s3_a_double_slash_is_another_key_never_the_same_file_read_twice(cur2_in_s3, s3, finops, query, tmp_path,
                                                                           where, refusal):
    """S3 keys are literal: ``a//b`` is not ``a/b``. In a folder it would be the same file listed twice."""
    sample, args, before = cur2_in_s3
    manifest, uris = restated_in_s3(sample, s3, lambda uris: [*uris, uris[0].replace(where, "/" + where)])

    result = finops(*args)

    assert_refused(result, 1, uris[-1].split(f"s3://{sample.bucket}/")[1], refusal)
    assert snapshot(query, tmp_path / "data") == before
