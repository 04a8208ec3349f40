"""Messages survive the wire as JSON, and a consumer refuses one it cannot trust."""

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from shared.contracts import MESSAGE_TYPES, message_model
from shared.contracts.disputes import DisputeReport, PartyNotice
from shared.contracts.messages import (
    TO_RECIPIENT_AGENCY,
    CaseRegistered,
    CaseReopened,
    Document,
    Event,
    LinkRecordNoted,
    ReferralIssued,
    ReferralSummary,
    RegisterDispute,
    UnitDesignated,
)
from shared.contracts.vocabulary import Category, Rating, ReferralRole, ReopenCause, Source

BEIJING = timezone(timedelta(hours=8))
FILED_AT = datetime(2026, 11, 21, 9, 30, tzinfo=BEIJING)
MESSAGE_ID = UUID("00000000-0000-4000-8000-000000000042")
REFERRAL_ID = UUID("00000000-0000-4000-8000-000000000007")
CASE = "430426-20261121-00042"

ZHANG_SAN = PartyNotice(role="applicant", kind="person", name="张三", phone="13800138000")
LI_SI = PartyNotice(role="respondent", kind="person", name="李四")


def court_filing() -> RegisterDispute:
    report = DisputeReport(
        source="court_filing",
        category="debt",
        division_code="430426",
        summary="张三诉李四民间借贷纠纷，立案前引导诉前调解。",
        parties=[
            {"role": "applicant", "name": "张三", "id_number": "430426199005201239"},
            {"role": "respondent", "name": "李四"},
        ],
        source_record_id="(2026)湘0426民诉前调1234号",
    )
    return RegisterDispute.build(
        message_id=MESSAGE_ID,
        occurred_at=FILED_AT,
        case_id=None,
        sender="court:430426",
        recipient="centre:430426",
        report=report,
    )


def referral() -> ReferralIssued:
    return ReferralIssued.build(
        message_id=MESSAGE_ID,
        occurred_at=FILED_AT,
        case_id=CASE,
        sender="centre:430426",
        recipient="justice:430426101",
        referral_id=REFERRAL_ID,
        role=ReferralRole.LEAD,
        round=1,
        source=Source.WALK_IN,
        category=Category.NEIGHBOUR,
        division_code="430426101",
        summary="李四家装修占用公共楼道。",
        flags=[],
        parties=[ZHANG_SAN, LI_SI],
        due_at=FILED_AT + timedelta(days=7),
    )


def designated() -> UnitDesignated:
    summary = ReferralSummary(
        referral_id=REFERRAL_ID,
        unit="justice:430426101",
        role="lead",
        round=1,
        issued_at=FILED_AT,
        due_at=FILED_AT + timedelta(days=7),
    )
    return UnitDesignated.build(
        message_id=MESSAGE_ID,
        occurred_at=FILED_AT,
        case_id=CASE,
        sender="centre:430426",
        recipient="centre:430426",
        referral=summary,
    )


def reopened() -> CaseReopened:
    return CaseReopened.build(
        message_id=MESSAGE_ID,
        occurred_at=FILED_AT,
        case_id=CASE,
        sender="centre:430426",
        recipient="centre:430426",
        rating=Rating.DISSATISFIED,
        round=2,
    )


@pytest.mark.parametrize("make", [court_filing, referral, designated, reopened])
def test_a_message_comes_back_equal_after_a_trip_through_json(make):
    sent = make()

    body = json.dumps(sent.model_dump(mode="json"), ensure_ascii=False)
    received = message_model(sent.type).model_validate(json.loads(body))

    assert received == sent
    assert type(received) is type(sent)


def test_a_version_1_reopening_reads_as_the_citizens_dissatisfaction():
    body = reopened().model_dump(mode="json")
    del body["cause"]
    body["schema_version"] = 1

    received = CaseReopened.model_validate(body)

    assert received.cause is ReopenCause.DISSATISFIED and received.rating is Rating.DISSATISFIED


def test_a_reopening_by_a_repeat_report_carries_no_rating():
    body = {**reopened().model_dump(mode="json"), "cause": "repeat_report", "rating": None}
    assert CaseReopened.model_validate(body).cause is ReopenCause.REPEAT_REPORT

    for cause, rating in (("repeat_report", "dissatisfied"), ("dissatisfied", None), ("dissatisfied", "satisfied")):
        with pytest.raises(ValidationError) as refused:
            CaseReopened.model_validate({**body, "cause": cause, "rating": rating})
        [error] = refused.value.errors()
        assert error["loc"] == ("rating",) and error["msg"].startswith("a case reopened")  # named, on a dead letter too


def test_build_fills_type_and_version_from_the_model():
    sent = referral()

    assert sent.model_dump(mode="json")["type"] == "ReferralIssued"
    assert sent.schema_version == ReferralIssued.VERSION


def test_the_wire_keeps_the_timezone_of_occurred_at():
    assert referral().model_dump(mode="json")["occurred_at"] == "2026-11-21T09:30:00+08:00"


def test_a_body_of_another_type_is_refused_at_type():
    body = referral().model_dump(mode="json")

    with pytest.raises(ValidationError) as refused:
        CaseRegistered.model_validate(body)

    assert ("type",) in [error["loc"] for error in refused.value.errors()]


def test_a_naive_occurred_at_is_refused():
    body = referral().model_dump(mode="json")
    body["occurred_at"] = "2026-11-21T09:30:00"

    with pytest.raises(ValidationError) as refused:
        ReferralIssued.model_validate(body)

    assert [error["loc"] for error in refused.value.errors()] == [("occurred_at",)]


