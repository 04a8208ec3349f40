"""What each step of a petition's handling does to it, and where it stands against its terms on a given day."""

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from uuid import UUID

from services.petition_link.domain import terms
from services.petition_link.domain.model import Decision, Extension, Petition, PetitionStatus, Reply
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


@dataclass(frozen=True)
class OpenTerm:
    term: Term
    due_on: date


def open_term(petition: Petition) -> OpenTerm | None:
    """The term a petition waits on: acceptance while registered, handling (with its extension) while accepted;
    none once it is finished. A petition is overdue exactly when today is after this term's due day (`standing`)."""
    if petition.status is PetitionStatus.REGISTERED:
        return OpenTerm(Term.ACCEPTANCE, terms.acceptance_due(petition.received_on))
    if petition.status is PetitionStatus.ACCEPTED:
        return OpenTerm(Term.HANDLING, _handling_due(petition))
    return None


@dataclass(frozen=True)
class Standing:
    """A petition against its terms on one day. `None` where a question does not arise yet (or at all)."""

    acceptance_due: date
    decided_on_time: bool | None  # None while undecided
    acceptance_overdue: bool  # undecided, and the 15 days have passed
    handling_due: date | None  # accepted petitions only; with the extension when there is one
    replied_on_time: bool | None  # accepted petitions, once replied to
    handling_overdue: bool  # accepted, not replied to, and the term (with any extension) has passed

    @property
    def overdue(self) -> bool:
        return self.acceptance_overdue or self.handling_overdue


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
