"""The agency base as the police station's officers use it: referrals in, accept/result out, police calls fed in."""

from dataclasses import replace
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.court_link.service import CourtLink
from services.police_link.service import PoliceLink
from shared.clock import now
from shared.contracts.messages import (
    OverdueNoticeIssued,
    ReferralAccepted,
    ReferralDeclined,
    ReferralIssued,
    RegisterDispute,
    ResultReported,
)
from shared.http import BadInput
from shared.messaging.routing import address
from shared.persistence.errors import NotFound
from shared.refusal import Refused
from tests.fakes.agency import FakeAgencyStore
from tests.fakes.unit_of_work import FakeUnitOfWork
from tests.messages import referral_issued

CASE_ID = "430426-20261122-00001"
POLICE_STATION = "police:430426101"
CENTRE = "centre:430426"
REFERRAL = UUID("33333333-3333-4333-8333-333333333333")
CALL_RECORD = "JQ430426202611220042"


@pytest.fixture
def agency_store() -> FakeAgencyStore:
    return FakeAgencyStore()


@pytest.fixture
def uow(agency_store) -> FakeUnitOfWork[FakeAgencyStore]:
    return FakeUnitOfWork(agency_store)


@pytest.fixture
def police(uow, platform) -> PoliceLink:
    return worker_factory(PoliceLink, uow=uow, platform=replace(platform, service="police_link"))


def issued(referral_id: UUID = REFERRAL, unit: str = POLICE_STATION) -> ReferralIssued:
    return referral_issued(referral_id, unit, occurred_at=now(), case_id=CASE_ID)


@pytest.fixture
def received(police) -> ReferralIssued:
    message = issued()
    police.on_referral_issued(message)
    return message


def police_call_record(**details) -> dict:
    return {
        "record_id": CALL_RECORD,
        "category": "neighbour",
        "division_code": "430426101",
        "summary": "两户因宅基地界址发生推搡，民警到场制止。",
        "parties": [
            {"role": "applicant", "name": "张三", "phone": "13800138000"},
            {"role": "respondent", "name": "李四"},
        ],
        "details": {"call_number": "110-20261122-0042", **details},
    }


# --- referrals ---------------------------------------------------------------------------


def test_an_issued_referral_waits_for_an_officer(police, agency_store, received):
    assert agency_store.status_of(REFERRAL) == "received"
    assert agency_store.referrals[REFERRAL]["unit"] == POLICE_STATION


def test_accepting_tells_the_centre_in_the_name_of_the_referrals_unit(police, uow, agency_store, http, received):
    response = police.accept(http.post({"officer": "刘警官"}), str(REFERRAL))

    assert response.status_code == 202
    assert http.body(response)["status"] == "accepted"
    [accepted] = uow.sent
    assert isinstance(accepted, ReferralAccepted)
    assert (accepted.sender, accepted.recipient) == (POLICE_STATION, CENTRE)
    assert (accepted.case_id, accepted.referral_id, accepted.officer) == (CASE_ID, REFERRAL, "刘警官")
    assert address(accepted, uow.registry) == ("wuyuan.documents", "coordinator.ReferralAccepted")
    assert agency_store.status_of(REFERRAL) == "accepted"
    assert agency_store.entries[-1]["officer"] == "刘警官"


def test_a_result_after_acceptance_reports_the_outcome(police, uow, agency_store, http, received):
    police.accept(http.post({"officer": "刘警官"}), str(REFERRAL))

    response = police.result(
        http.post({"officer": "刘警官", "outcome": "resolved", "summary": "双方签订调解协议。"}), str(REFERRAL)
    )

    assert http.body(response)["status"] == "reported"
    [result] = uow.sent_of(ResultReported)
    assert (result.outcome.value, result.summary, result.sender) == ("resolved", "双方签订调解协议。", POLICE_STATION)


def test_a_result_before_acceptance_is_refused_and_nothing_is_sent(police, uow, agency_store, http, received):
    with pytest.raises(Refused, match="only an accepted referral can report a result"):
        police.result(http.post({"officer": "刘警官", "outcome": "resolved", "summary": "已调解。"}), str(REFERRAL))

    assert uow.sent == []
    assert agency_store.status_of(REFERRAL) == "received"


