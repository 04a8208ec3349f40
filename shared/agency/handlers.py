"""The agency base's service layer: referrals in, officers' actions out to the centre, the agency's records fed in.

Every officer's action takes the same steps in one transaction, inside the case's trace
(`acting_on`): lock the referral, let the rule decide, save it, log who did what, and
queue the report to the coordinator in the name of the unit the referral was issued to.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from shared.agency import domain
from shared.agency.commands import (
    AcceptReferral,
    AgencyRecord,
    DeclineReferral,
    ListReferrals,
    OfficerCommand,
    PauseClock,
    ReportProgress,
    ReportResult,
    ResumeClock,
)
from shared.agency.domain import AgencyReferral
from shared.agency.records import RecordKind
from shared.agency.store import AgencyStore
from shared.auth.principal import Forbidden, Principal
from shared.contracts.disputes import DisputeReport, Party, minimise_parties
from shared.contracts.envelope import Envelope
from shared.contracts.messages import (
    ClockPaused,
    ClockResumed,
    OverdueNoticeIssued,
    ProgressReported,
    ReferralAccepted,
    ReferralDeadlineChanged,
    ReferralDeclined,
    ReferralIssued,
    RegisterDispute,
    ReminderIssued,
    ResultReported,
)
from shared.contracts.vocabulary import Category, Flag
from shared.delivery.statements import Row
from shared.http import BadInput
from shared.persistence.errors import NotFound
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform
from shared.telemetry.case_scope import case_scope
from shared.telemetry.propagation import current_trace_headers

Work = UnitOfWork[AgencyStore]


# --- from the centre -------------------------------------------------------------------------


def handle_referral_issued(message: ReferralIssued, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """A referral counts only from the coordinator's broker user (RabbitMQ vouches for it)."""
    platform.require_sender(message, sent_by, "coordinator")
    with uow:
        uow.claim(message)
        uow.store.add_referral(message, current_trace_headers(), platform.now())
        uow.store.carry_over_phones(message.referral_id)


def handle_letter(
    message: ReminderIssued | OverdueNoticeIssued, kind: str, sent_by: str | None, uow: Work, platform: Platform
) -> None:
    """Supervision's 提醒函 or 督办函, logged on the referral it is about; only supervision's user may send one."""
    platform.require_sender(message, sent_by, "supervision")
    with uow:
        uow.claim(message)
        if not uow.store.referral_exists(message.referral_id):
            # The letter overtook its referral; retrying lets the referral land first.
            raise NotFound(f"referral {message.referral_id} not received yet")
        uow.store.log(message.referral_id, kind, None, {"due_at": message.due_at}, platform.now())


def handle_deadline_changed(
    message: ReferralDeadlineChanged, sent_by: str | None, uow: Work, platform: Platform
) -> None:
    """The deadline the centre now keeps for the referral, after its clock was resumed; only the coordinator's
    user may send it. Deadlines only ever move later, so one that arrives after a later one changes nothing."""
    platform.require_sender(message, sent_by, "coordinator")
    with uow:
        uow.claim(message)
        if not uow.store.referral_exists(message.referral_id):
            raise NotFound(f"referral {message.referral_id} not received yet")
        if uow.store.move_deadline(message.referral_id, message.due_at):
            uow.store.log(message.referral_id, "deadline_changed", None, {"due_at": message.due_at}, platform.now())


# --- officers --------------------------------------------------------------------------------


