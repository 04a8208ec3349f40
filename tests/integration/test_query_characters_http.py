"""A NUL in a URL, and a value PostgreSQL refuses, over real HTTP and real PostgreSQL: a 400, never a 500.

psycopg refuses text holding NUL before sending it, and PostgreSQL refuses a number beyond its column's range;
both used to reach the caller as a 500. A handler whose value is refused in a group commit loses only its own work.
"""

import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import eventlet
import nameko
import psycopg
import pytest
import requests
from nameko.containers import ServiceContainer
from psycopg.rows import dict_row
from pydantic import BaseModel, ConfigDict
from werkzeug.wrappers import Request, Response

from shared.auth.settings import current_auth_settings
from shared.http import PUBLIC, api, json_response, parse_query
from shared.persistence.errors import InvalidValue
from shared.persistence.group_commit import GroupCommit
from shared.persistence.transaction import transaction

pytestmark = pytest.mark.integration

PATIENCE = 30.0
# Where the tiny service's endpoints find their database: set by the `web` fixture.
DATABASE: dict[str, Callable[[], psycopg.Connection[Any]]] = {}


class Search(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: str | None = None


class Count(BaseModel):
    model_config = ConfigDict(extra="forbid")
    n: int  # unbounded here, as a careless model would be: PostgreSQL's int4 is the bound


class Notes:
    name = "notes"

    @api("GET", "/api/v1/notes", access=PUBLIC, takes_query=True)
    def search(self, request: Request) -> Response:
        return json_response(200, {"q": parse_query(request, Search).q})

    @api("GET", "/api/v1/notes/<note_id>", access=PUBLIC)
    def show(self, request: Request, note_id: str) -> Response:
        with transaction(DATABASE["connect"]) as tx:
            row = tx.one("SELECT %s::text AS note_id", (note_id,))
        return json_response(200, row)

    @api("GET", "/api/v1/count", access=PUBLIC, takes_query=True)
    def count(self, request: Request) -> Response:
        n = parse_query(request, Count).n
        with transaction(DATABASE["connect"]) as tx:
            row = tx.one("SELECT %s::int4 AS n", (n,))
        return json_response(200, row)


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def web(monkeypatch, connections) -> Iterator[str]:
    """The tiny service on a port of its own, its endpoints on this run's database; yields its base URL."""
    monkeypatch.setenv("WUYUAN_AUTH_ISSUER", "https://issuer.test")
    monkeypatch.setenv("WUYUAN_AUTH_AUDIENCE", "wuyuan")
    monkeypatch.setenv("WUYUAN_AUTH_JWKS_URL", "file:///nonexistent/jwks.json")
    current_auth_settings.cache_clear()
    DATABASE["connect"] = connections
    port = free_port()
    with nameko.config.patch({"WEB_SERVER_ADDRESS": f"127.0.0.1:{port}", "max_workers": 4}):
        container = ServiceContainer(Notes)
        container.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            container.kill()
            DATABASE.clear()
            current_auth_settings.cache_clear()


def get(url: str) -> requests.Response:
    return requests.get(url, timeout=PATIENCE)


def fields(answer: requests.Response) -> list[tuple[str, str]]:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["error"] == "invalid_input"
    return [(f["field"], f["type"]) for f in body["fields"]]


def test_a_search_holding_a_nul_answers_400_naming_q(web):
    assert fields(get(f"{web}/api/v1/notes?q=%E5%BC%A0%00%E4%B8%89")) == [("q", "control_character")]


def test_a_path_segment_holding_a_nul_answers_400_naming_it_before_the_database_is_asked(web):
    assert fields(get(f"{web}/api/v1/notes/7b0c%00")) == [("note_id", "control_character")]


def test_clean_text_still_reaches_the_database(web):
    answer = get(f"{web}/api/v1/notes/%E5%BC%A0%E4%B8%89")

    assert (answer.status_code, answer.json()) == (200, {"note_id": "张三"})


def test_a_number_beyond_its_column_answers_400_naming_no_value(web):
    answer = get(f"{web}/api/v1/count?n=13800138000")

    assert fields(answer) == [("(input)", "invalid_value")]
    assert "13800138000" not in answer.text
    assert get(f"{web}/api/v1/count?n=42").json() == {"n": 42}  # the service and its pool go on


# --- the store: what psycopg and PostgreSQL refuse ------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "value"),
    [
        ("SELECT %s::text AS v", "张\x00三"),  # refused by psycopg before sending
        ("SELECT %s::text AS v", "张\ud800"),  # no UTF-8 for it at all
        ("SELECT %s::uuid AS v", "13800138000"),  # 22P02, refused by PostgreSQL
        ("SELECT %s::int4 AS v", 13800138000),  # 22003
    ],
    ids=["nul", "lone surrogate", "not a uuid", "out of range"],
)
def test_a_value_the_database_refuses_is_invalid_value_naming_no_value_and_the_connection_goes_on(
    connections, sql, value
):
    with pytest.raises(InvalidValue) as refused, transaction(connections) as tx:
        tx.one(sql, (value,))

    assert "13800138000" not in str(refused.value) and "张" not in str(refused.value)
    with transaction(connections) as tx:
        assert tx.one("SELECT 1 AS one") == {"one": 1}


def test_a_handler_whose_value_is_refused_in_a_group_commit_loses_only_its_own_work(connections, messaging_database):
    table = f"notes_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(messaging_database, autocommit=True) as admin:
        admin.execute(f"CREATE TABLE {table} (note text NOT NULL)")
    group = GroupCommit(connections)

    def handler(note: str) -> Callable[[], str]:
        def handle() -> str:
            with group.transaction() as tx:
                tx.write(f"INSERT INTO {table} (note) VALUES (%s)", (note,))
                tx.one("SELECT 1 AS one")  # the write goes with this read: psycopg refuses a NUL before sending
            return "done"

        return handle

    threads = [eventlet.spawn(handler(note)) for note in ("甲", "乙\x00", "丙")]
    outcomes: list[object] = []
    for thread in threads:
        try:
            outcomes.append(thread.wait())
        except Exception as exc:
            outcomes.append(exc)

    assert outcomes[0] == "done" and outcomes[2] == "done"
    assert isinstance(outcomes[1], InvalidValue)
    with psycopg.connect(messaging_database, row_factory=dict_row) as conn:
        notes = [row["note"] for row in conn.execute(f"SELECT note FROM {table} ORDER BY note")]
    assert sorted(notes) == sorted(["甲", "丙"])
