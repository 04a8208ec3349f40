"""Intake's service layer: one registration for walk-in reports and agency feeds alike, and a case as staff read it."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from services.intake import domain, frequency
from services.intake.store import IntakeStore
from shared.contracts.disputes import DisputeReport, PartyNotice, minimise_parties
from shared.contracts.identifiers import mask_mobile, mask_resident_id, split_unit
from shared.contracts.messages import (
    CaseClosed,
    CaseRegistered,
    CaseReopened,
    HighFrequencyAlertRaised,
    LeadContactsProvided,
    ProvideLeadContacts,
    RecordLinked,
    RegisterDispute,
    RepeatReportLinked,
    StabilityAlertRaised,
)
from shared.contracts.vocabulary import LinkReason
from shared.http import BadInput
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform, SenderRefusal
from shared.refusal import Refused
from shared.telemetry.case_scope import case_baggage, case_scope
from shared.telemetry.propagation import current_trace_headers
from shared.wording import NOT_IN_COUNTY, load_places

log = logging.getLogger(__name__)

Work = UnitOfWork[IntakeStore]


@dataclass(frozen=True)
class Registered:
    """Where a report went: a new case, or the existing case it repeats (and why)."""

    case_id: str
    linked_because: LinkReason | None
    report_id: UUID  # this report among the case's (`reports` in GET /api/v1/disputes/<case_id>)

    def as_json(self) -> dict[str, Any]:
        if self.linked_because is None:
            return {"case_id": self.case_id, "linked": False, "report_id": str(self.report_id)}
        return {
            "case_id": self.case_id,
            "linked": True,
            "reason": self.linked_because.value,
            "report_id": str(self.report_id),
        }


def register_dispute(
    report: DisputeReport,
    clerk: str,
    uow: Work,
    platform: Platform,
    party_key_secret: bytes,
    rules: frequency.AlertRules = frequency.DEFAULT_RULES,
) -> Registered:
    """A report from the window (walk-in, hotline, grid worker), registered by the signed-in `clerk`."""
    outside = outside_the_county(report, platform)
    if outside is not None:
        raise BadInput([{"field": "division_code", "message": outside, "type": NOT_IN_COUNTY}])
    with uow:
        return _register(report, clerk, uow, platform, party_key_secret, rules)


def handle_register_dispute(
    message: RegisterDispute,
    sent_by: str | None,
    uow: Work,
    platform: Platform,
    party_key_secret: bytes,
    rules: frequency.AlertRules = frequency.DEFAULT_RULES,
) -> None:
    """An agency's own record, fed in as a dispute, addressed to the county's centre."""
    _require_own_feed(message, sent_by, platform)
    platform.require_centre_recipient(message)
    outside = outside_the_county(message.report, platform)
    if outside is not None:
        raise Refused(NOT_IN_COUNTY, f"report.division_code: {outside}")
    with uow:
        uow.claim(message)
        _register(message.report, message.fed_by, uow, platform, party_key_secret, rules, feed=message)


def outside_the_county(report: DisputeReport, platform: Platform) -> str | None:
    """Why the dispute's place is not the county's (config/divisions.toml), or None: a case numbered for another
    county, or at a township that does not exist, would be handed to units no account acts for, and never close."""
    return load_places(platform.config_dir).outside(report.division_code, platform.county)


def handle_case_closed(message: CaseClosed, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """The retention period of the case's personal data starts now."""
    platform.require_sender(message, sent_by, "coordinator")
    with uow:
        uow.claim(message)
        uow.store.note_closure(message.case_id, message.occurred_at, message.occurred_at)


def handle_provide_lead_contacts(
    message: ProvideLeadContacts, sent_by: str | None, uow: Work, platform: Platform
) -> None:
    """A lead's referral goes again to an agency whose database was restored, and the centre has dropped its copy
    of the parties' mobile numbers: give the coordinator the parties again with their numbers, as at registration,
    for it to send the referral with them. Always answered, so that the referral goes out: without a number where
    intake holds none (purged, or one that does not open), with `parties` null for a case it does not hold. ID
    numbers stay here."""
    platform.require_sender(message, sent_by, "coordinator")
    with uow:
        uow.claim(message)
        contacts = uow.store.contacts(message.case_id)
        uow.send(
            LeadContactsProvided.build(
                **_to_coordinator(platform, message.case_id, platform.now()),
                referral_id=message.referral_id,
                parties=None if contacts is None else _notices(contacts),
            )
        )


