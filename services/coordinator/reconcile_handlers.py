"""Reconcile one agency after its database was restored: send its referral documents again under their original
message ids, and report per referral what messages cannot give back (the operator's `wuyuan reconcile`).

A lead's referral to an agency that held the parties' mobile numbers, which the centre has dropped since, waits for
them: the coordinator asks intake (ProvideLeadContacts), and sends the referral with them once intake answers
(LeadContactsProvided). Its outbox row is scrubbed once sent, as the first one was."""

import logging
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.coordinator.domain.model import ReferralStatus
from services.coordinator.domain.reconciliation import (
    ISSUED,
    ReferralPlan,
    SentDocument,
    agency_had_numbers,
    documents_again,
    numbers_dropped_at,
    plan_referral,
)
from services.coordinator.handlers import Coordination
from services.coordinator.handlers import Work as CaseWork
from services.coordinator.reconcile_store import ReconcileStore
from services.coordinator.store import StoredCase
from shared.auth.principal import Principal
from shared.contracts.dates import TimeText
from shared.contracts.disputes import PartyNotice, parties_as_one_line
from shared.contracts.envelope import MESSAGE_TYPES, Envelope
from shared.contracts.messages import LeadContactsProvided, ProvideLeadContacts
from shared.http import BadInput
from shared.persistence.errors import NotFound
from shared.persistence.unit_of_work import UnitOfWork
from shared.registry import CENTRE
from shared.telemetry.case_scope import case_scope

log = logging.getLogger(__name__)

Work = UnitOfWork[ReconcileStore]


class ReconcileAgency(BaseModel):
    """Which agency's service was restored, and when the backup it was restored from was taken."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    service: str = Field(min_length=1, max_length=64)
    since: TimeText | None = None


def reconcile_agency(command: ReconcileAgency, caller: Principal, uow: Work, desk: Coordination) -> dict[str, Any]:
    """Queue the documents again in one transaction and return the per-referral report."""
    agency = _agency_code(desk, command.service)
    plans: list[ReferralPlan] = []
    registered_of: dict[str, StoredCase] = {}
    with uow:
        stored_cases = uow.store.cases_of_agency(agency, command.since)
        referrals = [
            (stored, referral)
            for stored in stored_cases
            for referral in stored.case.referrals
            if referral.unit.startswith(f"{agency}:")
        ]
        documents = uow.store.sent.documents([referral.referral_id for _, referral in referrals])
        for stored, referral in referrals:
            dropped_at = numbers_dropped_at(stored.case, stored.registered.get("parties") or [])
            had_numbers = agency_had_numbers(stored.case, referral, dropped_at)
            plan = plan_referral(
                stored.case.case_id, referral, documents, command.since, agency_had_numbers=had_numbers
            )
            if plan is not None:
                plans.append(plan)
                registered_of[plan.case_id] = stored
        sent_now = [plan for plan in plans if not plan.awaits_contacts]
        waiting = uow.store.sent.clear_sent([d.message_id for plan in sent_now for d in plan.resend])
        platform = desk.platform
        for plan in plans:
            stored = registered_of[plan.case_id]
            with case_scope(plan.case_id, stored.trace, "coordinator: reconcile"):
                if plan.awaits_contacts:
                    uow.send(
                        ProvideLeadContacts.build(
                            message_id=platform.new_id(),
                            occurred_at=platform.now(),
                            case_id=plan.case_id,
                            sender=platform.centre_unit,
                            recipient=platform.centre_unit,
                            referral_id=plan.referral.referral_id,
                        )
                    )
                    continue
                for document in plan.resend:
                    if document.message_id not in waiting:
                        uow.send(rebuilt(document, stored.registered))
    lines = [_line(plan, waiting) for plan in plans]
    return {
        "service": command.service,
        "agency": agency,
        "since": command.since.isoformat() if command.since else None,
        "requested_by": caller.subject,
        "resent": sum(len(line["resent"]) for line in lines),
        "awaiting_contacts": sum(len(line["awaiting_contacts"]) for line in lines),
        "referrals": lines,
    }


def handle_lead_contacts_provided(
    message: LeadContactsProvided, sent_by: str | None, uow: CaseWork, desk: Coordination
) -> None:
    """Intake gave the parties back: send the lead's referral, and the documents that follow it, as reconciling
    would have, with the mobile numbers its agency held. The case is locked as for any change to it, so a change
    made meanwhile is seen: a referral escalated meanwhile goes with its withdrawal and no numbers, one finished
    meanwhile not at all (the agency reported it, so has it)."""
    desk.platform.require_sender(message, sent_by, "intake")
    desk.platform.require_centre_recipient(message)
    with uow:
        uow.claim(message)
        try:
            stored = uow.store.lock(message.case_id)
        except NotFound:
            stored = None
        held = stored.case.referrals if stored is not None else ()
        referral = next((r for r in held if r.referral_id == message.referral_id), None)
        if stored is None or referral is None:
            log.warning("contacts for a referral the centre does not hold", extra={"referral": message.referral_id})
            return
        if not (referral.is_open or referral.status is ReferralStatus.ESCALATED):
            log.info("the referral was finished before its contacts came back; nothing sent again")
            return
        resend = documents_again(referral, uow.store.sent.documents([referral.referral_id]))
        if not resend:
            log.warning("the referral's first document is not kept; it cannot be sent again (issued_unknown)")
            return
        dropped_at = numbers_dropped_at(stored.case, stored.registered.get("parties") or [])
        with_numbers = referral.is_open and agency_had_numbers(stored.case, referral, dropped_at)
        contacts = message.parties if with_numbers else None
        if with_numbers and not any(party.phone for party in message.parties or ()):
            # Never given, purged after the retention period, not opening, or intake restored to before the case.
            log.warning(
                "intake gave no mobile number for the parties: the lead's referral goes again without them",
                extra={"referral": referral.referral_id, "parties_given": message.parties is not None},
            )
        waiting = uow.store.sent.clear_sent([d.message_id for d in resend])
        with case_scope(stored.case.case_id, stored.trace, "coordinator: reconcile"):
            for document in resend:
                if document.message_id not in waiting:
                    uow.send(rebuilt(document, stored.registered, contacts))


def rebuilt(
    document: SentDocument, registered: dict[str, Any], contacts: Sequence[PartyNotice] | None = None
) -> Envelope:
    """The document as it was sent: kept without the parties and summary, which the case's registration holds;
    a lead's with `contacts`, the parties as intake gave them back, when it has them."""
    body = dict(document.body)
    if document.message_type == ISSUED:
        lead = body.get("role") == "lead"
        parties = parties_as_one_line(registered.get("parties", []))
        if lead and contacts is not None:
            parties = [party.model_dump(mode="json") for party in contacts]
        # As when it was issued: only the lead contacts the parties; co-units get names and roles.
        body["parties"] = [p if lead else {**p, "phone": None} for p in parties]
        body["summary"] = registered["summary"]
    return MESSAGE_TYPES[document.message_type].model_validate(body)


