"""暂停计时 / 恢复计时 at the agency base, as a township's mediators use them, and the centre's moved deadline."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.justice_link.service import JusticeLink
from shared.auth.principal import NotOwn, Principal, Role
from shared.clock import now
from shared.contracts.messages import (
    ClockPaused,
    ClockResumed,
    MessageRejected,
    ReferralDeadlineChanged,
    ReferralWithdrawn,
    ResultReported,
)
from shared.http import PUBLIC, ApiHandler, BadInput
from shared.messaging.routing import address
from shared.refusal import Refused
from tests.messages import referral_issued

CASE_ID = "430426-20261122-00001"
JUSTICE_OFFICE = "justice:430426101"
CENTRE = "centre:430426"
REFERRAL = UUID("33333333-3333-4333-8333-333333333333")
COORDINATOR_USER = "wuyuan.coordinator"
MEDIATOR = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({JUSTICE_OFFICE}))
NEIGHBOURING_MEDIATOR = Principal("chen.jing", "陈静", frozenset({Role.OFFICER}), frozenset({"justice:430426102"}))
APPRAISAL = {"reason": "appraisal", "note": "等待司法鉴定所出具伤情鉴定意见"}
DUE = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)  # 17:30 China time


@pytest.fixture
def justice(uow, platform) -> JusticeLink:
    return worker_factory(
        JusticeLink,
        uow=uow,
        platform=replace(platform, service="justice_link"),
        sender=COORDINATOR_USER,
        caller=MEDIATOR,
    )


@pytest.fixture
def accepted(justice, http) -> None:
    justice.on_referral_issued(
        referral_issued(REFERRAL, JUSTICE_OFFICE, occurred_at=now(), case_id=CASE_ID, due_at=DUE)
    )
    justice.accept(http.post({}), str(REFERRAL))


def status_of(exc: Exception) -> int:
    """What the HTTP layer answers for an exception a handler raised."""
    return ApiHandler("POST", "/", access=PUBLIC).response_from_exception(exc).status_code


def test_pausing_tells_the_centre_why_in_the_name_of_the_referrals_unit(justice, uow, agency_store, http, accepted):
    response = justice.pause(http.post(APPRAISAL), str(REFERRAL))

    assert response.status_code == 202
    [paused] = uow.sent_of(ClockPaused)
    assert (paused.sender, paused.recipient, paused.officer) == (JUSTICE_OFFICE, CENTRE, "liu.yang")
    assert (paused.reason.value, paused.note, paused.pause_number) == ("appraisal", APPRAISAL["note"], 1)
    assert address(paused, uow.registry) == ("wuyuan.documents", "coordinator.ClockPaused")
    shown = http.body(justice.show_referral(http.get(), str(REFERRAL)))
    assert (shown["status"], shown["pause_reason"], shown["pause_note"]) == ("accepted", "appraisal", APPRAISAL["note"])
    assert shown["paused_at"] is not None
    assert (shown["log"][-1]["kind"], shown["log"][-1]["officer"]) == ("paused", "liu.yang")


def test_resuming_names_the_pause_it_ends_and_a_second_pause_is_numbered_two(justice, uow, http, accepted):
    justice.pause(http.post(APPRAISAL), str(REFERRAL))
    justice.resume(http.post({}), str(REFERRAL))
    justice.pause(http.post({"reason": "awaiting_party"}), str(REFERRAL))

    [resumed] = uow.sent_of(ClockResumed)
    assert (resumed.pause_number, resumed.referral_id, resumed.sender) == (1, REFERRAL, JUSTICE_OFFICE)
    assert [p.pause_number for p in uow.sent_of(ClockPaused)] == [1, 2]
    shown = http.body(justice.show_referral(http.get(), str(REFERRAL)))
    assert (shown["pause_reason"], shown["pause_note"], shown["pauses"]) == ("awaiting_party", None, 2)


def test_pausing_a_paused_clock_is_a_conflict(justice, uow, http, accepted):
    justice.pause(http.post(APPRAISAL), str(REFERRAL))

    with pytest.raises(Refused, match="already_paused") as refused:
        justice.pause(http.post({"reason": "awaiting_party"}), str(REFERRAL))

    assert status_of(refused.value) == 409
    assert len(uow.sent_of(ClockPaused)) == 1


def test_resuming_a_clock_that_runs_is_a_conflict(justice, uow, http, accepted):
    with pytest.raises(Refused, match="not_paused") as refused:
        justice.resume(http.post({}), str(REFERRAL))

    assert status_of(refused.value) == 409
    assert uow.sent_of(ClockResumed) == []


def test_only_an_accepted_referrals_clock_can_be_paused(justice, uow, http):
    justice.on_referral_issued(referral_issued(REFERRAL, JUSTICE_OFFICE, occurred_at=now(), case_id=CASE_ID))

    with pytest.raises(Refused, match="not_accepted") as refused:
        justice.pause(http.post(APPRAISAL), str(REFERRAL))

    assert status_of(refused.value) == 409
    assert uow.sent == []


@pytest.mark.parametrize(
    ("body", "field", "kind"),
    [
        ({}, "reason", "missing"),
        ({"reason": "holiday"}, "reason", "enum"),
        ({"reason": "other"}, "note", "missing"),
        ({"reason": "other", "note": "   "}, "note", "string_too_short"),
        ({**APPRAISAL, "officer": "刘警官"}, "officer", "extra_forbidden"),
    ],
)
def test_a_bad_pause_is_refused_naming_the_field(justice, uow, http, accepted, body, field, kind):
    with pytest.raises(BadInput) as refused:
        justice.pause(http.post(body), str(REFERRAL))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [(field, kind)]
    assert status_of(refused.value) == 400
    assert uow.sent_of(ClockPaused) == []


def test_a_resume_with_a_body_is_refused_naming_the_field(justice, http, accepted):
    justice.pause(http.post(APPRAISAL), str(REFERRAL))

    with pytest.raises(BadInput) as refused:
        justice.resume(http.post({"reason": "appraisal"}), str(REFERRAL))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("reason", "extra_forbidden")]


def test_a_mediator_of_another_township_cannot_pause_the_referral(justice, uow, http, accepted):
    justice.caller = NEIGHBOURING_MEDIATOR

    with pytest.raises(NotOwn):  # answered as a referral that does not exist
        justice.pause(http.post(APPRAISAL), str(REFERRAL))

    assert uow.sent_of(ClockPaused) == []


def test_a_result_reported_while_paused_ends_the_pause_without_a_resume(justice, uow, http, accepted):
    justice.pause(http.post({"reason": "judicial_confirmation"}), str(REFERRAL))

    justice.result(http.post({"result": "handled", "summary": "法院已裁定确认调解协议有效。"}), str(REFERRAL))

    assert len(uow.sent_of(ResultReported)) == 1
    assert uow.sent_of(ClockResumed) == []
    shown = http.body(justice.show_referral(http.get(), str(REFERRAL)))
    assert (shown["status"], shown["paused_at"], shown["pause_reason"]) == ("reported", None, None)


def test_a_pause_the_centre_refuses_as_its_clock_runs_is_shown_to_officers_who_then_resume(
    justice, uow, agency_store, http, accepted
):
    """Restored from a backup, the office numbers a new pause 1 that the centre holds already, resumed since: the
    centre refuses it (`centre_clock_running`), and the office's officers read why while their clock still shows the
    pause they made, so that they can resume it and redo the rest, as the refusal says."""
    justice.pause(http.post(APPRAISAL), str(REFERRAL))
    [pause] = uow.sent_of(ClockPaused)
    detail = "rejected: centre_clock_running: pause 1 of referral … the centre's clock runs after 2 pauses"
    refusal = MessageRejected.build(
        message_id=UUID(int=903),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=JUSTICE_OFFICE,
        rejected_message_id=pause.message_id,
        rejected_type="ClockPaused",
        reason="centre_clock_running",
        detail=detail,
        referral_id=REFERRAL,
        refused_by="coordinator",
    )

    justice.on_message_rejected(refusal)

    [listed] = http.body(justice.list_rejections(http.get()))["rejections"]
    assert (listed["reason"], listed["detail"]) == ("centre_clock_running", detail)
    assert listed["rejected_type"] == "ClockPaused"
    shown = http.body(justice.show_referral(http.get(), str(REFERRAL)))
    assert shown["log"][-1]["kind"] == "rejected" and shown["paused_at"] is not None
    justice.resume(http.post({}), str(REFERRAL))
    assert [m.pause_number for m in uow.sent_of(ClockResumed)] == [1]


def deadline_changed(due_in: timedelta, message: int, revision: int = 2) -> ReferralDeadlineChanged:
    return ReferralDeadlineChanged.build(
        message_id=UUID(int=message),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=JUSTICE_OFFICE,
        referral_id=REFERRAL,
        due_at=DUE + due_in,
        revision=revision,
    )


def test_the_centres_moved_deadline_is_kept_and_logged_and_an_older_one_never_moves_it_back(
    justice, agency_store, http, accepted
):
    justice.on_referral_deadline_changed(deadline_changed(timedelta(days=2), 901, revision=2))
    justice.on_referral_deadline_changed(
        deadline_changed(timedelta(days=1), 902, revision=1)
    )  # late from the retry queue

    shown = http.body(justice.show_referral(http.get(), str(REFERRAL)))
    assert agency_store.referrals[REFERRAL]["due_at"] == datetime(2026, 12, 9, 9, 30, tzinfo=UTC)
    assert [e["kind"] for e in shown["log"]].count("deadline_changed") == 1


def test_a_resume_that_leaves_the_deadline_where_it_was_logs_no_change(justice, agency_store, http, accepted):
    justice.on_referral_deadline_changed(deadline_changed(timedelta(0), 904, revision=2))  # a pause over a weekend

    shown = http.body(justice.show_referral(http.get(), str(REFERRAL)))
    assert agency_store.referrals[REFERRAL]["due_at"] == DUE
    assert "deadline_changed" not in [e["kind"] for e in shown["log"]]


def test_a_moved_deadline_not_from_the_coordinator_is_refused(justice, agency_store, accepted):
    justice.sender = "wuyuan.supervision"

    with pytest.raises(Refused, match=r"must come from wuyuan\.coordinator"):
        justice.on_referral_deadline_changed(deadline_changed(timedelta(days=2), 903))

    assert agency_store.referrals[REFERRAL]["due_at"] == DUE


def withdrawn(message: int, successor: str | None = "justice:430426") -> ReferralWithdrawn:
    return ReferralWithdrawn.build(
        message_id=UUID(int=message),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=JUSTICE_OFFICE,
        referral_id=REFERRAL,
        reason="escalated",
        successor=successor,
    )


def test_a_referral_the_centre_took_back_is_withdrawn_its_clock_stopped_and_no_result_can_follow(
    justice, agency_store, uow, http, accepted
):
    justice.pause(http.post(APPRAISAL), str(REFERRAL))

    justice.on_referral_withdrawn(withdrawn(904))
    justice.on_referral_withdrawn(withdrawn(904))  # redelivered: once

    shown = http.body(justice.show_referral(http.get(), str(REFERRAL)))
    assert (shown["status"], shown["paused_at"]) == ("withdrawn", None)
    [line] = [e for e in shown["log"] if e["kind"] == "withdrawn"]
    assert line["detail"] == {"reason": "escalated", "successor": "justice:430426", "was": "accepted"}
    with pytest.raises(Refused) as refused:
        justice.result(http.post({"result": "handled", "summary": "已调处。"}), str(REFERRAL))
    assert refused.value.code == "already_finished"
    assert uow.sent_of(ResultReported) == []


def test_a_referral_already_reported_stays_reported_when_the_centre_takes_it_back(justice, http, accepted):
    justice.result(http.post({"result": "handled", "summary": "已依职能办结。"}), str(REFERRAL))

    justice.on_referral_withdrawn(withdrawn(905, successor=None))

    shown = http.body(justice.show_referral(http.get(), str(REFERRAL)))
    assert shown["status"] == "reported"
    assert [e["detail"]["was"] for e in shown["log"] if e["kind"] == "withdrawn"] == ["reported"]


def test_a_withdrawal_not_from_the_coordinator_is_refused(justice, agency_store, accepted):
    justice.sender = "wuyuan.supervision"

    with pytest.raises(Refused, match=r"must come from wuyuan\.coordinator"):
        justice.on_referral_withdrawn(withdrawn(906))

    assert agency_store.referrals[REFERRAL]["status"] == "accepted"
