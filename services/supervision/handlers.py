"""Supervision's service layer: units' clocks from the case facts, deadline letters on a timer, the follow-up rating."""

from pydantic import BaseModel, ConfigDict

from services.supervision import domain
from services.supervision.store import SupervisionStore
from shared.contracts.disputes import LongText, ShortText
from shared.contracts.messages import (
    CaseAssigned,
    CaseResolved,
    Event,
    FollowUpRated,
    OverdueNoticeIssued,
    ReferralClosed,
    ReminderIssued,
    UnitDesignated,
)
from shared.contracts.vocabulary import Rating
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform
from shared.telemetry.case_scope import case_scope
from shared.telemetry.propagation import current_trace_headers

LETTER_BATCH = 200
MAX_LIST = 500
LETTERS = {domain.LetterKind.REMINDER: ReminderIssued, domain.LetterKind.OVERDUE: OverdueNoticeIssued}

Work = UnitOfWork[SupervisionStore]


class RateFollowUp(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    rating: Rating
    comment: LongText | None = None
    visitor: ShortText


# --- case facts ----------------------------------------------------------------------------


def handle_case_assigned(message: CaseAssigned, uow: Work) -> None:
    """Triage's units: one clock each, and the fact for reports."""
    with uow:
        uow.claim(message)
        uow.store.serialise_case(message.case_id)
        for referral in message.referrals:
            uow.store.add_watch(message.case_id, referral, current_trace_headers())
        uow.store.record_fact(message)


def handle_unit_designated(message: UnitDesignated, uow: Work) -> None:
    with uow:
        uow.claim(message)
        uow.store.serialise_case(message.case_id)
        uow.store.add_watch(message.case_id, message.referral, current_trace_headers())


def handle_referral_closed(message: ReferralClosed, uow: Work) -> None:
    with uow:
        uow.claim(message)
        uow.store.serialise_case(message.case_id)  # its watch may be being added right now
        uow.store.close_watch(message.case_id, message.referral_id, message.occurred_at)


def handle_case_resolved(message: CaseResolved, uow: Work, platform: Platform) -> None:
    """Every unit's part has ended: stop the clocks still running and open the follow-up visit."""
    with uow:
        uow.claim(message)
        uow.store.serialise_case(message.case_id)
        uow.store.close_watches_of_case(message.case_id, message.occurred_at)
        follow_up = domain.open_follow_up(message.case_id, message.lead_unit, message.round, platform.now())
        uow.store.open_follow_up(follow_up, current_trace_headers())
        uow.store.record_fact(message)


def handle_case_fact(message: Event, uow: Work) -> None:
    """A fact that changes no clock, kept for the reports."""
    with uow:
        uow.claim(message)
        uow.store.record_fact(message)


# --- the clock -----------------------------------------------------------------------------


def send_due_letters(uow: Work, platform: Platform) -> None:
    """提醒函 at 80% of a unit's time, 督办函 once overdue; row locks keep instances from doubling up."""
    at = platform.now()
    with uow:
        for watch, trace in uow.store.lock_watches_due(at, LETTER_BATCH):
            with case_scope(watch.case_id, trace, "supervision: deadline letters"):
                for letter in domain.letters_due(watch, at):
                    uow.send(
                        LETTERS[letter.kind].build(
                            message_id=platform.new_id(),
                            occurred_at=at,
                            case_id=letter.case_id,
                            sender=platform.centre_unit,
                            recipient=letter.unit,
                            referral_id=letter.referral_id,
                            due_at=letter.due_at,
                        )
                    )
                    watch = domain.mark_sent(watch, letter, at)
                uow.store.save_letters(watch)


# --- the follow-up visit ---------------------------------------------------------------------


def rate_follow_up(case_id: str, command: RateFollowUp, uow: Work, platform: Platform) -> dict[str, object]:
    """群众评单: the citizen's rating from the follow-up visit; the coordinator closes or reopens the case."""
    at = platform.now()
    with uow:
        follow_up, trace = uow.store.lock_latest_follow_up(case_id)
        with case_scope(case_id, trace, "supervision: follow-up rated"):
            decision = domain.rate(follow_up, command.rating, command.comment, at)
            uow.store.save_rating(decision.follow_up, command.comment, command.visitor)
            uow.send(
                FollowUpRated.build(
                    message_id=platform.new_id(),
                    occurred_at=at,
                    case_id=case_id,
                    sender=platform.centre_unit,
                    recipient=platform.centre_unit,
                    rating=command.rating,
                    comment=command.comment,
                )
            )
    return {
        "case_id": case_id,
        "round": follow_up.round,
        "rating": command.rating.value,
        "case_will": decision.transition.value,
    }


def list_follow_ups(pending_only: bool, uow: Work) -> dict[str, object]:
    with uow:
        return {"follow_ups": uow.store.list_follow_ups(pending_only, MAX_LIST)}


def watches_of_case(case_id: str, uow: Work) -> dict[str, object]:
    with uow:
        return {"case_id": case_id, "watches": uow.store.watches_of(case_id)}
