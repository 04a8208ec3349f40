"""The agency base as the police station's officers use it: referrals in, accept/result out, police calls fed in."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.court_link.service import CourtLink
from services.police_link.service import PoliceLink
from shared.auth.principal import Forbidden, NotOwn, Principal, Role
from shared.clock import now
from shared.contracts.messages import (
    OverdueNoticeIssued,
    ProgressReported,
    ReferralAccepted,
    ReferralDeclined,
    ReferralIssued,
    ReferralWithdrawn,
    RegisterDispute,
    ReminderIssued,
    ResultReported,
)
from shared.http import BadInput
from shared.messaging.routing import address
from shared.persistence.errors import NotFound
from shared.refusal import Refused
from shared.wording import REFERRAL_LOG_KINDS
from shared.workdays import CHINA_TZ
from tests.messages import notice_circulated, referral_issued

CASE_ID = "430426-20261122-00001"
POLICE_STATION = "police:430426101"
CENTRE = "centre:430426"
REFERRAL = UUID("33333333-3333-4333-8333-333333333333")
CALL_RECORD = "JQ430426202611220042"
# Broker users, as RabbitMQ vouches for them in a message's user_id.
COORDINATOR_USER = "wuyuan.coordinator"
SUPERVISION_USER = "wuyuan.supervision"
# Signed-in callers, as the token verifier hands them to the service.
STATION_OFFICER = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({POLICE_STATION}))
NEIGHBOURING_STATION_OFFICER = Principal(
    "chen.jing", "陈静", frozenset({Role.OFFICER}), frozenset({"police:430426102"})
)
COUNTY_BUREAU_OFFICER = Principal("zhou.bin", "周斌", frozenset({Role.OFFICER}), frozenset({"police:430426"}))
COURT_OFFICER = Principal("zhao.li", "赵丽", frozenset({Role.OFFICER}), frozenset({"court:430426"}))
COORDINATOR = Principal("wang.fang", "王芳", frozenset({Role.COORDINATOR}))


@pytest.fixture
def police(uow, platform) -> PoliceLink:
    return worker_factory(
        PoliceLink,
        uow=uow,
        platform=replace(platform, service="police_link"),
        sender=COORDINATOR_USER,
        caller=STATION_OFFICER,
    )


def deliver(service, handle, message, broker_user: str) -> None:
    """What the inbox does: the broker vouches for the publishing user, the handler runs."""
    service.sender = broker_user
    handle(message)


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
    response = police.accept(http.post({}), str(REFERRAL))

    assert response.status_code == 202
    assert http.body(response)["status"] == "accepted"
    [accepted] = uow.sent
    assert isinstance(accepted, ReferralAccepted)
    assert (accepted.sender, accepted.recipient) == (POLICE_STATION, CENTRE)
    assert (accepted.case_id, accepted.referral_id, accepted.officer) == (CASE_ID, REFERRAL, "liu.yang")
    assert address(accepted, uow.registry) == ("wuyuan.documents", "coordinator.ReferralAccepted")
    assert agency_store.status_of(REFERRAL) == "accepted"
    assert agency_store.entries[-1]["officer"] == "liu.yang"


AGREEMENT = {
    "number": "祁公调〔2026〕第42号",
    "signed_on": "2026-11-23",
    "terms": "李四赔偿张三医药费三千元，当场付清。",
}
MEDIATED = {"result": "mediated", "agreement": AGREEMENT, "summary": "民警主持调解，双方签订调解协议。"}


def test_a_mediated_result_sends_the_centre_its_code_and_the_agreement_the_parties_signed(
    police, uow, agency_store, http, received
):
    police.accept(http.post({}), str(REFERRAL))

    response = police.result(http.post(MEDIATED), str(REFERRAL))

    assert response.status_code == 202
    assert http.body(response)["status"] == "reported"
    [result] = uow.sent_of(ResultReported)
    assert (result.result.value, result.outcome.value, result.sender) == ("mediated", "resolved", POLICE_STATION)
    assert result.agreement is not None
    assert (result.agreement.number, result.agreement.signed_on.isoformat(), result.agreement.terms) == (
        "祁公调〔2026〕第42号",
        "2026-11-23",
        "李四赔偿张三医药费三千元，当场付清。",
    )
    assert result.summary == "民警主持调解，双方签订调解协议。"
    assert address(result, uow.registry) == ("wuyuan.documents", "coordinator.ResultReported")


def test_a_reported_referral_shows_its_result_and_agreement_in_the_list_and_on_its_page(police, http, received):
    police.accept(http.post({}), str(REFERRAL))
    police.result(http.post(MEDIATED), str(REFERRAL))

    shown = http.body(police.show_referral(http.get(), str(REFERRAL)))
    (listed_row,) = http.body(police.list_referrals(http.get({"status": "reported"})))["referrals"]

    assert (shown["status"], shown["result"], shown["outcome"]) == ("reported", "mediated", "resolved")
    assert shown["agreement"] == {**AGREEMENT, "form": "written"}
    assert (listed_row["result"], listed_row["agreement"]) == ("mediated", {**AGREEMENT, "form": "written"})
    assert shown["log"][-1]["detail"]["result"] == "mediated"


def test_a_result_the_unit_handled_by_its_own_procedure_carries_no_agreement(police, uow, http, received):
    police.accept(http.post({}), str(REFERRAL))

    police.result(http.post({"result": "handled", "summary": "依法作出治安调解处理。"}), str(REFERRAL))

    [result] = uow.sent_of(ResultReported)
    assert (result.result.value, result.outcome.value, result.agreement) == ("handled", "resolved", None)


def test_a_body_from_before_result_codes_is_still_accepted_and_sent_as_handled(
    police, uow, agency_store, http, received
):
    police.accept(http.post({}), str(REFERRAL))

    response = police.result(http.post({"outcome": "resolved", "summary": "双方和解。"}), str(REFERRAL))

    assert http.body(response)["status"] == "reported"
    [result] = uow.sent_of(ResultReported)
    assert (result.result.value, result.outcome.value, result.agreement) == ("handled", "resolved", None)
    assert agency_store.referrals[REFERRAL]["result"] == "handled"


def refused_fields(police, http, body: dict) -> list[str]:
    police.accept(http.post({}), str(REFERRAL))
    with pytest.raises(BadInput) as refused:
        police.result(http.post(body), str(REFERRAL))
    return [f["field"] for f in refused.value.fields]


def test_a_mediated_result_without_the_agreement_is_refused_naming_the_agreement(
    police, uow, agency_store, http, received
):
    fields = refused_fields(police, http, {"result": "mediated", "summary": "双方达成口头协议。"})

    assert fields == ["agreement"]
    assert uow.sent_of(ResultReported) == []
    assert agency_store.status_of(REFERRAL) == "accepted"


def test_an_agreement_without_its_signing_day_is_refused_naming_that_field(police, uow, http, received):
    body = {**MEDIATED, "agreement": {"terms": "李四赔偿张三医药费三千元。"}}

    assert refused_fields(police, http, body) == ["agreement.signed_on"]
    assert uow.sent_of(ResultReported) == []


def test_an_agreement_dated_after_today_is_refused_as_a_typing_mistake(police, uow, agency_store, http, received):
    tomorrow = (now().astimezone(CHINA_TZ).date() + timedelta(days=1)).isoformat()
    body = {**MEDIATED, "agreement": {**AGREEMENT, "signed_on": tomorrow}}

    police.accept(http.post({}), str(REFERRAL))
    with pytest.raises(BadInput) as refused:
        police.result(http.post(body), str(REFERRAL))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("agreement.signed_on", "date_future")]
    assert uow.sent_of(ResultReported) == []
    assert agency_store.status_of(REFERRAL) == "accepted"


def test_an_agreement_dated_after_today_in_a_result_without_its_summary_is_one_400_naming_both(
    police, uow, agency_store, http, received
):
    today = now().astimezone(CHINA_TZ).date()
    body = {"result": "mediated", "agreement": {**AGREEMENT, "signed_on": (today + timedelta(days=1)).isoformat()}}

    police.accept(http.post({}), str(REFERRAL))
    with pytest.raises(BadInput) as refused:
        police.result(http.post(body), str(REFERRAL))

    assert [(f["field"], f["type"], f["message"]) for f in refused.value.fields] == [
        ("agreement.signed_on", "date_future", f"is after today ({today.isoformat()})"),
        ("summary", "missing", "Field required"),
    ]
    assert uow.sent_of(ResultReported) == []
    assert agency_store.status_of(REFERRAL) == "accepted"


def test_an_agreement_dated_before_the_case_was_registered_is_refused_as_a_typing_mistake(
    police, uow, agency_store, http, received
):
    body = {**MEDIATED, "agreement": {**AGREEMENT, "signed_on": "2026-11-21"}}  # the case is of 22 November

    police.accept(http.post({}), str(REFERRAL))
    with pytest.raises(BadInput) as refused:
        police.result(http.post(body), str(REFERRAL))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("agreement.signed_on", "date_before_start")]
    assert uow.sent_of(ResultReported) == []
    assert agency_store.status_of(REFERRAL) == "accepted"
    police.result(http.post({**MEDIATED, "agreement": {**AGREEMENT, "signed_on": "2026-11-22"}}), str(REFERRAL))
    assert uow.sent_of(ResultReported)[0].agreement.signed_on.isoformat() == "2026-11-22"  # its own day is taken


@pytest.mark.parametrize("signed_on", ["0001-01-01", "1899-12-31"])
def test_an_agreement_dated_outside_the_accepted_years_is_refused_naming_its_day(
    police, uow, agency_store, http, received, signed_on
):
    body = {**MEDIATED, "agreement": {**AGREEMENT, "signed_on": signed_on}}

    police.accept(http.post({}), str(REFERRAL))
    with pytest.raises(BadInput) as refused:
        police.result(http.post(body), str(REFERRAL))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("agreement.signed_on", "date_out_of_range")]
    assert uow.sent_of(ResultReported) == []
    assert agency_store.status_of(REFERRAL) == "accepted"


def test_an_outcome_that_contradicts_the_result_is_refused_naming_the_result(police, uow, agency_store, http, received):
    body = {"result": "referred_to_litigation", "outcome": "resolved", "summary": "已引导当事人起诉。"}

    assert refused_fields(police, http, body) == ["result"]
    assert uow.sent_of(ResultReported) == []
    assert agency_store.status_of(REFERRAL) == "accepted"


def test_an_agreement_on_a_result_that_is_no_agreement_is_refused_naming_the_agreement(police, uow, http, received):
    body = {"result": "mediation_failed", "agreement": AGREEMENT, "summary": "调解不成。"}

    assert refused_fields(police, http, body) == ["agreement"]
    assert uow.sent_of(ResultReported) == []


def test_a_result_with_neither_code_nor_outcome_is_refused_naming_the_result(police, uow, http, received):
    assert refused_fields(police, http, {"summary": "已办理。"}) == ["result"]
    assert uow.sent_of(ResultReported) == []


def test_a_result_before_acceptance_is_refused_and_nothing_is_sent(police, uow, agency_store, http, received):
    with pytest.raises(Refused, match="only an accepted referral can report a result"):
        police.result(http.post({"result": "handled", "summary": "已调解。"}), str(REFERRAL))

    assert uow.sent == []
    assert agency_store.status_of(REFERRAL) == "received"


def test_a_referral_already_reported_can_no_longer_be_declined(police, uow, http, received):
    police.accept(http.post({}), str(REFERRAL))
    police.result(http.post({"result": "mediation_failed", "summary": "调解不成。"}), str(REFERRAL))

    with pytest.raises(Refused, match="can no longer be declined"):
        police.decline(http.post({"reason": "不属于本所辖区。"}), str(REFERRAL))

    assert uow.sent_of(ReferralDeclined) == []


def test_numbers_an_officer_types_into_a_note_are_masked_before_they_are_kept_or_sent(
    police, uow, agency_store, http, received
):
    police.accept(http.post({}), str(REFERRAL))
    police.progress(http.post({"note": "已联系申请人，电话13800138000，身份证430426199005201239"}), str(REFERRAL))

    [progress] = uow.sent_of(ProgressReported)
    assert progress.note == "已联系申请人，电话138****8000，身份证430426********1239"
    assert "13800138000" not in str(agency_store.entries)


def test_acting_on_an_unknown_referral_is_not_found(police, http):
    with pytest.raises(NotFound):
        police.accept(http.post({}), "44444444-4444-4444-8444-444444444444")


def test_a_malformed_referral_id_names_the_field(police, http):
    with pytest.raises(BadInput) as refused:
        police.accept(http.post({}), "not-a-uuid")

    assert [f["field"] for f in refused.value.fields] == ["referral_id"]


def test_an_officer_name_typed_into_the_body_is_refused_the_signed_in_caller_acts(police, uow, http, received):
    with pytest.raises(BadInput) as refused:
        police.accept(http.post({"officer": "刘警官"}), str(REFERRAL))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("officer", "extra_forbidden")]
    assert uow.sent == []


@pytest.mark.parametrize(
    ("note", "error_type"), [("已联系\x00申请人", "control_character"), ("已联系\ud800申请人", "string_unicode")]
)
def test_a_note_no_database_could_keep_is_refused_naming_the_note_and_nothing_is_sent(
    police, uow, agency_store, http, received, note, error_type
):
    police.accept(http.post({}), str(REFERRAL))
    kept = len(agency_store.entries)

    with pytest.raises(BadInput) as refused:
        police.progress(http.post({"note": note}), str(REFERRAL))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("note", error_type)]
    assert uow.sent_of(ProgressReported) == []
    assert len(agency_store.entries) == kept


def test_a_result_summary_holding_a_lone_surrogate_is_refused_naming_the_summary(police, uow, http, received):
    police.accept(http.post({}), str(REFERRAL))

    with pytest.raises(BadInput) as refused:
        police.result(http.post({"result": "handled", "summary": "依法处理\ud800"}), str(REFERRAL))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("summary", "string_unicode")]
    assert uow.sent_of(ResultReported) == []


def letter(kind: type[ReminderIssued] | type[OverdueNoticeIssued], message_id: int, recipient: str = POLICE_STATION):
    """Supervision's letter about this station's referral, due now, to `recipient`."""
    return kind.build(
        message_id=UUID(int=message_id),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=recipient,
        referral_id=REFERRAL,
        due_at=now(),
    )


def test_an_overdue_notice_that_overtakes_its_referral_is_retried_then_logged(police, uow, agency_store):
    notice = letter(OverdueNoticeIssued, 99)

    with pytest.raises(NotFound):
        deliver(police, police.on_overdue_notice_issued, notice, SUPERVISION_USER)
    deliver(police, police.on_referral_issued, issued(), COORDINATOR_USER)
    deliver(police, police.on_overdue_notice_issued, notice, SUPERVISION_USER)

    assert [e["kind"] for e in agency_store.entries] == ["received", "overdue_notice"]


# --- officers act for their own units only ---------------------------------------------------

NEIGHBOURING_REFERRAL = UUID("55555555-5555-4555-8555-555555555555")
OTHER_UNITS = pytest.mark.parametrize(
    "caller", [NEIGHBOURING_STATION_OFFICER, COURT_OFFICER], ids=["another station", "another agency"]
)
ACTIONS = {
    "accept": {},
    "decline": {"reason": "不属于本所辖区。"},
    "progress": {"note": "已约双方到所面谈。"},
    "result": MEDIATED,
}


def listed(police, http, caller: Principal, **query: str) -> list[str]:
    police.caller = caller
    return [r["referral_id"] for r in http.body(police.list_referrals(http.get(query)))["referrals"]]


@OTHER_UNITS
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_an_officer_of_another_unit_cannot_act_and_nothing_is_stored_or_sent(
    police, uow, agency_store, http, received, caller, action
):
    police.caller = caller
    # Another agency's officer is refused before the referral is read (403); another station's is answered as if the
    # referral did not exist (404), so that an id never tells whether another unit holds it.
    refusal = (
        pytest.raises(Forbidden, match=f"{caller.subject} is not an officer of police")
        if caller is COURT_OFFICER
        else pytest.raises(NotOwn, match=f"no referral {REFERRAL}")
    )

    with refusal:
        getattr(police, action)(http.post(ACTIONS[action]), str(REFERRAL))

    assert uow.sent == []
    assert agency_store.status_of(REFERRAL) == "received"
    assert [e["kind"] for e in agency_store.entries] == ["received"]


@OTHER_UNITS
def test_an_officer_of_another_unit_cannot_see_the_referral(police, http, received, caller):
    police.caller = caller

    with pytest.raises(Forbidden if caller is COURT_OFFICER else NotOwn):
        police.show_referral(http.get(), str(REFERRAL))


def test_the_list_shows_only_the_callers_units_and_a_county_bureau_sees_its_stations(police, http):
    police.on_referral_issued(issued())
    police.on_referral_issued(issued(NEIGHBOURING_REFERRAL, "police:430426102"))

    assert listed(police, http, STATION_OFFICER) == [str(REFERRAL)]
    assert listed(police, http, NEIGHBOURING_STATION_OFFICER) == [str(NEIGHBOURING_REFERRAL)]
    assert sorted(listed(police, http, COUNTY_BUREAU_OFFICER)) == [str(REFERRAL), str(NEIGHBOURING_REFERRAL)]
    assert listed(police, http, COUNTY_BUREAU_OFFICER, status="received", limit="1") == [str(REFERRAL)]


@pytest.mark.parametrize("caller", [COURT_OFFICER, COORDINATOR], ids=["another agency", "centre staff"])
def test_only_the_agencys_own_officers_may_list_its_referrals(police, http, received, caller):
    police.caller = caller

    with pytest.raises(Forbidden, match="is not an officer of police"):
        police.list_referrals(http.get())


@pytest.mark.parametrize("caller", [COURT_OFFICER, COORDINATOR], ids=["another agency", "centre staff"])
def test_only_the_agencys_own_officers_may_feed_its_records(police, uow, agency_store, http, caller):
    police.caller = caller

    with pytest.raises(Forbidden):
        police.feed_record(http.post(police_call_record()))

    assert uow.sent == []
    assert agency_store.records == {}


def test_a_county_bureau_officer_acts_for_its_stations_and_every_log_line_names_them(
    police, uow, agency_store, http, received
):
    police.caller = COUNTY_BUREAU_OFFICER

    police.accept(http.post({}), str(REFERRAL))
    police.progress(http.post(ACTIONS["progress"]), str(REFERRAL))
    police.result(http.post(ACTIONS["result"]), str(REFERRAL))

    log = http.body(police.show_referral(http.get(), str(REFERRAL)))["log"]
    assert [(line["kind"], line["officer"]) for line in log] == [
        ("received", None),
        ("accepted", "zhou.bin"),
        ("progress", "zhou.bin"),
        ("result", "zhou.bin"),
    ]
    assert {message.officer for message in uow.sent} == {"zhou.bin"}
    assert {message.sender for message in uow.sent} == {POLICE_STATION}


# --- only the centre's groups may send to an agency -----------------------------------------


@pytest.mark.parametrize(
    "broker_user", ["wuyuan.court_link", "wuyuan.intake", "wuyuan.supervision", "other.coordinator", None]
)
def test_a_referral_not_published_by_the_coordinator_is_refused_and_nothing_is_stored(
    police, uow, agency_store, broker_user
):
    forged = issued()

    with pytest.raises(Refused) as refused:
        deliver(police, police.on_referral_issued, forged, broker_user)

    assert refused.value.code == "wrong_sender"
    assert "must come from wuyuan.coordinator" in str(refused.value)
    assert REFERRAL not in agency_store.referrals
    assert agency_store.entries == []
    assert forged.message_id not in uow.claimed


@pytest.mark.parametrize("sender", ["court:430426", "police:430426", "centre:430426101", "centre:430481"])
def test_a_referral_from_the_coordinators_user_in_another_units_name_is_refused_and_nothing_is_stored(
    police, uow, agency_store, sender
):
    # The coordinator speaks for the county's centre alone: a referral "from" a court, a police bureau or another
    # centre was not written by it as it writes referrals, whoever holds its broker user.
    forged = referral_issued(REFERRAL, POLICE_STATION, occurred_at=now(), case_id=CASE_ID, sender=sender)

    with pytest.raises(Refused) as refused:
        deliver(police, police.on_referral_issued, forged, COORDINATOR_USER)

    assert refused.value.code == "wrong_sender"
    assert f"names sender {sender}, not the centre (centre:430426)" in str(refused.value)
    assert REFERRAL not in agency_store.referrals
    assert agency_store.entries == []
    assert forged.message_id not in uow.claimed


def test_a_referral_to_another_agency_s_unit_is_refused_and_never_shown_to_anyone(police, uow, agency_store):
    misrouted = issued(unit="court:430426")

    with pytest.raises(Refused) as refused:
        deliver(police, police.on_referral_issued, misrouted, COORDINATOR_USER)

    assert refused.value.code == "wrong_unit"
    assert "court:430426 is not a unit of police" in str(refused.value)
    assert REFERRAL not in agency_store.referrals
    assert misrouted.message_id not in uow.claimed


def test_a_letter_or_notice_to_another_agency_s_unit_is_refused_and_not_kept(police, uow, agency_store, received):
    letter = numbered_notice(99, "court:430426")
    notice = notice_circulated(UUID(int=8), "court:430426", "祁东综治〔2026〕通报第1号")

    for handle, message in ((police.on_overdue_notice_issued, letter), (police.on_notice_circulated, notice)):
        with pytest.raises(Refused, match=r"wrong_unit: .*court:430426 is not a unit of police"):
            deliver(police, handle, message, SUPERVISION_USER)

    assert [e["kind"] for e in agency_store.entries] == ["received"]
    assert agency_store.notices == {}


def test_a_letter_or_withdrawal_naming_another_unit_s_referral_is_refused_and_changes_nothing(
    police, uow, agency_store, received
):
    """Addressed to the neighbouring station, about this station's referral: neither is touched."""
    neighbour = "police:430426102"
    reminder = letter(ReminderIssued, 97, neighbour)
    withdrawal = ReferralWithdrawn.build(
        message_id=UUID(int=96),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=neighbour,
        referral_id=REFERRAL,
        reason="escalated",
        successor="police:430426",
    )

    with pytest.raises(Refused, match=r"wrong_unit: .*which is police:430426101's"):
        deliver(police, police.on_reminder_issued, reminder, SUPERVISION_USER)
    with pytest.raises(Refused, match="wrong_unit"):
        deliver(police, police.on_referral_withdrawn, withdrawal, COORDINATOR_USER)

    assert agency_store.status_of(REFERRAL) == "received"
    assert [e["kind"] for e in agency_store.entries] == ["received"]


