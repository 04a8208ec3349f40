"""The bureau's figures over the petitions received in a period: batches and persons, repeats, separations, terms,
and the reviews (复查, 复核) asked of their replies."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.petition_link.domain.decisions import final_matter, final_on, review_standing, standing
from services.petition_link.domain.model import (
    Petition,
    Petitioner,
    PetitionForm,
    PetitionStatus,
    ReviewResult,
    ReviewStage,
)


@dataclass(frozen=True)
class Count:
    batches: int  # 批次: one per petition, however many came
    persons: int  # 人次: everyone who came or signed, counted again each time they petition


@dataclass(frozen=True)
class Repeats:
    batches: int  # 重复信访: petitions registered as a repeat of an earlier one
    persons: int  # 人次 in those petitions
    petitioners: int  # people (by key) named in more than one petition of the period
    on_final_matter: int  # of the batches, those whose matter was already final when received (不再受理, 第三十六条)


@dataclass(frozen=True)
class Acceptance:
    """Petitions in the ordinary procedure (litigation-related ones are separated, not decided)."""

    accepted: int
    not_accepted: int
    awaiting: int  # not decided yet
    decided_late: int  # decided after the 15 days
    overdue: int  # not decided, and the 15 days have passed


@dataclass(frozen=True)
class Handling:
    """Accepted petitions against the 60 days (with the extension where one was granted)."""

    open: int
    replied_on_time: int
    replied_late: int
    extended: int
    overdue: int  # open, and the term has passed


@dataclass(frozen=True)
class Reviews:
    """复查 (第三十五条) or 复核 (第三十六条) asked of the petitions, and their opinions against the 30 days."""

    requested: int
    answered: int
    by_result: dict[str, int]  # the opinions by result: upheld (维持), changed (变更), revoked (撤销)
    answered_on_time: int  # within 30 days of the request
    answered_late: int
    awaiting: int  # asked, not answered yet
    overdue: int  # not answered, and the 30 days have passed


@dataclass(frozen=True)
class Figures:
    batches: int
    persons: int
    petitioners: int  # distinct people named (by ID number, else name and mobile: `_who`)
    unidentified_petitioners: int  # named with neither ID number nor mobile: in 人次, not in `petitioners`
    by_form: dict[str, int]
    collective_visits: Count
    repeats: Repeats
    litigation_related: Count  # 诉访分离: separated to the court's procedure
    acceptance: Acceptance
    handling: Handling
    to_mediation: int  # fed to the centre (访调对接)
    results: dict[str, int]  # replies by result code, separations included
    overdue: int  # acceptance or handling overdue (the bureau's own terms; a review's is the body's above)
    reviews: Reviews  # 复查
    re_reviews: Reviews  # 复核
    final: int  # final as of today (复核 answered, or not asked in time after the 复查意见): 不再受理


def count(petitions: Sequence[Petition], today: date, same_matter: Sequence[Petition] = ()) -> Figures:
    """Figures over `petitions` (those received in the period), their terms as they stand on `today`; `same_matter`
    holds the petitions of the repeats' matters (received in the period or not), to tell a repeat of a final one."""
    standings = [(p, standing(p, today)) for p in petitions]
    ids_by_contact = _ids_by_contact(petitions)
    ordinary = [(p, s) for p, s in standings if not p.litigation_related]
    accepted = [(p, s) for p, s in ordinary if p.accepted_on is not None]
    # A person named twice in one petition is still in it once.
    named = Counter(who for p in petitions for who in {_who(person, ids_by_contact) for person in p.petitioners} if who)
    acceptance = Acceptance(
        accepted=len(accepted),
        not_accepted=sum(1 for p, _ in ordinary if p.status is PetitionStatus.NOT_ACCEPTED),
        awaiting=sum(1 for p, _ in ordinary if p.decision is None),
        decided_late=sum(1 for _, s in ordinary if s.decided_on_time is False),
        overdue=sum(1 for _, s in ordinary if s.acceptance_overdue),
    )
    handling = Handling(
        open=sum(1 for p, _ in accepted if p.reply is None),
        replied_on_time=sum(1 for _, s in accepted if s.replied_on_time is True),
        replied_late=sum(1 for _, s in accepted if s.replied_on_time is False),
        extended=sum(1 for p, _ in accepted if p.extension is not None),
        overdue=sum(1 for _, s in accepted if s.handling_overdue),
    )
    forms = Counter(p.form.value for p in petitions)
    return Figures(
        batches=len(petitions),
        persons=sum(p.group_size for p in petitions),
        petitioners=len(named),
        unidentified_petitioners=sum(1 for p in petitions for person in p.petitioners if not person.key),
        by_form={form.value: forms[form.value] for form in PetitionForm},
        collective_visits=_count([p for p in petitions if p.collective_visit]),
        repeats=Repeats(
            batches=sum(1 for p in petitions if p.repeat),
            persons=sum(p.group_size for p in petitions if p.repeat),
            petitioners=sum(1 for times in named.values() if times > 1),
            on_final_matter=sum(1 for p in petitions if final_matter(p, same_matter) is not None),
        ),
        litigation_related=_count([p for p in petitions if p.litigation_related]),
        acceptance=acceptance,
        handling=handling,
        to_mediation=sum(1 for p in petitions if p.fed_message_id is not None),
        results=dict(sorted(Counter(p.reply.result.value for p in petitions if p.reply).items())),
        overdue=acceptance.overdue + handling.overdue,
        reviews=_reviews(petitions, ReviewStage.REVIEW, today),
        re_reviews=_reviews(petitions, ReviewStage.RE_REVIEW, today),
        final=sum(1 for p in petitions if final_on(p, today) is not None),
    )


def _reviews(petitions: Sequence[Petition], stage: ReviewStage, today: date) -> Reviews:
    asked = [(review, review_standing(review, today)) for p in petitions if (review := p.review_of(stage))]
    results = Counter(review.opinion.result.value for review, _ in asked if review.opinion)
    return Reviews(
        requested=len(asked),
        answered=sum(results.values()),
        by_result={result.value: results[result.value] for result in ReviewResult},
        answered_on_time=sum(1 for _, s in asked if s.answered_on_time is True),
        answered_late=sum(1 for _, s in asked if s.answered_on_time is False),
        awaiting=sum(1 for review, _ in asked if review.opinion is None),
        overdue=sum(1 for _, s in asked if s.overdue),
    )


def _ids_by_contact(petitions: Sequence[Petition]) -> dict[str, set[str]]:
    """For each name-and-mobile key, the ID-number keys it was given with in these petitions."""
    ids: dict[str, set[str]] = {}
    for p in petitions:
        for person in p.petitioners:
            if person.contact_key:
                ids.setdefault(person.contact_key, set()).update([person.id_key] if person.id_key else [])
    return ids


def _who(person: Petitioner, ids_by_contact: dict[str, set[str]]) -> str | None:
    """Whom the figures count a petitioner as: by ID number; without one, as the one person the period knows with
    that name and mobile and an ID number (someone who came once with their ID card and once without is one person
    who came twice); else by name and mobile. Two ID numbers are two people, so a name and mobile given with both
    cannot say which of them came, and stays a person of its own."""
    if person.id_key or not person.contact_key:
        return person.id_key
    ids = ids_by_contact.get(person.contact_key, set())
    return next(iter(ids)) if len(ids) == 1 else person.contact_key


def _count(petitions: Sequence[Petition]) -> Count:
    return Count(batches=len(petitions), persons=sum(p.group_size for p in petitions))
