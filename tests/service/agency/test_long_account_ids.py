"""An officer whose account id is longer than short text (a 64-character username, a 200-character OIDC subject)
acts on referrals and feeds records like any other, named in full in every message."""

from dataclasses import replace
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.police_link.service import PoliceLink
from shared.auth.principal import Principal, Role
from shared.clock import now
from shared.contracts.identifiers import ACCOUNT_ID_MAX_LENGTH
from shared.contracts.messages import (
    ClockPaused,
    ClockResumed,
    ProgressReported,
    ReferralAccepted,
    RegisterDispute,
    ResultReported,
)
from tests.messages import referral_issued

POLICE_STATION = "police:430426101"
REFERRAL = UUID("33333333-3333-4333-8333-333333333333")
# The longest username the embedded issuer gives out (64 characters), and an OIDC provider's e-mail subject
# as long as the verifier takes (200): both were refused by the messages once, failing every write with a 500.
LONG_USERNAME = "liu.yang.qidong-county-public-security-bureau.baizhi-station.001"
OIDC_SUBJECT = "liu.yang." + "x" * (ACCOUNT_ID_MAX_LENGTH - len("liu.yang.@gaj.qidong.gov.cn")) + "@gaj.qidong.gov.cn"


def officer(subject: str) -> Principal:
    return Principal(subject, "刘洋", frozenset({Role.OFFICER}), frozenset({POLICE_STATION}))


def police_as(caller: Principal, uow, platform) -> PoliceLink:
    return worker_factory(
        PoliceLink,
        uow=uow,
        platform=replace(platform, service="police_link"),
        sender="wuyuan.coordinator",
        caller=caller,
    )


def test_the_long_account_ids_are_as_long_as_they_say():
    assert (len(LONG_USERNAME), len(OIDC_SUBJECT)) == (64, ACCOUNT_ID_MAX_LENGTH)


@pytest.mark.parametrize("subject", [LONG_USERNAME, OIDC_SUBJECT])
def test_an_officer_with_a_long_account_id_accepts_a_referral_in_their_own_name(
    uow, agency_store, platform, http, subject
):
    police = police_as(officer(subject), uow, platform)
    police.on_referral_issued(referral_issued(REFERRAL, POLICE_STATION, occurred_at=now()))

    response = police.accept(http.post({}), str(REFERRAL))

    assert response.status_code == 202
    [accepted] = uow.sent_of(ReferralAccepted)
    assert accepted.officer == subject
    assert ReferralAccepted.model_validate_json(accepted.model_dump_json()) == accepted  # as the coordinator reads it
    assert agency_store.status_of(REFERRAL) == "accepted"
    assert agency_store.entries[-1]["officer"] == subject


def test_every_report_of_an_officer_with_a_200_character_subject_names_them(uow, platform, http):
    police = police_as(officer(OIDC_SUBJECT), uow, platform)
    police.on_referral_issued(referral_issued(REFERRAL, POLICE_STATION, occurred_at=now()))

    police.accept(http.post({}), str(REFERRAL))
    police.progress(http.post({"note": "已约双方到所调解。"}), str(REFERRAL))
    police.pause(http.post({"reason": "awaiting_party"}), str(REFERRAL))
    police.resume(http.post({}), str(REFERRAL))
    response = police.result(http.post({"result": "handled", "summary": "双方和解。"}), str(REFERRAL))

    assert response.status_code == 202
    assert [type(m) for m in uow.sent] == [
        ReferralAccepted,
        ProgressReported,
        ClockPaused,
        ClockResumed,
        ResultReported,
    ]
    assert {m.officer for m in uow.sent} == {OIDC_SUBJECT}  # type: ignore[attr-defined]


def test_an_officer_with_a_64_character_username_feeds_a_record_in_their_own_name(uow, agency_store, platform, http):
    police = police_as(officer(LONG_USERNAME), uow, platform)
    record = {
        "record_id": "JQ430426202611220042",
        "category": "neighbour",
        "division_code": "430426101",
        "summary": "两户因宅基地界址发生推搡，民警到场制止。",
        "parties": [{"role": "applicant", "name": "张三"}, {"role": "respondent", "name": "李四"}],
        "details": {"call_number": "110-20261122-0042"},
    }

    response = police.feed_record(http.post(record))

    assert response.status_code == 202
    [fed] = uow.sent_of(RegisterDispute)
    assert fed.fed_by == LONG_USERNAME  # intake records it as who registered the report
    assert RegisterDispute.model_validate_json(fed.model_dump_json()).fed_by == LONG_USERNAME