def test_a_letter_not_published_by_supervision_is_refused_and_not_logged(police, uow, agency_store, received):
    reminder = letter(ReminderIssued, 98)

    for broker_user in (COORDINATOR_USER, "wuyuan.court_link"):
        with pytest.raises(Refused, match=r"must come from wuyuan\.supervision"):
            deliver(police, police.on_reminder_issued, reminder, broker_user)

    assert [e["kind"] for e in agency_store.entries] == ["received"]
    assert reminder.message_id not in uow.claimed


# --- the police station's own calls, fed in as disputes ----------------------------------


def test_a_police_call_with_violence_is_fed_in_with_the_violence_risk_flag(police, uow, agency_store, http):
    response = police.feed_record(http.post(police_call_record(violence=True)))

    assert response.status_code == 202
    assert http.body(response)["first_time"] is True
    [register] = uow.sent_of(RegisterDispute)
    assert [f.value for f in register.report.flags] == ["violence_risk"]
    assert (register.report.source.value, register.report.source_record_id) == ("police_call", CALL_RECORD)
    assert (register.sender, register.recipient) == ("police:430426", CENTRE)
    assert register.fed_by == "liu.yang"  # the officer who fed it, recorded by intake with the report
    assert agency_store.records[CALL_RECORD]["details"]["violence"] is True


