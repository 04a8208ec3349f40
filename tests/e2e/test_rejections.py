"""An agency's report the coordinator refuses reaches the agency: its refusals list, the referral's log, the case."""

import json
import secrets
import time
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from shared.contracts.messages import ProgressReported
from shared.messaging.routing import document_routing_key
from shared.telemetry.file_exporter import read_spans
from tests.e2e.test_delivery import COURT, debt_case, message_body, publish_as, report_for

pytestmark = pytest.mark.e2e

OFFICER = "法官助理 刘芳"


def rejections(client) -> list[dict]:
    return client.call("GET", "court_link", "/api/v1/rejections?limit=500")["rejections"]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    raise TimeoutError(f"{what} not seen in {timeout}s")


def publish_report(platform, report, trace_id: str | None = None) -> None:
    """As the court's service would, with the court's own broker user (twice is a redelivered copy)."""
    headers = {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"} if trace_id else {}
    publish_as(
        platform,
        "court_link",
        message_body(report),
        routing_key=document_routing_key("coordinator", report.type),
        message_id=str(report.message_id),
        message_type=report.type,
        headers=headers,
    )


def test_a_result_for_a_referral_already_closed_is_told_to_the_court_once_and_kept_on_the_case(platform, client):
    case_id, referral = debt_case(client)
    referral_id = referral["referral_id"]
    client.settle(COURT, referral_id, "当事人达成还款协议")
    case = client.wait_for_status(case_id, "resolved")
    trace_id = case["trace_id"]

    # Another result than the one the court gave: the same one again would repeat what the case holds, taken quietly.
    late = report_for(case_id, referral_id, COURT, result="withdrawn", summary="再次反馈办理结果", officer=OFFICER)
    publish_report(platform, late, trace_id)
    publish_report(platform, late, trace_id)  # the same message again, as a redelivery brings it

    def told() -> list[dict]:
        return [r for r in rejections(client) if r["rejected_message_id"] == str(late.message_id)]

    [rejection] = wait_for(told, 30, "the court's refusal notice")
    assert rejection["reason"] == "referral_closed"
    assert (rejection["refused_by"], rejection["unit"]) == ("coordinator", COURT)
    assert (rejection["case_id"], rejection["referral_id"], rejection["rejected_type"]) == (
        case_id,
        referral_id,
        "ResultReported",
    )
    assert "再次反馈" not in rejection["detail"]  # the refused body is never echoed back

    log = client.referral(COURT, referral_id)["log"]
    rejected = [entry for entry in log if entry["kind"] == "rejected"]
    assert [(e["detail"]["reason"], e["detail"]["rejected_message_id"]) for e in rejected] == [
        ("referral_closed", str(late.message_id))
    ]

    timeline = client.wait_for(
        case_id, lambda c: any(e["kind"] == "report_rejected" for e in c["timeline"]), what="report_rejected"
    )["timeline"]
    [line] = [e for e in timeline if e["kind"] == "report_rejected"]
    assert (line["detail"]["unit"], line["detail"]["reason"]) == (COURT, "referral_closed")
    assert line["detail"]["rejected_message_id"] == str(late.message_id)

    # The second copy changed nothing: still one notice, one log line, one timeline line.
    time.sleep(2)
    assert len(told()) == 1
    assert [e["kind"] for e in client.referral(COURT, referral_id)["log"]].count("rejected") == 1
    assert [e["kind"] for e in client.case(case_id)["timeline"]].count("report_rejected") == 1

    # The refusal is on the coordinator's span in the case's trace, and the court took the notice in it too.
    def refusal_spans() -> dict[str, str]:
        found = {}
        for span in read_spans(platform.trace_dir):
            if span["trace_id"] != trace_id:
                continue
            if span["attributes"].get("wuyuan.refusal.reason") == "referral_closed":
                found["refused"] = span["service"]
            if span["name"] == "court_link handle MessageRejected":
                found["told"] = span["service"]
        return found if len(found) == 2 else {}

    assert wait_for(refusal_spans, 15, "the refusal's spans") == {"refused": "coordinator", "told": "court_link"}


def test_a_report_addressed_to_another_unit_than_the_centre_is_refused_and_never_on_the_case(platform, client):
    case_id, referral = debt_case(client)
    misaddressed = ProgressReported.build(
        message_id=uuid4(),
        occurred_at=datetime.now(UTC),
        case_id=case_id,
        sender=COURT,
        recipient="police:430426",
        referral_id=referral["referral_id"],
        officer=OFFICER,
        note="已电话联系双方",
    )
    publish_report(platform, misaddressed)

    [rejection] = wait_for(
        lambda: [r for r in rejections(client) if r["rejected_message_id"] == str(misaddressed.message_id)],
        30,
        "the court's refusal notice",
    )
    assert (rejection["refused_by"], rejection["reason"], rejection["unit"]) == (
        "coordinator",
        "wrong_recipient",
        COURT,
    )
    timeline = client.wait_for(
        case_id, lambda c: any(e["kind"] == "report_rejected" for e in c["timeline"]), what="report_rejected"
    )["timeline"]
    assert "progress_reported" not in [e["kind"] for e in timeline]


def test_a_report_about_a_case_not_registered_is_retried_before_anyone_is_told(platform, client):
    unknown_case = f"430426-20261122-{secrets.randbelow(90000) + 10000:05d}"
    early = report_for(unknown_case, str(uuid4()), COURT, result="handled", summary="尚未登记的案件", officer=OFFICER)
    publish_report(platform, early)

    # While the coordinator retries it (its case may yet arrive), the court is told nothing.
    time.sleep(1.5)
    assert not [r for r in rejections(client) if r["rejected_message_id"] == str(early.message_id)]

    # Once its attempts are spent it is dead-lettered, and only then is the court told.
    [rejection] = wait_for(
        lambda: [r for r in rejections(client) if r["rejected_message_id"] == str(early.message_id)],
        60,
        "the notice after the last attempt",
    )
    assert rejection["reason"] == "failed"


def test_a_record_intake_cannot_read_is_told_to_the_agency_that_fed_it(platform, client):
    message_id = str(uuid4())
    body = {
        "message_id": message_id,
        "type": "RegisterDispute",
        "schema_version": 1,
        "case_id": None,
        "sender": COURT,
        "recipient": "centre:430426",
        "occurred_at": "2026-12-04T09:00:00+08:00",
        "report": {"source": "court_filing", "summary": "缺少当事人"},
    }
    publish_as(
        platform,
        "court_link",
        json.dumps(body, ensure_ascii=False).encode(),
        routing_key=document_routing_key("intake", "RegisterDispute"),
        message_id=message_id,
        message_type="RegisterDispute",
    )

    [rejection] = wait_for(
        lambda: [r for r in rejections(client) if r["rejected_message_id"] == message_id], 30, "intake's notice"
    )
    assert (rejection["refused_by"], rejection["reason"], rejection["unit"]) == ("intake", "schema", COURT)
    assert "缺少当事人" not in rejection["detail"]
