"""Supervision's clock and visits: 提醒函 at 80% of a unit's time, 督办函 once overdue, one rating per round."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.supervision import service as supervision_service
from services.supervision import store
from services.supervision.domain import FollowUp, Watch, reminder_due_at
from services.supervision.service import Supervision
from shared.clock import now
from shared.contracts.messages import (
    CaseAssigned,
    CaseClosed,
    CaseResolved,
    FollowUpRated,
    OverdueNoticeIssued,
    ReferralClosed,
    ReferralSummary,
    ReminderIssued,
    UnitDesignated,
)
from shared.contracts.vocabulary import ReferralRole
from shared.http import ApiHandler, BadInput
from shared.messaging.inbox import Rejected
from shared.persistence.errors import NotFound

CASE_ID = "430426-20261122-00001"
POLICE_STATION = "police:430426101"
JUSTICE_OFFICE = "justice:430426101"
CENTRE = "centre:430426"
LEAD_REFERRAL = UUID("11111111-1111-4111-8111-111111111111")
CO_REFERRAL = UUID("22222222-2222-4222-8222-222222222222")


class FakeSupervisionStore:
    """Watches and follow-ups in dicts; `lock_watches_due` selects as the real query does."""

    def __init__(self) -> None:
        self.watches: dict[UUID, Watch] = {}
        self.follow_ups: dict[tuple[str, int], dict] = {}
        self.facts: dict[UUID, dict] = {}
        self.early_closures: dict[UUID, datetime] = {}

    def serialise_case(self, uow, case_id):
        pass  # one worker at a time here

    def add_watch(self, uow, case_id, referral, trace):
        ended = [
            f["follow_up"].opened_at for (c, r), f in self.follow_ups.items() if c == case_id and r >= referral.round
        ]
        if referral.referral_id in self.early_closures:
            ended = [self.early_closures[referral.referral_id]]
        self.watches.setdefault(
            referral.referral_id,
            Watch(
                referral_id=referral.referral_id,
                case_id=case_id,
                unit=referral.unit,
                role=referral.role,
                issued_at=referral.issued_at,
                due_at=referral.due_at,
                closed_at=min(ended, default=None),
            ),
        )

    def close_watch(self, uow, case_id, referral_id, at):
        watch = self.watches.get(referral_id)
        if watch is None:
            self.early_closures.setdefault(referral_id, at)
        elif watch.closed_at is None:
            self.watches[referral_id] = Watch(**{**watch.__dict__, "closed_at": at})

    def close_watches_of_case(self, uow, case_id, at):
        for watch in list(self.watches.values()):
            if watch.case_id == case_id:
                self.close_watch(uow, case_id, watch.referral_id, at)

    def lock_watches_due(self, uow, now, limit):
        due = [
            w
            for w in self.watches.values()
            if w.closed_at is None
            and w.overdue_sent_at is None
            and ((w.reminder_sent_at is None and reminder_due_at(w) <= now) or w.due_at < now)
        ]
        return [(w, {}) for w in sorted(due, key=reminder_due_at)[:limit]]

    def save_letters(self, uow, watch):
        self.watches[watch.referral_id] = watch

    def open_follow_up(self, uow, follow_up, trace):
        self.follow_ups.setdefault((follow_up.case_id, follow_up.round), {"follow_up": follow_up, "trace": trace})

    def lock_latest_follow_up(self, uow, case_id):
        rounds = [r for c, r in self.follow_ups if c == case_id]
        if not rounds:
            raise NotFound(f"no follow-up is open for case {case_id}; a case is rated after it is resolved")
        row = self.follow_ups[(case_id, max(rounds))]
        return row["follow_up"], row["trace"]

    def save_rating(self, uow, follow_up, comment, visitor):
        row = self.follow_ups[(follow_up.case_id, follow_up.round)]
        row.update(follow_up=follow_up, comment=comment, visitor=visitor)

    def list_follow_ups(self, uow, pending_only, limit):
        rows = [r["follow_up"] for r in self.follow_ups.values()]
        return [
            {"case_id": f.case_id, "round": f.round, "rating": f.rating}
            for f in rows
            if not pending_only or f.rating is None
        ][:limit]

    def watches_of(self, uow, case_id):
        return [
            {"referral_id": w.referral_id, "unit": w.unit, "due_at": w.due_at}
            for w in self.watches.values()
            if w.case_id == case_id
        ]

    def record_fact(self, uow, message):
        self.facts.setdefault(message.message_id, {"case_id": message.case_id, "fact": message.type})


@pytest.fixture
def supervision_store(install_store) -> FakeSupervisionStore:
    return install_store(store, FakeSupervisionStore())


@pytest.fixture
def supervision(run_as, db, supervision_store) -> Supervision:
    run_as("supervision")
    return worker_factory(Supervision, db=db)


def summary(referral_id: UUID, unit: str, role: str, issued_ago: timedelta, due_in: timedelta) -> ReferralSummary:
    at = now()
    return ReferralSummary(
        referral_id=referral_id, unit=unit, role=role, round=1, issued_at=at - issued_ago, due_at=at + due_in
    )


def designated(referral_id: UUID, unit: str, role: str, issued_ago: timedelta, due_in: timedelta) -> UnitDesignated:
    return UnitDesignated.build(
        message_id=UUID(int=referral_id.int ^ 1),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        referral=summary(referral_id, unit, role, issued_ago, due_in),
    )


def assigned(*referrals: ReferralSummary) -> CaseAssigned:
    return CaseAssigned.build(
        message_id=UUID(int=500),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        mode="joint",
        source="walk_in",
        category="neighbour",
        division_code="430426101203",
        flags=[],
        lead_unit=referrals[0].unit,
        co_units=[r.unit for r in referrals[1:]],
        referrals=list(referrals),
    )


def resolved(message_id: int = 501, round: int = 1) -> CaseResolved:
    return CaseResolved.build(
        message_id=UUID(int=message_id),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        lead_unit=POLICE_STATION,
        round=round,
    )


# --- deadline letters ------------------------------------------------------------------


def test_a_unit_with_80_percent_of_its_time_gone_gets_one_reminder(supervision, db):
    supervision.on_unit_designated(
        designated(LEAD_REFERRAL, POLICE_STATION, "lead", issued_ago=timedelta(days=9), due_in=timedelta(days=1))
    )

    supervision.send_due_letters()
    supervision.send_due_letters()

    [reminder] = db.sent
    assert isinstance(reminder, ReminderIssued)
    assert (reminder.recipient, reminder.sender) == (POLICE_STATION, CENTRE)
    assert (reminder.case_id, reminder.referral_id) == (CASE_ID, LEAD_REFERRAL)


def test_a_unit_past_its_deadline_gets_an_overdue_notice_and_no_late_reminder(supervision, db, supervision_store):
    supervision.on_unit_designated(
        designated(CO_REFERRAL, JUSTICE_OFFICE, "co_unit", issued_ago=timedelta(days=14), due_in=timedelta(hours=-2))
    )

    supervision.send_due_letters()
    supervision.send_due_letters()

    [notice] = db.sent
    assert isinstance(notice, OverdueNoticeIssued)
    assert notice.recipient == JUSTICE_OFFICE
    assert notice.due_at == supervision_store.watches[CO_REFERRAL].due_at
    assert notice.due_at < notice.occurred_at


TICK = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("time_gone", "letters"),
    [
        (timedelta(days=7, hours=23), []),
        (timedelta(days=8), ["ReminderIssued"]),
        (timedelta(days=10), ["ReminderIssued"]),
        (timedelta(days=10, seconds=1), ["OverdueNoticeIssued"]),
    ],
)
def test_of_ten_days_the_reminder_comes_after_eight_and_the_notice_after_ten(
    supervision, db, supervision_store, monkeypatch, time_gone, letters
):
    issued_at = TICK - time_gone
    supervision_store.watches[LEAD_REFERRAL] = Watch(
        referral_id=LEAD_REFERRAL,
        case_id=CASE_ID,
        unit=POLICE_STATION,
        role=ReferralRole.LEAD,
        issued_at=issued_at,
        due_at=issued_at + timedelta(days=10),
    )
    monkeypatch.setattr(supervision_service, "now", lambda: TICK)

    supervision.send_due_letters()

    assert db.sent_types() == letters


def test_a_unit_early_in_its_time_gets_no_letter(supervision, db):
    supervision.on_unit_designated(
        designated(LEAD_REFERRAL, POLICE_STATION, "lead", issued_ago=timedelta(days=1), due_in=timedelta(days=9))
    )

    supervision.send_due_letters()

    assert db.sent == []


def test_a_referral_closed_before_its_deadline_gets_no_overdue_notice(supervision, db):
    supervision.on_unit_designated(
        designated(LEAD_REFERRAL, POLICE_STATION, "lead", issued_ago=timedelta(days=14), due_in=timedelta(hours=-2))
    )
    supervision.on_referral_closed(
        ReferralClosed.build(
            message_id=UUID(int=7),
            occurred_at=now(),
            case_id=CASE_ID,
            sender=CENTRE,
            recipient=CENTRE,
            referral_id=LEAD_REFERRAL,
            unit=POLICE_STATION,
            reason="result_reported",
            outcome="resolved",
        )
    )

    supervision.send_due_letters()

    assert db.sent == []


def test_each_unit_is_written_to_about_its_own_referral(supervision, db):
    supervision.on_unit_designated(
        designated(LEAD_REFERRAL, POLICE_STATION, "lead", issued_ago=timedelta(days=9), due_in=timedelta(days=1))
    )
    supervision.on_unit_designated(
        designated(CO_REFERRAL, JUSTICE_OFFICE, "co_unit", issued_ago=timedelta(days=14), due_in=timedelta(hours=-2))
    )

    supervision.send_due_letters()

    assert sorted((m.type, m.recipient, str(m.referral_id)) for m in db.sent) == [
        ("OverdueNoticeIssued", JUSTICE_OFFICE, str(CO_REFERRAL)),
        ("ReminderIssued", POLICE_STATION, str(LEAD_REFERRAL)),
    ]


def test_triage_starts_the_clock_of_every_unit_it_designated(supervision, db, supervision_store):
    supervision.on_case_assigned(
        assigned(
            summary(LEAD_REFERRAL, POLICE_STATION, "lead", issued_ago=timedelta(days=9), due_in=timedelta(days=1)),
            summary(CO_REFERRAL, JUSTICE_OFFICE, "co_unit", issued_ago=timedelta(days=14), due_in=timedelta(hours=-2)),
        )
    )

    supervision.send_due_letters()

    assert sorted(m.type for m in db.sent) == ["OverdueNoticeIssued", "ReminderIssued"]
    assert [f["fact"] for f in supervision_store.facts.values()] == ["CaseAssigned"]


def test_a_resolution_stops_every_clock_still_running(supervision, db, supervision_store):
    supervision.on_case_assigned(
        assigned(
            summary(LEAD_REFERRAL, POLICE_STATION, "lead", issued_ago=timedelta(days=14), due_in=timedelta(hours=-2)),
            summary(CO_REFERRAL, JUSTICE_OFFICE, "co_unit", issued_ago=timedelta(days=9), due_in=timedelta(days=1)),
        )
    )
    supervision.on_case_resolved(resolved())

    supervision.send_due_letters()

    assert db.sent == []
    assert all(w.closed_at is not None for w in supervision_store.watches.values())


def test_a_resolution_handled_before_the_assignment_still_stops_its_clocks(supervision, db, supervision_store):
    # Concurrent workers may take the later fact first; the watch starts closed.
    supervision.on_case_resolved(resolved())
    supervision.on_case_assigned(
        assigned(summary(LEAD_REFERRAL, POLICE_STATION, "lead", issued_ago=timedelta(days=14), due_in=timedelta(0)))
    )

    supervision.send_due_letters()

    assert db.sent == []
    assert supervision_store.watches[LEAD_REFERRAL].closed_at is not None


# --- the follow-up visit and its rating ----------------------------------------------------


def test_a_resolved_case_opens_one_follow_up_even_if_the_news_comes_twice(supervision, supervision_store):
    supervision.on_case_resolved(resolved())
    supervision.on_case_resolved(resolved())

    [(case_id, round_)] = supervision_store.follow_ups
    assert (case_id, round_) == (CASE_ID, 1)
    follow_up: FollowUp = supervision_store.follow_ups[(CASE_ID, 1)]["follow_up"]
    assert follow_up.lead_unit == POLICE_STATION


def test_a_rating_is_recorded_and_sent_to_the_coordinator(supervision, db, supervision_store, http):
    supervision.on_case_resolved(resolved())

    response = supervision.rate(
        http.post({"rating": "satisfied", "comment": "楼道已清理", "visitor": "回访员小周"}), CASE_ID
    )

    assert response.status_code == 202
    assert http.body(response) == {"case_id": CASE_ID, "round": 1, "rating": "satisfied", "case_will": "close"}
    [rated] = db.sent_of(FollowUpRated)
    assert (rated.case_id, rated.rating.value, rated.comment) == (CASE_ID, "satisfied", "楼道已清理")
    assert rated.recipient == CENTRE
    assert supervision_store.follow_ups[(CASE_ID, 1)]["visitor"] == "回访员小周"


def test_a_dissatisfied_citizen_sends_the_case_back(supervision, http):
    supervision.on_case_resolved(resolved())

    response = supervision.rate(http.post({"rating": "dissatisfied", "visitor": "回访员小周"}), CASE_ID)

    assert http.body(response)["case_will"] == "reopen"


def test_a_second_rating_of_the_same_round_is_refused_with_409(supervision, db, http):
    supervision.on_case_resolved(resolved())
    supervision.rate(http.post({"rating": "satisfied", "visitor": "回访员小周"}), CASE_ID)

    with pytest.raises(Rejected, match="already rated") as refused:
        supervision.rate(http.post({"rating": "dissatisfied", "visitor": "回访员小王"}), CASE_ID)

    assert ApiHandler("POST", "/").response_from_exception(refused.value).status_code == 409
    assert [m.rating.value for m in db.sent_of(FollowUpRated)] == ["satisfied"]


def test_rating_a_case_that_was_never_resolved_is_not_found(supervision, db, http):
    with pytest.raises(NotFound, match="no follow-up"):
        supervision.rate(http.post({"rating": "satisfied", "visitor": "回访员小周"}), CASE_ID)

    assert db.sent == []


def test_a_rating_outside_the_three_choices_names_the_rating_field(supervision, http):
    supervision.on_case_resolved(resolved())

    with pytest.raises(BadInput) as refused:
        supervision.rate(http.post({"rating": "so-so", "visitor": "回访员小周"}), CASE_ID)

    assert [f["field"] for f in refused.value.fields] == ["rating"]


def test_every_case_fact_is_kept_once_for_the_reports(supervision, supervision_store):
    closed = CaseClosed.build(
        message_id=UUID(int=502),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        rating="satisfied",
    )

    supervision.on_case_resolved(resolved())
    supervision.on_case_closed(closed)
    supervision.on_case_closed(closed)

    assert [f["fact"] for f in supervision_store.facts.values()] == ["CaseResolved", "CaseClosed"]
