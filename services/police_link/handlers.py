"""The police's own service layer, beside the agency base's: dispute calls recorded and handed over (警调对接),
what their mediation came to, and the figures.

A call handed to mediation is fed to intake in the same transaction that keeps it, as the police's
record of source `police_call` with the call number as its record id; the coordinator's referral
then names that number (`source_record_id`), which is how the centre's later case facts find the call.
"""

from typing import Any

from services.police_link.commands import FiguresQuery, ListCalls, RecordCall
from services.police_link.domain.calls import (
    Decision,
    RecordedCall,
    decide,
    flags_of,
    mediated,
    reported_by_mediators,
)
from services.police_link.domain.records import PoliceCall
from services.police_link.store import PoliceStore
from shared.agency.handlers import (
    keep_fed_record,
    record_dispute,
    require_feeder_of,
    require_officer_of_agency,
    require_place_of_county,
)
from shared.agency.joined import joined_case_view
from shared.agency.link_facts import note_record
from shared.auth.principal import Principal
from shared.contracts.disputes import minimise_parties
from shared.contracts.identifiers import split_unit
from shared.contracts.messages import CaseResolved, LinkRecordKind, ReferralClosed, RegisterDispute
from shared.contracts.vocabulary import Flag, ResultCode, outcome_of
from shared.delivery.statements import Row
from shared.http import BadInput
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform
from shared.registry import AgencyRegistry

Work = UnitOfWork[PoliceStore]


# --- recording a call --------------------------------------------------------------------------------


def record_call(command: RecordCall, caller: Principal, uow: Work, platform: Platform) -> tuple[int, dict[str, Any]]:
    """Keep a call once by its number and decide it; a call handed to mediation is fed to intake with it.

    Sent again, the call is neither decided anew nor fed twice: the answer is the call as first
    recorded (200 instead of 201).
    """
    require_officer_of_agency(caller, platform)
    agency = platform.registry.by_service(platform.service)
    _check_place(command, agency.code, platform.registry)
    require_place_of_county(command.division_code, platform)
    caller.require_unit(command.unit, f"call {command.call_number}")
    at = platform.now()
    scene = command.scene()
    decided = decide(scene)
    flags = flags_of(scene)
    fed = _fed_dispute(command, flags, caller, platform) if decided.handed_over else None
    with uow:
        # The same number fed earlier through the record feed (POST /api/v1/records) opened its case already; a
        # call kept by its station may carry that number only if the record is the station's own too, as its
        # page lists the referrals of the record's case.
        earlier = uow.store.get_record(command.call_number)
        message_id = None
        if fed is not None:
            message_id = earlier["message_id"] if earlier else fed[0].message_id
        call = RecordedCall(
            call_number=command.call_number,
            unit=command.unit,
            received_at=command.received_at,
            classification=command.classification,
            category=command.centre_category,
            division_code=command.division_code,
            summary=command.summary,
            parties=tuple(minimise_parties(command.parties, with_contact=False)),
            scene=scene,
            flags=tuple(flags),
            decided=decided,
            message_id=message_id,
            recorded_by=caller.subject,
            recorded_at=at,
        )
        first_time = uow.store.add_call(call)
        if first_time and earlier is not None:
            # Its case is the one that record opened: the call may join it only for the record's own place.
            require_feeder_of(earlier, command.call_number, caller, platform, "call_number")
        if first_time and fed is not None and earlier is None:
            message, details = fed
            keep_fed_record(uow, message, details, at, caller, platform, field="call_number")
        if first_time:
            number, handed = command.call_number, decided.handed_over
            note_record(uow, platform, "call_recorded", number, command.unit, at, once_as=number, handed_over=handed)
            decision: LinkRecordKind = "call_handed_over" if handed else "call_kept"
            note_record(uow, platform, decision, number, command.unit, at, once_as=number)
        stored = uow.store.get_call(command.call_number, frozenset(caller.units))
    # Another unit's call under the number is only taken: never whose, nor anything of it.
    caller.require_own_number(str(stored["unit"]), "call_number")
    return (201 if first_time else 200), {**call_view(stored), "first_time": first_time}


def _check_place(command: RecordCall, police: str, registry: AgencyRegistry) -> None:
    """The unit is one of the police's (a station, or the county bureau), and the dispute lies in its area. A unit
    finer than a station is refused by the registry's one rule for the agencies' levels (below_its_level), as the
    coordinator and the accounts refuse it."""
    agency, division = split_unit(command.unit)
    if agency != police or registry.below_its_level(command.unit) is not None:
        unit_digits = registry.get(police).unit_digits
        message = f"must be a unit of {police} (a station, {police}:<{unit_digits}-digit township>, or the bureau)"
        raise BadInput([{"field": "unit", "message": message, "type": "unit"}])
    if not command.division_code.startswith(division):
        message = f"{command.division_code} is not within the area of {command.unit}"
        raise BadInput([{"field": "division_code", "message": message, "type": "division_outside_unit"}])