@pytest.mark.parametrize("seconds", [-1, 1764000000, "1764000000"])
def test_an_occurred_at_given_as_seconds_since_1970_is_refused_not_read_as_a_time(seconds):
    body = referral().model_dump(mode="json")
    body["occurred_at"] = seconds

    with pytest.raises(ValidationError) as refused:
        ReferralIssued.model_validate(body)

    assert [(error["loc"], error["type"]) for error in refused.value.errors()] == [(("occurred_at",), "datetime_type")]


def test_a_naive_deadline_is_refused():
    body = referral().model_dump(mode="json")
    body["due_at"] = "2026-11-28T09:30:00"

    with pytest.raises(ValidationError) as refused:
        ReferralIssued.model_validate(body)

    assert [error["loc"] for error in refused.value.errors()] == [("due_at",)]


def test_a_utc_timestamp_is_as_good_as_a_beijing_one():
    body = referral().model_dump(mode="json")
    body["occurred_at"] = "2026-11-21T01:30:00Z"

    assert ReferralIssued.model_validate(body).occurred_at == FILED_AT.astimezone(UTC)


def test_a_schema_version_newer_than_this_code_is_refused_at_schema_version():
    body = referral().model_dump(mode="json")
    body["schema_version"] = ReferralIssued.VERSION + 1

    with pytest.raises(ValidationError) as refused:
        ReferralIssued.model_validate(body)

    errors = refused.value.errors()
    assert [error["loc"] for error in errors] == [("schema_version",)]
    assert "newer than supported" in errors[0]["msg"]


def test_a_message_with_an_unknown_field_is_refused():
    body = referral().model_dump(mode="json")
    body["priority"] = "urgent"

    with pytest.raises(ValidationError, match="priority"):
        ReferralIssued.model_validate(body)


def test_a_malformed_case_number_is_refused():
    body = referral().model_dump(mode="json")
    body["case_id"] = "430426-42"

    with pytest.raises(ValidationError, match="case_id"):
        ReferralIssued.model_validate(body)


def test_every_registered_type_names_its_model_and_is_a_document_or_an_event():
    assert MESSAGE_TYPES, "no message models registered"
    for name, model in MESSAGE_TYPES.items():
        assert name == model.TYPE
        assert issubclass(model, Document) != issubclass(model, Event), name


def test_an_unknown_type_has_no_model():
    assert message_model("CaseTeleported") is None


def test_referrals_go_to_the_recipient_agency_and_feeds_to_intake():
    assert ReferralIssued.DESTINATION == TO_RECIPIENT_AGENCY
    assert RegisterDispute.DESTINATION == "intake"
    assert CaseRegistered.DESTINATION == "coordinator"


# --- a link's decision, noted for supervision: codes and counts only ---------------------------------


def link_record(**changes: Any) -> dict[str, Any]:
    return {
        "message_id": "00000000-0000-4000-8000-000000000001",
        "type": "LinkRecordNoted",
        "schema_version": 1,
        "case_id": None,
        "sender": "court:430426",
        "recipient": "centre:430426",
        "occurred_at": "2026-12-01T09:00:00+08:00",
        "link": "court",
        "record_id": "(2026)湘0426民诉前1号",
        "kind": "filing_registered",
        "unit": "court:430426",
        "at": "2026-12-01T09:00:00+08:00",
        "detail": {"diverted": True, "attendees": 3, "result": "mediated"},
        **changes,
    }


def test_a_link_record_goes_to_supervision_without_a_case():
    noted = LinkRecordNoted.model_validate(link_record())

    assert (LinkRecordNoted.DESTINATION, noted.case_id) == ("supervision", None)
    assert noted.detail == {"diverted": True, "attendees": 3, "result": "mediated"}


@pytest.mark.parametrize(
    "value",
    ["张三", "Zhang San", "13800138000", "430426199005201239", "双方各陈述", 13800138000, 1.5, ["a"], {"a": 1}],
)
def test_a_link_records_detail_refuses_names_numbers_and_free_text(value):
    with pytest.raises(ValidationError, match="detail"):
        LinkRecordNoted.model_validate(link_record(detail={"note": value}))


@pytest.mark.parametrize(
    ("field", "value"), [("kind", "petition_thrown_away"), ("link", "stability"), ("at", "2026-12-01T09:00:00")]
)
def test_a_link_record_refuses_an_unknown_kind_or_link_and_a_naive_time(field, value):
    with pytest.raises(ValidationError, match=field):
        LinkRecordNoted.model_validate(link_record(**{field: value}))


@pytest.mark.parametrize("at", ["9999-12-31T20:00:00+08:00", "0001-01-01T00:00:00Z", "2101-01-01T00:00:00+08:00"])
def test_a_link_record_dated_outside_the_years_is_refused_at_the_boundary_naming_at(at):
    with pytest.raises(ValidationError) as refused:
        LinkRecordNoted.model_validate(link_record(at=at))

    [error] = refused.value.errors()
    assert (error["loc"], error["msg"]) == (("at",), "must be a time in a year from 1900 to 2100")


def test_a_link_record_dated_at_either_end_of_the_years_is_taken():
    for at in ("1900-01-01T00:00:00+08:00", "2100-12-31T23:59:59+08:00"):
        assert LinkRecordNoted.model_validate(link_record(at=at)).at.year in (1900, 2100)
