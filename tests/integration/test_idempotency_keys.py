"""Idempotency keys on real PostgreSQL: a retried request changes nothing and gets the first answer, even when
the first one's commit was never confirmed; a database out of reach costs a bounded wait and a 503."""

import json
import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, suppress
from functools import partial
from urllib.parse import urlsplit, urlunsplit

import eventlet
import nameko
import psycopg
import pytest
import requests
from nameko.containers import ServiceContainer, WorkerContext
from psycopg.rows import dict_row
from pydantic import BaseModel, ConfigDict
from werkzeug.wrappers import Request, Response

from shared.auth.settings import current_auth_settings
from shared.config import current_settings
from shared.delivery.outbox import Queued
from shared.delivery.statements import Statements
from shared.dependency import Injects
from shared.http import PUBLIC, api, json_response, parse_body
from shared.persistence.answers import prune_answers
from shared.persistence.idempotency import KEY_HEADER
from shared.persistence.limits import database_limits
from shared.persistence.transaction import transaction
from shared.persistence.unit_of_work import PostgresUnitOfWork, UnitOfWork
from shared.refusal import Refused
from shared.runtime.dependencies import abandon_held, held_transaction_of
from shared.runtime.pool import PostgresPool
from tests.integration.databases import migrated_database
from wuyuan.provision_db import SHARED_MIGRATIONS

pytestmark = pytest.mark.integration

ANNOUNCED: list[Queued] = []  # what commits handed to the relay, as Database hands it to the outbox relay


class Filing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    summary: str
    refuse: bool = False  # refused after writing: the whole change rolls back
    crash: bool = False  # a server error after the block: the change is undone
    hold_seconds: float = 0.0  # keeps the transaction open, for a second request to meet it


class FilingStore:
    def __init__(self, statements: Statements) -> None:
        self.statements = statements

    def add(self, summary: str) -> int:
        row = self.statements.one("INSERT INTO filings (summary) VALUES (%s) RETURNING number", (summary,))
        assert row is not None
        number: int = row["number"]
        self.statements.queue(  # type: ignore[attr-defined]
            Queued(str(uuid.uuid4()), "FilingMade", None, "x", "filing", json.dumps({"n": number}), {})
        )
        return number


class FilingsDatabase(Injects[UnitOfWork[FilingStore]]):
    """The service Database's choice of transaction, with the outbox relay replaced by a list."""

    pool = PostgresPool()

    def get_dependency(self, worker_ctx: WorkerContext) -> UnitOfWork[FilingStore]:
        begin = held_transaction_of(worker_ctx, self.pool.connection, ANNOUNCED.extend) or partial(
            transaction, self.pool.connection, ANNOUNCED.extend
        )
        return PostgresUnitOfWork(begin, FilingStore, "filings", lambda message, case_source: ("x", "y"))

    def worker_teardown(self, worker_ctx: WorkerContext) -> None:
        abandon_held(worker_ctx)


class Filings:
    name = "filings"
    uow = FilingsDatabase()

    @api("POST", "/api/v1/filings", access=PUBLIC)
    def file(self, request: Request) -> Response:
        filing = parse_body(request, Filing)
        with self.uow:
            number = self.uow.store.add(filing.summary)
            eventlet.sleep(filing.hold_seconds)
            if filing.refuse:
                raise Refused("filing refused", "refused after writing")
        if filing.crash:
            raise RuntimeError("a bug after the change")
        return json_response(201, {"number": number, "summary": filing.summary})


# --- a proxy to PostgreSQL that can be closed, or cut a connection right after it sends COMMIT -------


