"""Secrets never leave the process: not in output (tables, --json, errors, --debug), not in the state
table, not in any file under the data directory; `finops config show` masks them.

The AWS keys come from `[aws]` in config.toml, from boto3's own AWS_* variables, or from
OPEN_FINOPS_AWS_*; the PostgreSQL password from dlt's DESTINATION__POSTGRES__CREDENTIALS URL. Each test
removes every other credential, so a run that succeeds proves the secret was used, and then looks for
it everywhere a user or a log could see it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from iamserver import free_port
from open_finops_aws.sample import generate_sample, upload

KEY_ID = "AKIAFINOPSTESTKEY042"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRET042"
PASSWORD = "pg-Pa55word-that-must-not-leak"
MASK = "********"


@pytest.fixture
def export(tmp_path: Path, s3, bucket: str):
    sample = generate_sample(tmp_path / "bucket", bucket=bucket, cur_version="v1", export_name="cur",
                             periods=("2024-01",), rows_per_period=300)
    upload(sample.root, bucket, s3)
    return sample


def run_everything(finops, bucket: str, endpoint: str, *extra: str) -> list:
    """Every command that reports on an import, as a user or a script would run them, good and bad."""
    source = ["-b", bucket, "-p", "cur", "--endpoint-url", endpoint, "--data-dir", "data", *extra]
    results = [
        finops("aws", "import-cur", *source),
        finops("aws", "import-cur", *source, "--json", "--reset"),
        finops("aws", "list-manifests", *source),
        finops("aws", "list-manifests", *source, "--json"),
        # With "-d postgres", the state these read is the server's.
        finops("aws", "show-state", "--data-dir", "data", *extra),
        finops("aws", "show-state", "--data-dir", "data", "--json", *extra),
        finops("aws", "show-state", "--data-dir", "data", "-B", "2024-01", "--json", *extra),
        finops("aws", "list-exports", "--data-dir", "data", "--json", *extra),
    ]
    assert [r.code for r in results] == [0] * len(results), [r.err for r in results]
    wrong = ["-b", "no-such-bucket", "-p", "cur", "--endpoint-url", endpoint, "--data-dir", "data", *extra]
    failures = [
        finops("aws", "import-cur", *wrong),
        finops("aws", "import-cur", *wrong, "--json"),
        finops("--debug", "aws", "import-cur", *wrong),
        finops("aws", "list-manifests", *wrong, "--json"),
    ]
    assert all(r.code == 1 for r in failures), [r.err for r in failures]
    return results + failures


def assert_nowhere(secrets: list[str], results: list, query, data_dir: Path) -> None:
    for result in results:
        for secret in secrets:
            assert secret not in result.out and secret not in result.err
    state = " ".join(str(v) for row in query("SELECT * FROM billing_state.load_state", data_dir) for v in row)
    for secret in secrets:
        assert secret not in state
    for path in (p for p in data_dir.rglob("*") if p.is_file()):
        content = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in content, path


def assert_masked(finops, *settings: str) -> None:
    shown = finops("config", "show", "--json")
    assert shown.code == 0, shown.err
    assert KEY_ID not in shown.out and SECRET not in shown.out
    aws = {key: entry["value"] for key, entry in shown.json()["settings"]["aws"].items()}
    for setting in settings:
        assert aws[setting] == MASK
    text = finops("config", "show").out
    assert KEY_ID not in text and SECRET not in text
    for setting in settings:
        assert f'{setting} = "{MASK}"' in text


def test_keys_from_config_toml(export, tmp_path: Path, monkeypatch, finops, query, bucket, s3_endpoint):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    (tmp_path / "config.toml").write_text(
        f'[aws]\naccess_key_id = "{KEY_ID}"\nsecret_access_key = "{SECRET}"\n', encoding="utf-8"
    )

    results = run_everything(finops, bucket, s3_endpoint)

    assert_nowhere([KEY_ID, SECRET], results, query, tmp_path / "data")
    assert_masked(finops, "access_key_id", "secret_access_key")


def test_keys_from_open_finops_variables(export, tmp_path: Path, monkeypatch, finops, query, bucket, s3_endpoint):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("OPEN_FINOPS_AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("OPEN_FINOPS_AWS_SECRET_ACCESS_KEY", SECRET)

    results = run_everything(finops, bucket, s3_endpoint)

    assert_nowhere([KEY_ID, SECRET], results, query, tmp_path / "data")
    assert_masked(finops, "access_key_id", "secret_access_key")


def test_keys_from_boto3_variables(export, tmp_path: Path, monkeypatch, finops, query, bucket, s3_endpoint):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)

    results = run_everything(finops, bucket, s3_endpoint)

    assert_nowhere([KEY_ID, SECRET], results, query, tmp_path / "data")
    shown = finops("config", "show", "--json")
    assert KEY_ID not in shown.out and SECRET not in shown.out


@pytest.mark.postgres
def test_the_password_in_a_postgres_url(export, tmp_path: Path, monkeypatch, finops, query, bucket, s3_endpoint,
                                        postgres_url):
    # The test cluster trusts local connections, so any password logs in; this one must stay hidden.
    good = postgres_url.replace("finops:finops@", f"finops:{PASSWORD}@")
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", good)

    results = run_everything(finops, bucket, s3_endpoint, "-d", "postgres")
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS",
                       f"postgresql://finops:{PASSWORD}@127.0.0.1:{free_port()}/postgres")
    down = [finops("aws", "import-cur", "-b", bucket, "-p", "cur", "--endpoint-url", s3_endpoint, "--data-dir",
                   "data", "-d", "postgres", "--reset", *flags) for flags in ([], ["--json"])]
    down.append(finops("--debug", "aws", "import-cur", "-b", bucket, "-p", "cur", "--endpoint-url", s3_endpoint,
                       "--data-dir", "data", "-d", "postgres", "--reset"))

    assert [r.code for r in down] == [1, 1, 1], [r.err for r in down]
    assert "postgres" in down[0].err
    assert_nowhere([PASSWORD], results + down, query, tmp_path / "data")
    # An unreachable server stops the import at its first connection, before a period is recorded; the
    # error lines above are where the URL could have shown.
    assert "cannot connect to destination 'postgres'" in down[0].err
    failed = query("SELECT error FROM billing_state.load_state WHERE status = 'failed'", tmp_path / "data")
    assert all(PASSWORD not in row[0] for row in failed)


@pytest.mark.parametrize("password", ["s3cr3t-endpoint-pw", "p@ss@with-ats", "pa:ss%2Fwith%40-colons"])
def test_a_password_in_the_endpoint_url(export, tmp_path: Path, monkeypatch, finops, query, bucket, s3_endpoint,
                                        password):
    # An S3-compatible store's URL may carry user info; boto3 connects to the host, and the URL is printed
    # in --json ("source"), in error lines and by config show: always without the password.
    endpoint = s3_endpoint.replace("http://", f"http://minio:{password}@")

    results = run_everything(finops, bucket, endpoint)
    down = finops("aws", "import-cur", "-b", bucket, "-p", "cur", "--data-dir", "data", "--json",
                  "--endpoint-url", f"http://minio:{password}@127.0.0.1:{free_port()}")
    monkeypatch.setenv("OPEN_FINOPS_AWS_ENDPOINT_URL", endpoint)
    shown = [finops("config", "show"), finops("config", "show", "--json")]

    assert down.code == 1 and "cannot reach the S3 endpoint for s3://" in down.err
    masked = s3_endpoint.replace("http://", f"http://minio:{MASK}@")
    assert results[1].json()["source"] == f"s3://{bucket} at {masked}"
    assert shown[1].json()["settings"]["aws"]["endpoint_url"]["value"] == endpoint.replace(password, MASK)
    assert_nowhere([password], [*results, down, *shown], query, tmp_path / "data")


def test_an_endpoint_url_that_boto3_refuses_is_reported_without_its_password(export, tmp_path: Path, finops,
                                                                              bucket, s3_endpoint):
    password = "pa:ss/raw-slash"  # not a valid URL: boto3 cannot use it, and says so
    endpoint = s3_endpoint.replace("http://", f"http://minio:{password}@")
    results = [finops("aws", "import-cur", "-b", bucket, "-p", "cur", "--data-dir", "data", "--endpoint-url", endpoint,
                      *flags) for flags in ([], ["--json"], ["--reset"])]
    results.append(finops("--debug", "aws", "import-cur", "-b", bucket, "-p", "cur", "--data-dir", "data",
                          "--endpoint-url", endpoint))
    assert [r.code for r in results] == [1, 1, 1, 1], [r.err for r in results]
    assert "pa:ss" not in "".join(r.err + r.out for r in results)