def list_referrals(query: ListReferrals, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    """The caller's own units' referrals (and those of the units under them), none of another's."""
    units = require_officer_of_agency(caller, platform)
    with uow:
        referrals = uow.store.list_referrals(query.status, query.limit, units)
    return {"referrals": referrals}


def show_referral(referral_id: UUID, caller: Principal, uow: Work) -> Row:
    with uow:
        referral = uow.store.get_referral(referral_id)
    caller.require_unit(str(referral["unit"]), f"referral {referral_id}")
    return referral


def require_officer_of_agency(caller: Principal, platform: Platform) -> frozenset[str]:
    """The caller's units in this service's agency; Forbidden when they have none."""
    agency = platform.registry.by_service(platform.service)
    units = frozenset(unit for unit in caller.units if unit.partition(":")[0] == agency.code)
    if not caller.acts_for_agency(agency.code) or not units:
        raise Forbidden(f"{caller.subject} is not an officer of {agency.code} ({agency.name_en})")
    return units


def accept_referral(
    referral_id: UUID, command: AcceptReferral, caller: Principal, uow: Work, platform: Platform
) -> dict[str, str]:
    with uow, acting_on(uow, platform, caller, referral_id, "accepted", command) as action:
        acted = action.record(
            domain.accept(action.referral, action.at), ReferralAccepted.build(**action.report_fields())
        )
    return acted


def decline_referral(
    referral_id: UUID, command: DeclineReferral, caller: Principal, uow: Work, platform: Platform
) -> dict[str, str]:
    with uow, acting_on(uow, platform, caller, referral_id, "declined", command) as action:
        acted = action.record(
            domain.decline(action.referral, action.at),
            ReferralDeclined.build(reason=command.reason, **action.report_fields()),
        )
    return acted


def report_referral_progress(
    referral_id: UUID, command: ReportProgress, caller: Principal, uow: Work, platform: Platform
) -> dict[str, str]:
    with uow, acting_on(uow, platform, caller, referral_id, "progress", command) as action:
        acted = action.record(
            domain.record_progress(action.referral, action.at),
            ProgressReported.build(note=command.note, **action.report_fields()),
        )
    return acted


def report_referral_result(
    referral_id: UUID, command: ReportResult, caller: Principal, uow: Work, platform: Platform
) -> dict[str, str]:
    with uow, acting_on(uow, platform, caller, referral_id, "result", command) as action:
        acted = action.record(
            domain.report_result(action.referral, command, action.at),
            ResultReported.build(
                result=command.result,
                outcome=command.outcome,
                agreement=command.agreement,
                summary=command.summary,
                **action.report_fields(),
            ),
        )
    return acted


def pause_clock(
    referral_id: UUID, command: PauseClock, caller: Principal, uow: Work, platform: Platform
) -> dict[str, str]:
    """暂停计时: the unit waits for a party, a court's confirmation, an appraisal …; the centre stops its clock."""
    with uow, acting_on(uow, platform, caller, referral_id, "paused", command) as action:
        paused = domain.pause(action.referral, command.reason, command.note, action.at)
        acted = action.record(
            paused,
            ClockPaused.build(
                reason=command.reason,
                note=command.note,
                pause_number=paused.pauses,
                **action.report_fields(),
            ),
        )
    return acted


def resume_clock(
    referral_id: UUID, command: ResumeClock, caller: Principal, uow: Work, platform: Platform
) -> dict[str, str]:
    """恢复计时: the clock runs again, and the centre moves the unit's deadline later by the pause."""
    with uow, acting_on(uow, platform, caller, referral_id, "resumed", command) as action:
        acted = action.record(
            domain.resume(action.referral, action.at),
            ClockResumed.build(pause_number=action.referral.pauses, **action.report_fields()),
        )
    return acted


# --- the agency's own records, fed in as a source ---------------------------------------------


def feed_record(
    record: AgencyRecord, kind: RecordKind[Any], caller: Principal, uow: Work, platform: Platform
) -> dict[str, Any]:
    """Turn one of the agency's records into a RegisterDispute for intake, under the source the agency feeds.

    Only the agency's own officers may feed it, each for the places of their own units: a record
    opens a case in the agency's name.
    """
    require_officer_of_agency(caller, platform)
    agency = platform.registry.by_service(platform.service)
    caller.require_unit(agency.unit_for(record.division_code), f"record {record.record_id}'s place")
    read = kind.read(record.details)
    message = record_dispute(
        record.record_id,
        record.category,
        record.division_code,
        record.summary,
        record.parties,
        [*record.flags, *read.flags],
        caller,
        platform,
    )
    with uow:
        first_time = keep_fed_record(uow, message, read.details, message.occurred_at)
    return {"record_id": record.record_id, "message_id": str(message.message_id), "first_time": first_time}


def record_dispute(
    record_id: str,
    category: Category,
    division_code: str,
    summary: str,
    parties: Sequence[Party],
    flags: Sequence[Flag],
    caller: Principal,
    platform: Platform,
    *,
    field: str = "(record)",
) -> RegisterDispute:
    """One of the agency's records (a filing, a call, a petition) as the dispute it feeds to intake: the
    source the agency feeds, the record's id to link repeats by, fed in the name of the signed-in officer.
    A report that does not hold is a BadInput naming `field` (the record, or the link's own filing or call)."""
    agency = platform.registry.by_service(platform.service)
    if agency.feeds is None:
        raise BadInput([{"field": "(service)", "message": f"{platform.service} feeds no source", "type": "config"}])
    try:
        report = DisputeReport(
            source=agency.feeds,
            category=category,
            division_code=division_code,
            summary=summary,
            parties=list(parties),
            flags=list(dict.fromkeys(flags)),
            source_record_id=record_id,
        )
    except ValueError as exc:
        raise BadInput([{"field": field, "message": str(exc), "type": "value_error"}]) from None
    return RegisterDispute.build(
        message_id=platform.new_id(),
        occurred_at=platform.now(),
        case_id=None,
        sender=agency.unit_for(platform.county),
        recipient=platform.centre_unit,
        report=report,
        fed_by=caller.subject,
    )


def keep_fed_record(uow: Work, message: RegisterDispute, details: dict[str, Any], at: datetime) -> bool:
    """Inside an open transaction: keep the record as fed and queue its feed, so that a link's own decision
    (a filing diverted, a call handed over) and the feed commit together or not at all. False when the
    record id was kept before."""
    report = message.report
    record_id = str(report.source_record_id)
    first_time = uow.store.add_record(record_id, kept_of(report), details, message.message_id, at)
    uow.send(message)
    return first_time


def kept_of(report: DisputeReport) -> dict[str, Any]:
    """The record as the agency keeps it once fed: ID numbers went to intake, which alone keeps them."""
    parties = minimise_parties(report.parties, with_contact=True)
    return {**report.model_dump(mode="json"), "parties": [p.model_dump(mode="json") for p in parties]}


# --- the steps every officer's action shares ------------------------------------------------------


@dataclass(frozen=True)
class OfficerAction:
    """A referral locked for one officer's action: `record` saves it, logs who did what, and queues the
    report to the centre, sent in the name of the unit the referral went to."""

    uow: Work
    platform: Platform
    referral: AgencyReferral
    kind: str
    command: OfficerCommand
    officer: str  # the signed-in caller, never a name typed into the request
    at: datetime

    def report_fields(self) -> dict[str, Any]:
        """The fields every report about the referral carries, under a new message id."""
        return {
            "message_id": self.platform.new_id(),
            "occurred_at": self.at,
            "case_id": self.referral.case_id,
            "sender": self.referral.unit,
            "recipient": self.platform.centre_unit,
            "referral_id": self.referral.referral_id,
            "officer": self.officer,
        }

    def record(self, updated: AgencyReferral, report: Envelope) -> dict[str, str]:
        self.uow.store.save_referral(updated)
        detail = self.command.model_dump(mode="json")
        self.uow.store.log(updated.referral_id, self.kind, self.officer, detail, self.at)
        self.uow.send(report)
        return {
            "referral_id": str(updated.referral_id),
            "status": updated.status.value,
            "message_id": str(report.message_id),
        }


@contextmanager
def acting_on(
    uow: Work, platform: Platform, caller: Principal, referral_id: UUID, kind: str, command: OfficerCommand
) -> Iterator[OfficerAction]:
    """Inside `with uow`: lock the referral, check the caller acts for its unit, and join its case's trace."""
    referral, trace = uow.store.lock_referral(referral_id)
    caller.require_unit(referral.unit, f"referral {referral_id}")
    with case_scope(referral.case_id, trace, f"{platform.service}: referral {kind}"):
        yield OfficerAction(uow, platform, referral, kind, command, caller.subject, platform.now())


def purge_phones(
    uow: Work, platform: Platform, retention_days: int, *, dry_run: bool = False
) -> tuple[list[UUID], list[str]]:
    """Drop the parties' mobile numbers from referrals finished, and from the agency's own records fed,
    more than `retention_days` ago; (referral ids, record ids)."""
    before = platform.now() - timedelta(days=retention_days)
    with uow:
        referrals = uow.store.purge_phones(before, dry_run=dry_run)
        records = uow.store.purge_record_phones(before, dry_run=dry_run)
    return referrals, records
