"""``finops docker provision``: the exact requests against a local HTTP server that records them.

The server keeps what it is given (users, databases, cards, dashboards) the way Metabase answers the same
endpoints, so a second run finds everything and must change nothing. The bodies are checked against the
fields Metabase's API reference documents for these endpoints (0.62/0.63).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest
from open_finops_docker import envfile
from open_finops_docker.provision import DASHBOARD_NAME, QUESTIONS

SETUP_TOKEN = "0b9f7a2e-setup-token"


class FakeMetabase:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Any, str | None]] = []
        self.user: dict[str, str] | None = None
        self.databases: list[dict[str, Any]] = []
        self.cards: list[dict[str, Any]] = []
        self.dashboards: list[dict[str, Any]] = []

    def answer(self, method: str, path: str, body: Any, session: str | None) -> tuple[int, Any]:
        if (method, path) == ("GET", "/api/health"):
            return 200, {"status": "ok"}
        if (method, path) == ("GET", "/api/session/properties"):
            if self.user:
                return 200, {"has-user-setup": True, "setup-token": None}
            return 200, {"has-user-setup": False, "setup-token": SETUP_TOKEN}
        if (method, path) == ("POST", "/api/setup"):
            assert body["token"] == SETUP_TOKEN and self.user is None
            self.user = {"email": body["user"]["email"], "password": body["user"]["password"]}
            return 200, {"id": "session-1"}
        if (method, path) == ("POST", "/api/session"):
            ok = self.user == {"email": body["username"], "password": body["password"]}
            return (200, {"id": "session-2"}) if ok else (401, {"errors": {"password": "did not match"}})
        if session not in ("session-1", "session-2"):
            return 401, "Unauthenticated"
        if (method, path) == ("GET", "/api/database"):
            return 200, {"data": self.databases, "total": len(self.databases)}
        if (method, path) == ("POST", "/api/database"):
            self.databases.append({**body, "id": len(self.databases) + 1})
            return 200, self.databases[-1]
        if (method, path) == ("GET", "/api/card?f=all"):
            return 200, self.cards
        if (method, path) == ("POST", "/api/card"):
            self.cards.append({**body, "id": 100 + len(self.cards)})
            return 200, self.cards[-1]
        if (method, path) == ("GET", "/api/dashboard"):
            return 200, self.dashboards
        if (method, path) == ("POST", "/api/dashboard"):
            self.dashboards.append({**body, "id": 7, "dashcards": []})
            return 200, self.dashboards[-1]
        if method == "PUT" and path == "/api/dashboard/7":
            self.dashboards[0]["dashcards"] = body["dashcards"]
            return 200, self.dashboards[0]
        return 404, "Not found"


@pytest.fixture
def metabase():
    fake = FakeMetabase()

    class Handler(BaseHTTPRequestHandler):
        def handle_one(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            session = self.headers.get("X-Metabase-Session")
            fake.requests.append((method, self.path, body, session))
            status, answer = fake.answer(method, self.path, body, session)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            self.handle_one("GET")

        def do_POST(self) -> None:  # noqa: N802
            self.handle_one("POST")

        def do_PUT(self) -> None:  # noqa: N802
            self.handle_one("PUT")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def stack(clean_env: Path, finops) -> Path:
    assert finops("docker", "init", "stack").code == 0
    return clean_env / "stack"


def test_first_run_sets_up_the_admin_the_database_read_only_and_the_dashboard(
    metabase: FakeMetabase, stack: Path, finops
) -> None:
    env = envfile.read(stack / ".env")
    result = finops("docker", "provision", "--dir", str(stack), "--url", metabase.url)
    assert result.code == 0, result.err
    assert env["METABASE_ADMIN_PASSWORD"] not in result.out, "the password is never printed"

    calls = [(method, path) for method, path, _, _ in metabase.requests]
    assert calls == [
        ("GET", "/api/health"),
        ("GET", "/api/session/properties"),
        ("POST", "/api/setup"),
        ("GET", "/api/database"),
        ("POST", "/api/database"),
        ("GET", "/api/card?f=all"),
        *[("POST", "/api/card")] * len(QUESTIONS),
        ("GET", "/api/dashboard"),
        ("POST", "/api/dashboard"),
        ("PUT", "/api/dashboard/7"),
    ]
    bodies = {(method, path): body for method, path, body, _ in metabase.requests}
    assert bodies[("POST", "/api/setup")] == {
        "token": SETUP_TOKEN,
        "user": {"email": env["METABASE_ADMIN_EMAIL"], "password": env["METABASE_ADMIN_PASSWORD"],
                 "first_name": "open-finops", "last_name": "admin", "site_name": "open-finops"},
        "prefs": {"site_name": "open-finops", "allow_tracking": False},
    }
    assert bodies[("POST", "/api/database")] == {
        "engine": "duckdb",
        "name": "open-finops",
        "details": {"database_file": "/data/finops.duckdb", "read_only": True,
                    "init_sql": "SET temp_directory = '/tmp/duckdb-spill';"},
    }
    cards = [body for method, path, body, _ in metabase.requests if (method, path) == ("POST", "/api/card")]
    for card, question in zip(cards, QUESTIONS, strict=True):
        assert card == {
            "name": question.name, "type": "question", "display": question.display,
            "dataset_query": {"type": "native", "native": {"query": question.sql}, "database": 1},
            "visualization_settings": {},
        }
    dashcards = bodies[("PUT", "/api/dashboard/7")]["dashcards"]
    assert [d["card_id"] for d in dashcards] == [100 + i for i in range(len(QUESTIONS))]
    assert [d["id"] for d in dashcards] == [-(i + 1) for i in range(len(QUESTIONS))], "new dashcards: negative ids"
    assert all({"col", "row", "size_x", "size_y"} <= set(d) for d in dashcards)
    # Every authenticated request carries the session the setup returned.
    assert {s for m, p, _, s in metabase.requests if p.startswith(("/api/database", "/api/card", "/api/dash"))} == {
        "session-1"}
    assert f"{metabase.url}/dashboard/7" in result.out


def test_a_second_run_logs_in_and_changes_nothing(metabase: FakeMetabase, stack: Path, finops) -> None:
    assert finops("docker", "provision", "--dir", str(stack), "--url", metabase.url).code == 0
    before = len(metabase.requests)
    result = finops("docker", "provision", "--dir", str(stack), "--url", metabase.url)
    assert result.code == 0, result.err
    second = [(method, path) for method, path, _, _ in metabase.requests[before:]]
    assert second == [
        ("GET", "/api/health"), ("GET", "/api/session/properties"), ("POST", "/api/session"),
        ("GET", "/api/database"), ("GET", "/api/card?f=all"), ("GET", "/api/dashboard"),
    ]
    assert "nothing changed" in result.out
    assert len(metabase.cards) == len(QUESTIONS) and len(metabase.dashboards) == 1


def test_a_refused_request_is_one_line_naming_it(metabase: FakeMetabase, stack: Path, finops) -> None:
    metabase.user = {"email": "someone@else.example", "password": "x"}
    result = finops("docker", "provision", "--dir", str(stack), "--url", metabase.url, "--wait", "0")
    assert result.code != 0
    assert result.err.strip().splitlines()[-1].startswith("Error: Metabase refused POST /api/session: HTTP 401")


def test_every_question_runs_on_focus_costs_with_standard_focus_columns(tmp_path: Path) -> None:
    from open_finops_docker import provision

    assert DASHBOARD_NAME
    con = duckdb.connect(str(tmp_path / "f.duckdb"))
    con.execute("CREATE SCHEMA focus")
    con.execute(
        "CREATE TABLE focus.costs (BillingPeriodStart TIMESTAMPTZ, ProviderName VARCHAR, ServiceName VARCHAR, "
        "ServiceCategory VARCHAR, SubAccountId VARCHAR, SubAccountName VARCHAR, BilledCost DECIMAL(38, 10), "
        "EffectiveCost DECIMAL(38, 10), ListCost DECIMAL(38, 10), CommitmentDiscountId VARCHAR)"
    )
    con.execute(
        "INSERT INTO focus.costs VALUES "
        "('2026-01-01', 'AWS', 'Amazon EC2', 'Compute', '111', 'prod', 10, 7, 12, 'ri-1'),"
        "('2026-01-01', 'AWS', 'Amazon S3', 'Storage', '222', 'dev', 5, 5, 5, NULL)"
    )
    results = {q.name: con.execute(q.sql).fetchall() for q in provision.QUESTIONS}
    assert results["open-finops: commitment savings"][0][1] == 5
    assert results["open-finops: billed against effective cost"][0][1:] == (15, 12)
    assert results["open-finops: top services"][0][1:] == ("Amazon EC2", 7)
