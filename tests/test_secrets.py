"""``mask_secrets``: no password in a URL or a DSN survives it, whatever the password holds.

Properties over any password hypothesis can build (``@``, ``:``, ``/``, ``%``-encoding, quotes and
backslashes; spaces where the format allows them, i.e. inside libpq's quoted values), embedded in any
surrounding message; then the places core prints or stores such text.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from open_finops.config import is_secret, load_config
from open_finops.errors import DestinationError
from open_finops.runner import describe_error
from open_finops.secrets import MASK, mask_secrets

# A URL is one word: a password in it may hold anything but whitespace (what libraries split on).
URL_PASSWORD = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1)
ANY_PASSWORD = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
                       min_size=1)
USER = st.text(alphabet=string.ascii_lowercase + string.digits + "_.-", min_size=1, max_size=12)
HOST = st.sampled_from(["db.example.com", "127.0.0.1", "[::1]", "minio"])
PORT = st.sampled_from(["", ":5432", ":9000"])
PATH = st.sampled_from(["", "/", "/billing", "/bucket/cur/x.csv.gz", "/db?sslmode=require"])
SCHEME = st.sampled_from(["postgresql", "postgres", "http", "https", "s3", "mysql+pymysql", "duckdb"])
# Text around the URL: a message from us, dlt or boto3, without URLs or key=value pairs of its own.
WORDS = st.text(alphabet=string.ascii_letters + string.digits + " ,.;()'\"[]-_!?", max_size=40)


@given(prefix=WORDS, scheme=SCHEME, user=USER, password=URL_PASSWORD, host=HOST, port=PORT, path=PATH,
       suffix=WORDS)
@example(prefix="", scheme="postgresql", user="finops", password="p@ss@word", host="db", port=":5432", path="/x",
         suffix="")
@example(prefix="at ", scheme="http", user="minio", password="s3cr3t/with:colons%40and@", host="minio", port=":9000",
         path="", suffix=" failed")
@settings(max_examples=400, deadline=None)
def test_a_urls_password_never_survives_and_the_rest_is_kept(prefix, scheme, user, password, host, port, path,
                                                              suffix) -> None:
    text = f"{prefix} {scheme}://{user}:{password}@{host}{port}{path} {suffix}"

    masked = mask_secrets(text)

    assert masked == f"{prefix} {scheme}://{user}:{MASK}@{host}{port}{path} {suffix}"


BARE_USER = st.text(alphabet=string.ascii_letters + string.digits + "_.-", min_size=1, max_size=12)
# Where a DSN written without its scheme starts: the text's start, after a space, a quote, a bracket or '='.
BEFORE_BARE = st.sampled_from(["", "dsn ", "host='", '"', "(", "[", "url=", "DATABASE_URL="])


@given(prefix=WORDS, before=BEFORE_BARE, user=BARE_USER, password=URL_PASSWORD, host=HOST, port=PORT, path=PATH,
       suffix=WORDS)
@example(prefix="", before="", user="finops", password="p@ss/w:rd", host="db", port=":5432", path="/x", suffix="")
@example(prefix="connect", before="host='", user="finops", password="s3cr/et", host="db", port="", path="",
         suffix="' failed")
@settings(max_examples=400, deadline=None)
def test_a_password_in_a_url_without_a_scheme_never_survives(prefix, before, user, password, host, port, path,
                                                             suffix) -> None:
    text = f"{prefix} {before}{user}:{password}@{host}{port}{path} {suffix}"

    masked = mask_secrets(text)

    assert masked == f"{prefix} {before}{user}:{MASK}@{host}{port}{path} {suffix}"


@given(password=URL_PASSWORD, other=URL_PASSWORD)
@settings(max_examples=200, deadline=None)
def test_several_urls_in_one_word_lose_every_password(password, other) -> None:
    # A password made of the mask's own "*" would be found in the mask itself.
    assume(password.strip("*") and other.strip("*"))
    text = json.dumps({"source": f"http://a:{password}@h1", "target": f"postgresql://b:{other}@h2/db"},
                      separators=(",", ":"))
    masked = mask_secrets(text)
    assert f"{password}@h1" not in masked and f"{other}@h2" not in masked
    assert masked.count(MASK) >= 1 and "@h2/db" in masked


def _libpq_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@given(prefix=WORDS, password=ANY_PASSWORD, quoted=st.booleans(), key=st.sampled_from(["password", "PASSWORD",
                                                                                     "passwd"]),
       spaces=st.sampled_from(["", " "]))
@example(prefix="", password="it's a secret \\ with spaces", quoted=True, key="password", spaces="")
@settings(max_examples=400, deadline=None)
def test_a_libpq_dsn_password_never_survives(prefix, password, quoted, key, spaces) -> None:
    if not quoted and (any(c.isspace() for c in password) or password[0] in "'\""):
        quoted = True  # libpq needs quotes for such a value
    value = _libpq_quote(password) if quoted else password
    text = f"{prefix} host=db port=5432 user=finops {key}{spaces}={spaces}{value} dbname=billing"

    masked = mask_secrets(text)

    shown = f"'{MASK}'" if quoted else MASK
    assert masked == f"{prefix} host=db port=5432 user=finops {key}{spaces}={spaces}{shown} dbname=billing"


@given(password=URL_PASSWORD)
@settings(max_examples=300, deadline=None)
def test_secret_query_parameters_and_printed_dicts_are_masked(password) -> None:
    quote = repr(password)[0]
    # A value that starts with a quote is taken as quoted, and shown so.
    shown = f"{password[0]}{MASK}{password[0]}" if password[0] in "'\"" else MASK
    assert mask_secrets(f"https://bucket.s3.amazonaws.com/k?X-Amz-Security-Token={password}") == (
        f"https://bucket.s3.amazonaws.com/k?X-Amz-Security-Token={shown}")
    assert mask_secrets(f"postgresql://db/billing?user=finops&password={password}") == (
        f"postgresql://db/billing?user=finops&password={shown}")
    assert mask_secrets(f"credentials {{'password': {password!r}, 'host': 'db'}}") == (
        f"credentials {{'password': {quote}{MASK}{quote}, 'host': 'db'}}")
    assert mask_secrets(f'{{"api_token": {json.dumps(password)}}}') == f'{{"api_token": "{MASK}"}}'


@pytest.mark.parametrize("text", [
    "s3://my-bucket at http://127.0.0.1:9000",
    "data file cur/x/2024-01/part@v2.csv.gz does not exist in s3://bucket",
    "s3://bucket/cur/exports@2024/x.csv.gz",
    "mail finops@example.com about it",
    "billing period 2024-01 of export 'cur' has no rows",
])
def test_text_without_secrets_is_left_alone(text: str) -> None:
    assert mask_secrets(text) == text


# -- where core prints or stores such text -------------------------------------------------------------------

def test_a_destination_error_with_a_password_holding_an_at_sign_hides_all_of_it() -> None:
    error = RuntimeError('connection to "postgresql://finops:p@ss:w/rd@db.example.com:5432/x" failed; '
                         "dsn: host=db user=finops password='a b@c' dbname=x")
    message = describe_error(error, "postgres")
    assert isinstance(message, DestinationError)
    assert "p@ss" not in message.message and "w/rd" not in message.message and "a b@c" not in message.message
    assert "postgresql://finops:********@db.example.com:5432/x" in message.message


def test_an_azure_connection_strings_account_key_and_signature_are_masked() -> None:
    text = ("cannot connect with DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
            "AccountKey=Eby8vdM02xNOcqF==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
            "SharedAccessSignature=sv=2022&sig=abc%3D")
    masked = mask_secrets(text)
    assert "Eby8vdM02xNOcqF" not in masked and "sig=abc" not in masked
    assert masked.startswith("cannot connect with DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;")
    assert is_secret("connection_string")


def test_config_show_masks_a_url_password_in_any_setting(cli, tmp_path: Path) -> None:
    from finops_fakes import registry_of

    config = tmp_path / "config.toml"
    config.write_text('[aws]\nendpoint_url = "http://minio:from-file-s3cr3t@minio:9000"\n'
                      '[reports]\ndsn = "host=db password=\'dsn secret\' dbname=x"\n', encoding="utf-8")
    env = {"OPEN_FINOPS_AWS_ENDPOINT_URL": "http://minio:env-p%40ss@minio:9000"}

    shown = load_config(config, environ=env).masked()
    assert shown["aws"]["endpoint_url"] == f"http://minio:{MASK}@minio:9000"
    assert shown["reports"]["dsn"] == f"host=db password='{MASK}' dbname=x"

    text = cli(registry_of(), "-c", str(config), "config", "show").stdout
    as_json = cli(registry_of(), "-c", str(config), "config", "show", "--json").stdout
    for secret in ("from-file-s3cr3t", "dsn secret"):
        assert secret not in text and secret not in as_json
    assert f"endpoint_url = \"http://minio:{MASK}@minio:9000\"" in text


def test_an_unexpected_error_and_its_debug_traceback_are_masked(capsys) -> None:
    import typer

    from open_finops.cli.app import run

    app = typer.Typer()

    @app.command()
    def boom() -> None:
        raise ValueError("Invalid endpoint: http://admin:hunter2@minio:9000")

    @app.command()
    def other() -> None:
        pass

    for debug in (False, True):
        assert run(app, ["boom"], debug=debug) == 1
        err = capsys.readouterr().err
        assert "hunter2" not in err and f"http://admin:{MASK}@minio:9000" in err
