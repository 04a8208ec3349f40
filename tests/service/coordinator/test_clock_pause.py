"""The coordinator and a unit's clock: ClockPaused and ClockResumed from the unit's agency, in order, once."""

import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.coordinator.dependencies import coordination_for
from services.coordinator.domain.rules import ReportTooEarly
from services.coordinator.service import Coordinator
from shared.contracts.messages import (
    CaseRegistered,
    ClockPaused,
    ClockResumed,
    DeadlineChanged,
    ReferralDeadlineChanged,
    ReferralIssued,
)
from shared.messaging.routing import address
from shared.refusal import Refused

CST = timezone(timedelta(hours=8))
CASE_ID = "430426-20250915-00001"
POLICE_STATION = "police:430426101"
JUSTICE_OFFICE = "justice:430426101"
CENTRE = "centre:430426"
INTAKE_USER = "wuyuan.intake"
POLICE_USER = "wuyuan.police_link"
JUSTICE_USER = "wuyuan.justice_link"
# A police call on Monday 15 September 2025; ten working days end on Sunday 28 September (调休).
REGISTERED = datetime(2025, 9, 15, 9, 0, tzinfo=CST)
DUE = datetime(2025, 9, 28, 17, 30, tzinfo=CST)
# 伤情鉴定 from Wednesday 17 September 10:00 to Friday 19 September 10:00: two working days.
PAUSED = datetime(2025, 9, 17, 10, 0, tzinfo=CST)
RESUMED = datetime(2025, 9, 19, 10, 0, tzinfo=CST)
MOVED_DUE = datetime(2025, 9, 30, 17, 30, tzinfo=CST)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock(REGISTERED)


@pytest.fixture
def coordinator(uow, platform, clock) -> Coordinator:
    return worker_factory(
        Coordinator, uow=uow, desk=coordination_for(replace(platform, service="coordinator", now=clock))
    )


_ids = iter(range(1, 10_000))


def message_id() -> UUID:
    return UUID(int=next(_ids))


def deliver(coordinator: Coordinator, message, broker_user: str) -> None:
    coordinator.sender = broker_user
    handle = {
        "CaseRegistered": coordinator.on_case_registered,
        "ClockPaused": coordinator.on_clock_paused,
        "ClockResumed": coordinator.on_clock_resumed,
    }[message.type]
    handle(message)


@pytest.fixture
def lead(coordinator, uow) -> ReferralIssued:
    """A police call triaged: the township's police station leads, its justice office helps."""
    registered = CaseRegistered.build(
        message_id=message_id(),
        occurred_at=REGISTERED,
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        source="police_call",
        category="neighbour",
        division_code="430426101203",
        summary="两户因宅基地界址发生推搡，一方受伤。",
        flags=[],
        parties=[
            {"role": "applicant", "kind": "person", "name": "张三", "phone": "13800138000"},
            {"role": "respondent", "kind": "person", "name": "李四"},
        ],
    )
    deliver(coordinator, registered, INTAKE_USER)
    [referral] = [m for m in uow.sent_of(ReferralIssued) if m.recipient == POLICE_STATION]
    assert referral.due_at == DUE
    return referral


def paused(referral: ReferralIssued, number: int = 1, sender: str = POLICE_STATION) -> ClockPaused:
    return ClockPaused.build(
        message_id=message_id(),
        occurred_at=PAUSED,
        case_id=CASE_ID,
        sender=sender,
        recipient=CENTRE,
        referral_id=referral.referral_id,
        officer="liu.yang",
        reason="appraisal",
        note="等待司法鉴定所出具伤情鉴定意见",
        pause_number=number,
    )


def resumed(referral: ReferralIssued, number: int = 1) -> ClockResumed:
    return ClockResumed.build(
        message_id=message_id(),
        occurred_at=RESUMED,
        case_id=CASE_ID,
        sender=referral.recipient,
        recipient=CENTRE,
        referral_id=referral.referral_id,
        officer="liu.yang",
        pause_number=number,
    )


def view(coordinator, http) -> dict:
    return http.body(coordinator.show_case(http.get(), CASE_ID))


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def referral_in(view: dict, referral_id: UUID) -> dict:
    [referral] = [r for r in view["referrals"] if r["referral_id"] == str(referral_id)]
    return referral


