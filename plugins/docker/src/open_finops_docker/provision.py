"""``finops docker provision``: Metabase's first start done through its HTTP API.

Written against Metabase 0.62 and 0.63 (docs/docker.md): the setup token from
``GET /api/session/properties``, the first admin with ``POST /api/setup`` (later runs log in with
``POST /api/session``), the DuckDB database with ``POST /api/database``, native questions with
``POST /api/card`` and the dashboard with ``POST /api/dashboard`` then ``PUT /api/dashboard/:id``
(its ``dashcards``, new ones with negative ids). Each item is looked up by name first, so a second run
changes nothing.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from open_finops.api import OpenFinopsError

DATABASE_NAME = "open-finops"
DATABASE_FILE = "/data/finops.duckdb"
# DuckDB spills to <database>.tmp beside the file by default, which is the read-only mount.
DUCKDB_TEMP_DIR = "/tmp/duckdb-spill"
DASHBOARD_NAME = "open-finops: cloud costs (FOCUS)"
SITE_NAME = "open-finops"
TIMEOUT = 30.0


@dataclass(frozen=True)
class Question:
    name: str
    display: str
    sql: str
    # Position on the dashboard's 24-column grid.
    col: int
    row: int
    size_x: int = 12
    size_y: int = 6


QUESTIONS = (
    Question(
        "open-finops: cost by month and provider", "bar",
        "SELECT date_trunc('month', BillingPeriodStart) AS month, ProviderName, sum(EffectiveCost) AS effective_cost\n"
        "FROM focus.costs GROUP BY ALL ORDER BY ALL", 0, 0),
    Question(
        "open-finops: cost by service category", "pie",
        "SELECT ServiceCategory, sum(EffectiveCost) AS effective_cost\n"
        "FROM focus.costs GROUP BY ALL ORDER BY effective_cost DESC", 12, 0),
    Question(
        "open-finops: top services", "table",
        "SELECT ProviderName, ServiceName, sum(EffectiveCost) AS effective_cost\n"
        "FROM focus.costs GROUP BY ALL ORDER BY effective_cost DESC LIMIT 20", 0, 6),
    Question(
        "open-finops: top sub-accounts", "table",
        "SELECT ProviderName, SubAccountId, SubAccountName, sum(EffectiveCost) AS effective_cost\n"
        "FROM focus.costs GROUP BY ALL ORDER BY effective_cost DESC LIMIT 20", 12, 6),
    Question(
        "open-finops: billed against effective cost", "line",
        "SELECT date_trunc('month', BillingPeriodStart) AS month, sum(BilledCost) AS billed_cost,\n"
        "       sum(EffectiveCost) AS effective_cost\n"
        "FROM focus.costs GROUP BY ALL ORDER BY ALL", 0, 12),
    Question(
        "open-finops: commitment savings", "bar",
        "SELECT date_trunc('month', BillingPeriodStart) AS month,\n"
        "       sum(ListCost) - sum(EffectiveCost) AS savings\n"
        "FROM focus.costs WHERE CommitmentDiscountId IS NOT NULL GROUP BY ALL ORDER BY ALL", 12, 12),
)


@dataclass(frozen=True)
class Provisioned:
    created: list[str]
    database_id: int
    dashboard_id: int


class Client:
    """JSON over HTTP with Metabase's session header; errors name the request and Metabase's answer."""

    def __init__(self, url: str, timeout: float = TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session: str | None = None

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.session:
            request.add_header("X-Metabase-Session", self.session)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace").strip().splitlines()[:1]
            raise OpenFinopsError(
                f"Metabase refused {method} {path}: HTTP {exc.code} {detail[0][:200] if detail else ''}".rstrip()
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            raise OpenFinopsError(f"Metabase at {self.url} cannot be reached ({exc}); is the stack up?") from None
        return json.loads(text) if text.strip() else None


def wait_healthy(client: Client, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if (client.call("GET", "/api/health") or {}).get("status") == "ok":
                return
        except OpenFinopsError:
            pass
        if time.monotonic() >= deadline:
            raise OpenFinopsError(
                f"Metabase at {client.url} was not healthy within {seconds:g}s; see 'finops docker logs metabase'"
            )
        time.sleep(2)


def _items(answer: Any) -> list[dict[str, Any]]:
    """List endpoints answer a list, or ``{"data": [...]}`` (GET /api/database)."""
    items = answer.get("data", []) if isinstance(answer, dict) else answer
    return [item for item in items or [] if isinstance(item, dict)]


def _named(items: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((item for item in items if item.get("name") == name and not item.get("archived")), None)


def log_in(client: Client, email: str, password: str, created: list[str]) -> None:
    properties = client.call("GET", "/api/session/properties")
    if not properties.get("has-user-setup"):
        answer = client.call("POST", "/api/setup", {
            "token": properties["setup-token"],
            "user": {"email": email, "password": password, "first_name": "open-finops", "last_name": "admin",
                     "site_name": SITE_NAME},
            "prefs": {"site_name": SITE_NAME, "allow_tracking": False},
        })
        created.append(f"admin {email}")
    else:
        answer = client.call("POST", "/api/session", {"username": email, "password": password})
    client.session = answer["id"]


def database_body() -> dict[str, Any]:
    return {
        "engine": "duckdb",
        "name": DATABASE_NAME,
        "details": {
            "database_file": DATABASE_FILE,
            # The mount is read-only; a read-write open would fail, and Metabase must never write.
            "read_only": True,
            "init_sql": f"SET temp_directory = '{DUCKDB_TEMP_DIR}';",
        },
    }


def card_body(question: Question, database_id: int) -> dict[str, Any]:
    return {
        "name": question.name,
        "type": "question",
        "display": question.display,
        "dataset_query": {"type": "native", "native": {"query": question.sql}, "database": database_id},
        "visualization_settings": {},
    }


def provision(url: str, email: str, password: str, *, wait: float = 0.0) -> Provisioned:
    client = Client(url)
    if wait:
        wait_healthy(client, wait)
    created: list[str] = []
    log_in(client, email, password, created)

    database = _named(_items(client.call("GET", "/api/database")), DATABASE_NAME)
    if database is None:
        database = client.call("POST", "/api/database", database_body())
        created.append(f"database {DATABASE_NAME}")
    database_id = database["id"]

    cards = _items(client.call("GET", "/api/card?f=all"))
    card_ids = {}
    for question in QUESTIONS:
        card = _named(cards, question.name)
        if card is None:
            card = client.call("POST", "/api/card", card_body(question, database_id))
            created.append(f"question {question.name!r}")
        card_ids[question.name] = card["id"]

    dashboard = _named(_items(client.call("GET", "/api/dashboard")), DASHBOARD_NAME)
    if dashboard is None:
        dashboard = client.call("POST", "/api/dashboard", {
            "name": DASHBOARD_NAME,
            "description": "Starter dashboard over focus.costs, written by finops docker provision.",
        })
        client.call("PUT", f"/api/dashboard/{dashboard['id']}", {"dashcards": [
            {"id": -(index + 1), "card_id": card_ids[q.name], "col": q.col, "row": q.row,
             "size_x": q.size_x, "size_y": q.size_y}
            for index, q in enumerate(QUESTIONS)
        ]})
        created.append(f"dashboard {DASHBOARD_NAME!r}")
    return Provisioned(created=created, database_id=database_id, dashboard_id=dashboard["id"])
