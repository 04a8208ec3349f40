"""The agency base's service layer: referrals in, officers' actions out to the centre, the agency's records fed in.

Every officer's action takes the same steps in one transaction, inside the case's trace
(`acting_on`): lock the referral, let the rule decide, save it, log who did what, and
queue the report to the coordinator in the name of the unit the referral was issued to.
"""

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from shared.agency import domain
from shared.agency.commands import (
    AcceptReferral,
    AgencyRecord,
    DeclineReferral,
    ListReferrals,
    ListRejections,
    OfficerCommand,
    PauseClock,
    ReportProgress,
    ReportResult,
    ResumeClock,
)
from shared.agency.domain import AgencyReferral
from shared.agency.records import FirstFeed, RecordKind
from shared.agency.store import AgencyStore
from shared.auth.principal import Forbidden, Principal
from shared.contracts.disputes import Agreement, DisputeReport, Party, applicants_in, minimise_parties
from shared.contracts.envelope import Envelope
from shared.contracts.identifiers import case_registered_on
from shared.contracts.messages import (
    ClockPaused,
    ClockResumed,
    MessageRejected,
    NoticeCirculated,
    OverdueNoticeIssued,
    ProgressReported,
    RecordLinked,
    ReferralAccepted,
    ReferralDeadlineChanged,
    ReferralDeclined,
    ReferralIssued,
    ReferralWithdrawn,
    RegisterDispute,
    ReminderIssued,
    ResultReported,
)
from shared.contracts.vocabulary import Category, Flag
from shared.delivery.statements import Row
from shared.http import BadInput, field_errors
from shared.persistence.errors import NotFound
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform, SenderRefusal
from shared.refusal import Refused
from shared.rejections import agency_services
from shared.telemetry.case_scope import case_scope, name_the_case
from shared.telemetry.propagation import current_trace_headers
from shared.wording import NOT_IN_COUNTY, load_places

Work = UnitOfWork[AgencyStore]
log = logging.getLogger(__name__)


# --- from the centre -------------------------------------------------------------------------


