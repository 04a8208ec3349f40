"""Bad input at every door gets a field-named 4xx, stores nothing, sends nothing, and the service stays up."""

import time
from dataclasses import dataclass

import psycopg
import pytest
import requests

from shared.contracts.identifiers import resident_id_check_char

pytestmark = pytest.mark.e2e


def resident_id(birth: str, serial: int) -> str:
    """A valid ID number of someone born in the county on `birth` (YYYYMMDD)."""
    first_17 = f"430426{birth}{serial:03d}"
    return first_17 + resident_id_check_char(first_17)


GOOD_ID = resident_id("19800101", 301)
BAD_CHECK_DIGIT_ID = GOOD_ID[:17] + ("1" if GOOD_ID[17] != "1" else "2")
TOO_LONG = "冗" * 2001
UNKNOWN_REFERRAL = "00000000-0000-4000-8000-000000000000"
UNKNOWN_CASE = "430426-20000101-00001"

REPORT = {
    "source": "walk_in",
    "category": "consumer",
    "division_code": "430426104002",
    "summary": "超市售卖过期奶粉，顾客要求十倍赔偿",
    "parties": [
        {"role": "applicant", "name": "江小燕", "id_number": GOOD_ID, "phone": "13807452001"},
        {"role": "respondent", "name": "好又多超市", "kind": "organisation"},
    ],
}
RECORD = {
    "record_id": "JQ-BAD-0001",
    "category": "neighbour",
    "division_code": "430426104002",
    "summary": "110 接警：邻居装修噪音扰民引发口角",
    "parties": [
        {"role": "applicant", "name": "符建军", "phone": "13807452002"},
        {"role": "respondent", "name": "龚立新"},
    ],
    "details": {"call_number": "JQ-BAD-0001", "violence": False},
}
# Who acts is the signed-in account: a name typed into a body is refused as an unknown field.
RESULT = {"outcome": "resolved", "summary": "双方达成协议"}
RATING = {"rating": "satisfied"}
ASSIGN = {"unit": "justice:430426"}


def changed(body: dict, **changes) -> dict:
    return {**body, **changes}


def without(body: dict, key: str) -> dict:
    return {k: v for k, v in body.items() if k != key}


def with_party(body: dict, index: int, **changes) -> dict:
    parties = [dict(p) for p in body["parties"]]
    parties[index].update(changes)
    return {**body, "parties": parties}


@dataclass(frozen=True)
class Raw:
    """A body sent as it is, not as JSON."""

    data: bytes
    content_type: str = "text/plain"


@dataclass(frozen=True)
class Bad:
    service: str
    path: str  # {referral}, {waiting_case} and {resolved_case} stand for the live ones set up below
    body: object
    status: int = 400
    field: str | None = None  # what fields[*].field must name, for a 400
    message: str | None = None  # what the message must say, for a 404 or 409


REFERRAL = "/api/v1/referrals/{referral}"
RATE = "/api/v1/follow-ups/{resolved_case}/rating"
ASSIGN_PATH = "/api/v1/cases/{waiting_case}/assign"

