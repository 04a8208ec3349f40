"""Stability's own service layer, beside the agency base's: the risk register and the person-level warning file."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from services.stability.commands import AddEvent, AddPerson, ListPersons, ListRiskRegister, NameLeader
from services.stability.domain import REGISTER_STATUSES, WarningColour, lead_colour, warning_colour
from services.stability.persons import assess, facts_of_cases, missing_leader, person_keys
from services.stability.store import StabilityStore
from shared.agency.handlers import require_officer_of_agency, require_place_of_county
from shared.auth.principal import Forbidden, Principal, Role
from shared.contracts.messages import CaseAssigned, CaseClosed, CaseReopened, CaseWentOverdue, ReferralIssued
from shared.contracts.vocabulary import Source
from shared.delivery.statements import Row
from shared.http import BadInput
from shared.persistence.errors import NotFound
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform
from shared.telemetry.propagation import current_trace_headers

Work = UnitOfWork[StabilityStore]


def handle_case_assigned(message: CaseAssigned, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """三色预警: a case whose flags call for a warning colour enters the register, and every case's source and
    flags are kept for the person file (facts from the coordinator only)."""
    platform.require_sender(message, sent_by, "coordinator")
    colour = warning_colour(message.flags)
    with uow:
        uow.claim(message)
        uow.store.note_case(message)
        if colour is not None:
            uow.store.note_risk(message, colour, platform.now())


def handle_case_closed(message: CaseClosed, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """A case of the register closed (结案): it shows closed, with the citizen's rating, until it reopens (facts from
    the coordinator only; the inbox takes them for the committee's leads' cases and the risky ones alone)."""
    platform.require_sender(message, sent_by, "coordinator")
    with uow:
        uow.claim(message)
        uow.store.note_closing(message.case_id, message.occurred_at, message.rating.value, message.occurred_at)


def handle_case_reopened(message: CaseReopened, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """A closed case of the register reopened: it is open again (from the coordinator only)."""
    platform.require_sender(message, sent_by, "coordinator")
    with uow:
        uow.claim(message)
        uow.store.note_closing(message.case_id, None, None, message.occurred_at)


def handle_case_went_overdue(message: CaseWentOverdue, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """A unit let a case's deadline pass: the person file of everyone on that case counts it (from supervision, to
    a unit of the committee)."""
    platform.require_sender(message, sent_by, "supervision")
    platform.require_own_unit(message)
    with uow:
        uow.claim(message)
        uow.store.note_overdue(message, platform.now())


def handle_referral_issued(message: ReferralIssued, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """The agency base's referral, and, for the case a lead of the committee's own opened, the register entry in
    the lead's own colour: every lead enters, green and yellow ones without risk flags too."""
    platform.require_sender(message, sent_by, "coordinator")
    platform.require_own_unit(message)
    with uow:
        uow.claim(message)
        uow.store.add_referral(message, current_trace_headers(), platform.now())
        uow.store.carry_over_phones(message.referral_id)
        if message.source is Source.STABILITY_LEAD and message.source_record_id is not None:
            record = uow.store.get_record(message.source_record_id)
            if record is not None:
                colour = lead_colour(record["details"], message.flags)
                uow.store.note_lead(message, colour, platform.now())


