"""Hostile clients against the running services: fuzzed bodies never make a 500 or store a row, and slow
clients trickling bytes do not stop a case from being triaged and delivered."""

import socket
import threading
import time
import uuid

import psycopg
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.test_bad_input import RECORD, REPORT, ledger

pytestmark = pytest.mark.e2e

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
KEEP, DROP = object(), object()


def mutated(valid: dict) -> st.SearchStrategy[object]:
    """A valid body with each field kept, dropped or replaced by random JSON; or random JSON; or random bytes."""
    fields = {key: st.sampled_from([KEEP, DROP]) | JSON_VALUES for key in valid}

    def build(choices: dict) -> dict:
        body = {}
        for key, choice in choices.items():
            if choice is KEEP:
                body[key] = valid[key]
            elif choice is not DROP:
                body[key] = choice
        return body

    return st.fixed_dictionaries(fields).map(build) | JSON_VALUES | st.binary(max_size=200)


def post(client, service: str, path: str, body: object, signed_in: bool = True) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if signed_in:
        headers.update(client.headers_for(client.user_for(service)))
    data = body if isinstance(body, bytes) else requests.models.complexjson.dumps(body).encode()
    return requests.post(client.url(service, path), data=data, headers=headers, timeout=15)


def stored(platform, service: str, tables: tuple[str, ...] | None = None) -> dict:
    """What the service stores, or only the tables a request to it writes: an earlier accepted
    request's case reaches some services' other tables later, on its own."""
    state = ledger(platform, service)
    return state if tables is None else {table: state[table] for table in tables}


def answered_without_harm(
    platform, response: requests.Response, service: str, before: dict, tables: tuple[str, ...] | None = None
) -> None:
    assert response.status_code < 500, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        assert stored(platform, service, tables) == before, "a refused request changed what the service stores"


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(body=mutated(REPORT))
def test_fuzzed_dispute_reports_are_answered_and_refused_ones_store_nothing(platform, client, body):
    tables = ("reports", "case_keys", "case_counters")  # cases also change when others' cases close
    before = stored(platform, "intake", tables)
    answered_without_harm(platform, post(client, "intake", "/api/v1/disputes", body), "intake", before, tables)


@FUZZ
@given(body=mutated({**RECORD, "record_id": "JQ-FUZZ-0001"}))
def test_fuzzed_agency_records_are_answered_and_refused_ones_store_nothing(platform, client, body):
    before = stored(platform, "police_link", ("records",))
    response = post(client, "police_link", "/api/v1/records", body)
    answered_without_harm(platform, response, "police_link", before, ("records",))


@FUZZ
@given(token=st.text(max_size=120), body=mutated({"rating": "satisfied", "comment": "满意"}))
def test_fuzzed_rating_links_are_refused_without_a_rating(platform, client, token, body):
    before = ratings(platform)
    path = "/api/v1/ratings/" + requests.utils.quote(token, safe="") if token else "/api/v1/ratings/x"
    response = post(client, "supervision", path, body, signed_in=False)
    assert response.status_code in (400, 403, 404, 405, 409, 415), response.text[:300]
    assert response.headers["Content-Type"].startswith("application/json")
    assert ratings(platform) == before


def ratings(platform) -> int:
    """Ratings given: follow-ups also open on their own as other tests' cases resolve."""
    with psycopg.connect(platform.database_url("supervision")) as conn:
        return conn.execute("SELECT count(*) FROM follow_ups WHERE rating IS NOT NULL").fetchone()[0]


class Trickler:
    """Connections that send a request one byte at a time, slower than any read deadline allows."""

    def __init__(self, address: tuple[str, int], connections: int) -> None:
        self.sockets = []
        for _ in range(connections):
            sock = socket.create_connection(address, timeout=5)
            sock.sendall(b"POST /api/v1/disputes HTTP/1.1\r\nHost: x\r\n")
            self.sockets.append(sock)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self) -> None:
        while not self.stopped.wait(0.5):
            for sock in list(self.sockets):
                try:
                    sock.send(b"X")
                except OSError:
                    self.sockets.remove(sock)  # the server closed it: its read deadline passed

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


def test_a_case_is_triaged_and_delivered_while_slow_clients_hold_connections(platform, client):
    services = ("intake", "coordinator", "police_link", "justice_link", "court_link", "supervision")
    tricklers = [Trickler((platform.http_host, platform.http_port(s)), 40) for s in services]
    try:
        time.sleep(1)  # the slow clients are in, mid-request
        started = time.monotonic()
        report = {
            **REPORT,
            "summary": f"慢速客户端期间登记的纠纷 {uuid.uuid4().hex[:6]}",
            "parties": [
                {"role": "applicant", "name": "周小梅", "phone": "139" + str(uuid.uuid4().int)[:8]},
                {"role": "respondent", "name": "顺发超市", "kind": "organisation"},
            ],
        }
        case_id = client.register(report)["case_id"]
        case = client.wait_for(case_id, lambda c: bool(c["referrals"]), timeout=30, what="referrals issued")
        lead = next(r for r in case["referrals"] if r["role"] == "lead")
        client.wait_for_referral(lead["unit"], lead["referral_id"], timeout=30)
        delivered_in = time.monotonic() - started
    finally:
        for trickler in tricklers:
            trickler.close()
    # Generous: the point is "seconds, not never"; a blocked service would not deliver at all.
    assert delivered_in < 20, f"the lead's referral took {delivered_in:.1f} s with slow clients connected"