def test_a_pause_then_a_resume_moves_the_deadline_and_both_are_on_the_timeline(coordinator, clock, http, lead):
    clock.at = PAUSED + timedelta(minutes=1)
    deliver(coordinator, paused(lead), POLICE_USER)

    while_paused = referral_in(view(coordinator, http), lead.referral_id)
    assert (while_paused["paused"], while_paused["pause_reason"], moment(while_paused["due_at"])) == (
        True,
        "appraisal",
        DUE,
    )

    clock.at = RESUMED + timedelta(minutes=1)
    deliver(coordinator, resumed(lead), POLICE_USER)

    case = view(coordinator, http)
    after = referral_in(case, lead.referral_id)
    assert (after["paused"], moment(after["due_at"]), after["term"]) == (
        False,
        datetime(2025, 9, 30, 17, 30, tzinfo=CST),  # two working days on: Monday and Tuesday
        {"days": 10, "counting": "working"},
    )
    assert case["timeline"][-2]["kind"] == "clock_paused"
    line = case["timeline"][-1]
    assert (line["kind"], line["detail"]["reason"], line["detail"]["officer"]) == (
        "clock_resumed",
        "appraisal",
        "liu.yang",
    )
    assert (line["detail"]["paused_at"], line["detail"]["resumed_at"]) == (PAUSED.isoformat(), RESUMED.isoformat())


def test_supervision_and_the_unit_hear_of_the_moved_deadline(coordinator, uow, clock, lead):
    clock.at = RESUMED
    deliver(coordinator, paused(lead), POLICE_USER)
    deliver(coordinator, resumed(lead), POLICE_USER)

    stopped, restarted = uow.sent_of(DeadlineChanged)
    assert (stopped.paused, stopped.paused_at, stopped.reason.value, stopped.due_at) == (True, PAUSED, "appraisal", DUE)
    assert (restarted.paused, restarted.due_at, restarted.revision) == (False, MOVED_DUE, 2)
    assert address(restarted, uow.registry) == ("coordinator.events", "DeadlineChanged")
    [told] = uow.sent_of(ReferralDeadlineChanged)
    assert (told.recipient, told.referral_id, told.due_at) == (POLICE_STATION, lead.referral_id, MOVED_DUE)
    assert address(told, uow.registry) == ("wuyuan.documents", "police_link.ReferralDeadlineChanged")


def test_a_redelivered_resume_moves_the_deadline_once(coordinator, uow, store, clock, lead):
    clock.at = RESUMED
    deliver(coordinator, paused(lead), POLICE_USER)
    resume = resumed(lead)

    deliver(coordinator, resume, POLICE_USER)
    deliver(coordinator, resume, POLICE_USER)

    assert store.case(CASE_ID).referral(lead.referral_id).due_at == MOVED_DUE  # type: ignore[union-attr]
    assert len(uow.sent_of(ReferralDeadlineChanged)) == 1


def test_a_resume_that_overtook_its_pause_is_retried_and_then_fits(coordinator, uow, store, clock, lead):
    clock.at = RESUMED
    resume = resumed(lead)

    # Not Refused: the inbox parks it in the retry queue, and it comes back after the pause.
    with pytest.raises(ReportTooEarly):
        deliver(coordinator, resume, POLICE_USER)
    assert resume.message_id not in uow.claimed

    deliver(coordinator, paused(lead), POLICE_USER)
    deliver(coordinator, resume, POLICE_USER)
    assert store.case(CASE_ID).referral(lead.referral_id).due_at == MOVED_DUE  # type: ignore[union-attr]


def test_a_resume_the_centre_holds_already_is_taken_as_a_repeat_and_said_in_the_log(
    coordinator, uow, store, clock, lead, caplog
):
    """A police service restored to while pause 1 lasted: its officer redoes the resume `wuyuan reconcile` lists. Not
    refused (no dead letter, no MessageRejected); the deadline stays moved once; a warning names what was repeated."""
    clock.at = RESUMED
    deliver(coordinator, paused(lead), POLICE_USER)
    deliver(coordinator, resumed(lead), POLICE_USER)
    sent_before, timeline = len(uow.sent), list(store.timeline[CASE_ID])

    with caplog.at_level(logging.WARNING, logger="services.coordinator.handlers"):
        deliver(coordinator, resumed(lead), POLICE_USER)  # resume 1 again, under a new message id

    assert len(uow.sent) == sent_before
    assert store.timeline[CASE_ID] == timeline
    assert store.case(CASE_ID).referral(lead.referral_id).due_at == MOVED_DUE  # type: ignore[union-attr]
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    said = warning.getMessage()
    for part in (CASE_ID, str(lead.referral_id), "ClockResumed", "(pause 1)", "taken as a repeat"):
        assert part in said, part


