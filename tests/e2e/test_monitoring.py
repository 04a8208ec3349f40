"""Monitoring on a running platform: /metrics with every name the alerts use, readiness that sees its database go,
and access log lines that carry the request's trace and case."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from shared.contracts.messages import REJECTED_MALFORMED, ResultReported
from shared.messaging.routing import document_routing_key
from tests.e2e.test_delivery import publish_as
from tests.joined_agencies import platform_code_services
from tests.unit.test_monitoring_rules import metric_names_used
from wuyuan.settings import PlatformSettings

pytestmark = pytest.mark.e2e

SERVICES = PlatformSettings().services
# An external agency answers GET /health as wuyuan up expects; its other paths and metrics are its own.
PLATFORM_CODE = platform_code_services()
PATIENCE = 60.0
ACCEPT_POLL_SECONDS = 0.2


def scrape(settings: PlatformSettings, service: str) -> dict[str, list]:
    response = requests.get(f"{settings.http_base_url(service)}/metrics", timeout=10)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"].startswith("text/plain")
    return {family.name: family.samples for family in text_string_to_metric_families(response.text)}


def unit_names_watched(settings: PlatformSettings) -> dict[str, str]:
    """Supervision's units with an open watch, code to name, once the case's facts have reached it."""
    deadline = time.monotonic() + PATIENCE
    while True:
        samples = scrape(settings, "supervision").get("wuyuan_referrals_due_soon", [])
        if samples or time.monotonic() > deadline:
            return {s.labels["unit"]: s.labels["unit_name"] for s in samples}
        time.sleep(ACCEPT_POLL_SECONDS)


def names_exposed(text: str) -> set[str]:
    """Sample names, and the names a labelled metric not yet fed will have (it shows only HELP and TYPE)."""
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.update(sample.name for sample in family.samples)
        names.add(f"{family.name}_total" if family.type == "counter" else family.name)
        if family.type == "histogram":
            names.update(f"{family.name}_{suffix}" for suffix in ("bucket", "count", "sum"))
    return names


def drive_one_case(client) -> str:
    registered = client.register(
        {
            "source": "walk_in",
            "category": "neighbour",
            "division_code": "430426101203",
            "summary": "邻居装修噪音扰民，多次协商未果",
            "parties": [{"role": "applicant", "name": "赵监测"}, {"role": "respondent", "name": "钱监测"}],
        }
    )
    client.wait_for_status(registered["case_id"], "assigned")
    return str(registered["case_id"])


@pytest.fixture(scope="module")
def case_id(client) -> str:
    return drive_one_case(client)


def test_every_service_is_live_and_ready_and_health_still_answers_as_wuyuan_up_expects(platform):
    for service in SERVICES:
        base = platform.http_base_url(service)
        if service not in PLATFORM_CODE:
            assert requests.get(f"{base}/health", timeout=10).json()["status"] == "ok", service
            continue
        live = requests.get(f"{base}/health/live", timeout=10)
        ready = requests.get(f"{base}/health/ready", timeout=10)
        health = requests.get(f"{base}/health", timeout=10)
        assert live.status_code == 200 and live.json()["status"] == "alive", service
        assert ready.status_code == 200, (service, ready.text)
        assert health.json() == {"service": service, "vhost": platform.vhost, "status": "ok"}


def test_metrics_hold_every_name_the_alerts_and_dashboard_use_and_count_the_case(platform, case_id):
    exposed: set[str] = set()
    for service in PLATFORM_CODE:
        exposed |= names_exposed(requests.get(f"{platform.http_base_url(service)}/metrics", timeout=10).text)
    by_service = {service: scrape(platform, service) for service in PLATFORM_CODE}
    ours = {name for name in metric_names_used() if name.startswith("wuyuan_")}
    assert ours - exposed == set(), "names the alert rules or dashboard use that no service exposes"

    coordinator = by_service["coordinator"]
    cases = {s.labels["status"]: s.value for s in coordinator["wuyuan_cases"]}
    assert sum(cases.values()) >= 1, cases
    handled = [s for s in coordinator["wuyuan_inbox_messages"] if s.name == "wuyuan_inbox_messages_total"]
    assert any(s.labels["message_type"] == "CaseRegistered" and s.value >= 1 for s in handled), handled
    assert any(s.value == 1 for s in coordinator["wuyuan_scrape_ok"] if s.labels["source"] == "outbox")
    ready = {
        service: {s.labels["check"]: s.value for s in by_service[service]["wuyuan_ready"]} for service in PLATFORM_CODE
    }
    assert ready["coordinator"] == {"database": 1, "broker": 1}
    assert ready["console"] == {"database": 1}  # no inbox: a broker outage leaves the console serving
    supervision = by_service["supervision"]
    scraped = {s.labels["source"] for s in supervision["wuyuan_scrape_ok"] if s.value == 1}
    assert scraped >= {"outbox", "referrals", "report_recount"}
    # The case's lead unit (砖塘镇's mediators, for a neighbours' dispute there) is named in Chinese beside its code.
    watched = unit_names_watched(platform)
    assert watched.get("justice:430426101") == "砖塘镇司法所", watched
    # No case id in any label of any service.
    for families in by_service.values():
        for samples in families.values():
            for sample in samples:
                assert case_id not in json.dumps(sample.labels, ensure_ascii=False)


def test_access_log_lines_are_json_with_the_requests_trace_and_case(platform, client, case_id):
    client.call("GET", "coordinator", f"/api/v1/cases/{case_id}")
    deadline = time.monotonic() + PATIENCE
    while True:
        lines = [json.loads(line) for line in (platform.log_dir / "coordinator.log").read_text().splitlines() if line]
        about = [
            line
            for line in lines
            if line.get("event") == "http request" and line.get("path") == f"/api/v1/cases/{case_id}"
        ]
        if about or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert about, "no access line for the case's GET"
    line = about[-1]
    assert line["status"] == 200 and line["method"] == "GET" and line["service"] == "coordinator"
    assert line["case_id"] == case_id
    assert len(line["trace_id"]) == 32 and len(line["span_id"]) == 16


def dead_letters_counted(platform: PlatformSettings, service: str) -> float:
    samples = scrape(platform, service).get("wuyuan_dead_letters", [])
    return sum(
        s.value
        for s in samples
        if s.labels.get("message_type") == ResultReported.TYPE and s.labels.get("reason") == REJECTED_MALFORMED
    )


def test_a_dead_lettered_message_is_counted_by_type_and_reason(platform):
    before = dead_letters_counted(platform, "coordinator")
    publish_as(
        platform,
        "court_link",
        b"{not json",
        routing_key=document_routing_key("coordinator", ResultReported.TYPE),
        message_id=str(uuid4()),
        message_type=ResultReported.TYPE,
    )
    deadline = time.monotonic() + PATIENCE
    while dead_letters_counted(platform, "coordinator") < before + 1 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert dead_letters_counted(platform, "coordinator") == before + 1


class CuttableProxy:
    """A TCP relay to PostgreSQL that the test can cut and join again: the service behind it loses its database,
    nothing else does."""

    def __init__(self, target: tuple[str, int], cut: bool = False) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open: list[socket.socket] = []
        self.cut = cut
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        # The listener is closed here, by the thread that waits on it: closed from another green thread while
        # this one waits, the hub would keep this wait on its file number, which the next socket then reuses.
        self.listener.settimeout(ACCEPT_POLL_SECONDS)
        try:
            while not self.closed:
                try:
                    client, _ = self.listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                if self.cut:  # the database refuses: the connection ends as soon as it is made
                    client.close()
                    continue
                upstream = socket.create_connection(self.target)
                self.open += [client, upstream]
                for source, sink in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()
        finally:
            self.listener.close()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut_off(self) -> None:
        self.cut = True
        for end in self.open:
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def join_again(self) -> None:
        self.cut = False

    def close(self) -> None:
        self.cut_off()
        self.closed = True  # the accept loop ends within ACCEPT_POLL_SECONDS, closing the listener


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(check, what: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + PATIENCE
    while True:
        with suppress(requests.RequestException):
            if check():
                return
        assert process.poll() is None, f"the proxied coordinator exited while waiting for {what}"
        assert time.monotonic() < deadline, f"the proxied coordinator: {what} never came"
        time.sleep(0.5)


@contextmanager
def extra_coordinator(platform, tmp_path, database_url: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """A second coordinator process of the platform, connecting to `database_url`, answering once live."""
    environment = platform.service_environment("coordinator")
    port = free_port()
    environment |= {
        "WUYUAN_DATABASE_URL": database_url,
        "WUYUAN_HTTP_ADDRESS": f"127.0.0.1:{port}",
        "WUYUAN_TRACE_FILE": str(tmp_path / "coordinator-extra.jsonl"),  # not among the platform's spans
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "shared.runtime", "coordinator"],
        env={**os.environ, **environment},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(f"{base}/health/live", timeout=5).status_code == 200, "liveness", process)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def proxied_coordinator(platform, tmp_path, cut: bool) -> Iterator[tuple[str, CuttableProxy, subprocess.Popen]]:
    """A second coordinator process whose database connections all pass through a proxy the test cuts (cut from
    the start when `cut`), answering once live."""
    database = urlsplit(platform.service_environment("coordinator")["WUYUAN_DATABASE_URL"])
    proxy = CuttableProxy((database.hostname or "127.0.0.1", database.port or 5432), cut=cut)
    credentials = database.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{proxy.port}" if credentials else f"127.0.0.1:{proxy.port}"
    try:
        with extra_coordinator(platform, tmp_path, urlunsplit(database._replace(netloc=netloc))) as (base, process):
            yield base, proxy, process
    finally:
        proxy.close()


@pytest.fixture
def coordinator_behind_proxy(platform, tmp_path) -> Iterator[tuple[str, CuttableProxy]]:
    """A proxied coordinator, ready."""
    with proxied_coordinator(platform, tmp_path, cut=False) as (base, proxy, process):
        wait_for(lambda: requests.get(f"{base}/health/ready", timeout=5).status_code == 200, "readiness", process)
        yield base, proxy


def test_a_service_started_while_its_database_is_away_starts_and_serves_once_it_answers(platform, client, tmp_path):
    with proxied_coordinator(platform, tmp_path, cut=True) as (base, proxy, process):
        ready = requests.get(f"{base}/health/ready", timeout=10)
        assert ready.status_code == 503 and set(ready.json()["down"]) == {"database"}, ready.text
        # Workers begin while the database is away (the calendar is read as each begins, until a first read
        # succeeds): each answers 503, and the service stays up.
        token = {"Authorization": f"Bearer {client.sign_in('demo.coordinator')}"}
        for _ in range(3):
            answer = requests.get(f"{base}/api/v1/cases?limit=1", headers=token, timeout=30)
            assert answer.status_code == 503, answer.text
        assert process.poll() is None

        proxy.join_again()

        wait_for(lambda: requests.get(f"{base}/health/ready", timeout=5).status_code == 200, "readiness", process)
        assert requests.get(f"{base}/api/v1/cases?limit=1", headers=token, timeout=30).status_code == 200


def test_readiness_turns_503_naming_the_database_when_it_is_unreachable_and_liveness_does_not(
    coordinator_behind_proxy,
):
    base, proxy = coordinator_behind_proxy
    proxy.cut_off()
    deadline = time.monotonic() + PATIENCE
    while True:
        started = time.monotonic()
        ready = requests.get(f"{base}/health/ready", timeout=10)
        took = time.monotonic() - started
        if ready.status_code == 503 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert ready.status_code == 503, ready.text
    body = ready.json()
    assert body["status"] == "unavailable" and set(body["down"]) == {"database"}, body
    assert took < 5, f"readiness took {took:.1f} s with its database gone"
    assert requests.get(f"{base}/health", timeout=10).status_code == 503
    assert requests.get(f"{base}/health/live", timeout=10).status_code == 200
    metrics = requests.get(f"{base}/metrics", timeout=10)
    assert metrics.status_code == 200
    assert 'wuyuan_scrape_ok{service="coordinator",source="outbox"} 0.0' in metrics.text


def test_a_service_the_database_refuses_runs_unready_and_says_why(platform, tmp_path):
    """A role the server does not know, as a wrong password would be refused (the test servers trust loopback)."""
    database = urlsplit(platform.service_environment("coordinator")["WUYUAN_DATABASE_URL"])
    stranger = f"{database.username or 'coordinator'}_nobody"
    refused = database._replace(netloc=f"{stranger}:not-the-password@{database.hostname}:{database.port or 5432}")
    with extra_coordinator(platform, tmp_path, urlunsplit(refused)) as (base, process):
        deadline = time.monotonic() + PATIENCE
        while True:
            ready = requests.get(f"{base}/health/ready", timeout=10)
            why = str(ready.json().get("down", {}).get("database", "")) if ready.status_code == 503 else ""
            if "does not exist" in why or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        # Not "no answer within 1 s": what the database server said, which an operator can act on.
        assert why.startswith("DatabaseUnreachable: cannot connect:"), ready.text
        assert f'role "{stranger}" does not exist' in why, why
        assert "not-the-password" not in ready.text
        # Every check answers within the bound, not only the first: the calendar's look (which waits the pool's whole
        # timeout while the database refuses) runs beside the workers, never in their way.
        slowest = 0.0
        for _ in range(4):
            time.sleep(2)
            started = time.monotonic()
            assert requests.get(f"{base}/health/ready", timeout=10).status_code == 503
            slowest = max(slowest, time.monotonic() - started)
        assert slowest < 5, f"a readiness check took {slowest:.1f} s while the database refused the service"
        assert process.poll() is None  # it keeps running, ready as soon as its settings are put right