def _notices(contacts: list[dict[str, Any]]) -> list[PartyNotice] | None:
    """The parties as a referral names them. A stored number today's rules refuse goes as none rather than stop the
    rest; a party that reads as no party at all makes the answer none (the coordinator then sends the parties as
    its registration keeps them, without numbers), so that an answer always goes."""
    notices = []
    for contact in contacts:
        fields = {key: contact.get(key) for key in ("role", "kind", "name")}
        try:
            notices.append(PartyNotice.model_validate({**fields, "phone": contact.get("phone")}))
        except ValidationError:
            try:
                notices.append(PartyNotice.model_validate({**fields, "phone": None}))
            except ValidationError:
                log.warning("a stored party no longer reads as one; the parties go without numbers")
                return None
    return notices


def handle_case_reopened(message: CaseReopened, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """The dispute is back: its parties' numbers are kept until it closes again."""
    platform.require_sender(message, sent_by, "coordinator")
    with uow:
        uow.claim(message)
        uow.store.note_closure(message.case_id, None, message.occurred_at)


def purge_personal_data(uow: Work, platform: Platform, retention_days: int, *, dry_run: bool = False) -> list[str]:
    """Remove the ID and mobile numbers of cases closed more than `retention_days` ago; the cases' ids."""
    now = platform.now()
    with uow:
        return uow.store.purge_personal_data(now - timedelta(days=retention_days), now, dry_run=dry_run)


def show_dispute(case_id: str, uow: Work) -> dict[str, Any]:
    """The case as reported, ID and mobile numbers masked."""
    with uow:
        row = uow.store.get_case(case_id)
    row["report"] = masked(row["report"])
    return row


def masked(report: dict[str, Any]) -> dict[str, Any]:
    parties = []
    for party in report.get("parties", []):
        party = dict(party)
        if party.get("id_number"):
            party["id_number"] = mask_resident_id(party["id_number"])
        if party.get("phone"):
            party["phone"] = mask_mobile(party["phone"])
        parties.append(party)
    return {**report, "parties": parties}


def _register(
    report: DisputeReport,
    registered_by: str | None,
    uow: Work,
    platform: Platform,
    party_key_secret: bytes,
    rules: frequency.AlertRules = frequency.DEFAULT_RULES,
    *,
    feed: RegisterDispute | None = None,
) -> Registered:
    """Link the report to the case it repeats, or open a numbered case, tell the coordinator, and raise any
    high-frequency clue alert the report brings about. An agency's record (`feed`) linked to a case is answered
    with the case it joined; one that opens a case is not (its referrals name it)."""
    at = platform.now()
    keys = domain.repeat_keys(report, party_key_secret)
    sighting = _Sighting(
        platform.new_id(),
        frequency.watched_parties(report, party_key_secret),
        frequency.applicant_keys(report, party_key_secret),
    )
    # Numbers typed into free text are masked before the report is stored or sent anywhere.
    report = domain.masked_free_text(report)
    uow.store.lock_keys(keys)
    decision = domain.decide_registration(keys, uow.store.candidates(keys), at)
    # Read before a new case takes its number: the county's daily counter is one row, locked from its update
    # to the commit, so every filing waits for the one before it to get there. Nothing is read after it.
    histories = uow.store.alert_histories(sighting.watched, at - rules.window)
    if isinstance(decision, domain.LinkedRepeat):
        case_id = decision.case_id
        with case_scope(case_id, uow.store.case_trace(case_id), "intake: repeat report linked"):
            uow.store.add_keys(case_id, decision.keys)
            uow.store.add_report(
                sighting.report_id,
                case_id,
                report,
                decision.keys.record,
                True,
                decision.reason.value,
                at,
                registered_by=registered_by,
            )
            uow.send(
                RepeatReportLinked.build(
                    **_to_coordinator(platform, case_id, at),
                    source=report.source,
                    source_record_id=report.source_record_id,
                    reason=decision.reason.value,
                    summary=report.summary,
                )
            )
            if feed is not None and feed.report.source_record_id is not None:
                uow.send(_record_linked(feed, feed.report.source_record_id, case_id, decision.reason, at, platform))
            _raise_alerts(sighting, histories, case_id, report, at, uow, platform, party_key_secret, rules)
        return Registered(case_id, decision.reason, sighting.report_id)
    sequence = uow.store.next_sequence(report.division_code[:6], domain.local_day(at))
    case_id = domain.case_id_for(report.division_code, at, sequence)
    with case_baggage(case_id):
        uow.store.add_case(case_id, report, decision.keys, at, current_trace_headers())
        uow.store.add_report(
            sighting.report_id, case_id, report, decision.keys.record, False, None, at, registered_by=registered_by
        )
        uow.send(
            CaseRegistered.build(
                **_to_coordinator(platform, case_id, at),
                source=report.source,
                category=report.category,
                division_code=report.division_code,
                summary=report.summary,
                flags=report.flags,
                source_record_id=report.source_record_id,
                # The coordinator passes these to the units; ID numbers stay in intake.
                parties=minimise_parties(report.parties, with_contact=True),
                registered_by=registered_by,
            )
        )
        _raise_alerts(sighting, histories, case_id, report, at, uow, platform, party_key_secret, rules)
    return Registered(case_id, None, sighting.report_id)


def _committee_of(platform: Platform, division_code: str) -> str:
    """The political-legal committee's unit for the place; the centre where the deployment joined none."""
    try:
        return platform.registry.by_service("stability").unit_for(division_code[:6])
    except KeyError:
        return platform.centre_unit


@dataclass(frozen=True)
class _Sighting:
    """The report's id and whom it counts against, worked out before its free text is masked."""

    report_id: UUID
    watched: list[frequency.Watched]
    applicants: frozenset[str]


def _raise_alerts(
    sighting: _Sighting,
    histories: list[frequency.AlertHistory],
    case_id: str,
    report: DisputeReport,
    at: datetime,
    uow: Work,
    platform: Platform,
    secret: bytes,
    rules: frequency.AlertRules,
) -> None:
    """高频线索预警: count the report against each identified party, and tell supervision and stability of each
    count that crosses its threshold (once per party, side and window). Only keys, counts and masked names leave.

    `histories` were read (and each party's decision locked) before this report's own sightings were written:
    the report is counted here, as it is kept."""
    uow.store.add_sightings(sighting.report_id, case_id, sighting.watched, sighting.applicants, at)
    this_report = frequency.SeenReport(str(sighting.report_id), case_id, at, sighting.applicants)
    for watched, history in zip(sighting.watched, histories, strict=True):
        alert = frequency.detect(watched, [*history.seen, this_report], history.last_raised_at, at, rules)
        if alert is None:
            continue
        alert_id = platform.new_id()
        uow.store.add_alert(alert_id, alert, at)
        fields: dict[str, Any] = {
            "occurred_at": at,
            "case_id": case_id,
            "sender": platform.centre_unit,
            "alert_id": alert_id,
            "kind": alert.kind,
            "person_ref": frequency.person_ref(alert.key, secret),
            "masked_name": alert.shown_name,
            "count": alert.count,
            "threshold": alert.threshold,
            "window_days": rules.window_days,
            "window_start": alert.window_start,
            "case_ids": list(alert.case_ids),
            "division_code": report.division_code,
        }
        committee = _committee_of(platform, report.division_code)
        uow.send(HighFrequencyAlertRaised.build(message_id=platform.new_id(), recipient=platform.centre_unit, **fields))
        uow.send(StabilityAlertRaised.build(message_id=platform.new_id(), recipient=committee, **fields))


def _record_linked(
    feed: RegisterDispute, record_id: str, case_id: str, reason: LinkReason, at: datetime, platform: Platform
) -> RecordLinked:
    """The case an agency's fed record joined, told to the unit that fed it: when the agency already handles that
    case, the coordinator issues it no referral naming the record, and this is all that tells it."""
    return RecordLinked.build(
        message_id=platform.new_id(),
        occurred_at=at,
        case_id=case_id,
        sender=platform.centre_unit,
        recipient=feed.sender,
        record_id=record_id,
        reason=reason.value,
        fed_message_id=feed.message_id,
    )


def _to_coordinator(platform: Platform, case_id: str, at: datetime) -> dict[str, Any]:
    """The envelope of what the centre's window tells the centre's coordinator about a case."""
    centre = platform.centre_unit
    return {
        "message_id": platform.new_id(),
        "occurred_at": at,
        "case_id": case_id,
        "sender": centre,
        "recipient": centre,
    }


def _require_own_feed(message: RegisterDispute, sent_by: str | None, platform: Platform) -> None:
    """RabbitMQ vouches for user_id: an agency may feed only its own source, as its own units."""
    service = platform.service_of_broker_user(sent_by)
    try:
        agency = platform.registry.by_service(service or "")
    except KeyError:
        reason = f"RegisterDispute from broker user {sent_by!r}, which feeds no source"
        raise Refused(SenderRefusal.WRONG_SENDER, reason) from None
    if agency.feeds is None:
        reason = f"{service} feeds no source: its entry in the agency registry (config/agencies.toml) has no `feeds`"
        raise Refused(SenderRefusal.WRONG_SENDER, reason)
    if agency.feeds is not message.report.source or split_unit(message.sender)[0] != agency.code:
        raise Refused(
            SenderRefusal.WRONG_SENDER,
            f"{service} may feed only source {agency.feeds} as an {agency.code} unit;"
            f" got source {message.report.source} from {message.sender}",
        )
