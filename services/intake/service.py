"""The intake nameko service (信息收集组): one window for every channel; numbers cases and links repeats."""

from pydantic import BaseModel

from services.intake import domain, store
from services.intake.dependencies import PartyKeySecret
from shared.clock import new_id, now
from shared.contracts.disputes import DisputeReport, minimise_parties
from shared.contracts.identifiers import CaseId, mask_mobile, mask_resident_id, split_unit
from shared.contracts.messages import CaseRegistered, RegisterDispute, RepeatReportLinked
from shared.http import api, json_response, parse_body, validate_value
from shared.messaging.inbox import MessageSender, Rejected, handles
from shared.persistence.database import Database
from shared.persistence.unit_of_work import UnitOfWork
from shared.registry import load_registry
from shared.runtime.context import current_settings
from shared.service_base import PlatformService
from shared.telemetry.case_scope import case_baggage, case_scope
from shared.telemetry.propagation import current_trace_headers


class _CasePath(BaseModel):
    case_id: CaseId


def register(uow: UnitOfWork, report: DisputeReport, party_key_secret: bytes) -> tuple[str, domain.Registration]:
    """validate (done) → domain → store → send, for walk-in reports and agency feeds alike."""
    at = now()
    keys = domain.repeat_keys(report, party_key_secret)
    store.lock_keys(uow, keys)
    decision = domain.decide_registration(keys, store.candidates(uow, keys), at)
    centre = uow.registry.centre_unit(report.division_code[:6])
    if isinstance(decision, domain.LinkedRepeat):
        case_id = decision.case_id
        with case_scope(case_id, store.case_trace(uow, case_id), "intake: repeat report linked"):
            store.add_keys(uow, case_id, decision.keys)
            store.add_report(uow, new_id(), case_id, report, decision.keys.record, True, decision.reason.value, at)
            uow.send(
                RepeatReportLinked.build(
                    message_id=new_id(),
                    occurred_at=at,
                    case_id=case_id,
                    sender=centre,
                    recipient=centre,
                    source=report.source,
                    source_record_id=report.source_record_id,
                    reason=decision.reason.value,
                )
            )
        return case_id, decision
    sequence = store.next_sequence(uow, report.division_code[:6], domain.local_day(at))
    case_id = domain.case_id_for(report.division_code, at, sequence)
    with case_baggage(case_id):
        store.add_case(uow, case_id, report, decision.keys, at, current_trace_headers())
        store.add_report(uow, new_id(), case_id, report, decision.keys.record, False, None, at)
        uow.send(
            CaseRegistered.build(
                message_id=new_id(),
                occurred_at=at,
                case_id=case_id,
                sender=centre,
                recipient=centre,
                source=report.source,
                category=report.category,
                division_code=report.division_code,
                summary=report.summary,
                flags=report.flags,
                source_record_id=report.source_record_id,
                # The coordinator passes these to the units; ID numbers stay in intake.
                parties=minimise_parties(report.parties, with_contact=True),
            )
        )
    return case_id, decision


def masked(report: dict) -> dict:
    parties = []
    for party in report.get("parties", []):
        party = dict(party)
        if party.get("id_number"):
            party["id_number"] = mask_resident_id(party["id_number"])
        if party.get("phone"):
            party["phone"] = mask_mobile(party["phone"])
        parties.append(party)
    return {**report, "parties": parties}


class Intake(PlatformService):
    name = "intake"
    db = Database()
    sender_user = MessageSender()
    party_key_secret = PartyKeySecret()

    @api("POST", "/api/v1/disputes")
    def register_dispute(self, request):
        report = parse_body(request, DisputeReport)
        with self.db.transaction() as uow:
            case_id, decision = register(uow, report, self.party_key_secret)
        if isinstance(decision, domain.LinkedRepeat):
            return json_response(200, {"case_id": case_id, "linked": True, "reason": decision.reason.value})
        return json_response(201, {"case_id": case_id, "linked": False})

    @handles(RegisterDispute)
    def on_register_dispute(self, message: RegisterDispute):
        self._check_feed(message)
        with self.db.transaction() as uow:
            uow.claim(message)
            register(uow, message.report, self.party_key_secret)

    def _check_feed(self, message: RegisterDispute) -> None:
        """RabbitMQ vouches for user_id: an agency may feed only its own source, as its own units."""
        settings = current_settings()
        service = settings.service_of_broker_user(self.sender_user)
        try:
            agency = load_registry(settings.config_dir).by_service(service or "")
        except KeyError:
            raise Rejected(f"RegisterDispute from broker user {self.sender_user!r}, which feeds no source") from None
        if agency.feeds is not message.report.source or split_unit(message.sender)[0] != agency.code:
            raise Rejected(
                f"{service} may feed only source {agency.feeds} as an {agency.code} unit;"
                f" got source {message.report.source} from {message.sender}"
            )

    @api("GET", "/api/v1/disputes/<case_id>")
    def show_dispute(self, request, case_id):
        case_id = validate_value(_CasePath, {"case_id": case_id}).case_id
        with self.db.transaction() as uow:
            row = store.get_case(uow, case_id)
        row["report"] = masked(row["report"])
        return json_response(200, row)


SERVICE = Intake
