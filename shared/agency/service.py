"""The agency service base: receives referrals, lets officers act on them over HTTP, feeds the agency's records in."""

from uuid import UUID

from pydantic import BaseModel

from shared.agency import domain, store
from shared.agency.commands import (
    AcceptReferral,
    AgencyRecord,
    DeclineReferral,
    ListReferrals,
    NoDetails,
    ReportProgress,
    ReportResult,
)
from shared.clock import new_id, now
from shared.contracts.disputes import DisputeReport
from shared.contracts.messages import (
    OverdueNoticeIssued,
    ProgressReported,
    ReferralAccepted,
    ReferralDeclined,
    ReferralIssued,
    RegisterDispute,
    ReminderIssued,
    ResultReported,
)
from shared.contracts.vocabulary import Flag
from shared.http import BadInput, api, json_response, parse_body, parse_query, validate_value
from shared.messaging.inbox import Rejected, handles
from shared.persistence.database import Database
from shared.persistence.errors import NotFound
from shared.runtime.context import current_settings
from shared.service_base import PlatformService
from shared.telemetry.case_scope import case_scope
from shared.telemetry.propagation import current_trace_headers


def parse_referral_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise BadInput([{"field": "referral_id", "message": "must be a UUID", "type": "uuid_parsing"}]) from None


class AgencyService(PlatformService):
    """Subclasses set `name` and may set `DETAILS` (their record's own fields) and `record_flags`."""

    DETAILS: type[BaseModel] = NoDetails
    db = Database()

    def record_flags(self, details: BaseModel) -> list[Flag]:
        """Flags an agency's own record implies (a police call with violence → violence_risk)."""
        return []

    # --- referrals arriving from the coordinator -------------------------------------

    @handles(ReferralIssued)
    def on_referral_issued(self, message: ReferralIssued):
        with self.db.transaction() as uow:
            uow.claim(message)
            store.add_referral(uow, message, current_trace_headers(), now())

    @handles(ReminderIssued)
    def on_reminder(self, message: ReminderIssued):
        self._log_letter(message, "reminder")

    @handles(OverdueNoticeIssued)
    def on_overdue_notice(self, message: OverdueNoticeIssued):
        self._log_letter(message, "overdue_notice")

    def _log_letter(self, message, kind: str) -> None:
        with self.db.transaction() as uow:
            uow.claim(message)
            if not store.referral_exists(uow, message.referral_id):
                # The letter overtook its referral; retrying lets the referral land first.
                raise NotFound(f"referral {message.referral_id} not received yet")
            store.log(uow, message.referral_id, kind, None, {"due_at": message.due_at}, now())

    # --- officers --------------------------------------------------------------------

    @api("GET", "/api/v1/referrals")
    def list_referrals(self, request):
        query = parse_query(request, ListReferrals)
        with self.db.transaction() as uow:
            rows = store.list_referrals(uow, query.status, query.limit)
        return json_response(200, {"referrals": rows})

    @api("GET", "/api/v1/referrals/<referral_id>")
    def show_referral(self, request, referral_id):
        with self.db.transaction() as uow:
            row = store.get_referral(uow, parse_referral_id(referral_id))
        return json_response(200, row)

    @api("POST", "/api/v1/referrals/<referral_id>/accept")
    def accept(self, request, referral_id):
        command = parse_body(request, AcceptReferral)
        return self._act(referral_id, "accepted", command, domain.accept, lambda base: ReferralAccepted.build(**base))

    @api("POST", "/api/v1/referrals/<referral_id>/decline")
    def decline(self, request, referral_id):
        command = parse_body(request, DeclineReferral)
        return self._act(
            referral_id,
            "declined",
            command,
            domain.decline,
            lambda base: ReferralDeclined.build(reason=command.reason, **base),
        )

    @api("POST", "/api/v1/referrals/<referral_id>/progress")
    def progress(self, request, referral_id):
        command = parse_body(request, ReportProgress)
        return self._act(
            referral_id,
            "progress",
            command,
            domain.record_progress,
            lambda base: ProgressReported.build(note=command.note, **base),
        )

    @api("POST", "/api/v1/referrals/<referral_id>/result")
    def result(self, request, referral_id):
        command = parse_body(request, ReportResult)
        return self._act(
            referral_id,
            "result",
            command,
            lambda referral, at: domain.report_result(referral, command.outcome, at),
            lambda base: ResultReported.build(outcome=command.outcome, summary=command.summary, **base),
        )

    def _act(self, referral_id: str, kind: str, command, transition, build_message):
        """validate → domain → store → send, in one transaction, inside the case's trace."""
        rid = parse_referral_id(referral_id)
        at = now()
        with self.db.transaction() as uow:
            referral, stored = store.lock_referral(uow, rid)
            with case_scope(referral.case_id, stored["trace"], f"{self.name}: referral {kind}"):
                try:
                    updated = transition(referral, at)
                except domain.ReferralActionRefused as refused:
                    raise Rejected(str(refused)) from None
                store.save_referral(uow, updated)
                detail = command.model_dump(mode="json", exclude={"officer"})
                store.log(uow, rid, kind, command.officer, detail, at)
                settings = current_settings()
                message = build_message(
                    {
                        "message_id": new_id(),
                        "occurred_at": at,
                        "case_id": referral.case_id,
                        "sender": stored["unit"],
                        "recipient": uow.registry.centre_unit(settings.county),
                        "referral_id": rid,
                        "officer": command.officer,
                    }
                )
                uow.send(message)
        return json_response(
            202, {"referral_id": str(rid), "status": updated.status.value, "message_id": str(message.message_id)}
        )

    # --- the agency's own records, fed in as a source ------------------------------------

    @api("POST", "/api/v1/records")
    def feed_record(self, request):
        record = parse_body(request, AgencyRecord)
        try:
            details = validate_value(self.DETAILS, record.details)
        except BadInput as bad:
            # Name the field as the body has it ("details.call_number"), not as the details model does.
            raise BadInput([{**f, "field": f"details.{f['field']}"} for f in bad.fields]) from None
        settings = current_settings()
        at = now()
        with self.db.transaction() as uow:
            agency = uow.registry.by_service(self.name)
            if agency.feeds is None:
                raise BadInput([{"field": "(service)", "message": f"{self.name} feeds no source", "type": "config"}])
            flags = list(dict.fromkeys([*record.flags, *self.record_flags(details)]))
            try:
                report = DisputeReport(
                    source=agency.feeds,
                    category=record.category,
                    division_code=record.division_code,
                    summary=record.summary,
                    parties=record.parties,
                    flags=flags,
                    source_record_id=record.record_id,
                )
            except ValueError as exc:
                raise BadInput([{"field": "(record)", "message": str(exc), "type": "value_error"}]) from None
            message = RegisterDispute.build(
                message_id=new_id(),
                occurred_at=at,
                case_id=None,
                sender=agency.unit_for(settings.county),
                recipient=uow.registry.centre_unit(settings.county),
                report=report,
            )
            first_time = store.add_record(
                uow,
                record.record_id,
                report.model_dump(mode="json"),
                details.model_dump(mode="json"),
                message.message_id,
                at,
            )
            uow.send(message)
        return json_response(
            202, {"record_id": record.record_id, "message_id": str(message.message_id), "first_time": first_time}
        )
