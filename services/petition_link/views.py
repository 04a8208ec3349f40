"""What an officer reads of a petition: its terms as they stand today, masked contacts, earlier petitions."""

from datetime import date
from typing import Any

from services.petition_link.domain.decisions import (
    Finality,
    OpenTerm,
    final_on,
    open_term,
    overdue,
    review_standing,
    standing,
)
from services.petition_link.domain.model import OtherSide, Petition, Petitioner, PetitionStatus, Review
from services.petition_link.domain.persons import EarlierPetitions
from shared.contracts.identifiers import mask_mobile
from shared.contracts.vocabulary import outcome_of


def petition_view(petition: Petition, today: date, earlier: list[EarlierPetitions], window_days: int) -> dict[str, Any]:
    now = standing(petition, today)
    decision, extension, reply = petition.decision, petition.extension, petition.reply
    return {
        "number": petition.number,
        "unit": petition.unit,
        "status": petition.status.value,
        "received_on": petition.received_on.isoformat(),
        "form": petition.form.value,
        "petitioners": [_petitioner(p) for p in petition.petitioners],
        "group_size": petition.group_size,
        "collective_visit": petition.collective_visit,
        "category": petition.category.value,
        "division_code": petition.division_code,
        "summary": petition.summary,
        "respondents": [_other_side(side) for side in petition.respondents],
        "litigation_related": petition.litigation_related,
        "litigation_reason": petition.litigation_reason,
        "separated_to_court": petition.status is PetitionStatus.SEPARATED,
        "repeat_of": petition.repeat_of,
        "matter": petition.matter,
        "acceptance": {
            "due_on": now.acceptance_due.isoformat(),
            "decided_on": decision.decided_on.isoformat() if decision else None,
            "accepted": decision.accepted if decision else None,
            "reason": decision.reason if decision else None,
            "on_time": now.decided_on_time,
            "overdue": now.acceptance_overdue,
        },
        "handling": None
        if now.handling_due is None or petition.accepted_on is None
        else {
            "accepted_on": petition.accepted_on.isoformat(),
            "due_on": now.handling_due.isoformat(),
            "extension": None
            if extension is None
            else {"days": extension.days, "reason": extension.reason, "granted_on": extension.granted_on.isoformat()},
            "on_time": now.replied_on_time,
            "overdue": now.handling_overdue,
        },
        "reply": None
        if reply is None
        else {
            "replied_on": reply.replied_on.isoformat(),
            "result": reply.result.value,
            "outcome": outcome_of(reply.result).value,
            "summary": reply.summary,
            "agreement": reply.agreement.model_dump(mode="json") if reply.agreement else None,
        },
        "review": _review(petition.review, today),
        "re_review": _review(petition.re_review, today),
        "final": final_view(final_on(petition, today)),
        **_running(open_term(petition), overdue(petition, today)),
        "fed_to_centre": None
        if petition.fed_message_id is None
        else {"record_id": petition.number, "message_id": str(petition.fed_message_id)},
        "earlier_petitions": {
            "window_days": window_days,
            "petitioners": [
                {
                    "name": e.name,
                    "identified": e.identified,
                    "petitions": e.petitions,
                    "on_same_matter": e.on_same_matter,
                }
                for e in earlier
            ],
        },
        "registered_by": petition.registered_by,
        "registered_at": petition.registered_at.isoformat(),
    }


def petition_row(petition: Petition, today: date) -> dict[str, Any]:
    """A petition as the register's list shows it: what it is, and the term it waits on (acceptance, handling, or
    once replied to a 复查 or 复核 unanswered; none otherwise), the day that term ends and whether it is overdue
    today."""
    return {
        "number": petition.number,
        "status": petition.status.value,
        "received_on": petition.received_on.isoformat(),
        "form": petition.form.value,
        "group_size": petition.group_size,
        "category": petition.category.value,
        "division_code": petition.division_code,
        **_running(open_term(petition), overdue(petition, today)),
    }


def _running(term: OpenTerm | None, is_overdue: bool) -> dict[str, Any]:
    """The term a petition waits on, its last day, and whether it has passed: the same on its page and in the list."""
    return {
        "term": term.term.value if term else None,
        "due_on": term.due_on.isoformat() if term else None,
        "overdue": is_overdue,
    }


def final_view(final: Finality | None) -> dict[str, Any] | None:
    """A petition final (不再受理), from which day and why: `re_review` (复核意见 given) or `no_re_review`."""
    if final is None:
        return None
    return {"number": final.number, "since": final.since.isoformat(), "by": final.by.value}


def _review(review: Review | None, today: date) -> dict[str, Any] | None:
    """复查 or 复核 as recorded, against its 30-day terms: the last day it could be asked, the last for its opinion."""
    if review is None:
        return None
    now, opinion = review_standing(review, today), review.opinion
    return {
        "body": review.body,
        "answer_received_on": review.answer_received_on.isoformat(),
        "requested_on": review.requested_on.isoformat(),
        "request_due_on": now.request_due.isoformat(),
        "due_on": now.answer_due.isoformat(),
        "on_time": now.answered_on_time,
        "overdue": now.overdue,
        "opinion": None
        if opinion is None
        else {"result": opinion.result.value, "summary": opinion.summary, "given_on": opinion.given_on.isoformat()},
    }


def _petitioner(person: Petitioner) -> dict[str, Any]:
    identified_by = "id_number" if person.id_key else "name_and_mobile" if person.contact_key else None
    return {
        "name": person.name,
        "phone": mask_mobile(person.phone) if person.phone else None,
        "identified_by": identified_by,
    }


def _other_side(side: OtherSide) -> dict[str, Any]:
    return {"kind": side.kind.value, "name": side.name, "phone": mask_mobile(side.phone) if side.phone else None}
