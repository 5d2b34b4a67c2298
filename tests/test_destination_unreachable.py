"""A destination that cannot be reached stops the import at its first connection, with one line.

Each period connects again; against a refused or silent port every one of them would wait and fail the
same way (about 30 s a month against a silent port before this was so).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from finops_fakes import ACME_PARSER
from test_ingest import TERMS, query, rows_of, write_version

from open_finops.api import Destination, ImportOptions, LocalSource, run_import
from open_finops.errors import DestinationUnreachable

PERIODS = ["2024-01", "2024-02", "2024-03"]


@pytest.fixture(params=["refused", "silent"])
def dead_port(request: pytest.FixtureRequest) -> Iterator[int]:
    """A port where nothing answers: closed (connection refused), or listening but never speaking."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    if request.param == "refused":
        sock.close()
        yield port
        return
    sock.listen(8)
    try:
        yield port
    finally:
        sock.close()


def test_the_first_connection_failure_stops_the_run_naming_the_destination(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dead_port: int) -> None:
    root, data = tmp_path / "exports", tmp_path / "data"
    for period in PERIODS:
        write_version(root, period, "v1", rows_of(5))
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS",
                       f"postgresql://finops:pg-s3cret@127.0.0.1:{dead_port}/billing?connect_timeout=2")

    with pytest.raises(DestinationUnreachable) as caught:
        run_import(ImportOptions(data_dir=data, destination=Destination("postgres", "acme")), TERMS,
                   LocalSource(root), [ACME_PARSER])

    message = caught.value.message
    assert message.startswith(f'cannot connect to destination \'postgres\': connection to server at "127.0.0.1", '
                              f"port {dead_port} failed")
    assert message.endswith("; check its host, port and credentials "
                            "(DESTINATION__POSTGRES__CREDENTIALS or .dlt/secrets.toml)")
    assert "\n" not in message and "pg-s3cret" not in message
    # The import's first connection (for the dataset's import lock) failed: no period was tried.
    assert query(data, "SELECT billing_period, status FROM billing_state.load_state") == []
