"""What each step of a petition's handling does to it, and where it stands against its terms on a given day."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID

from services.petition_link.domain import terms
from services.petition_link.domain.model import (
    Decision,
    Extension,
    Petition,
    PetitionStatus,
    Reply,
    Review,
    ReviewOpinion,
    ReviewResult,
    ReviewStage,
)
from shared.contracts.disputes import Agreement
from shared.contracts.vocabulary import ResultCode
from shared.refusal import Refused


class PetitionRefusal(StrEnum):
    SEPARATED = "separated"  # litigation-related: the court's procedure handles it, not the bureau's
    ALREADY_DECIDED = "already_decided"  # acceptance is decided once
    NOT_ACCEPTED = "not_accepted"  # only an accepted petition is extended, replied to or sent to mediation
    ALREADY_REPLIED = "already_replied"
    ALREADY_EXTENDED = "already_extended"  # 第三十四条 allows one extension
    TERM_ENDED = "term_ended"  # an extension is approved before the 60 days end, not after
    NOT_REPLIED = "not_replied"  # 复查 is asked of the reply: a petition not replied to has none to review
    NOT_REVIEWED = "not_reviewed"  # 复核 is asked of the 复查意见: none before it is given
    REVIEW_REQUESTED = "review_requested"  # 复查 and 复核 are each asked once
    REQUEST_LATE = "request_late"  # asked after the 30 days of 第三十五条 (复查) or 第三十六条 (复核)
    NO_REVIEW_REQUEST = "no_review_request"  # an opinion answers a request that was recorded
    ALREADY_REVIEWED = "already_reviewed"  # each opinion is given once


# Each review's name and the article that gives it, for the refusals' messages.
STAGES = {
    ReviewStage.REVIEW: ("复查", "第三十五条", "the written reply"),
    ReviewStage.RE_REVIEW: ("复核", "第三十六条", "the 复查意见"),
}


def register(petition: Petition, today: date) -> Petition:
    """A new petition: waiting for the acceptance decision; or, when litigation-related, separated at once.

    诉访分离 (第二十八条第二款; 第二十二条第二款 for letters the bureau receives): a petition that seeks a
    remedy through a court's procedure leaves the ordinary petition procedure. It is not accepted as a
    petition nor sent to mediation; the petitioner is answered that it goes to the court
    (referred_to_litigation), with the reason it is litigation-related.
    """
    if petition.litigation_reason is None:
        return replace(petition, status=PetitionStatus.REGISTERED)
    return replace(
        petition,
        status=PetitionStatus.SEPARATED,
        decision=Decision(accepted=False, reason=petition.litigation_reason, decided_on=today),
        reply=Reply(ResultCode.REFERRED_TO_LITIGATION, petition.litigation_reason, today),
    )


def decide(petition: Petition, accepted: bool, reason: str, today: date) -> Petition:
    """受理 or 不予受理; decided late (after the 15 days) it still stands, and counts as late."""
    if petition.status is PetitionStatus.SEPARATED:
        raise Refused(
            PetitionRefusal.SEPARATED,
            f"petition {petition.number} is litigation-related and went to the court's procedure",
        )
    if petition.status is not PetitionStatus.REGISTERED:
        raise Refused(PetitionRefusal.ALREADY_DECIDED, f"petition {petition.number} is {petition.status} already")
    status = PetitionStatus.ACCEPTED if accepted else PetitionStatus.NOT_ACCEPTED
    return replace(petition, status=status, decision=Decision(accepted, reason, today))


def extend(petition: Petition, days: int, reason: str, today: date) -> Petition:
    """The one extension of 第三十四条: up to 30 days, approved while the 60 days still run."""
    _require_open(petition, "extended")
    if petition.extension is not None:
        raise Refused(
            PetitionRefusal.ALREADY_EXTENDED,
            f"petition {petition.number} was extended by {petition.extension.days} days on"
            f" {petition.extension.granted_on}; the term is extended once only",
        )
    if not 1 <= days <= terms.MAX_EXTENSION_DAYS:
        raise ValueError(f"an extension is 1 to {terms.MAX_EXTENSION_DAYS} days, not {days}")
    due = _handling_due(petition)
    if today > due:
        raise Refused(
            PetitionRefusal.TERM_ENDED,
            f"petition {petition.number}'s 60 days ended on {due}; an extension is approved before they end",
        )
    return replace(petition, extension=Extension(days, reason, today))


def reply(petition: Petition, result: ResultCode, summary: str, agreement: Agreement | None, today: date) -> Petition:
    """The petitioner told the result: the petition is finished, on time or late against its handling term."""
    _require_open(petition, "replied to")
    return replace(petition, status=PetitionStatus.REPLIED, reply=Reply(result, summary, today, agreement))


def require_mediable(petition: Petition) -> None:
    """访调对接 takes only an accepted petition that is still open."""
    _require_open(petition, "sent to mediation")


def mark_fed(petition: Petition, message_id: UUID) -> Petition:
    return replace(petition, fed_message_id=message_id)


def reviewable(petition: Petition, stage: ReviewStage) -> date:
    """The day of the written answer that 复查 (the reply) or 复核 (the 复查意见) would review, when the petition may
    still be reviewed at that stage; else the refusal. The petitioner cannot have received it before that day."""
    name, article, _ = STAGES[stage]
    if stage is ReviewStage.REVIEW:
        if petition.status is PetitionStatus.SEPARATED:
            raise Refused(
                PetitionRefusal.SEPARATED, f"petition {petition.number} went to the court's procedure: no {name}"
            )
        if petition.status is not PetitionStatus.REPLIED or petition.reply is None:
            raise Refused(
                PetitionRefusal.NOT_REPLIED,
                f"petition {petition.number} is {petition.status}; {name} ({article}) is asked of a reply",
            )
        answered_on = petition.reply.replied_on
    else:
        if petition.review is None or petition.review.opinion is None:
            raise Refused(
                PetitionRefusal.NOT_REVIEWED,
                f"petition {petition.number} has no 复查意见; {name} ({article}) is asked of one",
            )
        answered_on = petition.review.opinion.given_on
    kept = petition.review_of(stage)
    if kept is not None:
        raise Refused(
            PetitionRefusal.REVIEW_REQUESTED,
            f"petition {petition.number}'s {name} was asked of {kept.body} on {kept.requested_on}; it is asked once",
        )
    return answered_on


def request_review(
    petition: Petition, stage: ReviewStage, body: str, answer_received_on: date, requested_on: date
) -> Petition:
    """复查 (第三十五条) or 复核 (第三十六条) asked of the body above, within 30 days of receiving the written answer.

    The county bureau records it as it learns of it: a request made in time is taken whenever it is recorded."""
    reviewable(petition, stage)
    name, article, answer = STAGES[stage]
    due = terms.review_request_due(answer_received_on)
    if requested_on > due:
        raise Refused(
            PetitionRefusal.REQUEST_LATE,
            f"信访工作条例{article}: {name} is asked within {terms.REVIEW_REQUEST_DAYS} days of receiving {answer};"
            f" received on {answer_received_on}, so by {due}, and asked on {requested_on}",
        )
    return petition.with_review(stage, Review(body, answer_received_on, requested_on))


def pending_review(petition: Petition, stage: ReviewStage) -> Review:
    """The request a 复查意见 or 复核意见 answers, while it is unanswered; else the refusal."""
    name, article, _ = STAGES[stage]
    review = petition.review_of(stage)
    if review is None:
        raise Refused(
            PetitionRefusal.NO_REVIEW_REQUEST, f"petition {petition.number} has no request for {name} ({article})"
        )
    if review.opinion is not None:
        raise Refused(
            PetitionRefusal.ALREADY_REVIEWED,
            f"petition {petition.number}'s {name}意见 was given on {review.opinion.given_on}; it is given once",
        )
    return review


def give_opinion(
    petition: Petition, stage: ReviewStage, result: ReviewResult, summary: str, given_on: date
) -> Petition:
    """The 复查意见 or 复核意见 (维持, 变更 or 撤销); given after its 30 days it still stands, and counts as late."""
    review = pending_review(petition, stage)
    return petition.with_review(stage, replace(review, opinion=ReviewOpinion(result, summary, given_on)))


@dataclass(frozen=True)
class ReviewStanding:
    """A request for 复查 or 复核 against its terms on one day."""

    request_due: date  # the last day it could be asked (30 days from receiving the answer)
    answer_due: date  # the last day for the opinion (30 days from the request)
    answered_on_time: bool | None  # None while unanswered
    overdue: bool  # unanswered, and the 30 days have passed


def review_standing(review: Review, today: date) -> ReviewStanding:
    answer_due = terms.review_answer_due(review.requested_on)
    return ReviewStanding(
        request_due=terms.review_request_due(review.answer_received_on),
        answer_due=answer_due,
        answered_on_time=None if review.opinion is None else review.opinion.given_on <= answer_due,
        overdue=review.opinion is None and today > answer_due,
    )


class FinalBy(StrEnum):
    RE_REVIEW = "re_review"  # the 复核意见 was given (第三十六条)
    NO_RE_REVIEW = "no_re_review"  # the 复查意见 was given, and no 复核 asked in its 30 days


@dataclass(frozen=True)
class Finality:
    """A petition final (不再受理 on the same facts and reasons), from a day, and why."""

    number: str
    since: date
    by: FinalBy


def finality(petition: Petition) -> Finality | None:
    """When the petition's matter is final, if it ever is by what the register knows: on the day of the 复核意见, or
    the day after the 30 days to ask for 复核 (counted from the 复查意见's own day, the earliest the petitioner can
    have received it) when none was asked. A 复核 asked in time but recorded later undoes the second."""
    re_review, review = petition.re_review, petition.review
    if re_review is not None:
        return (
            None
            if re_review.opinion is None
            else Finality(petition.number, re_review.opinion.given_on, FinalBy.RE_REVIEW)
        )
    if review is not None and review.opinion is not None:
        since = terms.review_request_due(review.opinion.given_on) + timedelta(days=1)
        return Finality(petition.number, since, FinalBy.NO_RE_REVIEW)
    return None


def final_on(petition: Petition, today: date) -> Finality | None:
    """The petition's finality when it has begun by `today`."""
    final = finality(petition)
    return final if final is not None and final.since <= today else None