def risk_register(query: ListRiskRegister, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    """A page of the register, for the centre and leaders, and for the political-legal committee's own officers.

    `counts` are the whole register's, by colour, `status_counts` the same by status (`open`, `closed`, and `unknown`
    for cases entered before the register heard of closings), and `total` what the query matches, so that a page never
    passes for the register: it grows by every flagged case, year after year."""
    if not caller.has_any(frozenset({Role.COORDINATOR, Role.LEADER})):
        require_officer_of_agency(caller, platform)
    with uow:
        cases = uow.store.risk_register(query.limit, query.offset, query.colour, query.status)
        counts = uow.store.risk_register_counts()
    colours = [colour.value for colour in WarningColour]
    by_status = {
        status: {colour: counts.get(colour, {}).get(status, 0) for colour in colours} for status in REGISTER_STATUSES
    }
    total = sum(
        by_status[status][colour]
        for status in REGISTER_STATUSES
        for colour in colours
        if query.status in (None, status) and query.colour in (None, colour)
    )
    return {
        "cases": cases,
        "counts": {colour: sum(counts.get(colour, {}).values()) for colour in colours},
        "status_counts": by_status,
        "total": total,
        "offset": query.offset,
        "limit": query.limit,
    }


# --- the person file (三色预警档案, 一人一档) -------------------------------------------------------


def add_person(
    command: AddPerson, caller: Principal, uow: Work, platform: Platform, key: bytes | None
) -> tuple[int, dict[str, Any]]:
    """Put a person on file, or add cases and leads to the file of the person already there under the same
    ID number or name and mobile (`first_time` false)."""
    require_officer_of_agency(caller, platform)
    agency = platform.registry.by_service(platform.service)
    caller.require_unit(agency.unit_for(command.division_code), "the person's place")
    require_place_of_county(command.division_code, platform)
    keys = person_keys(command.name, command.id_number, command.mobile, _require_key(key, platform))
    at = platform.now()
    with uow:
        existing = uow.store.find_person(keys.id_key, keys.contact_key)
        if existing is not None:
            # The file is kept by the unit competent for the person's place: an officer of another place adds no
            # case to it, and is told neither its id nor where it is kept.
            if not caller.acts_for(_unit_of_place(_require_person(uow, existing), platform)):
                raise Forbidden(
                    f"{caller.subject} may not add to this person's file: it is kept for a place their units do not"
                    " cover"
                )
            uow.store.link_person(existing, list(command.case_ids), list(command.record_ids), at)
            return 200, {"person_id": str(existing), "first_time": False}
        person_id = platform.new_id()
        person = {
            "person_id": person_id,
            "name": command.name,
            "division_code": command.division_code,
            "case_ids": list(command.case_ids),
            "record_ids": list(command.record_ids),
            "created_by": caller.subject,
        }
        uow.store.add_person(person, keys.id_key, keys.contact_key, at)
    return 201, {"person_id": str(person_id), "first_time": True}


def add_event(person_id: UUID, command: AddEvent, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    """Record a fact that feeds the person's colour; answers the colour it now gives."""
    require_officer_of_agency(caller, platform)
    event = {**command.model_dump(mode="python"), "event_id": platform.new_id(), "recorded_by": caller.subject}
    event["kind"] = command.kind.value
    with uow:
        _require_person_of_caller(uow, person_id, caller, platform)
        uow.store.add_person_event(person_id, event, platform.now())
        shown = _person_shown(uow, person_id, platform)
    return {"event_id": str(event["event_id"]), **shown}


def name_leader(
    person_id: UUID, command: NameLeader, caller: Principal, uow: Work, platform: Platform
) -> dict[str, Any]:
    """一人一案: the leader who answers for the person (包案领导), and the plan."""
    require_officer_of_agency(caller, platform)
    leader = {**command.model_dump(mode="json"), "named_by": caller.subject, "named_at": platform.now().isoformat()}
    with uow:
        _require_person_of_caller(uow, person_id, caller, platform)
        if not uow.store.set_leader(person_id, leader, platform.now()):
            raise NotFound(f"person {person_id}")
        return _person_shown(uow, person_id, platform)


def list_persons(query: ListPersons, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    """The file, each person with their computed colour and its reasons, the latest changed first; `missing_leader`
    keeps only the gaps, `colour` one colour. `total` counts every person the query matches, `truncated` says the
    list was cut at `limit`."""
    own_units = require_officer_of_agency(caller, platform)
    # The places the caller's units are competent for, as _require_person_of_caller judges one person: a person's
    # unit is their place cut to the agency's level, so a unit bound below that level is competent for no one's file.
    places = [unit.partition(":")[2] for unit in own_units if platform.registry.below_its_level(unit) is None]
    by_colour = query.missing_leader or query.colour is not None
    with uow:
        # A colour is computed from the person's history as of now and held in no column, so every candidate is
        # assessed before the list is cut: a red person without a leader (一人一案) must be on the gap list however
        # many other files changed since theirs. Only a person without a leader can be a gap, which SQL can tell.
        stored = uow.store.list_persons(places, without_leader=query.missing_leader) if places else []
        assessed = stored if by_colour else stored[: query.limit]
        cases = _CaseIndex.of(
            uow.store.case_histories(
                [c for p in assessed for c in p["case_ids"]], [r for p in assessed for r in p["record_ids"]]
            )
        )
    persons = [_shown(p, cases.of_person(p), platform) for p in assessed]
    if query.missing_leader:
        persons = [p for p in persons if p["missing_leader"]]
    if query.colour is not None:
        persons = [p for p in persons if p["colour"] == query.colour]
    total = len(persons) if by_colour else len(stored)
    return {"persons": persons[: query.limit], "total": total, "truncated": total > query.limit}


def show_person(person_id: UUID, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    require_officer_of_agency(caller, platform)
    with uow:
        _require_person_of_caller(uow, person_id, caller, platform)
        return _person_shown(uow, person_id, platform)


def _unit_of_place(person: Row, platform: Platform) -> str:
    """The agency's unit competent for the person's place, as when putting them on file."""
    return platform.registry.by_service(platform.service).unit_for(str(person["division_code"]))


def _require_person_of_caller(uow: Work, person_id: UUID, caller: Principal, platform: Platform) -> Row:
    """The person, if on file in a place the caller acts for (Forbidden otherwise, as for a referral of
    another unit)."""
    person = _require_person(uow, person_id)
    caller.require_own(_unit_of_place(person, platform), f"person {person_id}")
    return person


def _require_person(uow: Work, person_id: UUID) -> Row:
    person = uow.store.get_person(person_id)
    if person is None:
        raise NotFound(f"person {person_id}")
    return person


def _person_shown(uow: Work, person_id: UUID, platform: Platform) -> dict[str, Any]:
    """One person's file as shown, with the history of the cases on it; inside the caller's unit of work."""
    person = _require_person(uow, person_id)
    cases = _CaseIndex.of(uow.store.case_histories(person["case_ids"], person["record_ids"]))
    return _shown(person, cases.of_person(person), platform)


@dataclass(frozen=True)
class _CaseIndex:
    """Case histories by case and by the lead that opened each: a list of many files finds each one's cases
    without reading every case for every person."""

    by_case: dict[str, Row]
    by_record: dict[str, list[Row]]

    @classmethod
    def of(cls, cases: list[Row]) -> "_CaseIndex":
        by_record: dict[str, list[Row]] = {}
        for case in cases:
            if case["record_id"] is not None:
                by_record.setdefault(case["record_id"], []).append(case)
        return cls({case["case_id"]: case for case in cases}, by_record)

    def of_person(self, person: Row) -> list[Row]:
        """The cases on the person's file (named, or opened by a lead on it), by case id."""
        own = {case_id: self.by_case[case_id] for case_id in person["case_ids"] if case_id in self.by_case}
        for record_id in person["record_ids"]:
            own.update((case["case_id"], case) for case in self.by_record.get(record_id, []))
        return [own[case_id] for case_id in sorted(own)]


def _shown(person: Row, own: list[Row], platform: Platform) -> dict[str, Any]:
    """The file with its colour: officers' facts (`events`) and the facts of its cases (`case_facts`) together."""
    case_facts = facts_of_cases(own)
    assessment = assess([*person["events"], *case_facts], platform.now())
    known = {c["case_id"] for c in own}
    return {
        **person,
        "case_facts": case_facts,
        # Numbers typed onto the file that the committee has no case of (mistyped, or not yet assigned): said
        # on the file, since they add nothing to its colour.
        "unknown_case_ids": [case_id for case_id in person["case_ids"] if case_id not in known],
        "colour": assessment.colour.value,
        "reasons": [r.as_json() for r in assessment.reasons],
        "missing_leader": missing_leader(assessment.colour, person["leader"]),
    }


def _require_key(key: bytes | None, platform: Platform) -> bytes:
    if key is None:
        message = f"{platform.service} has no WUYUAN_STABILITY_KEY_SECRET; the operator must set it first"
        raise BadInput([{"field": "(service)", "message": message, "type": "config"}])
    return key
