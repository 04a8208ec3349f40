"""The petition register's service layer, beside the agency base's: register, list, decide, extend, reply, record the
reviews (复查, 复核), count."""

from dataclasses import asdict, replace
from datetime import date, datetime, timedelta
from typing import Any

from services.petition_link.commands import (
    REPEAT_WINDOW_DAYS,
    DecideAcceptance,
    ExtendTerm,
    FiguresQuery,
    GiveReviewOpinion,
    ListPetitions,
    RegisterPetition,
    ReplyPetition,
    RequestReview,
    ShowPetition,
)
from services.petition_link.domain import decisions, figures, persons, terms
from services.petition_link.domain.model import OtherSide, Petition, PetitionStatus, ReviewStage
from services.petition_link.domain.records import PetitionDetails, flags_for
from services.petition_link.store import PetitionStore
from services.petition_link.views import final_view, petition_row, petition_view
from shared.agency import handlers as agency
from shared.agency.commands import AgencyRecord
from shared.agency.joined import joined_case_view
from shared.agency.link_facts import note_record
from shared.agency.records import RecordKind
from shared.auth.principal import Principal
from shared.contracts.disputes import applicants_in
from shared.contracts.messages import LinkRecordKind
from shared.contracts.vocabulary import PartyKind, PartyRole
from shared.http import BadInput, validate_value
from shared.persistence.errors import Conflict, NotFound
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform

# Each action on a petition takes the same steps in one transaction: lock it, check the caller acts
# for its unit, let the domain decide, save, and answer with the petition as it now stands. Dates
# are the county's calendar days (Asia/Shanghai), taken from the platform's clock.

Work = UnitOfWork[PetitionStore]

# What the bureau's records carry when fed in, by `POST /api/v1/records` or by the register (访调对接).
PETITION_RECORDS = RecordKind(PetitionDetails, flags_for)
# The facts for supervision's counts, by review stage: a request, and its opinion.
REVIEW_REQUESTED: dict[ReviewStage, LinkRecordKind] = {
    ReviewStage.REVIEW: "petition_review_requested",
    ReviewStage.RE_REVIEW: "petition_re_review_requested",
}
REVIEWED: dict[ReviewStage, LinkRecordKind] = {
    ReviewStage.REVIEW: "petition_reviewed",
    ReviewStage.RE_REVIEW: "petition_re_reviewed",
}
# What the answer a stage reviews is called, in a 400's message.
REVIEWED_ANSWER = {ReviewStage.REVIEW: "the reply", ReviewStage.RE_REVIEW: "the 复查意见"}


# --- the register --------------------------------------------------------------------------------


def register_petition(
    command: RegisterPetition, caller: Principal, uow: Work, platform: Platform, key: bytes | None
) -> tuple[int, dict[str, Any]]:
    """Keep a petition once by its number (201); the same registration again is answered as kept (200),
    another under the same number is a conflict. A litigation-related one is separated at once."""
    agency.require_officer_of_agency(caller, platform)
    unit = platform.registry.by_service(platform.service).unit_for(command.division_code)
    caller.require_unit(unit, f"petition {command.number}'s place")
    agency.require_place_of_county(command.division_code, platform)
    secret = _require_key(key, platform)
    now = platform.now()
    today = terms.local_day(now)
    sent = {**command.model_dump(mode="json"), "group_size": command.persons}
    new = Petition(
        number=command.number,
        unit=unit,
        received_on=command.received_on,
        form=command.form,
        petitioners=tuple(persons.petitioner(p.name, p.id_number, p.phone, secret) for p in command.petitioners),
        group_size=command.persons,
        category=command.category,
        division_code=command.division_code,
        summary=command.summary,
        litigation_reason=command.litigation_reason,
        repeat_of=command.repeat_of,
        matter=command.number,
        respondents=tuple(OtherSide(side.kind, side.name, side.phone) for side in command.respondents),
        fingerprint=persons.fingerprint(sent, secret),
        registered_by=caller.subject,
        registered_at=now,
    )
    with uow:
        if command.repeat_of is not None:
            new = replace(new, matter=_earlier(command, caller, uow).matter)
        petition = decisions.register(new, today)
        first_time = uow.store.add_petition(petition)
        if not first_time:
            kept = uow.store.find_petition(command.number)
            if kept is not None:
                # Another unit's petition under the number is only taken: never whose, nor whether it matches.
                caller.require_own_number(kept.unit, "number")
            if kept is None or kept.fingerprint != new.fingerprint:
                raise Conflict(f"petition {command.number} is registered already, with other details")
            petition = kept
        else:
            _note(uow, platform, "petition_registered", petition, now, group_size=petition.group_size)
            if petition.status is PetitionStatus.SEPARATED:
                _note(uow, platform, "petition_separated", petition, now)
        shown = _shown(uow, petition, today, REPEAT_WINDOW_DAYS)
    return (201 if first_time else 200), {"first_time": first_time, **shown}