def handle_referral_issued(message: ReferralIssued, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """A referral counts only from the coordinator's broker user (RabbitMQ vouches for it), to one of the agency's
    own units."""
    platform.require_sender(message, sent_by, "coordinator")
    platform.require_own_unit(message)
    with uow:
        uow.claim(message)
        uow.store.add_referral(message, current_trace_headers(), platform.now())
        uow.store.carry_over_phones(message.referral_id)


def handle_letter(
    message: ReminderIssued | OverdueNoticeIssued, kind: str, sent_by: str | None, uow: Work, platform: Platform
) -> None:
    """Supervision's 提醒函 or 督办函, logged on the referral it is about; only supervision's user may send one, to
    one of the agency's units."""
    platform.require_sender(message, sent_by, "supervision")
    platform.require_own_unit(message)
    about = message.about_unit if isinstance(message, OverdueNoticeIssued) else None  # set on the superior's copy
    with uow:
        uow.claim(message)
        referral_about(uow, message, message.referral_id, about or message.recipient)
        # The letter's own time beside the deadline it named: with its 文号 (below), what a restore of supervision
        # needs to archive the letter again as issued, should supervision's archive lose it (restore_letters_archived).
        detail: dict[str, Any] = {"due_at": message.due_at, "issued_at": message.occurred_at}
        if message.document_number is not None:  # version 2: the letter's 文号 and where to read it
            detail |= {"document_number": message.document_number, "document_id": message.document_id}
        if about is not None:
            kind, detail["about_unit"] = "overdue_notice_superior", about
        uow.store.log(message.referral_id, kind, None, detail, platform.now())


def referral_about(uow: Work, message: Envelope, referral_id: UUID, unit: str) -> AgencyReferral:
    """The referral a document from the centre is about, locked: NotFound while it has not arrived (the document
    overtook it, and is retried), refused when it is another unit's or another case's than the document says."""
    try:
        referral, _ = uow.store.lock_referral(referral_id)
    except NotFound:
        raise NotFound(f"referral {referral_id} not received yet") from None
    if referral.unit != unit or referral.case_id != message.case_id:
        raise Refused(
            SenderRefusal.WRONG_UNIT,
            f"{message.type} for {unit} in case {message.case_id} names referral {referral_id},"
            f" which is {referral.unit}'s in case {referral.case_id}",
        )
    return referral


def _own_referral(uow: Work, message: MessageRejected) -> AgencyReferral | None:
    """The referral a refusal notice is about, locked, when it is the refused unit's own in the notice's case: the
    notice is logged on that referral alone (one about none of the unit's referrals is kept without a log line)."""
    if message.referral_id is None:
        return None
    try:
        referral, _ = uow.store.lock_referral(message.referral_id)
    except NotFound:
        return None
    if referral.unit != message.recipient or message.case_id not in (None, referral.case_id):
        return None
    return referral


def handle_notice_circulated(message: NoticeCirculated, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """A 通报 names or ranks one of the agency's units; only supervision's user may send one. The notice itself stays
    in supervision's archive (officers read it there, `GET /api/v1/documents?kind=notice`); taking it here
    once is its delivery receipt, and its number is kept, for a restore of supervision to number after it."""
    platform.require_sender(message, sent_by, "supervision")
    platform.require_own_unit(message)
    with uow:
        uow.claim(message)
        uow.store.keep_notice(message, platform.now())
    log.info("通报 %s names or ranks %s (document %s)", message.document_number, message.recipient, message.document_id)


def handle_deadline_changed(
    message: ReferralDeadlineChanged, sent_by: str | None, uow: Work, platform: Platform
) -> None:
    """The deadline the centre now keeps for the referral, after its clock was resumed; only the coordinator's
    user may send it. The centre's latest revision wins, so one that arrives after a later one changes nothing;
    one that leaves the deadline where it was (a pause over a weekend, for a working-day term) is kept, not logged."""
    platform.require_sender(message, sent_by, "coordinator")
    platform.require_own_unit(message)
    with uow:
        uow.claim(message)
        referral_about(uow, message, message.referral_id, message.recipient)
        if uow.store.move_deadline(message.referral_id, message.due_at, message.revision, message.due_provisional):
            detail = {"due_at": message.due_at, "due_provisional": message.due_provisional}
            uow.store.log(message.referral_id, "deadline_changed", None, detail, platform.now())


def handle_referral_withdrawn(message: ReferralWithdrawn, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """The centre took the referral back (the case went up a level): an open one is withdrawn, so that officers
    see it and act on it no more; only the coordinator's user may send it."""
    platform.require_sender(message, sent_by, "coordinator")
    platform.require_own_unit(message)
    now = platform.now()
    with uow:
        uow.claim(message)
        referral = referral_about(uow, message, message.referral_id, message.recipient)
        withdrawn = domain.withdraw(referral, now)
        if withdrawn is not None:
            uow.store.save_referral(withdrawn)
        detail = {"reason": message.reason, "successor": message.successor, "was": referral.status.value}
        uow.store.log(message.referral_id, "withdrawn", None, detail, now)


def handle_record_linked(message: RecordLinked, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """Intake linked one of the agency's fed records to an existing case as a repeat: keep which case it joined,
    since no referral names the record when the agency already handles that case. Only intake's user may send it,
    to one of the agency's units."""
    platform.require_sender(message, sent_by, "intake")
    platform.require_own_unit(message)
    with uow:
        uow.claim(message)
        uow.store.keep_record_link(message, platform.now())
    log.info("record %s joined case %s (%s)", message.record_id, message.case_id, message.reason)


def handle_message_rejected(message: MessageRejected, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """A centre service refused one of the agency's messages for good: keep it for the officers, and log it on the
    referral it was about. It counts only from the broker user of the centre service that says it refused, and
    only for one of this agency's units (a rejection is never itself answered with one: see shared.rejections)."""
    centre_service = message.refused_by not in agency_services(platform) and message.refused_by != platform.service
    if not centre_service:
        raise Refused(SenderRefusal.WRONG_SENDER, f"{message.refused_by} is not a centre service")
    platform.require_sender(message, sent_by, message.refused_by)
    platform.require_own_unit(message)
    now = platform.now()
    with uow:
        uow.claim(message)
        kept = uow.store.add_rejection(message, now)
        referral = _own_referral(uow, message) if kept else None
        if referral is not None:
            detail: dict[str, Any] = {
                "reason": message.reason,
                "detail": message.detail,
                "rejected_message_id": message.rejected_message_id,
                "rejected_type": message.rejected_type,
                "refused_by": message.refused_by,
            }
            refusal = {
                **detail,
                "rejected_message_id": str(message.rejected_message_id),
                "notice_id": str(message.message_id),
                "received_at": now.isoformat(),
            }
            reopened = domain.refused(referral, message.rejected_message_id, message.rejected_type, refusal, now)
            if reopened is not None:
                # The centre never took the report that finished it: the unit's part is open again.
                uow.store.save_referral(reopened)
                detail["reopened"] = {"status": reopened.status.value, "was": referral.status.value}
            uow.store.log(referral.referral_id, "rejected", None, detail, now)
    log.warning(
        "%s refused %s %s: %s",
        message.refused_by,
        message.rejected_type,
        message.rejected_message_id,
        message.reason,
    )


# --- officers --------------------------------------------------------------------------------


def list_referrals(query: ListReferrals, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    """The caller's own units' referrals (and those of the units under them), none of another's."""
    units = require_officer_of_agency(caller, platform)
    with uow:
        referrals = uow.store.list_referrals(query.status, query.limit, units)
    return {"referrals": referrals}


def list_rejections(query: ListRejections, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    """The agency's messages the centre refused, for the caller's own units (and those under them) only."""
    units = require_officer_of_agency(caller, platform)
    with uow:
        rejections = uow.store.list_rejections(units, query.limit)
    return {"rejections": rejections}


def show_referral(referral_id: UUID, caller: Principal, uow: Work, platform: Platform) -> Row:
    require_officer_of_agency(caller, platform)
    with uow:
        referral = uow.store.get_referral(referral_id)
    caller.require_own(str(referral["unit"]), f"referral {referral_id}")
    name_the_case(str(referral["case_id"]))
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
            ReferralDeclined.build(reason=command.reason, reason_code=command.reason_code, **action.report_fields()),
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


def require_signed_since(agreement: Agreement | None, earliest: date | None, what: str) -> None:
    """An agreement dated before the dispute it settles reached the platform (the case registered, the petition
    received) is a typing mistake too: a 400 naming `agreement.signed_on`."""
    if agreement is not None and earliest is not None and agreement.signed_on < earliest:
        message = f"is before {what} ({earliest.isoformat()})"
        raise BadInput([{"field": "agreement.signed_on", "message": message, "type": "date_before_start"}])


def report_referral_result(
    referral_id: UUID,
    command: ReportResult,
    caller: Principal,
    uow: Work,
    platform: Platform,
    agency_rule: Callable[[AgencyReferral, ReportResult], None] | None = None,
) -> dict[str, str]:
    """`agency_rule`, an agency's own condition on a result, runs on the locked referral once the base's rules
    allow the result, inside the same transaction (it raises `Refused` or `BadInput` to refuse it)."""
    with uow, acting_on(uow, platform, caller, referral_id, "result", command) as action:
        # The case's own day, which its number carries: a referral received again (an agency's database restored,
        # then reconciled) is newer than the agreement its mediation reached, the case never is.
        require_signed_since(command.agreement, case_registered_on(action.referral.case_id), "the case was registered")
        reported = domain.report_result(action.referral, command, action.at)
        if agency_rule is not None:
            agency_rule(action.referral, command)
        acted = action.record(
            reported,
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


def require_place_of_county(division_code: str, platform: Platform, field: str = "division_code") -> None:
    """A record's place is one of the county's (config/divisions.toml), or a 400 naming the field: intake would refuse
    its case, after the agency had kept the record, and no unit's officer could act at a place that does not exist."""
    outside = load_places(platform.config_dir).outside(division_code, platform.county)
    if outside is not None:
        raise BadInput([{"field": field, "message": outside, "type": NOT_IN_COUNTY}])


def feed_record(
    record: AgencyRecord, kind: RecordKind[Any], caller: Principal, uow: Work, platform: Platform
) -> dict[str, Any]:
    """Turn one of the agency's records into a RegisterDispute for intake, under the source the agency feeds.

    Only the agency's own officers may feed it, each for the places of their own units: a record
    opens a case in the agency's name. A record id fed before is fed again only for the place it was first
    fed for (`keep_fed_record`); so is a record of the same thing under another id, where the link can tell
    (`RecordKind.kept_as`: the answer then names the id it was kept under). Fed for the first time, it counts as the
    link's decision where the link counts its records so (`RecordKind.count_first_feed`), in the same transaction.
    """
    require_officer_of_agency(caller, platform)
    unit = platform.registry.by_service(platform.service).unit_for(record.division_code)
    caller.require_unit(unit, f"record {record.record_id}'s place")
    require_place_of_county(record.division_code, platform)
    read = kind.read(record.details, applicants_in(record.parties))
    with uow:
        # Known only inside the transaction: a record of the same thing kept under another id makes this its repeat.
        record_id = kind.record_id_for(read, record.record_id, uow)
        message = record_dispute(
            record_id,
            record.category,
            record.division_code,
            record.summary,
            record.parties,
            [*record.flags, *read.flags],
            caller,
            platform,
        )
        # Kept under another id (a record of the same thing), what is taken is what the details say, not the id.
        field = "record_id" if record_id == record.record_id else "details"
        first_time = keep_fed_record(uow, message, read.details, message.occurred_at, caller, platform, field=field)
        if first_time:
            kind.counted(read, FirstFeed(uow, platform, record_id, unit, message.occurred_at))
    return {"record_id": record_id, "message_id": str(message.message_id), "first_time": first_time}


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
    A report that does not hold is a BadInput naming the report's field (`parties`: no respondent, say), or
    `field` (the record, or the link's own filing or call) when the report as a whole does not hold."""
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
    except ValidationError as invalid:
        # Never its text: that echoes the input, a party's mobile or ID number among it.
        errors = field_errors(invalid)
        raise BadInput([{**f, "field": field} if f["field"] == "(body)" else f for f in errors]) from None
    except ValueError:
        raise BadInput([{"field": field, "message": "does not make a dispute report", "type": "value_error"}]) from None
    return RegisterDispute.build(
        message_id=platform.new_id(),
        occurred_at=platform.now(),
        case_id=None,
        sender=agency.unit_for(platform.county),
        recipient=platform.centre_unit,
        report=report,
        fed_by=caller.subject,
    )


def keep_fed_record(
    uow: Work,
    message: RegisterDispute,
    details: dict[str, Any],
    at: datetime,
    caller: Principal,
    platform: Platform,
    *,
    field: str = "record_id",
) -> bool:
    """Inside an open transaction: keep the record as fed and queue its feed, so that a link's own decision
    (a filing diverted, a call handed over) and the feed commit together or not at all. False when the
    record id was kept before: the feed is then a repeat report, which intake links to the case the record
    opened (and which may reopen it), so it is sent only if the `caller` acts for the record as first kept
    (`require_feeder_of`, which names `field`, the input that carried the id, as taken otherwise); checked after
    the insert, so that a feed of the same id that committed meanwhile counts too."""
    report = message.report
    record_id = str(report.source_record_id)
    first_time = uow.store.add_record(record_id, kept_of(report), details, message.message_id, at)
    if not first_time:
        require_feeder_of(uow.store.get_record(record_id), record_id, caller, platform, field)
    uow.send(message)
    return first_time


def require_feeder_of(kept: Row | None, record_id: str, caller: Principal, platform: Platform, field: str) -> None:
    """A record kept before is fed again only by an officer who acts for the unit of the place it was first fed
    for, as its first feed had to. To anyone else the id is only taken (409 `number_taken` naming `field`, the
    input that carried it), as a filing or a call sent again from another place is: never whose it is."""
    if kept is None:
        # Known when it was inserted, gone when read back (its row deleted meanwhile): with no place to judge by,
        # nobody is shown to act for it, and nothing is fed.
        raise Forbidden(f"record {record_id} is no longer kept: no place to feed it again for")
    agency = platform.registry.by_service(platform.service)
    caller.require_own_number(agency.unit_for(str(kept["report"]["division_code"])), field)


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
        updated = domain.finished_by(self.referral, updated, report.message_id)
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
    """Inside `with uow`: lock the referral, check the caller is an officer of this agency acting for its unit, and
    join its case's trace."""
    require_officer_of_agency(caller, platform)
    referral, trace = uow.store.lock_referral(referral_id)
    caller.require_own(referral.unit, f"referral {referral_id}")
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
