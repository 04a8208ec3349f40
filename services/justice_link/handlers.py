"""The justice bureau's own service layer, beside the agency base's: who mediates a referral, what sessions
were held, which parties went to legal aid, where a failed mediation goes next, and the figures.

Each action is one transaction: lock the referral, check the caller acts for its unit, write, and log
it on the referral (`mediation_assigned`, `mediation_session`, `legal_aid`) with the signed-in officer.
"""

from datetime import date, datetime, time, timedelta
from typing import Any, NoReturn
from uuid import UUID

from services.justice_link.commands import AssignMediation, MediationFiguresQuery, RecordSession, ReferToLegalAid
from services.justice_link.directory import Directory
from services.justice_link.domain.assignment import Proposal, propose
from services.justice_link.domain.figures import MediationFigures
from services.justice_link.domain.guidance import guidance_for
from services.justice_link.store import JusticeStore, names_of
from shared.agency.commands import ReportResult
from shared.agency.domain import ActionRefusal, AgencyReferral, AgencyReferralStatus
from shared.agency.handlers import report_referral_result, require_officer_of_agency
from shared.agency.link_facts import note_record
from shared.auth.principal import Principal
from shared.contracts.identifiers import case_registered_on
from shared.contracts.vocabulary import AGREEMENT_RESULTS, Category, ResultCode
from shared.delivery.statements import Row
from shared.http import BadInput
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform
from shared.refusal import Refused
from shared.workdays import CHINA_TZ

Work = UnitOfWork[JusticeStore]

# A withdrawn referral is finished too: the centre took it back, so the unit no longer mediates it.
FINISHED = (AgencyReferralStatus.DECLINED, AgencyReferralStatus.REPORTED, AgencyReferralStatus.WITHDRAWN)
# Legal aid may still follow a reported result (a failed mediation sends a party on), not a case the unit gave up.
NO_LEGAL_AID = (AgencyReferralStatus.DECLINED, AgencyReferralStatus.WITHDRAWN)
NOT_ASSIGNED = "not_assigned"


def sync_directory(directory: Directory, uow: Work, platform: Platform) -> None:
    """Keep the directory read at start in the database, where assignments refer to it."""
    with uow:
        uow.store.sync_directory(directory, platform.now())