CASES = {
    # intake: the one window
    "intake-summary-not-text": Bad("intake", "/api/v1/disputes", changed(REPORT, summary=42), field="summary"),
    "intake-category-missing": Bad("intake", "/api/v1/disputes", without(REPORT, "category"), field="category"),
    "intake-category-unknown": Bad("intake", "/api/v1/disputes", changed(REPORT, category="noise"), field="category"),
    "intake-source-unknown": Bad("intake", "/api/v1/disputes", changed(REPORT, source="wechat"), field="source"),
    "intake-id-check-digit": Bad(
        "intake", "/api/v1/disputes", with_party(REPORT, 0, id_number=BAD_CHECK_DIGIT_ID), field="parties.0.id_number"
    ),
    "intake-phone-12-digits": Bad(
        "intake", "/api/v1/disputes", with_party(REPORT, 0, phone="138074520011"), field="parties.0.phone"
    ),
    "intake-summary-too-long": Bad("intake", "/api/v1/disputes", changed(REPORT, summary=TOO_LONG), field="summary"),
    "intake-no-respondent": Bad("intake", "/api/v1/disputes", with_party(REPORT, 1, role="applicant"), field="parties"),
    "intake-division-is-a-province": Bad(
        "intake", "/api/v1/disputes", changed(REPORT, division_code="430000"), field="division_code"
    ),
    "intake-unknown-field": Bad("intake", "/api/v1/disputes", changed(REPORT, urgency="high"), field="urgency"),
    "intake-not-json": Bad(
        "intake", "/api/v1/disputes", Raw(b"source=walk_in&category=consumer"), field="(body)", status=415
    ),
    "intake-not-utf8": Bad("intake", "/api/v1/disputes", Raw(b"\xff\xfe{}", "application/json"), field="(body)"),
    "intake-json-array": Bad("intake", "/api/v1/disputes", [REPORT], field="(body)"),
    "intake-empty-body": Bad("intake", "/api/v1/disputes", Raw(b"", "application/json"), field="(body)"),
    "intake-too-large": Bad(
        "intake",
        "/api/v1/disputes",
        Raw(b'{"summary": "' + b"x" * 300_000 + b'"}', "application/json"),
        status=413,
        message="larger than",
    ),
    # an agency's officers
    "accept-officer-in-body": Bad("justice_link", REFERRAL + "/accept", {"officer": "调解员赵"}, field="officer"),
    "accept-unknown-field": Bad("justice_link", REFERRAL + "/accept", {"urgent": True}, field="urgent"),
    "accept-not-json": Bad("justice_link", REFERRAL + "/accept", Raw(b"officer=zhao"), field="(body)", status=415),
    "accept-referral-not-uuid": Bad("justice_link", "/api/v1/referrals/R-17/accept", {}, field="referral_id"),
    "accept-unknown-referral": Bad(
        "justice_link",
        f"/api/v1/referrals/{UNKNOWN_REFERRAL}/accept",
        {},
        status=404,
        message=f"no referral {UNKNOWN_REFERRAL}",
    ),
    "decline-reason-missing": Bad("justice_link", REFERRAL + "/decline", {}, field="reason"),
    "decline-reason-not-text": Bad("justice_link", REFERRAL + "/decline", {"reason": ["x"]}, field="reason"),
    "decline-officer-in-body": Bad(
        "justice_link", REFERRAL + "/decline", {"reason": "不属于本所", "officer": "调解员赵"}, field="officer"
    ),
    "result-outcome-unknown": Bad(
        "justice_link", REFERRAL + "/result", changed(RESULT, outcome="partly"), field="outcome"
    ),
    # Text no database could keep, escaped in otherwise plain JSON: named by its field, not as the body.
    "progress-note-nul": Bad("justice_link", REFERRAL + "/progress", {"note": "已联系\x00申请人"}, field="note"),
    "result-summary-lone-surrogate": Bad(
        "justice_link", REFERRAL + "/result", changed(RESULT, summary="双方\ud800达成协议"), field="summary"
    ),
    "result-summary-too-long": Bad(
        "justice_link", REFERRAL + "/result", changed(RESULT, summary=TOO_LONG), field="summary"
    ),
    "result-json-array": Bad("justice_link", REFERRAL + "/result", [RESULT], field="(body)"),
    "result-referral-not-uuid": Bad("justice_link", "/api/v1/referrals/not-a-uuid/result", RESULT, field="referral_id"),
    # an agency's own records fed in
    "record-id-missing": Bad("police_link", "/api/v1/records", without(RECORD, "record_id"), field="record_id"),
    "record-category-unknown": Bad(
        "police_link", "/api/v1/records", changed(RECORD, category="noise"), field="category"
    ),
    "record-phone-12-digits": Bad(
        "police_link", "/api/v1/records", with_party(RECORD, 0, phone="138074520021"), field="parties.0.phone"
    ),
    "record-id-check-digit": Bad(
        "police_link",
        "/api/v1/records",
        with_party(RECORD, 1, id_number=BAD_CHECK_DIGIT_ID),
        field="parties.1.id_number",
    ),
    "record-flag-unknown": Bad("police_link", "/api/v1/records", changed(RECORD, flags=["drunk"]), field="flags.0"),
    "record-details-not-object": Bad(
        "police_link", "/api/v1/records", changed(RECORD, details="JQ-1"), field="details"
    ),
    "record-details-call-number-missing": Bad(
        "police_link", "/api/v1/records", changed(RECORD, details={"violence": True}), field="details.call_number"
    ),
    "record-details-violence-not-bool": Bad(
        "police_link",
        "/api/v1/records",
        changed(RECORD, details={"call_number": "JQ-1", "violence": "very"}),
        field="details.violence",
    ),
    "record-not-json": Bad(
        "police_link", "/api/v1/records", Raw(b"<record/>", "application/xml"), field="(body)", status=415
    ),
    # the follow-up visitor's rating
    "rating-unknown": Bad("supervision", RATE, changed(RATING, rating="very_happy"), field="rating"),
    "rating-not-text": Bad("supervision", RATE, changed(RATING, rating=5), field="rating"),
    "rating-missing": Bad("supervision", RATE, without(RATING, "rating"), field="rating"),
    "rating-visitor-in-body": Bad("supervision", RATE, changed(RATING, visitor="回访员周"), field="visitor"),
    "rating-comment-too-long": Bad("supervision", RATE, changed(RATING, comment=TOO_LONG), field="comment"),
    "rating-not-json": Bad("supervision", RATE, Raw(b"rating=satisfied"), field="(body)", status=415),
    "rating-json-array": Bad("supervision", RATE, [RATING], field="(body)"),
    "rating-case-id-malformed": Bad("supervision", "/api/v1/follow-ups/C-17/rating", RATING, field="case_id"),
    "rating-unknown-case": Bad(
        "supervision",
        f"/api/v1/follow-ups/{UNKNOWN_CASE}/rating",
        RATING,
        status=404,
        message=f"no follow-up is open for case {UNKNOWN_CASE}",
    ),
    # centre staff's manual triage
    "assign-unit-missing": Bad("coordinator", ASSIGN_PATH, without(ASSIGN, "unit"), field="unit"),
    "assign-staff-in-body": Bad("coordinator", ASSIGN_PATH, changed(ASSIGN, staff="综治中心王主任"), field="staff"),
    "assign-unit-not-text": Bad("coordinator", ASSIGN_PATH, changed(ASSIGN, unit=7), field="unit"),
    "assign-unit-malformed": Bad("coordinator", ASSIGN_PATH, changed(ASSIGN, unit="justice"), field="unit"),
    "assign-unit-unknown-agency": Bad("coordinator", ASSIGN_PATH, changed(ASSIGN, unit="fire:430426"), field="unit"),
    "assign-not-json": Bad("coordinator", ASSIGN_PATH, Raw(b"unit=justice:430426"), field="(body)", status=415),
    "assign-json-array": Bad("coordinator", ASSIGN_PATH, [ASSIGN], field="(body)"),
    "assign-case-id-malformed": Bad("coordinator", "/api/v1/cases/C-17/assign", ASSIGN, field="case_id"),
    "assign-unknown-case": Bad(
        "coordinator", f"/api/v1/cases/{UNKNOWN_CASE}/assign", ASSIGN, status=404, message=f"no case {UNKNOWN_CASE}"
    ),
    "assign-nothing-awaits-triage": Bad(
        "coordinator", ASSIGN_PATH, ASSIGN, status=409, message="nothing awaits manual triage"
    ),
}