def test_an_officer_feeds_records_only_for_the_places_of_their_own_units(police, uow, http):
    record = {**police_call_record(), "division_code": "430426205"}  # another station's township

    with pytest.raises(Forbidden):
        police.feed_record(http.post(record))

    assert uow.sent_of(RegisterDispute) == []


def test_a_fed_record_keeps_no_id_number_at_the_agency_and_sends_it_to_intake_alone(police, uow, agency_store, http):
    record = police_call_record()
    record["parties"][1]["id_number"] = "430426199005201239"

    police.feed_record(http.post(record))

    [register] = uow.sent_of(RegisterDispute)
    assert register.report.parties[1].id_number == "430426199005201239"  # intake keeps it, sealed
    kept = agency_store.records[CALL_RECORD]["report"]
    assert "430426199005201239" not in str(kept)
    assert kept["parties"][0]["phone"] == "13800138000"  # the agency's own officers may call back


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
    court = worker_factory(CourtLink, uow=uow, platform=replace(platform, service="court_link"), caller=COURT_OFFICER)
    filing = {
        **police_call_record(),
        "record_id": "(2026)湘0426民诉前调1234号",
        "details": {"filing_number": "(2026)湘0426民诉前调1234号", "judge": "赵法官"},
    }

    with pytest.raises(BadInput) as refused:
        court.feed_record(http.post(filing))

    assert [f["field"] for f in refused.value.fields] == ["details.judge"]


