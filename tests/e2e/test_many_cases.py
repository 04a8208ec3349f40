"""Two hundred cases filed and closed at once: every one closed, and each exactly once in every service's ledger."""

import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from shared.contracts.identifiers import resident_id_check_char
from tests.joined_agencies import platform_code_services
from wuyuan.client import PlatformClient
from wuyuan.dead_letters import list_dead_letters

# Every service of a platform with the shipped agency registry.
SERVICES = platform_code_services()  # an external agency's outbox is its own

pytestmark = pytest.mark.e2e

CASES = 200
THREADS = 16
WAIT = 120.0  # per step, generous: on two cores the whole crowd shares the CPU

# Single-unit and joint cases, so that every kind of agency sees referrals.
KINDS = (
    ("neighbour", "晾衣杆伸到邻居窗前引发争吵"),  # justice office alone
    ("debt", "借款两万元逾期一年未还"),  # the court alone
    ("traffic", "摩托车与三轮车相撞，医药费分担有争议"),  # police station leads, the court joins
    ("wages", "养殖场拖欠饲养员三个月工资"),  # justice office leads, the petition bureau joins
)


def resident_id(birth: str, serial: int) -> str:
    first_17 = f"430426{birth}{serial:03d}"
    return first_17 + resident_id_check_char(first_17)


def report(number: int) -> dict:
    category, summary = KINDS[number % len(KINDS)]
    return {
        "source": "grid",
        "category": category,
        "division_code": f"43042610{number % 8 + 1}{number % 50 + 1:03d}",
        "summary": f"第{number + 1}号网格上报：{summary}",
        "parties": [
            {"role": "applicant", "name": f"网格居民{number + 1}号", "id_number": resident_id("19900101", number)},
            {"role": "respondent", "name": f"对方当事人{number + 1}号"},
        ],
    }


class Crowd:
    """Staff, officers and visitors working at once, each thread with its own HTTP session."""

    def __init__(self, platform, accounts: dict[str, str]) -> None:
        self.platform = platform
        self.accounts = accounts  # the working accounts' passwords; each thread signs in on its own session
        self.local = threading.local()

    @property
    def client(self) -> PlatformClient:
        if not hasattr(self.local, "client"):
            self.local.client = PlatformClient(self.platform, accounts=self.accounts)
        return self.local.client

    def file(self, number: int) -> str:
        answer = self.client.register(report(number))
        assert answer["linked"] is False, f"case {number} was linked to {answer['case_id']}"
        return answer["case_id"]

    def close(self, case_id: str) -> dict:
        client = self.client
        case = client.wait_for_status(case_id, "assigned", WAIT)
        for referral in case["referrals"]:
            unit, referral_id = referral["unit"], referral["referral_id"]
            client.settle(unit, referral_id, "已化解", WAIT)
        client.wait_for_status(case_id, "resolved", WAIT)
        self.rate(case_id)
        return client.wait_for_status(case_id, "closed", WAIT)

    def rate(self, case_id: str) -> None:
        """The visitor rates as soon as supervision has opened the follow-up."""
        deadline = time.monotonic() + WAIT
        path = f"/api/v1/follow-ups/{case_id}/rating"
        while True:
            answer = self.client.call("POST", "supervision", path, {"rating": "satisfied"}, expect=(202, 404))
            if "case_will" in answer:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"no follow-up opened for {case_id}: {answer}")
            time.sleep(0.2)