# What each service stores; a refused request must leave all of it as it was.
LEDGERS = {
    "intake": ("cases", "reports", "case_keys", "case_counters"),
    "coordinator": ("cases", "timeline"),
    "supervision": ("watches", "follow_ups"),
    "justice_link": ("referrals", "referral_log", "records"),
    "police_link": ("referrals", "referral_log", "records"),
}


def ledger(platform, service: str) -> dict:
    """Row count and content digest of each table, and the number of outbox rows (the relay updates those)."""
    with psycopg.connect(platform.database_url(service)) as conn:
        state = {
            table: conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
            ).fetchone()
            for table in LEDGERS[service]
        }
        state["outbox rows"] = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    return state


def neighbours(summary: str, applicant: str, id_number: str, respondent: str) -> dict:
    return {
        **REPORT,
        "category": "neighbour",
        "summary": summary,
        "parties": [
            {"role": "applicant", "name": applicant, "id_number": id_number},
            {"role": "respondent", "name": respondent},
        ],
    }


@pytest.fixture(scope="module")
def targets(client) -> dict:
    """A referral waiting at the justice office, and a resolved case waiting for its rating."""
    waiting = client.register(neighbours("空调外机滴水到楼下阳台", "钱卫东", resident_id("19770808", 302), "孙丽萍"))
    resolved = client.register(neighbours("公用水管费用分摊不均", "郑国平", resident_id("19660606", 303), "冯秋菊"))
    waiting, resolved = waiting["case_id"], resolved["case_id"]
    (referral,) = client.wait_for_status(waiting, "assigned")["referrals"]
    client.wait_for_referral(referral["unit"], referral["referral_id"])
    (settled,) = client.wait_for_status(resolved, "assigned")["referrals"]
    client.wait_for_referral(settled["unit"], settled["referral_id"])
    client.act(settled["unit"], settled["referral_id"], "accept", {})
    client.act(settled["unit"], settled["referral_id"], "result", RESULT)
    client.wait_for_status(resolved, "resolved")
    client.wait_for_follow_up(resolved)
    # Supervision hears of both referrals and of the closed one: after that nothing is in flight.
    for case_id, closed in ((waiting, False), (resolved, True)):
        path = f"/api/v1/cases/{case_id}/watches"
        _wait_until(
            lambda path=path, closed=closed: (
                [w["closed_at"] is not None for w in client.call("GET", "supervision", path)["watches"]] == [closed]
            )
        )
    return {"referral": referral["referral_id"], "waiting_case": waiting, "resolved_case": resolved}


