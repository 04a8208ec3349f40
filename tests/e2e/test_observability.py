"""One case, one trace: every hop of a joint case joins it and carries the case id; no ID or phone number leaks."""

import json
import random
import re
import time

import pytest

from shared.contracts.identifiers import resident_id_check_char
from shared.telemetry.file_exporter import read_spans
from shared.telemetry.propagation import CASE_ID_KEY
from wuyuan.settings import PlatformSettings

# Every service of a platform with the shipped agency registry.
SERVICES = PlatformSettings().services

pytestmark = pytest.mark.e2e

# The batch span processor exports every 0.5 s; give it three rounds.
EXPORT_GRACE_SECONDS = 1.5

# eventlet's WSGI server writes one access line per request after the worker has finished,
# outside any span, so it can carry neither case nor trace id; its text names the case only
# because the URL does. Recognised by the common log format it uses.
ACCESS_LINE = re.compile(r'^\S+ - - \[[^\]]+\] "(GET|POST|PUT|DELETE) /\S* HTTP/1\.[01]" \d{3} ')


def resident_id(rng: random.Random) -> str:
    """A valid 18-character resident ID (county 430426, a real birth date, a correct check digit)."""
    first = f"430426{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return first + resident_id_check_char(first)


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}"


@pytest.fixture(scope="module")
def personal_data() -> dict[str, str]:
    """ID and phone numbers used by no other test, so finding one anywhere means this case leaked it."""
    rng = random.Random()
    tag = f"{rng.randint(0, 99_999):05d}"
    return {
        "applicant": f"钱{tag}",
        "respondent": f"孙{tag}",
        "id_number": resident_id(rng),
        "applicant_phone": mobile(rng),
        "respondent_phone": mobile(rng),
    }


