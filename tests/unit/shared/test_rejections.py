"""Which refused messages their sender is told of, and what the notice carries (shared.rejections)."""

import json
from datetime import UTC, datetime
from uuid import UUID

import pytest

from shared.contracts.messages import MessageRejected
from shared.platform import Platform
from shared.registry import load_registry
from shared.rejections import Refusal, notice_for, notice_id, read_refusal

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
CASE_ID = "430426-20261122-00001"
REPORT_ID = "44444444-4444-4444-8444-444444444444"
REFERRAL_ID = "33333333-3333-4333-8333-333333333333"
COURT_USER = "wuyuan.court_link"
POLICE_USER = "wuyuan.police_link"


@pytest.fixture
def platform() -> Platform:
    return Platform(service="coordinator", registry=load_registry(), county="430426", broker_user_prefix="wuyuan")


def result_report(**fields: object) -> bytes:
    body = {
        "message_id": REPORT_ID,
        "type": "ResultReported",
        "schema_version": 2,
        "case_id": CASE_ID,
        "sender": "court:430426",
        "recipient": "centre:430426",
        "occurred_at": "2026-12-04T09:00:00+08:00",
        "referral_id": REFERRAL_ID,
        "officer": "法官助理 刘芳",
        "result": "mediated",
        "summary": "当事人张三（身份证430426199001011234，电话13800138000）同意分期还款。",
    }
    return json.dumps({**body, **fields}, ensure_ascii=False).encode()


def refused(body: bytes | str | None, sent_by: str | None = COURT_USER, **kw: object) -> Refusal:
    reason = str(kw.pop("reason", "referral_closed"))
    detail = str(kw.pop("detail", "rejected: referral_closed: referral 3333 is reported"))
    refused_by = str(kw.pop("refused_by", "coordinator"))
    return read_refusal(refused_by, sent_by, reason, detail, body, kw.pop("amqp_message_id", None))


def test_a_report_the_coordinator_refuses_is_told_to_the_unit_that_sent_it(platform):
    notice = notice_for(refused(result_report()), platform, NOW)

    assert isinstance(notice, MessageRejected)
    assert notice.recipient == "court:430426"
    assert notice.sender == "centre:430426"
    assert (notice.reason, notice.refused_by, notice.rejected_type) == (
        "referral_closed",
        "coordinator",
        "ResultReported",
    )
    assert notice.rejected_message_id == UUID(REPORT_ID)
    assert (notice.case_id, notice.referral_id) == (CASE_ID, UUID(REFERRAL_ID))


def test_the_notice_never_echoes_the_refused_body_nor_a_number_in_the_reason(platform):
    detail = "schema violation: parties.0.id_number: 430426199001011234 is not valid; phone 13800138000"
    notice = notice_for(refused(result_report(), reason="schema", detail=detail), platform, NOW)

    assert notice is not None
    wire = notice.model_dump_json()
    for secret in ("430426199001011234", "13800138000", "张三", "分期还款"):
        assert secret not in wire
    assert "[redacted]" in notice.detail


def test_a_long_reason_is_cut_to_what_the_contract_allows(platform):
    notice = notice_for(refused(result_report(), detail="x" * 5000), platform, NOW)
    assert notice is not None and len(notice.detail) == 500


def test_a_body_that_is_not_json_is_still_told_to_the_agency_of_the_broker_user(platform):
    notice = notice_for(refused(b"\xff\xfe not json", reason="malformed", detail="malformed JSON"), platform, NOW)

    assert notice is not None
    assert notice.recipient == "court:430426"  # the court's unit for the county
    assert notice.rejected_message_id is None and notice.rejected_type is None and notice.case_id is None


def test_the_amqp_message_id_stands_in_when_the_body_has_none(platform):
    notice = notice_for(refused(b"[]", reason="malformed", amqp_message_id=REPORT_ID), platform, NOW)
    assert notice is not None and notice.rejected_message_id == UUID(REPORT_ID)


def test_a_unit_the_message_claims_of_another_agency_is_not_where_the_notice_goes(platform):
    # The police's broker user sent a report in the court's name: the police are told, not the court.
    notice = notice_for(refused(result_report(), sent_by=POLICE_USER, reason="wrong_sender"), platform, NOW)
    assert notice is not None and notice.recipient == "police:430426"


def test_fields_that_do_not_read_as_themselves_are_left_out(platform):
    body = result_report(case_id="not-a-case", referral_id="nope", sender="court:12", type="x" * 500)
    notice = notice_for(refused(body, reason="schema"), platform, NOW)

    assert notice is not None
    assert (notice.case_id, notice.referral_id, notice.rejected_type) == (None, None, None)
    assert notice.recipient == "court:430426"


@pytest.mark.parametrize(
    "sent_by",
    [
        None,  # published without a user_id
        "guest",  # a user of no platform's
        "other.court_link",  # another platform's (vhost's) court
        "wuyuan.intake",  # a centre service
        "wuyuan.coordinator",  # the centre's own service
        "wuyuan.nobody_link",  # no agency serves it
    ],
)
def test_nobody_is_told_when_the_sender_is_not_an_agency_of_this_platform(platform, sent_by):
    assert notice_for(refused(result_report(), sent_by=sent_by), platform, NOW) is None


def test_a_refused_rejection_is_never_answered_with_one(platform):
    body = result_report(type="MessageRejected")
    assert notice_for(refused(body, reason="schema"), platform, NOW) is None


def test_an_agency_service_that_refuses_tells_nobody(platform):
    assert notice_for(refused(result_report(), refused_by="police_link"), platform, NOW) is None


def test_a_redelivered_refusal_makes_the_same_notice(platform):
    first = notice_for(refused(result_report()), platform, NOW)
    again = notice_for(refused(result_report(), detail="rejected again"), platform, NOW)
    other = notice_for(refused(result_report(message_id="55555555-5555-4555-8555-555555555555")), platform, NOW)

    assert first is not None and again is not None and other is not None
    assert first.message_id == again.message_id != other.message_id


def test_bodies_without_an_id_are_told_apart_by_their_content():
    one, two = refused(b"not json 1"), refused(b"not json 2")
    assert notice_id(one) == notice_id(refused(b"not json 1")) != notice_id(two)


def test_a_refusal_code_that_is_not_a_code_reads_as_refused(platform):
    notice = notice_for(refused(result_report(), reason="Not A Code!"), platform, NOW)
    assert notice is not None and notice.reason == "refused"