def final_matter(petition: Petition, same_matter: Sequence[Petition]) -> Finality | None:
    """For a repeat (重复信访): the petition of its matter that was already final when it was received, the first to
    be; such a petition is registered (the register records what came in) and shown and counted as one that the
    regulation does not accept again (第三十六条)."""
    if not petition.repeat:
        return None
    finals = [
        final
        for other in same_matter
        if other.number != petition.number
        and other.matter == petition.matter
        and (final := finality(other)) is not None
        and final.since <= petition.received_on
    ]
    return min(finals, key=lambda f: (f.since, f.number), default=None)


def _require_open(petition: Petition, action: str) -> None:
    if petition.status is PetitionStatus.ACCEPTED:
        return
    if petition.status is PetitionStatus.REPLIED:
        raise Refused(PetitionRefusal.ALREADY_REPLIED, f"petition {petition.number} was replied to already")
    if petition.status is PetitionStatus.SEPARATED:
        raise Refused(
            PetitionRefusal.SEPARATED, f"petition {petition.number} went to the court's procedure and is not {action}"
        )
    raise Refused(
        PetitionRefusal.NOT_ACCEPTED,
        f"petition {petition.number} is {petition.status}; only an accepted petition is {action}",
    )


def _handling_due(petition: Petition) -> date:
    accepted_on = petition.accepted_on
    assert accepted_on is not None, "only an accepted petition has a handling term"
    return terms.handling_due(accepted_on, petition.extension.days if petition.extension else 0)