def show_mediation(referral_id: UUID, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    """The referral's mediation: the proposal, the assignment, sessions, legal aid, result and guidance onward."""
    require_officer_of_agency(caller, platform)
    with uow:
        referral = uow.store.get_referral(referral_id)
        caller.require_own(str(referral["unit"]), f"referral {referral_id}")
        load = uow.store.open_load()
        assignment = uow.store.assignment(referral_id)
        if assignment is not None and referral["status"] in ("received", "accepted"):
            # The referral's own assignment is not a load against proposing it again.
            load[assignment["mediator"]] = load.get(assignment["mediator"], 1) - 1
        proposal = propose(
            Category(referral["category"]),
            str(referral["division_code"]),
            uow.store.organisations(),
            uow.store.mediators(),
            load,
        )
        sessions = uow.store.sessions(referral_id)
        legal_aid = uow.store.legal_aid(referral_id)
        request = _request_of(referral, uow, platform)
    result = ResultCode(referral["result"]) if referral["result"] else None
    guidance = guidance_for(result, Category(referral["category"]))
    return {
        "referral_id": str(referral_id),
        "unit": referral["unit"],
        "category": referral["category"],
        "division_code": referral["division_code"],
        "status": referral["status"],
        "proposal": proposal.as_json() if proposal else None,
        "assignment": assignment,
        "sessions": sessions,
        "legal_aid": legal_aid,
        "request": request,
        "result": referral["result"],
        "outcome": referral["outcome"],
        "agreement": referral["agreement"],
        "guidance": guidance.as_json() if guidance else None,
    }


def _request_of(referral: Row, uow: Work, platform: Platform) -> dict[str, Any] | None:
    """What the party asked of the bureau, when the case came from its own mediation request (POST /api/v1/records):
    the committee asked and whether they asked for legal aid (法律援助), which the mediators must see to act on."""
    own_source = platform.registry.by_service(platform.service).feeds
    record_id = referral["source_record_id"]
    if own_source is None or referral["source"] != own_source or not record_id:
        return None
    record = uow.store.get_record(str(record_id))
    if record is None:
        return None
    details = record["details"]
    return {
        "record_id": record_id,
        "committee": details.get("committee"),
        "legal_aid_requested": bool(details.get("legal_aid_requested")),
    }


def assign_mediation(
    referral_id: UUID, command: AssignMediation, caller: Principal, uow: Work, platform: Platform
) -> dict[str, Any]:
    """An officer of the referral's unit assigns an active organisation and one of its active mediators."""
    require_officer_of_agency(caller, platform)
    at = platform.now()
    with uow:
        referral = _locked_open(uow, caller, referral_id, "be assigned")
        organisations = {o.code: o for o in uow.store.organisations()}
        mediators = {m.code: m for m in uow.store.mediators()}
        organisation = organisations.get(command.organisation)
        if organisation is None or not organisation.active:
            _bad("organisation", f"no active mediation organisation {command.organisation!r}", "unknown")
        mediator = mediators.get(command.mediator)
        if mediator is None or not mediator.active:
            _bad("mediator", f"no active mediator {command.mediator!r}", "unknown")
        if mediator.organisation != organisation.code:
            _bad("mediator", f"{mediator.code} mediates for {mediator.organisation}, not {organisation.code}", "other")
        current = uow.store.assignment(referral_id)
        if current is not None and (current["organisation"], current["mediator"]) == (organisation.code, mediator.code):
            # The same assignment again (a form sent twice, 重新指派 unchanged) is no new assignment: it keeps its
            # day, by which the figures count it, and tells supervision nothing twice.
            return {"referral_id": str(referral_id), "assignment": current}
        full = uow.store.get_referral(referral_id)
        load = uow.store.open_load()
        if current is not None:
            load[current["mediator"]] = load.get(current["mediator"], 1) - 1
        proposal = propose(
            Category(full["category"]), str(full["division_code"]), organisations.values(), mediators.values(), load
        )
        as_proposed = _matches(proposal, organisation.code, mediator.code)
        uow.store.assign(referral_id, organisation.code, mediator.code, as_proposed, caller.subject, at)
        detail = {"organisation": organisation.code, "mediator": mediator.code, "as_proposed": as_proposed}
        uow.store.log(referral.referral_id, "mediation_assigned", caller.subject, detail, at)
        note_record(
            uow,
            platform,
            "mediator_assigned",
            str(referral_id),
            referral.unit,
            at,
            case_id=referral.case_id,
            as_proposed=as_proposed,
            reassigned=current is not None,
        )
        assignment = uow.store.assignment(referral_id)
    return {"referral_id": str(referral_id), "assignment": assignment}


def report_result(
    referral_id: UUID, command: ReportResult, caller: Principal, uow: Work, platform: Platform
) -> dict[str, str]:
    """The agency base's result, but an agreement only under an assigned mediator (see `require_mediator`)."""

    def require_mediator(referral: AgencyReferral, result: ReportResult) -> None:
        # 人民调解法 第二十八、二十九条: the mediator records an oral agreement, and a written one takes effect once
        # the mediator has signed it too; an agreement with nobody assigned would be one no mediator made, and the
        # bureau's figures, which count assignments, would never count it.
        if result.result in AGREEMENT_RESULTS and uow.store.assignment(referral.referral_id) is None:
            raise Refused(
                NOT_ASSIGNED,
                f"referral {referral.referral_id} has no mediator yet:"
                " assign the mediator who made the agreement first",
            )

    return report_referral_result(referral_id, command, caller, uow, platform, require_mediator)


def record_session(
    referral_id: UUID, command: RecordSession, caller: Principal, uow: Work, platform: Platform
) -> dict[str, Any]:
    """调解记录: a session of the assigned mediator on a referral the office accepted (受理), held on a day not after
    today (the request's own check) nor before the case was registered."""
    require_officer_of_agency(caller, platform)
    at = platform.now()
    with uow:
        referral = _locked_open(uow, caller, referral_id, "have sessions recorded")
        if referral.status == AgencyReferralStatus.RECEIVED:
            # Mediation follows acceptance, as progress does: a referral not yet accepted may still be declined.
            raise Refused(ActionRefusal.NOT_ACCEPTED, f"referral {referral_id} is not accepted yet: accept it first")
        registered = case_registered_on(referral.case_id)
        if registered is not None and command.held_on < registered:
            # As for the agreement's day: a session before the dispute reached the platform is a typing mistake.
            message = f"is before the case was registered ({registered.isoformat()})"
            raise BadInput([{"field": "held_on", "message": message, "type": "date_before_start"}])
        assignment = uow.store.assignment(referral_id)
        if assignment is None:
            raise Refused(NOT_ASSIGNED, f"referral {referral_id} has no mediator yet: assign one first")
        uow.store.add_session(
            referral_id,
            assignment["organisation"],
            assignment["mediator"],
            command.held_on,
            list(command.attendees),
            command.note,
            caller.subject,
            at,
        )
        detail = {"held_on": command.held_on, "mediator": assignment["mediator"]}
        uow.store.log(referral_id, "mediation_session", caller.subject, detail, at)
        note_record(
            uow,
            platform,
            "mediation_session",
            str(referral_id),
            referral.unit,
            at,
            case_id=referral.case_id,
            attendees=len(command.attendees),
        )
        sessions = uow.store.sessions(referral_id)
    return {"referral_id": str(referral_id), "sessions": sessions}


def refer_to_legal_aid(
    referral_id: UUID, command: ReferToLegalAid, caller: Principal, uow: Work, platform: Platform
) -> dict[str, Any]:
    """法律援助: a party referred to the legal aid centre, at any point but after a decline or a withdrawal."""
    require_officer_of_agency(caller, platform)
    at = platform.now()
    with uow:
        referral, _ = uow.store.lock_referral(referral_id)
        caller.require_own(referral.unit, f"referral {referral_id}")
        if referral.status in NO_LEGAL_AID:
            raise Refused(ActionRefusal.ALREADY_FINISHED, f"referral {referral_id} is {referral.status}")
        uow.store.add_legal_aid(referral_id, command.party, command.reason, caller.subject, at)
        uow.store.log(referral_id, "legal_aid", caller.subject, {"party": command.party}, at)
        legal_aid = uow.store.legal_aid(referral_id)
    return {"referral_id": str(referral_id), "legal_aid": legal_aid}


def mediation_figures(query: MediationFiguresQuery, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    """Per organisation and mediator, the assignments made in the period (see domain.figures)."""
    units = require_officer_of_agency(caller, platform)
    start, end = _local_day_start(query.first), _local_day_start(query.last + timedelta(days=1))
    with uow:
        outcomes = uow.store.assignment_outcomes(start, end, units)
        names = names_of(uow.store.organisations(), uow.store.mediators())
    figures = MediationFigures.of(outcomes)
    return {"from": query.first.isoformat(), "to": query.last.isoformat(), **figures.as_json(names)}


def _locked_open(uow: Work, caller: Principal, referral_id: UUID, doing: str) -> AgencyReferral:
    """Inside `with uow`: the referral locked, once the caller acts for it; Refused when it is finished."""
    referral, _ = uow.store.lock_referral(referral_id)
    caller.require_own(referral.unit, f"referral {referral_id}")
    if referral.status in FINISHED:
        raise Refused(
            ActionRefusal.ALREADY_FINISHED, f"referral {referral_id} is {referral.status} and can no longer {doing}"
        )
    return referral


def _matches(proposal: Proposal | None, organisation: str, mediator: str) -> bool:
    return proposal is not None and (proposal.organisation.code, proposal.mediator.code) == (organisation, mediator)


def _bad(field: str, message: str, kind: str) -> NoReturn:
    raise BadInput([{"field": field, "message": message, "type": kind}])


def _local_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA_TZ)
