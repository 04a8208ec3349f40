"""The supervision nameko service (检查督导组): deadlines, letters, follow-up visits and ratings."""

from nameko.timer import timer
from pydantic import BaseModel, ConfigDict

from services.supervision import domain, store
from shared.clock import new_id, now
from shared.contracts.disputes import LongText, ShortText
from shared.contracts.identifiers import CaseId
from shared.contracts.messages import (
    CaseAssigned,
    CaseAwaitingManualTriage,
    CaseClosed,
    CaseReopened,
    CaseResolved,
    FollowUpRated,
    OverdueNoticeIssued,
    ReferralClosed,
    ReminderIssued,
    UnitDesignated,
)
from shared.contracts.vocabulary import Rating
from shared.http import api, json_response, parse_body, validate_value
from shared.messaging.inbox import Rejected, handles
from shared.persistence.database import Database
from shared.runtime.context import current_settings
from shared.service_base import PlatformService
from shared.telemetry.case_scope import case_scope
from shared.telemetry.propagation import current_trace_headers

LETTER_BATCH = 200
TICK_SECONDS = 5
LETTERS = {domain.LetterKind.REMINDER: ReminderIssued, domain.LetterKind.OVERDUE: OverdueNoticeIssued}


class RateFollowUp(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    rating: Rating
    comment: LongText | None = None
    visitor: ShortText


class _CasePath(BaseModel):
    case_id: CaseId


class Supervision(PlatformService):
    name = "supervision"
    db = Database()

    @handles(CaseAssigned)
    def on_case_assigned(self, message: CaseAssigned):
        """Triage's units: one clock each, and the fact for reports."""
        with self.db.transaction() as uow:
            uow.claim(message)
            store.serialise_case(uow, message.case_id)
            for referral in message.referrals:
                store.add_watch(uow, message.case_id, referral, current_trace_headers())
            store.record_fact(uow, message)

    @handles(UnitDesignated)
    def on_unit_designated(self, message: UnitDesignated):
        with self.db.transaction() as uow:
            uow.claim(message)
            store.serialise_case(uow, message.case_id)
            store.add_watch(uow, message.case_id, message.referral, current_trace_headers())

    @handles(ReferralClosed)
    def on_referral_closed(self, message: ReferralClosed):
        with self.db.transaction() as uow:
            uow.claim(message)
            store.serialise_case(uow, message.case_id)  # its watch may be being added right now
            store.close_watch(uow, message.case_id, message.referral_id, message.occurred_at)

    @handles(CaseResolved)
    def on_case_resolved(self, message: CaseResolved):
        """Every unit's part has ended: stop the clocks still running and open the follow-up visit."""
        with self.db.transaction() as uow:
            uow.claim(message)
            store.serialise_case(uow, message.case_id)
            store.close_watches_of_case(uow, message.case_id, message.occurred_at)
            follow_up = domain.open_follow_up(message.case_id, message.lead_unit, message.round, now())
            store.open_follow_up(uow, follow_up, current_trace_headers())
            store.record_fact(uow, message)

    # Case facts kept for reports; every fact the coordinator announces has a subscriber.
    @handles(CaseAwaitingManualTriage)
    def on_manual_triage(self, message: CaseAwaitingManualTriage):
        self._record_fact(message)

    @handles(CaseClosed)
    def on_case_closed(self, message: CaseClosed):
        self._record_fact(message)

    @handles(CaseReopened)
    def on_case_reopened(self, message: CaseReopened):
        self._record_fact(message)

    def _record_fact(self, message) -> None:
        with self.db.transaction() as uow:
            uow.claim(message)
            store.record_fact(uow, message)

    @timer(interval=TICK_SECONDS)
    def send_due_letters(self):
        """提醒函 at 80% of a unit's time, 督办函 once overdue; row locks keep instances from doubling up."""
        at = now()
        with self.db.transaction() as uow:
            for watch, trace in store.lock_watches_due(uow, at, LETTER_BATCH):
                with case_scope(watch.case_id, trace, "supervision: deadline letters"):
                    for letter in domain.letters_due(watch, at):
                        uow.send(
                            LETTERS[letter.kind].build(
                                message_id=new_id(),
                                occurred_at=at,
                                case_id=letter.case_id,
                                sender=uow.registry.centre_unit(current_settings().county),
                                recipient=letter.unit,
                                referral_id=letter.referral_id,
                                due_at=letter.due_at,
                            )
                        )
                        watch = domain.mark_sent(watch, letter, at)
                    store.save_letters(uow, watch)

    @api("GET", "/api/v1/follow-ups")
    def list_follow_ups(self, request):
        pending = request.args.get("pending", "true") != "false"
        with self.db.transaction() as uow:
            return json_response(200, {"follow_ups": store.list_follow_ups(uow, pending, 500)})

    @api("GET", "/api/v1/cases/<case_id>/watches")
    def case_watches(self, request, case_id):
        case_id = validate_value(_CasePath, {"case_id": case_id}).case_id
        with self.db.transaction() as uow:
            return json_response(200, {"case_id": case_id, "watches": store.watches_of(uow, case_id)})

    @api("POST", "/api/v1/follow-ups/<case_id>/rating")
    def rate(self, request, case_id):
        """群众评单: the citizen's rating from the follow-up visit; the coordinator closes or reopens."""
        case_id = validate_value(_CasePath, {"case_id": case_id}).case_id
        command = parse_body(request, RateFollowUp)
        at = now()
        with self.db.transaction() as uow:
            follow_up, trace = store.lock_latest_follow_up(uow, case_id)
            with case_scope(case_id, trace, "supervision: follow-up rated"):
                try:
                    decision = domain.rate(follow_up, command.rating, command.comment, at)
                except domain.RatingRejected as rejected:
                    raise Rejected(str(rejected)) from None
                store.save_rating(uow, decision.follow_up, command.comment, command.visitor)
                centre = uow.registry.centre_unit(current_settings().county)
                message = FollowUpRated.build(
                    message_id=new_id(),
                    occurred_at=at,
                    case_id=case_id,
                    sender=centre,
                    recipient=centre,
                    rating=command.rating,
                    comment=command.comment,
                )
                uow.send(message)
        return json_response(
            202,
            {
                "case_id": case_id,
                "round": follow_up.round,
                "rating": command.rating.value,
                "case_will": decision.transition.value,
            },
        )


SERVICE = Supervision