class Term(StrEnum):
    ACCEPTANCE = "acceptance"  # 受理: decided within 15 days of receipt
    HANDLING = "handling"  # 办理: replied to within 60 days of acceptance, plus the extension
    REVIEW = "review"  # 复查意见: given within 30 days of the request (第三十五条)
    RE_REVIEW = "re_review"  # 复核意见: given within 30 days of the request (第三十六条)


@dataclass(frozen=True)
class OpenTerm:
    term: Term
    due_on: date


def open_term(petition: Petition) -> OpenTerm | None:
    """The term a petition waits on: acceptance while registered, handling (with its extension) while accepted;
    once replied to, the opinion of a 复查 or 复核 asked and not yet answered; none otherwise. The stages follow one
    another (复核 is asked only of a 复查意见), so at most one runs at a time. A petition is overdue exactly when today
    is after this term's due day (`overdue`)."""
    if petition.status is PetitionStatus.REGISTERED:
        return OpenTerm(Term.ACCEPTANCE, terms.acceptance_due(petition.received_on))
    if petition.status is PetitionStatus.ACCEPTED:
        return OpenTerm(Term.HANDLING, _handling_due(petition))
    if petition.status is PetitionStatus.REPLIED:
        for stage, term in ((ReviewStage.RE_REVIEW, Term.RE_REVIEW), (ReviewStage.REVIEW, Term.REVIEW)):
            review = petition.review_of(stage)
            if review is not None and review.opinion is None:
                return OpenTerm(term, terms.review_answer_due(review.requested_on))
    return None


def overdue(petition: Petition, today: date) -> bool:
    """Whatever term the petition waits on, the bureau's (受理, 办理) or the body above's (复查, 复核), has passed:
    what an officer is to look at first. `Standing` and `review_standing` tell each term apart."""
    term = open_term(petition)
    return term is not None and today > term.due_on


@dataclass(frozen=True)
class Standing:
    """A petition against its terms on one day. `None` where a question does not arise yet (or at all)."""

    acceptance_due: date
    decided_on_time: bool | None  # None while undecided
    acceptance_overdue: bool  # undecided, and the 15 days have passed
    handling_due: date | None  # accepted petitions only; with the extension when there is one
    replied_on_time: bool | None  # accepted petitions, once replied to
    handling_overdue: bool  # accepted, not replied to, and the term (with any extension) has passed


def standing(petition: Petition, today: date) -> Standing:
    acceptance_due = terms.acceptance_due(petition.received_on)
    decision = petition.decision
    handling_due = _handling_due(petition) if petition.accepted_on is not None else None
    replied = petition.reply.replied_on if petition.reply else None
    return Standing(
        acceptance_due=acceptance_due,
        decided_on_time=None if decision is None else decision.decided_on <= acceptance_due,
        acceptance_overdue=decision is None and today > acceptance_due,
        handling_due=handling_due,
        replied_on_time=None if handling_due is None or replied is None else replied <= handling_due,
        handling_overdue=handling_due is not None and replied is None and today > handling_due,
    )
