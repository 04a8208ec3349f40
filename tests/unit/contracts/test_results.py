"""Every unit's result is one of the shared codes: what it implies, what it must carry, and how old reports read."""

from datetime import date, datetime, timedelta, timezone
from uuid import UUID

import pytest
from pydantic import ValidationError

from shared.contracts.disputes import ORAL_NOT_CONFIRMABLE, ResultReport
from shared.contracts.messages import ResultReported
from shared.contracts.vocabulary import (
    AGREEMENT_RESULTS,
    FAILED_RESULTS,
    ONWARD_RESULTS,
    RESOLVING_RESULTS,
    AgreementForm,
    Outcome,
    ResultCode,
    outcome_of,
)

BEIJING = timezone(timedelta(hours=8))
AGREEMENT = {
    "number": "祁东人调〔2026〕118号",
    "signed_on": "2026-12-03",
    "terms": "李四赔偿张三医药费3000元，当场付清",
}


def report(**fields) -> dict:
    return {
        "message_id": "00000000-0000-4000-8000-000000000042",
        "type": "ResultReported",
        "schema_version": 2,
        "case_id": "430426-20261204-00001",
        "sender": "justice:430426101",
        "recipient": "centre:430426",
        "occurred_at": datetime(2026, 12, 4, 10, 0, tzinfo=BEIJING).isoformat(),
        "referral_id": "00000000-0000-4000-8000-000000000007",
        "officer": "zhou.tiaojie",
        "summary": "双方在人民调解员主持下达成协议",
        **fields,
    }


def errors(fields: dict) -> list[tuple[tuple, str]]:
    with pytest.raises(ValidationError) as refused:
        ResultReport.model_validate(fields)
    return [(error["loc"], error["type"]) for error in refused.value.errors()]


def test_every_code_is_in_exactly_one_group():
    groups = [RESOLVING_RESULTS, ONWARD_RESULTS, FAILED_RESULTS]
    assert set().union(*groups) == set(ResultCode)
    assert sum(len(group) for group in groups) == len(ResultCode)


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        (ResultCode.MEDIATED, Outcome.RESOLVED),
        (ResultCode.HANDLED, Outcome.RESOLVED),
        (ResultCode.REFERRED_TO_LITIGATION, Outcome.UNRESOLVED),
        (ResultCode.MEDIATION_FAILED, Outcome.UNRESOLVED),
    ],
)
def test_a_result_implies_whether_the_dispute_was_resolved(result, outcome):
    assert outcome_of(result) is outcome


def test_a_mediated_result_carries_its_agreement_and_reads_as_resolved():
    message = ResultReported.model_validate(report(result="mediated", agreement=AGREEMENT))

    assert message.outcome is Outcome.RESOLVED
    assert message.agreement is not None and message.agreement.signed_on == date(2026, 12, 3)
    assert message.model_dump(mode="json")["outcome"] == "resolved"


@pytest.mark.parametrize("result", sorted(AGREEMENT_RESULTS))
def test_an_agreement_result_without_the_agreement_is_refused_naming_it(result):
    assert errors({"result": result}) == [(("agreement",), "missing")]


def test_an_agreement_on_a_result_that_signed_none_is_refused():
    assert errors({"result": "referred_to_litigation", "agreement": AGREEMENT}) == [(("agreement",), "value_error")]


def test_an_outcome_that_contradicts_the_result_is_refused_naming_the_result():
    assert errors({"result": "mediation_failed", "outcome": "resolved"}) == [(("result",), "value_error")]


def test_a_report_naming_neither_result_nor_outcome_is_refused():
    assert errors({}) == [(("result",), "missing")]


@pytest.mark.parametrize(("outcome", "read_as"), [("resolved", "handled"), ("unresolved", "mediation_failed")])
def test_a_version_1_report_with_only_its_outcome_still_reads(outcome, read_as):
    message = ResultReported.model_validate(report(schema_version=1, outcome=outcome))

    assert message.result is ResultCode(read_as)
    assert message.outcome is Outcome(outcome)


def test_the_terms_of_an_agreement_are_masked_like_any_free_text():
    terms = "李四（身份证430426198511270034）赔偿张三3000元"
    message = ResultReported.model_validate(report(result="mediated", agreement={**AGREEMENT, "terms": terms}))

    assert message.agreement is not None and "430426198511270034" not in message.agreement.terms


def test_a_result_round_trips_through_json():
    sent = ResultReported.model_validate(report(result="judicially_confirmed", agreement=AGREEMENT))
    received = ResultReported.model_validate_json(sent.model_dump_json())

    assert received == sent
    assert received.referral_id == UUID("00000000-0000-4000-8000-000000000007")


# --- 口头协议: an oral agreement (人民调解法 第二十八至三十条) -----------------------------------------------------

ORAL = {"signed_on": "2026-12-03", "terms": "张三、李四当场口头约定：李四三日内修好院墙", "form": "oral"}


def test_an_oral_agreement_the_mediator_recorded_is_a_mediated_result_and_travels_as_oral():
    sent = ResultReported.model_validate(report(schema_version=3, result="mediated", agreement=ORAL))
    received = ResultReported.model_validate_json(sent.model_dump_json())

    assert (received.result, received.outcome) == (ResultCode.MEDIATED, Outcome.RESOLVED)
    assert received.agreement is not None and received.agreement.form is AgreementForm.ORAL
    assert received.agreement.terms == ORAL["terms"]


def test_an_oral_agreement_cannot_be_judicially_confirmed_and_the_refusal_names_its_form():
    # 司法确认 is of a written agreement (人民调解法 第三十三条).
    assert errors({"result": "judicially_confirmed", "agreement": ORAL}) == [
        (("agreement", "form"), ORAL_NOT_CONFIRMABLE)
    ]


def test_a_version_2_agreement_reads_as_written():
    message = ResultReported.model_validate(report(result="mediated", agreement=AGREEMENT))

    assert message.agreement is not None and message.agreement.form is AgreementForm.WRITTEN