def _fed_dispute(
    command: RecordCall, flags: list[Flag], caller: Principal, platform: Platform
) -> tuple[RegisterDispute, dict[str, Any]]:
    """The handed call as the police feed their records: source `police_call`, record id the call number, with
    the risk flags; and the details kept with the record, as `POST /api/v1/records` keeps them."""
    risk = command.scene().risk
    details = PoliceCall(
        call_number=command.call_number,
        called_at=command.received_at,
        violence=risk.violence,
        injury=risk.injury,
        weapon_or_threat=risk.weapon_or_threat,
        repeat_calls=risk.repeat_calls,
        civil_to_criminal_risk=risk.civil_to_criminal_risk,
    )
    message = record_dispute(
        command.call_number,
        command.centre_category,
        command.division_code,
        command.summary,
        command.parties,
        flags,
        caller,
        platform,
        field="(call)",
    )
    return message, details.model_dump(mode="json")


# --- reading calls ------------------------------------------------------------------------------------


def list_calls(query: ListCalls, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    units = require_officer_of_agency(caller, platform)
    with uow:
        rows = uow.store.list_calls(query.decision, query.limit, units)
    return {"calls": [listed_call_view(row) for row in rows]}


def show_call(number: str, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    units = require_officer_of_agency(caller, platform)
    with uow:
        # The link first: the call's referrals, read after it, then include the joined case's even when the link
        # commits between the two reads (each statement sees what had committed when it began).
        link = uow.store.record_link(number)
        row = uow.store.get_call(number, units)
    caller.require_own(str(row["unit"]), f"call {number}")
    # The case intake linked the call to as a repeat, named even while the station holds no referral of it, with
    # what the station's referrals of it came to: the call's own `mediation` follows only a case that names it.
    return {**call_view(row), "joined_case": joined_case_view(link, row["referrals"])}


def call_figures(query: FiguresQuery, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    units = require_officer_of_agency(caller, platform)
    with uow:
        figures = uow.store.call_figures(query.first, query.last, units)
    return {"from": query.first.isoformat(), "to": query.last.isoformat(), **figures.as_json()}


def listed_call_view(row: Row) -> dict[str, Any]:
    """A listed call as its page shows it, but for the referrals: with `joined_case`, so that a call that joined
    another case says on its line which case and what the station's referrals of it came to, not that it awaits a
    result of its own (`mediation` never takes one)."""
    call = dict(row)
    link, referrals = call.pop("link"), call.pop("joined_referrals")
    return {**call_view(call), "joined_case": joined_case_view(link, referrals)}


_SCENE = (
    "violence",
    "injury",
    "weapon_or_threat",
    "repeat_calls",
    "civil_to_criminal_risk",
    "suitable_for_mediation",
    "offence",
)
_MEDIATION = (
    "case_id",
    "result",
    "result_round",
    "resolved_at",
    "mediator_unit",
    "mediator_result",
    "mediator_reported_at",
)


def call_view(row: Row) -> dict[str, Any]:
    """A call as officers read it: the scene grouped, and for a handed call what its mediation came to so far
    (`mediated` true for 调解成功, false for any other result, null while there is none)."""
    view = {k: v for k, v in row.items() if k not in _SCENE and k not in _MEDIATION}
    view["scene"] = {k: row[k] for k in _SCENE}
    view["mediation"] = None
    if row["decision"] == Decision.MEDIATION.value:
        result = ResultCode(row["result"]) if row["result"] else None
        mediator = ResultCode(row["mediator_result"]) if row["mediator_result"] else None
        view["mediation"] = {
            "case_id": row["case_id"],
            "result": row["result"],
            "outcome": outcome_of(result).value if result else None,
            "mediated": mediated(result),
            "round": row["result_round"],
            "resolved_at": row["resolved_at"],
            "mediators": None
            if mediator is None
            else {
                "unit": row["mediator_unit"],
                "result": mediator.value,
                "mediated": mediated(mediator),
                "reported_at": row["mediator_reported_at"],
            },
        }
    return view


# --- from the centre: what came of a handed call's mediation -------------------------------------------


def handle_case_resolved(message: CaseResolved, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """The case a handed call became is resolved: the call keeps the round's result, and the mediators' own when
    their report is what settled it (facts from the coordinator only). A case that came from none of the police's
    calls changes nothing. The police's own referral of the case was stored before the case could resolve: its
    lead, or a unit that declined, had to act on it first."""
    platform.require_sender(message, sent_by, "coordinator")
    with uow:
        uow.claim(message)
        for part in message.parts:
            if part.reason == "result_reported" and part.result is not None and reported_by_mediators(part.unit):
                uow.store.note_mediator_result(message.case_id, part.unit, part.result, message.occurred_at)
        if message.result is not None:
            uow.store.note_case_result(message.case_id, message.round, message.result, message.occurred_at)


def handle_referral_closed(message: ReferralClosed, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """The mediators finished their part of a handed call's case (调解成功, or 调解不成) while the round goes on:
    the call shows it before the case ends (facts from the coordinator only)."""
    platform.require_sender(message, sent_by, "coordinator")
    with uow:
        uow.claim(message)
        if message.reason == "result_reported" and message.result is not None and reported_by_mediators(message.unit):
            uow.store.note_mediator_result(message.case_id, message.unit, message.result, message.occurred_at)