def drive_joint_case_to_closed(client, pii: dict[str, str]) -> dict:
    registered = client.register(
        {
            "source": "walk_in",
            "category": "traffic",
            "division_code": "430426101203",
            "summary": "三轮车倒车撞坏邻居院墙，双方对修复费用各执一词",
            "parties": [
                {
                    "role": "applicant",
                    "name": pii["applicant"],
                    "id_number": pii["id_number"],
                    "phone": pii["applicant_phone"],
                },
                {"role": "respondent", "name": pii["respondent"], "phone": pii["respondent_phone"]},
            ],
        }
    )
    case_id = registered["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    assert case["mode"] == "joint"
    for referral in case["referrals"]:
        client.settle(referral["unit"], referral["referral_id"], "双方达成修复协议")
    # The court officer clicks "report result" a second time; the agency refuses and logs it.
    court = next(r for r in case["referrals"] if r["unit"].startswith("court:"))
    client.call(
        "POST",
        "court_link",
        f"/api/v1/referrals/{court['referral_id']}/result",
        {"outcome": "resolved", "summary": "重复提交"},
        expect=(409,),
    )
    client.wait_for_status(case_id, "resolved")
    client.wait_for_follow_up(case_id)
    client.rate(case_id, "satisfied")
    return client.wait_for_status(case_id, "closed")


@pytest.fixture(scope="module")
def closed_case(client, personal_data) -> dict:
    case = drive_joint_case_to_closed(client, personal_data)
    time.sleep(EXPORT_GRACE_SECONDS)
    return case


def spans_of_trace(platform, trace_id: str) -> list[dict]:
    return [span for span in read_spans(platform.trace_dir) if span["trace_id"] == trace_id]


def test_every_hop_of_a_case_joins_its_trace_and_carries_the_case_id(platform, closed_case):
    case_id, trace_id = closed_case["case_id"], closed_case["trace_id"]
    assert trace_id, "the coordinator shows no trace for the case"

    spans = spans_of_trace(platform, trace_id)
    services = {span["service"] for span in spans}
    assert {"intake", "coordinator", "supervision"} <= services, services
    assert services & {"police_link", "court_link"}, f"no agency joined the case's trace: {services}"

    # Each handler of the case's messages runs inside the trace, not beside it.
    handled = {span["name"] for span in spans if span["kind"] == "CONSUMER"}
    assert {
        "coordinator handle CaseRegistered",
        "police_link handle ReferralIssued",
        "court_link handle ReferralIssued",
        "supervision handle CaseResolved",
        "coordinator handle FollowUpRated",
    } <= handled, handled

    without_case = [f"{s['service']}: {s['name']}" for s in spans if s["attributes"].get(CASE_ID_KEY) != case_id]
    assert without_case == [], f"spans of case {case_id}'s trace without its case id: {without_case}"


def test_officers_requests_are_linked_to_the_case_trace(platform, closed_case):
    """An officer's click is a trace of its own (an HTTP request); it carries the case id and links to the case."""
    case_id, trace_id = closed_case["case_id"], closed_case["trace_id"]
    actions = {f"{unit}.{action}" for unit in ("police_link", "court_link") for action in ("accept", "result")}
    actions.add("supervision.rate")
    requests_of_case = [
        span
        for span in read_spans(platform.trace_dir)
        if span["kind"] == "SERVER" and span["name"] in actions and span["attributes"].get(CASE_ID_KEY) == case_id
    ]
    assert {span["name"] for span in requests_of_case} == actions
    assert all(span["trace_id"] != trace_id for span in requests_of_case)

    case_span_links = {link["span_id"] for span in spans_of_trace(platform, trace_id) for link in span["links"]}
    assert all(span["span_id"] in case_span_links for span in requests_of_case), (
        "an officer's request span is not linked from the case's trace"
    )


def test_id_and_phone_numbers_appear_in_no_log_and_no_span(platform, closed_case, personal_data):
    secrets = [personal_data["id_number"], personal_data["applicant_phone"], personal_data["respondent_phone"]]
    files = sorted(platform.log_dir.glob("*.log*")) + sorted(platform.trace_dir.glob("*.jsonl"))
    assert any(path.suffix == ".jsonl" for path in files) and any(".log" in path.name for path in files)
    leaks = [
        f"{path.name} contains {secret}"
        for path in files
        for secret in secrets
        if secret in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert leaks == []


def read_log(platform, service: str) -> list[tuple[int, str]]:
    path = platform.log_dir / f"{service}.log"
    return [
        (number, line) for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.strip()
    ]


def test_service_logs_are_json_and_lines_about_the_case_carry_case_and_trace_ids(platform, closed_case):
    case_id = closed_case["case_id"]
    not_json, wrong_service, about_case = [], [], []
    for service in SERVICES:
        for number, line in read_log(platform, service):
            try:
                record = json.loads(line)
            except ValueError:
                not_json.append(f"{service}.log:{number}: {line[:120]}")
                continue
            if not isinstance(record, dict):
                not_json.append(f"{service}.log:{number}: {line[:120]}")
                continue
            if record.get("service") != service:
                wrong_service.append(f"{service}.log:{number}: service={record.get('service')!r}")
            if record.get("case_id") == case_id or case_id in str(record.get("event", "")):
                about_case.append((service, number, record))
    assert not_json == [], "log lines that are not JSON objects:\n" + "\n".join(not_json)
    assert wrong_service == []

    refusals = [r for service, _, r in about_case if service == "court_link" and "error" in str(r.get("event"))]
    assert refusals, "the court's refusal of the repeated result left no log line about the case"

    missing = []
    for service, number, record in about_case:
        event = str(record.get("event", ""))
        if ACCESS_LINE.match(event):
            continue
        if record.get("case_id") != case_id or not record.get("trace_id") or not record.get("span_id"):
            fields = {k: v for k, v in record.items() if k != "exception"}
            missing.append(f"{service}.log:{number}: {fields}")
    assert missing == [], "lines about the case without its case_id and trace_id:\n" + "\n".join(missing)