def test_a_new_pause_from_an_agency_behind_the_centre_is_refused_not_dropped(coordinator, uow, store, clock, lead):
    """A police service restored to before pause 1, whose officers skipped the redo: the officer's new pause is
    numbered 1 again. The centre's clock runs, so it is refused (the runtime tells the agency with MessageRejected and
    puts `report_rejected` on the timeline), rather than taken quietly while the station shows its clock stopped."""
    clock.at = RESUMED
    deliver(coordinator, paused(lead), POLICE_USER)
    deliver(coordinator, resumed(lead), POLICE_USER)
    sent_before, timeline = len(uow.sent), list(store.timeline[CASE_ID])
    clock.at = RESUMED + timedelta(days=3)

    with pytest.raises(Refused, match="centre_clock_running") as refused:
        deliver(coordinator, paused(lead), POLICE_USER)

    assert "the centre's clock runs after 1 pause." in str(refused.value)
    assert len(uow.sent) == sent_before and store.timeline[CASE_ID] == timeline
    referral = store.case(CASE_ID).referral(lead.referral_id)
    assert referral is not None and (referral.paused, referral.pauses, referral.due_at) == (False, 1, MOVED_DUE)


def test_a_pause_published_by_another_agencys_service_is_refused(coordinator, uow, store, clock, lead):
    clock.at = RESUMED
    sent_before = len(uow.sent)

    with pytest.raises(Refused, match=POLICE_USER):
        deliver(coordinator, paused(lead), JUSTICE_USER)

    assert store.case(CASE_ID).referral(lead.referral_id).paused_at is None  # type: ignore[union-attr]
    assert len(uow.sent) == sent_before


def test_a_unit_cannot_pause_another_units_referral(coordinator, uow, store, clock, lead):
    clock.at = RESUMED

    with pytest.raises(Refused, match="wrong_unit"):
        deliver(coordinator, paused(lead, sender=JUSTICE_OFFICE), JUSTICE_USER)

    assert store.case(CASE_ID).referral(lead.referral_id).paused_at is None  # type: ignore[union-attr]


def test_a_paused_referral_is_not_listed_overdue_when_its_old_deadline_passes(coordinator, clock, http, lead):
    clock.at = RESUMED
    deliver(coordinator, paused(lead), POLICE_USER)
    clock.at = datetime(2025, 10, 13, 9, 0, tzinfo=CST)  # two weeks after the deadline it had

    overdue = http.body(coordinator.list_cases(http.get({"overdue": "true"})))

    # Its co-unit, the justice office, did not pause, so the case is overdue by it alone.
    [row] = overdue["cases"]
    assert row["case_id"] == CASE_ID
    view_now = view(coordinator, http)
    assert referral_in(view_now, lead.referral_id)["paused"] is True
    figures = http.body(coordinator.overview(http.get()))
    by_unit = {u["unit"]: u["overdue"] for u in figures["by_unit"]}
    assert by_unit == {JUSTICE_OFFICE: 1, POLICE_STATION: 0}


def test_every_time_in_the_case_view_is_iso_8601(coordinator, http, clock, lead):
    """`issued_at`, `due_at`, `paused_at`, each timeline line's `at` and the times inside its detail: one format,
    ISO 8601 with its 'T', as the list's rows give them (never str()'s '2026-12-05 18:38:37+00:00')."""
    clock.at = RESUMED
    deliver(coordinator, paused(lead), POLICE_USER)

    case = http.body(coordinator.show_case(http.get(), CASE_ID))

    times = list(_times(case))
    assert {"issued_at", "due_at", "paused_at", "at"} <= {key for key, _ in times}
    for key, value in times:
        assert "T" in value and datetime.fromisoformat(value).tzinfo is not None, (key, value)


_LOOKS_LIKE_A_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")


def _times(value: object, key: str = "") -> Iterator[tuple[str, str]]:
    """Every time in an API answer: a value under a key named `at` or `…_at`, or a string that looks like one."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _times(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _times(item, key)
    elif isinstance(value, str) and (key == "at" or key.endswith("_at") or _LOOKS_LIKE_A_TIME.match(value)):
        yield key, value