def test_an_officer_declines_a_case_as_beyond_the_unit_s_level(police, uow, http, received):
    police.decline(
        http.post({"reason": "涉及跨乡镇土地权属，超出本所处置能力。", "reason_code": "beyond_level"}), str(REFERRAL)
    )

    [declined] = uow.sent_of(ReferralDeclined)
    assert (declined.reason_code.value, declined.schema_version) == ("beyond_level", 2)


def test_a_decline_reason_code_outside_the_list_names_the_field(police, http, received):
    with pytest.raises(BadInput) as refused:
        police.decline(http.post({"reason": "不属于本所辖区。", "reason_code": "too_busy"}), str(REFERRAL))

    assert [f["field"] for f in refused.value.fields] == ["reason_code"]


# --- 两函一通报: the letters' numbers, the superior's copy, the 通报 ----------------------------------


# When supervision's timer issued the 督办函 below: a letter's own time, not when the agency took it.
ISSUED_AT = datetime(2026, 12, 8, 17, 31, 5, tzinfo=CHINA_TZ)


def numbered_notice(message_id: int, recipient: str, about_unit: str | None = None) -> OverdueNoticeIssued:
    return OverdueNoticeIssued.build(
        message_id=UUID(int=message_id),
        occurred_at=ISSUED_AT,
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=recipient,
        referral_id=REFERRAL,
        due_at=now(),
        document_number="祁东综治〔2026〕督办第3号",
        document_id=UUID(int=7),
        about_unit=about_unit,
    )