def list_petitions(query: ListPetitions, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    """The petitions of the caller's units and those under them, what is due first unless asked otherwise, with
    how many match in all; overdue as of today in the county."""
    units = agency.require_officer_of_agency(caller, platform)
    today = terms.local_day(platform.now())
    with uow:
        petitions, total = uow.store.list_petitions(
            units,
            today,
            status=query.status,
            overdue=query.overdue,
            order=query.order,
            limit=query.limit,
            offset=query.offset,
        )
    return {"petitions": [petition_row(p, today) for p in petitions], "total": total, "as_of": today.isoformat()}


def show_petition(number: str, query: ShowPetition, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    agency.require_officer_of_agency(caller, platform)
    with uow:
        petition = uow.store.find_petition(number)
        if petition is None:
            raise NotFound(f"no petition {number}")
        caller.require_own(petition.unit, f"petition {number}")
        return _shown(uow, petition, terms.local_day(platform.now()), query.window_days)


def decide_acceptance(
    number: str, command: DecideAcceptance, caller: Principal, uow: Work, platform: Platform
) -> dict[str, Any]:
    """受理 or 不予受理; with `to_mediation`, the accepted petition is fed to the centre in the same transaction."""
    with uow:
        petition, now = _lock(number, caller, uow, platform)
        decided = decisions.decide(petition, command.accepted, command.reason, terms.local_day(now))
        if command.to_mediation:
            decided = _to_mediation(decided, caller, uow, platform)
        uow.store.save_petition(decided, now)
        kind: LinkRecordKind = "petition_accepted" if command.accepted else "petition_not_accepted"
        _note(uow, platform, kind, decided, now, to_mediation=command.to_mediation)
        return _shown(uow, decided, terms.local_day(now), REPEAT_WINDOW_DAYS)


def extend_term(number: str, command: ExtendTerm, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    with uow:
        petition, now = _lock(number, caller, uow, platform)
        extended = decisions.extend(petition, command.days, command.reason, terms.local_day(now))
        uow.store.save_petition(extended, now)
        _note(uow, platform, "petition_extended", extended, now, days=command.days)
        return _shown(uow, extended, terms.local_day(now), REPEAT_WINDOW_DAYS)


def reply_to_petition(
    number: str, command: ReplyPetition, caller: Principal, uow: Work, platform: Platform
) -> dict[str, Any]:
    with uow:
        petition, now = _lock(number, caller, uow, platform)
        agency.require_signed_since(command.agreement, petition.received_on, "the petition was received")
        replied = decisions.reply(petition, command.result, command.summary, command.agreement, terms.local_day(now))
        uow.store.save_petition(replied, now)
        _note(uow, platform, "petition_replied", replied, now, result=str(command.result))
        return _shown(uow, replied, terms.local_day(now), REPEAT_WINDOW_DAYS)


def request_review(
    number: str, stage: ReviewStage, command: RequestReview, caller: Principal, uow: Work, platform: Platform
) -> dict[str, Any]:
    """复查 (第三十五条) or 复核 (第三十六条) asked of the body above, as the bureau records it: once, within 30 days of
    the petitioner's receiving the written answer; no day before that answer's own."""
    with uow:
        petition, now = _lock(number, caller, uow, platform)
        answered_on = decisions.reviewable(petition, stage)
        received_on = command.answer_received_on or answered_on
        if received_on < answered_on:
            raise BadInput([_before("answer_received_on", f"{REVIEWED_ANSWER[stage]} was given", answered_on)])
        if command.requested_on < received_on:
            raise BadInput([_before("requested_on", f"{REVIEWED_ANSWER[stage]} was received", received_on)])
        asked = decisions.request_review(petition, stage, command.body, received_on, command.requested_on)
        uow.store.save_petition(asked, now)
        _note(uow, platform, REVIEW_REQUESTED[stage], asked, now)
        return _shown(uow, asked, terms.local_day(now), REPEAT_WINDOW_DAYS)


def give_review_opinion(
    number: str, stage: ReviewStage, command: GiveReviewOpinion, caller: Principal, uow: Work, platform: Platform
) -> dict[str, Any]:
    """The 复查意见 or 复核意见 as the bureau learns of it: once, answering a request recorded, no earlier than it."""
    with uow:
        petition, now = _lock(number, caller, uow, platform)
        review = decisions.pending_review(petition, stage)
        if command.given_on < review.requested_on:
            raise BadInput([_before("given_on", "it was requested", review.requested_on)])
        answered = decisions.give_opinion(petition, stage, command.result, command.summary, command.given_on)
        uow.store.save_petition(answered, now)
        on_time = command.given_on <= terms.review_answer_due(review.requested_on)
        _note(uow, platform, REVIEWED[stage], answered, now, result=command.result.value, on_time=on_time)
        return _shown(uow, answered, terms.local_day(now), REPEAT_WINDOW_DAYS)


def petition_figures(query: FiguresQuery, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    """The figures of the petitions the caller's units received in the period, their terms as of today."""
    units = agency.require_officer_of_agency(caller, platform)
    today = terms.local_day(platform.now())
    with uow:
        received = uow.store.petitions_received(query.first, query.last, units)
        same_matter = uow.store.petitions_on_matters(frozenset(p.matter for p in received if p.repeat))
    period = {"from": query.first.isoformat(), "to": query.last.isoformat(), "as_of": today.isoformat()}
    return {**period, **asdict(figures.count(received, today, same_matter))}


def purge_petitioner_phones(uow: Work, platform: Platform, retention_days: int, *, dry_run: bool = False) -> list[str]:
    """Drop the mobile numbers of petitions finished more than `retention_days` ago; their numbers."""
    before = platform.now() - timedelta(days=retention_days)
    with uow:
        return uow.store.purge_petitioner_phones(before, dry_run=dry_run)


# --- the steps the actions share -------------------------------------------------------------------


def _require_key(key: bytes | None, platform: Platform) -> bytes:
    if key is None:
        # The precedent of the agency base's "feeds no source": a deployment's gap, named for the operator.
        raise BadInput(
            [
                {
                    "field": "(service)",
                    "message": f"{platform.service} has no WUYUAN_PETITION_KEY_SECRET; the operator must set it"
                    " before petitions can be registered",
                    "type": "config",
                }
            ]
        )
    return key


def _earlier(command: RegisterPetition, caller: Principal, uow: Work) -> Petition:
    """The petition this one repeats; one of another unit's is as unknown as one never registered."""
    earlier = uow.store.find_petition(command.repeat_of) if command.repeat_of else None
    if earlier is None or not caller.acts_for(earlier.unit):
        problem = "names no petition registered here"
    elif earlier.received_on > command.received_on:
        problem = f"was received on {earlier.received_on}, after this petition"
    else:
        return earlier
    raise BadInput([{"field": "repeat_of", "message": problem, "type": "unknown_petition"}])


def _before(field: str, what: str, earliest: date) -> dict[str, str | int]:
    return {"field": field, "message": f"is before {what} ({earliest.isoformat()})", "type": "date_before_start"}


def _lock(number: str, caller: Principal, uow: Work, platform: Platform) -> tuple[Petition, datetime]:
    """Inside `with uow`: the petition locked, once the caller is known to act for its unit."""
    agency.require_officer_of_agency(caller, platform)
    petition = uow.store.lock_petition(number)
    caller.require_own(petition.unit, f"petition {number}")
    return petition, platform.now()


def _shown(uow: Work, petition: Petition, today: date, window_days: int) -> dict[str, Any]:
    # A window reaching back before the calendar's first day starts on it: a kept petition's date may be any date.
    since = petition.received_on - min(timedelta(days=window_days), petition.received_on - date.min)
    mentions = uow.store.mentions(persons.all_keys(petition), since, petition)
    shown = petition_view(petition, today, persons.earlier_petitions(petition, mentions, since), window_days)
    # A repeat of a matter already final (不再受理) is registered, and shown as such.
    same_matter = uow.store.petitions_on_matters(frozenset({petition.matter})) if petition.repeat else []
    shown["final_matter"] = final_view(decisions.final_matter(petition, same_matter))
    # The case intake linked the petition to as a repeat, named even while the bureau holds no referral of it; read
    # before the referrals, so that a link committed between the two reads is among what the referrals' read sees.
    link = uow.store.record_link(petition.number) if petition.fed_message_id else None
    referrals = uow.store.case_referrals(petition.number) if petition.fed_message_id else []
    return {**shown, "case_referrals": referrals, "joined_case": joined_case_view(link, referrals)}


def _note(uow: Work, platform: Platform, kind: LinkRecordKind, petition: Petition, at: datetime, **detail: Any) -> None:
    """Inside `with uow`: the bureau's decision, as a fact for supervision's counts (codes and counts only). Each
    is taken once a petition (registered, separated, accepted or not, extended, replied, each review asked and
    answered), so each is one message
    whenever it is noted: a petition registered again after the bureau's database was restored counts once."""
    note_record(uow, platform, kind, petition.number, petition.unit, at, once_as=petition.number, **detail)


def _to_mediation(petition: Petition, caller: Principal, uow: Work, platform: Platform) -> Petition:
    """访调对接: the petition fed to the centre as the bureau's record, as the agency base feeds one, its
    number the record id, inside this transaction: the decision and the feed are kept together or not at all."""
    decisions.require_mediable(petition)
    if not petition.respondents:
        raise BadInput(
            [
                {
                    "field": "to_mediation",
                    "message": "mediation needs the other side, and this petition names no respondents",
                    "type": "no_respondents",
                }
            ]
        )
    record = validate_value(AgencyRecord, _record_of(petition))
    read = PETITION_RECORDS.read(record.details, applicants_in(record.parties))
    bureau = platform.registry.by_service(platform.service)
    caller.require_unit(bureau.unit_for(record.division_code), f"petition {petition.number}'s place")
    message = agency.record_dispute(
        record.record_id,
        record.category,
        record.division_code,
        record.summary,
        record.parties,
        [*record.flags, *read.flags],
        caller,
        platform,
    )
    # Fed before, from another place, under the petition's number: the number is only taken (never whose).
    agency.keep_fed_record(uow, message, read.details, message.occurred_at, caller, platform, field="number")
    return decisions.mark_fed(petition, message.message_id)


def _record_of(petition: Petition) -> dict[str, Any]:
    """The petition as the bureau's record: petitioners as applicants, the other side as respondents.

    ID numbers are not in it: the register never kept them, and intake matches by record id anyway."""
    applicants = [
        {"role": PartyRole.APPLICANT, "kind": PartyKind.PERSON, "name": p.name, "phone": p.phone}
        for p in petition.petitioners
    ]
    respondents = [
        {"role": PartyRole.RESPONDENT, "kind": side.kind, "name": side.name, "phone": side.phone}
        for side in petition.respondents
    ]
    return {
        "record_id": petition.number,
        "category": petition.category,
        "division_code": petition.division_code,
        "summary": petition.summary,
        "parties": [*applicants, *respondents],
        "details": {
            "petition_number": petition.number,
            "persons": petition.group_size,
            "repeat_petition": petition.repeat,
        },
    }