class Proxy:
    """Our own port in front of the shared PostgreSQL: closing it cuts only this test's connections."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.cut_after_commit = False
        self.muted = False
        self._serve()

    def _serve(self) -> None:
        self.listener.listen(64)
        eventlet.spawn(self._accept, self.listener)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # shut down by close(): this thread, its only reader, closes it
                listener.close()
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            eventlet.spawn(self._pipe, client, upstream, True)
            eventlet.spawn(self._pipe, upstream, client, False)

    def _pipe(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                if from_client and self.cut_after_commit and b"COMMIT" in data:
                    self.cut_after_commit, self.muted = False, True
                    sink.sendall(data)
                    eventlet.sleep(0.5)  # the server commits; its answer never comes back
                    self.cut()
                    self.muted = False
                    break
                if not (self.muted and not from_client):
                    sink.sendall(data)
        # Each socket is read by one pipe, which alone closes it; the other pipe is woken by a shutdown.
        with suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)
        with suppress(OSError):
            source.close()

    def cut(self) -> None:
        # Shut down, not closed here: each pipe closes its own ends, so no reader is left on a reused fd.
        for end in self.sockets:
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
        self.sockets = []

    def close(self) -> None:
        """The database is out of reach: connections cut, new ones refused."""
        with suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.cut()

    def reopen(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self._serve()


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def service(monkeypatch) -> Iterator[tuple[str, str, Proxy]]:
    """The filings service on a database of this test's own, reached through a proxy; (base URL, db URL, proxy)."""
    with migrated_database("wyi_idem", [SHARED_MIGRATIONS]) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE filings (number serial PRIMARY KEY, summary text NOT NULL)")
        parts = urlsplit(url)
        proxy = Proxy((parts.hostname or "127.0.0.1", parts.port or 5432))
        proxied = urlunsplit(parts._replace(netloc=f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}"))
        for name, value in {
            "SERVICE": "filings",
            "AMQP_URI": "amqp://filings:never-connected-0123456789@127.0.0.1:5672/wyi",
            "AMQP_USER": "filings",
            "DATABASE_URL": proxied,
            "DEV_MODE": "true",
            "DB_ACQUIRE_TIMEOUT_SECONDS": "2",
            "DB_CONNECT_TIMEOUT_SECONDS": "2",
            "IDEMPOTENCY_WAIT_SECONDS": "5",
            "AUTH_ISSUER": "https://issuer.test",
            "AUTH_AUDIENCE": "wuyuan",
            "AUTH_JWKS_URL": "file:///nonexistent/jwks.json",
        }.items():
            monkeypatch.setenv(f"WUYUAN_{name}", value)
        for cached in (current_settings, database_limits, current_auth_settings):
            cached.cache_clear()
        ANNOUNCED.clear()
        port = free_port()
        with nameko.config.patch({"WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"}):
            container = ServiceContainer(Filings)
            container.start()
            try:
                yield f"http://127.0.0.1:{port}/api/v1/filings", url, proxy
            finally:
                container.stop()
                proxy.close()
                eventlet.sleep(0.2)  # the proxy's pipes see their ends shut and close them
        for cached in (current_settings, database_limits, current_auth_settings):
            cached.cache_clear()


def post(url: str, body: dict, key: str | None = None) -> requests.Response:
    headers = {KEY_HEADER: key} if key is not None else {}
    return requests.post(url, json=body, headers=headers, timeout=30)


def count(database_url: str, table: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def test_the_same_key_twice_makes_one_filing_sends_one_message_and_answers_the_same(service):
    url, database, _ = service

    first = post(url, {"summary": "宅基地纠纷"}, key="k-1")
    again = post(url, {"summary": "宅基地纠纷"}, key="k-1")

    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert (count(database, "filings"), count(database, "outbox"), len(ANNOUNCED)) == (1, 1, 1)


def test_without_a_key_a_retry_is_a_second_filing(service):
    url, database, _ = service

    post(url, {"summary": "相邻权纠纷"})
    post(url, {"summary": "相邻权纠纷"})

    assert count(database, "filings") == 2


def test_the_same_key_for_another_request_is_a_422_naming_the_header(service):
    url, database, _ = service
    post(url, {"summary": "宅基地纠纷"}, key="k-2")

    other = post(url, {"summary": "另一件事"}, key="k-2")

    assert other.status_code == 422
    assert other.json()["fields"][0]["field"] == KEY_HEADER
    assert count(database, "filings") == 1


def test_a_bad_key_is_a_400_naming_the_header_and_changes_nothing(service):
    url, database, _ = service

    refused = post(url, {"summary": "宅基地纠纷"}, key="clé")  # sent as Latin-1: not ASCII

    assert refused.status_code == 400
    assert refused.json()["fields"][0]["field"] == KEY_HEADER
    assert count(database, "filings") == 0


def test_a_server_error_leaves_no_key_and_its_retry_runs(service):
    url, database, _ = service

    failed = post(url, {"summary": "劳动争议", "crash": True}, key="k-3")
    assert failed.status_code == 500
    assert (count(database, "filings"), count(database, "idempotency_keys"), count(database, "outbox")) == (0, 0, 0)

    retried = post(url, {"summary": "劳动争议", "crash": True}, key="k-3")  # the same request, the server mended
    assert retried.status_code == 500  # (still broken here: but it ran again, and changed nothing either time)
    assert count(database, "idempotency_keys") == 0


def test_a_refusal_is_the_keys_answer_its_change_undone_and_a_retry_gets_it_again(service):
    """Refused (a 409 after writing): nothing of the change stays, and the same request retried with the key, after
    whatever changed meanwhile, is answered with that refusal rather than run again."""
    url, database, _ = service

    refused = post(url, {"summary": "劳动争议", "refuse": True}, key="k-3r")
    again = post(url, {"summary": "劳动争议", "refuse": True}, key="k-3r")

    assert refused.status_code == again.status_code == 409, refused.text
    assert again.json() == refused.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert (count(database, "filings"), count(database, "outbox"), count(database, "idempotency_keys")) == (0, 0, 1)


def test_a_retry_racing_a_refusal_waits_for_it_and_gets_it_never_running_the_request_again(service):
    """The refusal's block is undone but the key's claim stays, locked, until the refusal is its answer."""
    url, database, _ = service
    body = {"summary": "物业纠纷", "refuse": True, "hold_seconds": 1.0}

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: post(url, body, key="k-3t"), range(2)))

    assert [a.status_code for a in answers] == [409, 409]
    assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]  # one ran, one replayed
    assert (count(database, "filings"), count(database, "idempotency_keys")) == (0, 1)