def test_a_numbered_letter_and_the_superior_s_copy_are_logged_with_the_number(police, agency_store):
    deliver(police, police.on_referral_issued, issued(), COORDINATOR_USER)

    deliver(police, police.on_overdue_notice_issued, numbered_notice(101, POLICE_STATION), SUPERVISION_USER)
    deliver(
        police, police.on_overdue_notice_issued, numbered_notice(102, "police:430426", POLICE_STATION), SUPERVISION_USER
    )

    letters = [e for e in agency_store.entries if e["kind"].startswith("overdue_notice")]
    assert [e["kind"] for e in letters] == ["overdue_notice", "overdue_notice_superior"]
    assert {e["detail"]["document_number"] for e in letters} == {"祁东综治〔2026〕督办第3号"}
    assert letters[1]["detail"]["about_unit"] == POLICE_STATION
    # With the letter's own time, which a restore of supervision archives it again under.
    assert [datetime.fromisoformat(e["detail"]["issued_at"]) for e in letters] == [ISSUED_AT, ISSUED_AT]
    # Both lines sit in the station's referral log: one letter, and its copy, never read as a second letter.
    assert [REFERRAL_LOG_KINDS[e["kind"]] for e in letters] == ["收到督办函", "上级单位收到督办函抄送"]


def test_a_notice_is_taken_once_and_only_from_supervision(police, uow, agency_store):
    notice = notice_circulated(UUID(int=8), POLICE_STATION, "祁东综治〔2026〕通报第1号", overdue_letters=2)

    with pytest.raises(Refused, match=r"must come from wuyuan\.supervision"):
        deliver(police, police.on_notice_circulated, notice, COORDINATOR_USER)
    deliver(police, police.on_notice_circulated, notice, SUPERVISION_USER)

    assert notice.message_id in uow.claimed
    # Its number is kept, for a restore of supervision to number the next 通报 after it.
    kept = agency_store.notices[(UUID(int=8), POLICE_STATION)]
    assert kept["document_number"] == "祁东综治〔2026〕通报第1号"
    assert (kept["period_from"], kept["period_to"]) == (date(2026, 11, 1), date(2026, 11, 30))