def _wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the platform did not settle")
        time.sleep(0.1)


def send(client, service: str, path: str, body: object) -> requests.Response:
    """Posted by the working account that uses the service, so that only the body is wrong."""
    url = client.url(service, path)
    signed_in = client.headers_for(client.user_for(service))
    if isinstance(body, Raw):
        headers = {**signed_in, "Content-Type": body.content_type}
        return requests.post(url, data=body.data, headers=headers, timeout=15)
    return requests.post(url, json=body, headers=signed_in, timeout=15)


@pytest.mark.parametrize("bad", list(CASES.values()), ids=list(CASES))
def test_bad_input_is_refused_clearly_and_changes_nothing(platform, client, targets, bad: Bad):
    before = ledger(platform, bad.service)

    response = send(client, bad.service, bad.path.format(**targets), bad.body)

    assert response.status_code == bad.status, response.text[:500]
    assert response.headers["Content-Type"].startswith("application/json")
    answer = response.json()
    if bad.status in (400, 415):
        assert answer["error"] == ("invalid_input" if bad.status == 400 else "unsupported_media_type")
        named = [f["field"] for f in answer["fields"]]
        assert bad.field in named, f"expected {bad.field!r} among {named}"
        assert all(f["message"] for f in answer["fields"])
    else:
        assert bad.message in answer["message"]
    assert ledger(platform, bad.service) == before
    health = requests.get(f"{platform.http_base_url(bad.service)}/health", timeout=5)
    assert (health.status_code, health.json()["status"]) == (200, "ok")


def test_refused_input_left_the_waiting_cases_as_they_were(client, targets):
    waiting = client.case(targets["waiting_case"])
    assert waiting["status"] == "assigned"
    assert [r["status"] for r in waiting["referrals"]] == ["issued"]
    resolved = client.case(targets["resolved_case"])
    assert (resolved["status"], resolved["rating"]) == ("resolved", None)
    pending = client.call("GET", "supervision", "/api/v1/follow-ups")["follow_ups"]
    assert targets["resolved_case"] in {f["case_id"] for f in pending}


BAD_QUERIES = {
    "referrals-limit-negative": ("court_link", "/api/v1/referrals?limit=-1", "limit"),
    "referrals-limit-not-a-number": ("justice_link", "/api/v1/referrals?limit=ten", "limit"),
    "referrals-status-unknown": ("justice_link", "/api/v1/referrals?status=lost", "status"),
    "cases-limit-too-large": ("coordinator", "/api/v1/cases?limit=501", "limit"),
    "cases-status-unknown": ("coordinator", "/api/v1/cases?status=open", "status"),
    "cases-unknown-parameter": ("coordinator", "/api/v1/cases?page=2", "page"),
}


@pytest.mark.parametrize(("service", "path", "field"), list(BAD_QUERIES.values()), ids=list(BAD_QUERIES))
def test_a_bad_query_is_refused_naming_the_parameter(client, service: str, path: str, field: str):
    headers = client.headers_for(client.user_for(service))
    response = requests.get(client.url(service, path), headers=headers, timeout=15)

    assert response.status_code == 400, response.text[:500]
    assert field in [f["field"] for f in response.json()["fields"]]


def test_the_case_list_answers_with_the_counts_alone_when_asked(client, targets):
    answer = client.call("GET", "coordinator", "/api/v1/cases?limit=0")

    assert answer["cases"] == []
    assert answer["counts"]["assigned"] >= 1 and answer["counts"]["resolved"] >= 1