def test_a_referral_already_reported_can_no_longer_be_declined(police, uow, http, received):
    police.accept(http.post({"officer": "刘警官"}), str(REFERRAL))
    police.result(http.post({"officer": "刘警官", "outcome": "unresolved", "summary": "调解不成。"}), str(REFERRAL))

    with pytest.raises(Refused, match="can no longer be declined"):
        police.decline(http.post({"officer": "刘警官", "reason": "不属于本所辖区。"}), str(REFERRAL))

    assert uow.sent_of(ReferralDeclined) == []


def test_acting_on_an_unknown_referral_is_not_found(police, http):
    with pytest.raises(NotFound):
        police.accept(http.post({"officer": "刘警官"}), "44444444-4444-4444-8444-444444444444")


def test_a_malformed_referral_id_names_the_field(police, http):
    with pytest.raises(BadInput) as refused:
        police.accept(http.post({"officer": "刘警官"}), "not-a-uuid")

    assert [f["field"] for f in refused.value.fields] == ["referral_id"]


def test_an_officer_must_sign_the_acceptance(police, uow, http, received):
    with pytest.raises(BadInput) as refused:
        police.accept(http.post({}), str(REFERRAL))

    assert [f["field"] for f in refused.value.fields] == ["officer"]
    assert uow.sent == []


def test_an_overdue_notice_that_overtakes_its_referral_is_retried_then_logged(police, uow, agency_store):
    notice = OverdueNoticeIssued.build(
        message_id=UUID(int=99),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=POLICE_STATION,
        referral_id=REFERRAL,
        due_at=now(),
    )

    with pytest.raises(NotFound):
        police.on_overdue_notice_issued(notice)
    police.on_referral_issued(issued())
    police.on_overdue_notice_issued(notice)

    assert [e["kind"] for e in agency_store.entries] == ["received", "overdue_notice"]


# --- the police station's own calls, fed in as disputes ----------------------------------


def test_a_police_call_with_violence_is_fed_in_with_the_violence_risk_flag(police, uow, agency_store, http):
    response = police.feed_record(http.post(police_call_record(violence=True)))

    assert response.status_code == 202
    assert http.body(response)["first_time"] is True
    [register] = uow.sent_of(RegisterDispute)
    assert [f.value for f in register.report.flags] == ["violence_risk"]
    assert (register.report.source.value, register.report.source_record_id) == ("police_call", CALL_RECORD)
    assert (register.sender, register.recipient) == ("police:430426", CENTRE)
    assert agency_store.records[CALL_RECORD]["details"]["violence"] is True


def test_a_violence_flag_given_by_the_officer_and_implied_by_the_call_appears_once(police, uow, http):
    record = {**police_call_record(civil_to_criminal_risk=True), "flags": ["violence_risk"]}

    police.feed_record(http.post(record))

    [register] = uow.sent_of(RegisterDispute)
    assert [f.value for f in register.report.flags] == ["violence_risk", "high_risk"]


def test_a_calm_police_call_carries_no_risk_flag(police, uow, http):
    police.feed_record(http.post(police_call_record()))

    [register] = uow.sent_of(RegisterDispute)
    assert register.report.flags == []


def test_police_call_details_that_do_not_fit_name_the_field(police, uow, agency_store, http):
    with pytest.raises(BadInput) as refused:
        police.feed_record(http.post(police_call_record(violence="sometimes")))

    assert [f["field"] for f in refused.value.fields] == ["details.violence"]
    assert uow.sent == []
    assert agency_store.records == {}


def test_the_same_call_fed_twice_is_marked_as_not_the_first_time(police, http):
    police.feed_record(http.post(police_call_record()))

    again = police.feed_record(http.post(police_call_record()))

    assert http.body(again)["first_time"] is False


def test_a_court_filing_with_a_field_the_court_does_not_define_is_refused(uow, platform, agency_store, http):
    court = worker_factory(CourtLink, uow=uow, platform=replace(platform, service="court_link"))
    filing = {
        **police_call_record(),
        "record_id": "(2026)湘0426民诉前调1234号",
        "details": {"filing_number": "(2026)湘0426民诉前调1234号", "judge": "赵法官"},
    }

    with pytest.raises(BadInput) as refused:
        court.feed_record(http.post(filing))

    assert [f["field"] for f in refused.value.fields] == ["details.judge"]