class Ledgers:
    """One connection to each service's database, opened when first read, for reading what it recorded."""

    def __init__(self, platform) -> None:
        self.platform = platform
        self.connections: dict[str, psycopg.Connection] = {}

    def rows(self, service: str, sql: str, params: tuple = ()) -> list[tuple]:
        if service not in self.connections:
            self.connections[service] = psycopg.connect(self.platform.database_url(service), autocommit=True)
        return self.connections[service].execute(sql, params).fetchall()

    def unpublished(self) -> dict[str, int]:
        counts = {s: self.rows(s, "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0] for s in SERVICES}
        return {service: n for service, n in counts.items() if n}

    def close(self) -> None:
        for conn in self.connections.values():
            conn.close()


@pytest.fixture
def ledgers(platform):
    opened = Ledgers(platform)
    yield opened
    opened.close()


def test_two_hundred_concurrent_cases_all_close_and_each_is_recorded_once(platform, client, ledgers, capsys):
    crowd = Crowd(platform, client.accounts)
    dead_before = {d.message_id for d in list_dead_letters(platform)}
    started = time.monotonic()

    with ThreadPoolExecutor(THREADS) as pool:
        case_ids = list(pool.map(crowd.file, range(CASES)))
        filed = time.monotonic()
        closed = list(pool.map(crowd.close, case_ids))
    finished = time.monotonic()
    with capsys.disabled():
        print(
            f"\n{CASES} cases on {THREADS} threads: filed in {filed - started:.1f}s,"
            f" all closed after {finished - started:.1f}s ({CASES / (finished - started):.1f} cases/s)"
        )

    assert len(set(case_ids)) == CASES
    assert {c["status"] for c in closed} == {"closed"}
    assert {c["rating"] for c in closed} == {"satisfied"}
    issued: dict[str, set[str]] = defaultdict(set)
    client = crowd.client
    for case in closed:
        for referral in case["referrals"]:
            issued[client.service_of(referral["unit"])].add(referral["referral_id"])
    assert set(issued) == {"justice_link", "court_link", "police_link", "petition_link"}

    ids = (case_ids,)
    intake_cases = "SELECT count(*), count(DISTINCT case_id) FROM cases WHERE case_id = ANY(%s)"
    assert ledgers.rows("intake", intake_cases, ids) == [(CASES, CASES)]
    intake_reports = "SELECT count(*), bool_or(linked) FROM reports WHERE case_id = ANY(%s)"
    assert ledgers.rows("intake", intake_reports, ids) == [(CASES, False)]
    coordinator_cases = "SELECT status, count(*) FROM cases WHERE case_id = ANY(%s) GROUP BY status"
    assert ledgers.rows("coordinator", coordinator_cases, ids) == [("closed", CASES)]
    for service, referral_ids in issued.items():
        held = ledgers.rows(service, "SELECT referral_id::text, status FROM referrals WHERE case_id = ANY(%s)", ids)
        assert sorted(r[0] for r in held) == sorted(referral_ids), f"{service} holds other referrals than issued"
        assert {r[1] for r in held} == {"reported"}
    follow_ups = "SELECT case_id, round, rating FROM follow_ups WHERE case_id = ANY(%s)"
    rated = ledgers.rows("supervision", follow_ups, ids)
    assert sorted(f[0] for f in rated) == sorted(case_ids), "one follow-up visit per case"
    assert {(f[1], f[2]) for f in rated} == {(1, "satisfied")}

    # The last messages (ReferralClosed, CaseClosed …) may still be on their way: give them a moment.
    watches = "SELECT referral_id::text, closed_at IS NOT NULL FROM watches WHERE case_id = ANY(%s)"
    every_watch_closed = sorted((referral_id, True) for referral_id in set().union(*issued.values()))
    seen_watches = eventually(lambda: sorted(ledgers.rows("supervision", watches, ids)), every_watch_closed)
    assert seen_watches == every_watch_closed, "one deadline watch per referral, each closed once the unit reported"
    assert eventually(ledgers.unpublished, {}) == {}, "messages left unsent in an outbox"
    new_dead = [d for d in list_dead_letters(platform) if d.message_id not in dead_before]
    assert new_dead == [], f"{len(new_dead)} messages dead-lettered, e.g. {new_dead[:3]}"


def eventually(read, expected, timeout: float = 10.0):
    """`read()` once it returns `expected`, or its last value when `timeout` runs out."""
    deadline = time.monotonic() + timeout
    while (value := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return value
