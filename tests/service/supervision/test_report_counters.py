"""Each fact supervision handles marks its case for the report's recount, which counts it once."""

from datetime import date, datetime, timedelta, timezone
from uuid import UUID

from shared.contracts.messages import (
    CaseAssigned,
    CaseClosed,
    CaseReopened,
    CaseResolved,
    DeadlineChanged,
    LinkRecordNoted,
    ReferralClosed,
    ReferralSummary,
    UnitDesignated,
)
from shared.contracts.vocabulary import ResultCode

CST = timezone(timedelta(hours=8))
CENTRE = "centre:430426"
CASE_ID = "430426-20261102-00001"
POLICE_STATION = "police:430426101"
JUSTICE_OFFICE = "justice:430426101"
COURT = "court:430426"
SINCE_NOVEMBER = (date(2026, 11, 1), date(2100, 1, 1))  # a rating counts on the day it is given: today


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=CST)


def referral(n: int, unit: str, role: str, issued: datetime) -> ReferralSummary:
    return ReferralSummary(
        referral_id=UUID(int=n), unit=unit, role=role, round=1, issued_at=issued, due_at=issued + timedelta(days=10)
    )


def envelope(n: int, when: datetime) -> dict:
    return {"message_id": UUID(int=n), "occurred_at": when, "case_id": CASE_ID, "sender": CENTRE, "recipient": CENTRE}


def assigned() -> CaseAssigned:
    return CaseAssigned.build(
        **envelope(1, at(2)),
        mode="joint",
        source="police_call",
        category="neighbour",
        division_code="430426101203",
        flags=[],
        lead_unit=POLICE_STATION,
        co_units=[],
        referrals=[referral(11, POLICE_STATION, "lead", at(2))],
    )


def counted(store, key: str, scope: str = "430426") -> int:
    """What the counters hold now, without a recount."""
    sums = store.report_sums(scope, *SINCE_NOVEMBER)
    return sum(n for (_, dim, metric), n in sums.items() if metric == key and not dim.startswith("category:"))


def figure(store, key: str, scope: str = "430426") -> int:
    store.recount_stale(1000)  # as a report read does first
    return counted(store, key, scope)


def test_each_fact_handler_counts_its_fact_once(supervision, supervision_store, uow, http):
    supervision.on_case_assigned(assigned())
    supervision.on_case_assigned(assigned())  # redelivered: claimed already, counted once
    assert figure(supervision_store, "cases_received") == 1

    designated = UnitDesignated.build(**envelope(2, at(3)), referral=referral(12, JUSTICE_OFFICE, "co_unit", at(3)))
    supervision.on_unit_designated(designated)
    assert figure(supervision_store, "cases_received", JUSTICE_OFFICE) == 1  # now a case of the justice office too

    paused = DeadlineChanged.build(
        **envelope(3, at(4)),
        referral_id=UUID(int=12),
        unit=JUSTICE_OFFICE,
        due_at=at(13),
        paused=True,
        paused_at=at(4),
        reason="awaiting_party",
        revision=1,
    )
    supervision.on_deadline_changed(paused)
    closed = ReferralClosed.build(
        **envelope(4, at(20)),
        referral_id=UUID(int=12),
        unit=JUSTICE_OFFICE,
        reason="result_reported",
        result=ResultCode.MEDIATED,
    )
    supervision.on_referral_closed(closed)
    supervision.on_referral_closed(closed)
    assert figure(supervision_store, "parts_ended") == 1
    assert figure(supervision_store, "parts_on_time") == 1  # ended while its clock stood still, before the deadline

    resolved = CaseResolved.build(**envelope(5, at(21)), lead_unit=POLICE_STATION, round=1, result=ResultCode.MEDIATED)
    supervision.on_case_resolved(resolved)
    assert figure(supervision_store, "cases_handled") == 1 and figure(supervision_store, "cases_mediated") == 1
    assert figure(supervision_store, "parts_ended") == 2  # the station's part ended with the round

    supervision.rate(http.post({"rating": "dissatisfied"}), CASE_ID)
    assert figure(supervision_store, "ratings") == 1 and figure(supervision_store, "ratings_satisfied") == 0

    reopened = CaseReopened.build(**envelope(6, at(22)), round=2, rating="dissatisfied")
    supervision.on_case_reopened(reopened)
    assert figure(supervision_store, "cases_reopened") == 1

    supervision.sender = "wuyuan.court_link"
    noted = LinkRecordNoted.build(
        **{**envelope(7, at(23)), "case_id": None, "sender": COURT},
        link="court",
        record_id="F1",
        kind="filing_registered",
        unit=COURT,
        at=at(23),
    )
    supervision.on_link_record_noted(noted)
    supervision.on_link_record_noted(noted)
    assert figure(supervision_store, "link:court:filing_registered") == 1


def test_the_timer_counts_the_cases_changed_since_its_last_tick(supervision, supervision_store):
    supervision.on_case_assigned(assigned())
    assert counted(supervision_store, "cases_received") == 0  # marked, not counted yet
    supervision.recount_stale_reports()
    assert counted(supervision_store, "cases_received") == 1
    assert supervision_store.recount_stale(1000) == 0  # nothing left stale


def test_the_timer_counts_the_facts_kept_before_the_read_model(supervision, supervision_store, uow):
    with uow:
        uow.store.record_fact(assigned())  # as a deployment from before migration 0012 kept it
    assert figure(supervision_store, "cases_received") == 0
    supervision.rebuild_report_model()
    assert figure(supervision_store, "cases_received") == 1
    supervision.rebuild_report_model()  # complete: nothing counts twice
    assert figure(supervision_store, "cases_received") == 1


def test_facts_that_change_no_counter_skip_the_recount(supervision, supervision_store, monkeypatch):
    recounts: list[str] = []
    mark = supervision_store.mark_report_stale
    monkeypatch.setattr(
        supervision_store, "mark_report_stale", lambda case_id: (recounts.append(case_id), mark(case_id))
    )
    supervision.on_case_assigned(assigned())
    assert recounts == [CASE_ID]
    moved = DeadlineChanged.build(
        **envelope(3, at(4)), referral_id=UUID(int=11), unit=POLICE_STATION, due_at=at(13), paused=False, revision=1
    )
    supervision.on_deadline_changed(moved)  # the station's part is still running: it counts nothing yet
    supervision.on_case_closed(CaseClosed.build(**envelope(4, at(8)), rating="satisfied"))
    assert recounts == [CASE_ID]
    assert figure(supervision_store, "cases_received") == 1
    supervision.on_referral_closed(
        ReferralClosed.build(
            **envelope(5, at(5)),
            referral_id=UUID(int=11),
            unit=POLICE_STATION,
            reason="result_reported",
            result=ResultCode.MEDIATED,
        )
    )
    later = DeadlineChanged.build(
        **envelope(6, at(6)), referral_id=UUID(int=11), unit=POLICE_STATION, due_at=at(4, 9), paused=False, revision=2
    )
    supervision.on_deadline_changed(later)  # an ended part's deadline judges its on-time: recounted
    assert recounts == [CASE_ID] * 3
    assert figure(supervision_store, "parts_on_time") == 0