def _agency_code(desk: Coordination, service: str) -> str:
    registry = desk.platform.registry
    try:
        agency = registry.by_service(service)
    except KeyError:
        agency = None
    if agency is None or agency.code == CENTRE:
        known = ", ".join(registry.agency_services())
        raise BadInput(
            [
                {
                    "field": "service",
                    "message": f"not an agency's service: {service!r}; agencies: {known}",
                    "type": "unknown_agency",
                }
            ]
        )
    return agency.code


def _line(plan: ReferralPlan, waiting: set[Any]) -> dict[str, Any]:
    referral = plan.referral
    return {
        "case_id": plan.case_id,
        "referral_id": str(referral.referral_id),
        "unit": referral.unit,
        "role": referral.role.value,
        "status": referral.status.value,
        "resent": [
            {"message_id": str(d.message_id), "type": d.message_type}
            for d in plan.resend
            if d.message_id not in waiting and not plan.awaits_contacts
        ],
        # Sent once intake gives the parties' mobile numbers back.
        "awaiting_contacts": [
            {"message_id": str(d.message_id), "type": d.message_type} for d in plan.resend if plan.awaits_contacts
        ],
        "still_queued": [str(d.message_id) for d in plan.resend if d.message_id in waiting],
        "redo": [item.value for item in plan.redo],
        "gaps": [gap.value for gap in plan.gaps],
        "accepted_at": _iso(referral.accepted_at),
        "last_progress_at": _iso(referral.last_progress_at),
        "paused_at": _iso(referral.paused_at) if referral.paused else None,
        # The clock as the centre holds it: officers redo pauses and resumes until theirs says the same.
        "paused": referral.paused,
        "pauses": referral.pauses,
        "closed_at": _iso(referral.closed_at),
        "result": referral.result.value if referral.result else None,
    }


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None