def test_two_requests_at_once_with_one_key_make_one_change_and_get_one_answer(service):
    url, database, _ = service
    body = {"summary": "物业纠纷", "hold_seconds": 1.0}

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: post(url, body, key="k-4"), range(2)))

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert count(database, "filings") == 1


def test_a_retry_that_waits_too_long_for_the_first_is_told_to_retry(service, monkeypatch):
    url, database, _ = service
    monkeypatch.setenv("WUYUAN_IDEMPOTENCY_WAIT_SECONDS", "0.3")
    database_limits.cache_clear()
    body = {"summary": "物业纠纷", "hold_seconds": 2.0}

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(post, url, body, "k-5")
        time.sleep(0.7)
        second = pool.submit(post, url, body, "k-5")
        answers = [first.result(), second.result()]

    assert sorted(a.status_code for a in answers) == [201, 409]
    busy = next(a for a in answers if a.status_code == 409)
    assert busy.json()["error"] == "in_progress"
    assert busy.headers["Retry-After"]
    assert count(database, "filings") == 1


def test_a_database_out_of_reach_is_a_prompt_503_with_retry_after(service):
    url, database, proxy = service
    assert post(url, {"summary": "先来一件"}, key="k-6").status_code == 201

    proxy.close()
    started = time.monotonic()
    answer = post(url, {"summary": "数据库不在"}, key="k-7")
    waited = time.monotonic() - started

    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) >= 1
    assert waited < 8, f"waited {waited:.1f}s for the database; the acquisition timeout is 2 s"

    proxy.reopen()
    assert retry_until_answered(url, {"summary": "数据库不在"}, "k-7").status_code == 201
    assert count(database, "filings") == 2


def test_a_commit_whose_confirmation_was_lost_is_answered_by_the_keys_retry_not_redone(service):
    url, database, proxy = service
    proxy.cut_after_commit = True

    lost = post(url, {"summary": "确认丢失"}, key="k-8")

    assert lost.status_code == 503, "the service cannot know whether the commit held"
    assert count(database, "filings") == 1, "the commit held although its confirmation never arrived"
    retried = retry_until_answered(url, {"summary": "确认丢失"}, "k-8")
    assert retried.status_code == 201
    assert retried.headers.get("Idempotent-Replayed") == "true"
    assert count(database, "filings") == 1


def retry_until_answered(url: str, body: dict, key: str, attempts: int = 20) -> requests.Response:
    """What a client does with a 503: wait as told and send the same request with the same key."""
    for _ in range(attempts):
        answer = post(url, body, key)
        if answer.status_code != 503:
            return answer
        time.sleep(min(float(answer.headers.get("Retry-After", "1")), 0.5))
    return answer


def test_keys_older_than_the_retention_are_pruned_and_younger_ones_kept():
    with migrated_database("wyi_idem", [SHARED_MIGRATIONS]) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            for key, age in (("old-1", "25 hours"), ("old-2", "30 hours"), ("young", "23 hours")):
                conn.execute(
                    "INSERT INTO idempotency_keys (subject, key, fingerprint, status, body, content_type, created_at)"
                    " VALUES ('wang.clerk', %s, 'f', 201, '{}', 'application/json', now() - %s::interval)",
                    (key, age),
                )

        pruned = prune_answers(partial(psycopg.connect, url, row_factory=dict_row), retention_hours=24)

        with psycopg.connect(url) as conn:
            left = [row[0] for row in conn.execute("SELECT key FROM idempotency_keys")]
        assert (pruned, left) == (2, ["young"])
