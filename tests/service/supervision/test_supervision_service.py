"""Supervision's clock and visits: 提醒函 at 80% of a unit's time, 督办函 once overdue, one rating per round."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from services.supervision.dependencies import RatingLinks
from services.supervision.domain import FollowUp, rating_link_for
from shared.auth.principal import Principal, Role
from shared.clock import now
from shared.contracts.messages import (
    CaseAssigned,
    CaseClosed,
    CaseReopened,
    CaseResolved,
    FollowUpRated,
    OverdueNoticeIssued,
    ReferralClosed,
    ReferralSummary,
    ReminderIssued,
    UnitDesignated,
)
from shared.http import PUBLIC, ApiHandler, BadInput
from shared.persistence.errors import NotFound
from shared.refusal import Refused

CASE_ID = "430426-20261122-00001"
POLICE_STATION = "police:430426101"
JUSTICE_OFFICE = "justice:430426101"
CENTRE = "centre:430426"
LINKS = RatingLinks(b"k" * 32, timedelta(days=15), "https://wuyuan.example.cn")
LEAD_REFERRAL = UUID("11111111-1111-4111-8111-111111111111")
CO_REFERRAL = UUID("22222222-2222-4222-8222-222222222222")
COORDINATOR_USER = "wuyuan.coordinator"  # the broker user RabbitMQ vouches for as a fact's publisher
SUPERVISOR = Principal("zhou.hui", "回访员小周", frozenset({Role.SUPERVISOR}))  # signed in, as the verifier names them


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


def resolved(message_id: int = 501, round: int = 1, result: str | None = None) -> CaseResolved:
    return CaseResolved.build(
        message_id=UUID(int=message_id),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        lead_unit=POLICE_STATION,
        round=round,
        result=result,
    )


# --- case facts count only from the coordinator -------------------------------------------


@pytest.mark.parametrize("broker_user", ["wuyuan.police_link", "wuyuan.intake", "other.coordinator", None])
def test_case_facts_not_published_by_the_coordinator_are_refused_and_change_nothing(
    supervision, uow, supervision_store, broker_user
):
    supervision.sender = broker_user
    lead = summary(LEAD_REFERRAL, POLICE_STATION, "lead", timedelta(days=1), timedelta(days=9))
    facts = [
        (supervision.on_case_assigned, assigned(lead)),
        (
            supervision.on_unit_designated,
            designated(CO_REFERRAL, JUSTICE_OFFICE, "co_unit", timedelta(0), timedelta(9)),
        ),
        (supervision.on_case_resolved, resolved()),
    ]

    for handle, fact in facts:
        with pytest.raises(Refused, match=r"must come from wuyuan\.coordinator"):
            handle(fact)

    assert supervision_store.watches == {}
    assert supervision_store.facts == {}
    assert supervision_store.follow_ups == {}
    assert uow.claimed == set() and uow.sent == []


# --- deadline letters ------------------------------------------------------------------


def test_a_unit_with_80_percent_of_its_time_gone_gets_one_reminder(supervision, uow):
    supervision.on_unit_designated(
        designated(LEAD_REFERRAL, POLICE_STATION, "lead", issued_ago=timedelta(days=9), due_in=timedelta(days=1))
    )

    supervision.send_due_letters()
    supervision.send_due_letters()

    [reminder] = uow.sent
    assert isinstance(reminder, ReminderIssued)
    assert (reminder.recipient, reminder.sender) == (POLICE_STATION, CENTRE)
    assert (reminder.case_id, reminder.referral_id) == (CASE_ID, LEAD_REFERRAL)


def test_a_unit_past_its_deadline_gets_an_overdue_notice_and_no_late_reminder(supervision, uow, supervision_store):
    supervision.on_unit_designated(
        designated(CO_REFERRAL, JUSTICE_OFFICE, "co_unit", issued_ago=timedelta(days=14), due_in=timedelta(hours=-2))
    )

    supervision.send_due_letters()
    supervision.send_due_letters()

    [notice, to_superior, went_overdue] = uow.sent
    assert isinstance(notice, OverdueNoticeIssued)
    assert notice.recipient == JUSTICE_OFFICE
    # the 督办函 also goes to the unit's superior, the county justice bureau, as a copy naming the late unit
    assert (to_superior.type, to_superior.recipient, to_superior.about_unit) == (
        "OverdueNoticeIssued",
        "justice:430426",
        JUSTICE_OFFICE,
    )
    assert to_superior.document_number == notice.document_number == "祁东综治〔2026〕督办第1号"
    assert notice.due_at == supervision_store.watches[CO_REFERRAL].due_at
    assert notice.due_at < notice.occurred_at
    # and the committee's person file hears of the late unit, once
    assert (went_overdue.type, went_overdue.recipient, went_overdue.unit) == (
        "CaseWentOverdue",
        "plc:430426",
        JUSTICE_OFFICE,
    )
    assert (went_overdue.referral_id, went_overdue.due_at) == (CO_REFERRAL, notice.due_at)


TICK = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("time_gone", "letters"),
    [
        (timedelta(days=7, hours=23), []),
        (timedelta(days=8), ["ReminderIssued"]),
        (timedelta(days=10), ["ReminderIssued"]),
        (timedelta(days=10, seconds=1), ["OverdueNoticeIssued", "OverdueNoticeIssued", "CaseWentOverdue"]),
    ],
)
def test_of_ten_days_the_reminder_comes_after_eight_and_the_notice_after_ten(supervision, uow, time_gone, letters):
    issued_at = TICK - time_gone
    ten_days = ReferralSummary(
        referral_id=LEAD_REFERRAL,
        unit=POLICE_STATION,
        role="lead",
        round=1,
        issued_at=issued_at,
        due_at=issued_at + timedelta(days=10),
    )
    supervision.on_case_assigned(assigned(ten_days))
    supervision.platform = replace(supervision.platform, now=lambda: TICK)

    supervision.send_due_letters()

    assert uow.sent_types() == letters


def test_a_unit_early_in_its_time_gets_no_letter(supervision, uow):
    supervision.on_unit_designated(
        designated(LEAD_REFERRAL, POLICE_STATION, "lead", issued_ago=timedelta(days=1), due_in=timedelta(days=9))
    )

    supervision.send_due_letters()

    assert uow.sent == []


def test_a_referral_closed_before_its_deadline_gets_no_overdue_notice(supervision, uow):
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

    assert uow.sent == []


def test_each_unit_is_written_to_about_its_own_referral(supervision, uow):
    supervision.on_unit_designated(
        designated(LEAD_REFERRAL, POLICE_STATION, "lead", issued_ago=timedelta(days=9), due_in=timedelta(days=1))
    )
    supervision.on_unit_designated(
        designated(CO_REFERRAL, JUSTICE_OFFICE, "co_unit", issued_ago=timedelta(days=14), due_in=timedelta(hours=-2))
    )

    supervision.send_due_letters()

    assert sorted((m.type, m.recipient, str(m.referral_id)) for m in uow.sent) == [
        ("CaseWentOverdue", "plc:430426", str(CO_REFERRAL)),
        ("OverdueNoticeIssued", "justice:430426", str(CO_REFERRAL)),  # the superior's copy
        ("OverdueNoticeIssued", JUSTICE_OFFICE, str(CO_REFERRAL)),
        ("ReminderIssued", POLICE_STATION, str(LEAD_REFERRAL)),
    ]


def test_triage_starts_the_clock_of_every_unit_it_designated(supervision, uow, supervision_store):
    supervision.on_case_assigned(
        assigned(
            summary(LEAD_REFERRAL, POLICE_STATION, "lead", issued_ago=timedelta(days=9), due_in=timedelta(days=1)),
            summary(CO_REFERRAL, JUSTICE_OFFICE, "co_unit", issued_ago=timedelta(days=14), due_in=timedelta(hours=-2)),
        )
    )

    supervision.send_due_letters()

    assert sorted(m.type for m in uow.sent) == [
        "CaseWentOverdue",
        "OverdueNoticeIssued",
        "OverdueNoticeIssued",  # the superior's copy
        "ReminderIssued",
    ]
    assert [f["fact"] for f in supervision_store.facts.values()] == ["CaseAssigned"]


def test_a_resolution_stops_every_clock_still_running(supervision, uow, supervision_store):
    supervision.on_case_assigned(
        assigned(
            summary(LEAD_REFERRAL, POLICE_STATION, "lead", issued_ago=timedelta(days=14), due_in=timedelta(hours=-2)),
            summary(CO_REFERRAL, JUSTICE_OFFICE, "co_unit", issued_ago=timedelta(days=9), due_in=timedelta(days=1)),
        )
    )
    supervision.on_case_resolved(resolved())

    supervision.send_due_letters()

    assert uow.sent == []
    assert all(w.closed_at is not None for w in supervision_store.watches.values())


def test_a_resolution_handled_before_the_assignment_still_stops_its_clocks(supervision, uow, supervision_store):
    # Concurrent workers may take the later fact first; the watch starts closed.
    supervision.on_case_resolved(resolved())
    supervision.on_case_assigned(
        assigned(summary(LEAD_REFERRAL, POLICE_STATION, "lead", issued_ago=timedelta(days=14), due_in=timedelta(0)))
    )

    supervision.send_due_letters()

    assert uow.sent == []
    assert supervision_store.watches[LEAD_REFERRAL].closed_at is not None


# --- the follow-up visit and its rating ----------------------------------------------------


def test_a_resolved_case_opens_one_follow_up_even_if_the_news_comes_twice(supervision, supervision_store):
    supervision.on_case_resolved(resolved())
    supervision.on_case_resolved(resolved())

    [(case_id, round_)] = supervision_store.follow_ups
    assert (case_id, round_) == (CASE_ID, 1)
    follow_up: FollowUp = supervision_store.follow_ups[(CASE_ID, 1)]["follow_up"]
    assert follow_up.lead_unit == POLICE_STATION


def test_a_rating_is_recorded_and_sent_to_the_coordinator(supervision, uow, supervision_store, http):
    supervision.on_case_resolved(resolved())

    response = supervision.rate(http.post({"rating": "satisfied", "comment": "楼道已清理"}), CASE_ID)

    assert response.status_code == 202
    assert http.body(response) == {"case_id": CASE_ID, "round": 1, "rating": "satisfied", "case_will": "close"}
    [rated] = uow.sent_of(FollowUpRated)
    assert (rated.case_id, rated.rating.value, rated.comment) == (CASE_ID, "satisfied", "楼道已清理")
    assert rated.recipient == CENTRE
    assert supervision_store.follow_ups[(CASE_ID, 1)]["visitor"] == "zhou.hui"  # the signed-in supervisor
    assert rated.rated_by == "zhou.hui"  # so the coordinator's timeline names who entered it


def test_a_dissatisfied_citizen_sends_the_case_back(supervision, http):
    supervision.on_case_resolved(resolved())

    response = supervision.rate(http.post({"rating": "dissatisfied"}), CASE_ID)

    assert http.body(response)["case_will"] == "reopen"


def test_a_dissatisfied_citizen_of_a_dispute_taken_to_court_is_heard_and_the_case_closes(supervision, uow, http):
    supervision.on_case_resolved(resolved(result="referred_to_litigation"))

    response = supervision.rate(http.post({"rating": "dissatisfied", "comment": "还要打官司"}), CASE_ID)

    assert http.body(response)["case_will"] == "close"
    [rated] = uow.sent_of(FollowUpRated)
    assert rated.rating.value == "dissatisfied"


def test_a_second_rating_of_the_same_round_is_refused_with_409(supervision, uow, http):
    supervision.on_case_resolved(resolved())
    supervision.rate(http.post({"rating": "satisfied"}), CASE_ID)

    with pytest.raises(Refused, match="already rated") as refused:
        supervision.rate(http.post({"rating": "dissatisfied"}), CASE_ID)

    assert ApiHandler("POST", "/", access=PUBLIC).response_from_exception(refused.value).status_code == 409
    assert [m.rating.value for m in uow.sent_of(FollowUpRated)] == ["satisfied"]


def test_rating_a_case_that_was_never_resolved_is_not_found(supervision, uow, http):
    with pytest.raises(NotFound, match="no follow-up"):
        supervision.rate(http.post({"rating": "satisfied"}), CASE_ID)

    assert uow.sent == []


def test_a_visitor_name_typed_into_the_body_is_refused(supervision, uow, http):
    supervision.on_case_resolved(resolved())

    with pytest.raises(BadInput) as refused:
        supervision.rate(http.post({"rating": "satisfied", "visitor": "回访员小王"}), CASE_ID)

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("visitor", "extra_forbidden")]
    assert uow.sent == []


def test_a_rating_outside_the_three_choices_names_the_rating_field(supervision, http):
    supervision.on_case_resolved(resolved())

    with pytest.raises(BadInput) as refused:
        supervision.rate(http.post({"rating": "so-so"}), CASE_ID)

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


# --- a visit's rating, given back by the case's closure or reopening (supervision restored) ------------


def closed(message_id: int = 601, rating: str = "satisfied") -> CaseClosed:
    return CaseClosed.build(
        message_id=UUID(int=message_id),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        rating=rating,
    )


def test_a_closure_gives_a_visit_still_waiting_the_rating_the_centre_took_and_it_is_no_longer_pending(
    supervision, supervision_store, http
):
    """Supervision restored to before the rating: the closure sent again must not leave the visit to be rated again."""
    supervision.on_case_resolved(resolved())

    supervision.on_case_closed(closed())

    follow_up: FollowUp = supervision_store.follow_ups[(CASE_ID, 1)]["follow_up"]
    assert follow_up.rating is not None and follow_up.rating.value == "satisfied"
    assert supervision_store.follow_ups[(CASE_ID, 1)]["visitor"] == "centre:case-fact"
    assert http.body(supervision.list_follow_ups(http.get()))["follow_ups"] == []
    with pytest.raises(Refused, match="already rated"):  # never a second, contrary rating the coordinator refuses
        supervision.rate(http.post({"rating": "dissatisfied"}), CASE_ID)


def test_a_reopening_for_dissatisfaction_rates_the_round_before_it(supervision, supervision_store):
    supervision.on_case_resolved(resolved())
    reopened = CaseReopened.build(
        message_id=UUID(int=602),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        cause="dissatisfied",
        rating="dissatisfied",
        round=2,
    )

    supervision.on_case_reopened(reopened)

    assert supervision_store.follow_ups[(CASE_ID, 1)]["follow_up"].rating.value == "dissatisfied"


def test_a_closure_handled_before_its_resolution_leaves_no_visit_waiting(supervision, supervision_store, http):
    """Facts sent again after a restore, taken by concurrent workers: the closure may be handled first."""
    resolution = resolved()
    closure = closed(rating="basically_satisfied")  # dated after the resolution, as the coordinator sent them
    supervision.on_case_closed(closure)

    supervision.on_case_resolved(resolution)

    follow_up: FollowUp = supervision_store.follow_ups[(CASE_ID, 1)]["follow_up"]
    assert (follow_up.rating.value, follow_up.rated_at) == ("basically_satisfied", closure.occurred_at)
    assert supervision_store.follow_ups[(CASE_ID, 1)]["visitor"] == "centre:case-fact"
    assert http.body(supervision.list_follow_ups(http.get()))["follow_ups"] == []
    with pytest.raises(Refused, match="already rated"):
        supervision.rate(http.post({"rating": "dissatisfied"}), CASE_ID)


def reopened_by_petition(message_id: int = 603, round: int = 2) -> CaseReopened:
    return CaseReopened.build(
        message_id=UUID(int=message_id),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        cause="repeat_report",
        round=round,
    )


def test_a_petition_reopening_the_case_before_its_visit_calls_the_visit_off(supervision, supervision_store, uow, http):
    supervision.rating_links = LINKS
    supervision.on_case_resolved(resolved())

    supervision.on_case_reopened(reopened_by_petition())

    follow_up: FollowUp = supervision_store.follow_ups[(CASE_ID, 1)]["follow_up"]
    assert follow_up.rating is None and follow_up.called_off_at is not None
    assert http.body(supervision.list_follow_ups(http.get()))["follow_ups"] == []  # no longer to visit
    with pytest.raises(Refused, match="the visit was called off") as rating:
        supervision.rate(http.post({"rating": "satisfied"}), CASE_ID)
    with pytest.raises(Refused) as link:
        supervision.rating_link(http.get(), CASE_ID)
    with pytest.raises(Refused, match="was reopened") as by_link:
        supervision.rate_by_link(http.post({"rating": "satisfied"}), rating_link_for(follow_up, LINKS.secret).token())
    assert rating.value.code == link.value.code == "visit_called_off"
    assert by_link.value.code == "rating_link_superseded"
    handler = ApiHandler("POST", "/", access=PUBLIC)
    assert {handler.response_from_exception(e.value).status_code for e in (rating, link, by_link)} == {409}
    assert uow.sent_of(FollowUpRated) == []
    # The new round is visited in its turn, and rated as usual.
    supervision.on_case_resolved(resolved(message_id=502, round=2))
    response = supervision.rate(http.post({"rating": "satisfied"}), CASE_ID)
    assert http.body(response)["round"] == 2
    assert [(m.round, m.rating.value) for m in uow.sent_of(FollowUpRated)] == [(2, "satisfied")]


def test_a_petition_s_reopening_handled_before_the_resolution_still_calls_the_visit_off(supervision, http):
    supervision.on_case_reopened(reopened_by_petition())  # two workers: the later fact took the case's lock first

    supervision.on_case_resolved(resolved())

    assert http.body(supervision.list_follow_ups(http.get()))["follow_ups"] == []
    with pytest.raises(Refused, match="the visit was called off"):
        supervision.rate(http.post({"rating": "satisfied"}), CASE_ID)


def test_a_visit_rated_before_the_petition_s_reopening_arrived_keeps_its_rating(supervision, supervision_store, http):
    supervision.on_case_resolved(resolved())
    supervision.rate(http.post({"rating": "basically_satisfied"}), CASE_ID)

    supervision.on_case_reopened(reopened_by_petition())

    follow_up: FollowUp = supervision_store.follow_ups[(CASE_ID, 1)]["follow_up"]
    assert (follow_up.rating.value, follow_up.called_off_at) == ("basically_satisfied", None)


def test_a_visit_already_rated_keeps_its_own_rating_and_visitor(supervision, supervision_store, http):
    supervision.on_case_resolved(resolved())
    supervision.rate(http.post({"rating": "basically_satisfied"}), CASE_ID)

    supervision.on_case_closed(closed(rating="satisfied"))

    row = supervision_store.follow_ups[(CASE_ID, 1)]
    assert (row["follow_up"].rating.value, row["visitor"]) == ("basically_satisfied", "zhou.hui")


def test_facts_sent_again_after_a_restore_settle_the_visit_they_re_create_whatever_the_clock_says_now(
    supervision, supervision_store
):
    """`wuyuan reconcile supervision`: the resolution and the closure come again with their first times, days ago."""
    days_ago = now() - timedelta(days=3)
    supervision.on_case_resolved(resolved().model_copy(update={"occurred_at": days_ago}))

    supervision.on_case_closed(closed().model_copy(update={"occurred_at": days_ago + timedelta(hours=2)}))

    assert supervision_store.follow_ups[(CASE_ID, 1)]["follow_up"].rating.value == "satisfied"
