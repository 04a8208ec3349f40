"""Supervision's service layer: units' clocks from the case facts, deadline letters on a timer, the follow-up rating."""

from collections.abc import Callable
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.supervision import documents_handlers, domain, reports_counters
from services.supervision.dependencies import RatingLinks
from services.supervision.documents_settings import Documents
from services.supervision.periods import DateRange
from services.supervision.store import SupervisionStore
from shared.auth.principal import Forbidden
from shared.contracts.disputes import LongText
from shared.contracts.identifiers import CaseId, DivisionCode, UnitCode, split_unit
from shared.contracts.messages import (
    CaseAssigned,
    CaseResolved,
    CaseWentOverdue,
    DeadlineChanged,
    Event,
    FollowUpRated,
    LinkRecordNoted,
    ReferralClosed,
    ReferralSummary,
    UnitDesignated,
)
from shared.contracts.vocabulary import Rating
from shared.known_filters import require_known
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform, SenderRefusal
from shared.qr_codes import qr_svg
from shared.refusal import Refused
from shared.telemetry.case_scope import case_scope, name_the_case
from shared.telemetry.propagation import current_trace_headers
from shared.wording import NOT_IN_COUNTY as PLACE_NOT_IN_COUNTY
from shared.wording import load_places
from shared.workdays import CHINA_TZ, CalendarNotRead, working_days_or_weekdays

LETTER_BATCH = 200
MAX_LIST = 500
# Recorded as the visitor of a rating the citizen gave through the link: no account, but never free text.
CITIZEN_BY_LINK = "citizen:rating-link"

Work = UnitOfWork[SupervisionStore]


class LinkFactRefusal(StrEnum):
    OTHER_AGENCYS_UNIT = "other_agencys_unit"  # a link noted a record of a unit that is not its agency's
    NOT_IN_COUNTY = PLACE_NOT_IN_COUNTY  # a unit of another county, or of a place the county does not have


class RateFollowUp(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    rating: Rating
    comment: LongText | None = None


class RatingLinkQuery(BaseModel):
    """How the rating link is answered: JSON, or `svg`, the QR code to print. Any other format is refused naming it,
    rather than answered as JSON to a caller who asked for something else."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    format: Literal["json", "svg"] = "json"


class BoardQuery(BaseModel):
    """The board's filters; `state` and `limit` narrow the watches listed, never the units' counts."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    unit: UnitCode | None = None  # that unit and the units below it
    place: DivisionCode | None = None  # every agency's units placed there or below (a township centre's board)
    state: domain.WatchState | None = None
    limit: int = Field(MAX_LIST, ge=0, le=MAX_LIST)  # 0: the units' counts alone


class LinkFactsQuery(DateRange):
    """The link facts' counts: a period of China local dates, both included, at most a year."""


class FollowUpsQuery(BaseModel):
    """The follow-up to-do list: the unrated rounds by default, every round with `pending=false`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    pending: bool = True


class LettersQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    unit: UnitCode | None = None  # that unit and the units below it
    place: DivisionCode | None = None  # every agency's units placed there or below (a township centre's letters)
    case_id: CaseId | None = None
    kind: domain.LetterKind | None = None
    limit: int = Field(MAX_LIST, ge=1, le=MAX_LIST)


# --- case facts: each counts only from the coordinator's broker user, which RabbitMQ vouches for ----


def handle_case_assigned(
    message: CaseAssigned, sent_by: str | None, uow: Work, platform: Platform, sent_again: datetime | None = None
) -> None:
    """Triage's units: one clock each, and the fact for reports."""
    platform.require_sender(message, sent_by, "coordinator")
    with uow:
        uow.claim(message)
        uow.store.serialise_case(message.case_id)
        for referral in message.referrals:
            _start_watch(uow, message.case_id, referral, platform, sent_again)
        uow.store.record_fact(message)
        uow.store.mark_report_stale(message.case_id)  # the report's read model: recounted off this path


def handle_unit_designated(
    message: UnitDesignated, sent_by: str | None, uow: Work, platform: Platform, sent_again: datetime | None = None
) -> None:
    platform.require_sender(message, sent_by, "coordinator")
    with uow:
        uow.claim(message)
        uow.store.serialise_case(message.case_id)
        _start_watch(uow, message.case_id, message.referral, platform, sent_again)
        uow.store.mark_report_stale(message.case_id)  # the report's read model: recounted off this path


def _start_watch(
    uow: Work, case_id: str, referral: ReferralSummary, platform: Platform, sent_again: datetime | None
) -> None:
    """A unit's clock; started from a fact sent again after a restore (`wuyuan reconcile`), without the letters
    that went out before it: those its agency holds when the restore read them (domain.letters_the_unit_holds),
    else those whose moments had come by then (domain.letters_sent_before)."""
    uow.store.add_watch(case_id, referral, current_trace_headers())
    if sent_again is not None:
        watch = uow.store.lock_watch(referral.referral_id)
        held = _letters_held(uow, watch, platform)
        settled = (
            domain.letters_sent_before(watch, sent_again)
            if held is None
            else domain.letters_the_unit_holds(watch, held)
        )
        if settled != watch:
            uow.store.save_letters(settled)


def _letters_held(uow: Work, watch: domain.Watch, platform: Platform) -> dict[domain.LetterKind, datetime] | None:
    """The letters the watch's unit holds about it, as the last restore read its agency's database; None when it
    could not (an agency run elsewhere, or one the registry no longer lists)."""
    try:
        service = platform.registry.service_for_unit(watch.unit)
    except (KeyError, ValueError):
        return None
    return uow.store.letters_held(watch.referral_id, service)


def handle_referral_closed(message: ReferralClosed, sent_by: str | None, uow: Work, platform: Platform) -> None:
    platform.require_sender(message, sent_by, "coordinator")
    with uow:
        uow.claim(message)
        uow.store.serialise_case(message.case_id)  # its watch may be being added right now
        uow.store.close_watch(message.case_id, message.referral_id, message.occurred_at)
        uow.store.record_referral_result(domain.unit_result(message))  # the unit's own, for the report's 化解率
        uow.store.mark_report_stale(message.case_id)  # the report's read model: recounted off this path


def handle_deadline_changed(
    message: DeadlineChanged, sent_by: str | None, uow: Work, platform: Platform, sent_again: datetime | None = None
) -> None:
    """A unit's clock stopped, or runs again with its deadline moved: no letters while it stands still,
    and the reminder's moment follows the new deadline. One that overtook its watch's start is retried."""
    platform.require_sender(message, sent_by, "coordinator")
    with uow:
        uow.claim(message)
        uow.store.serialise_case(message.case_id)
        watch = uow.store.lock_watch(message.referral_id)
        paused_at = message.paused_at if message.paused else None
        changed = domain.change_deadline(watch, message.due_at, paused_at, message.revision)
        # The letters a restore read from the unit's agency are what it holds, whatever the deadline says.
        if sent_again is not None and changed != watch and _letters_held(uow, watch, platform) is None:
            settled = domain.deadline_sent_again(watch, changed, sent_again)
            if (settled.reminder_sent_at, settled.overdue_sent_at) != (watch.reminder_sent_at, watch.overdue_sent_at):
                uow.store.save_letters(settled)
        if changed != watch:
            uow.store.save_deadline(changed)
            if reports_counters.deadline_change_counts(changed.closed_at):  # a running part counts nothing yet
                uow.store.mark_report_stale(message.case_id)  # the report's read model: recounted off this path


def handle_case_resolved(message: CaseResolved, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """Every unit's part has ended: stop the clocks still running and open the follow-up visit."""
    platform.require_sender(message, sent_by, "coordinator")
    with uow:
        uow.claim(message)
        uow.store.serialise_case(message.case_id)
        uow.store.close_watches_of_case(message.case_id, message.round, message.occurred_at)
        for part in domain.unit_results_of(message):  # the parts whose own report or decline settled the round
            uow.store.record_referral_result(part)
        # Opened when the case was resolved, by the coordinator's clock, as its closure is dated: the closure of a round
        # then rates its own visit, whenever each is handled (late, or sent again after a restore).
        follow_up = domain.open_follow_up(
            message.case_id, message.lead_unit, message.round, message.occurred_at, message.result
        )
        uow.store.open_follow_up(follow_up, current_trace_headers())
        uow.store.record_fact(message)
        uow.store.mark_report_stale(message.case_id)  # the report's read model: recounted off this path


def handle_case_fact(message: Event, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """A fact that changes no clock, kept for the reports; a closure or a reopening also settles the follow-up it
    says was rated, should it still wait (domain.rating_the_centre_took), and a reopening by a petition before the
    visit calls the visit off (domain.visit_called_off)."""
    platform.require_sender(message, sent_by, "coordinator")
    with uow:
        uow.claim(message)
        rated = domain.rating_the_centre_took(message)
        called_off = domain.visit_called_off(message)
        if rated is not None or called_off is not None:
            uow.store.serialise_case(message.case_id)  # the case's lock first, as a rating takes it
        uow.store.record_fact(message)
        settled = rated is not None and uow.store.settle_follow_up(
            message.case_id, rated[0], rated[1], message.occurred_at, domain.RATED_AT_THE_CENTRE
        )
        taken_back = called_off is not None and uow.store.call_off_follow_up(
            message.case_id, called_off, message.occurred_at
        )
        # CaseClosed changes no counter: no recount, unless it gave a visit back its rating (or a call-off took one)
        if settled or taken_back or reports_counters.fact_counts(message.type):
            uow.store.mark_report_stale(message.case_id)  # the report's read model: recounted off this path


# --- the clock -----------------------------------------------------------------------------


def send_due_letters(uow: Work, platform: Platform, documents: Documents) -> None:
    """提醒函 at 80% of a unit's time, 督办函 once overdue; row locks keep instances from doubling up."""
    at = platform.now()
    with uow:
        for watch, trace in uow.store.lock_watches_due(at, LETTER_BATCH):
            with case_scope(watch.case_id, trace, "supervision: deadline letters"):
                for letter in domain.letters_due(watch, at):
                    # A numbered, archived document, sent to the unit (a 督办函 also to its superior).
                    documents_handlers.issue_letter(letter, watch, at, uow, platform, documents)
                    if letter.kind is domain.LetterKind.OVERDUE:
                        uow.send(_went_overdue(letter, at, platform))
                    watch = domain.mark_sent(watch, letter, at)
                uow.store.save_letters(watch)


def _went_overdue(letter: domain.Letter, at: datetime, platform: Platform) -> CaseWentOverdue:
    """The political-legal committee's person file counts a late unit against everyone on the case."""
    return CaseWentOverdue.build(
        message_id=platform.new_id(),
        occurred_at=at,
        case_id=letter.case_id,
        sender=platform.centre_unit,
        recipient=platform.registry.by_service("stability").unit_for(platform.county),
        referral_id=letter.referral_id,
        unit=letter.unit,
        due_at=letter.due_at,
    )


# --- the follow-up visit ---------------------------------------------------------------------


def rate_follow_up(
    case_id: str, command: RateFollowUp, visitor: str, uow: Work, platform: Platform
) -> dict[str, object]:
    """群众评单 entered by a supervisor from the follow-up visit; the coordinator closes or reopens the case.

    `visitor` is who entered it: the signed-in supervisor, never a name typed into the request.
    """
    return _rate(case_id, command, visitor, uow, platform)


def rate_by_link(
    token: str, command: RateFollowUp, uow: Work, links: RatingLinks, platform: Platform
) -> dict[str, object]:
    """群众评单 by the citizen, through the visit's link: valid once, for that round, until it expires."""
    link = _parse_link(token, links)

    def check(follow_up: domain.FollowUp) -> None:
        _check_link(link, follow_up, links, platform)

    return _rate(link.case_id, command, CITIZEN_BY_LINK, uow, platform, check)


def _rate(
    case_id: str,
    command: RateFollowUp,
    visitor: str,
    uow: Work,
    platform: Platform,
    check: Callable[[domain.FollowUp], None] | None = None,
) -> dict[str, object]:
    at = platform.now()
    with uow:
        # The case's lock first, as every fact handler takes it, since marking the read model stale takes it too.
        uow.store.serialise_case(case_id)
        follow_up, trace = uow.store.lock_latest_follow_up(case_id)
        if check is not None:
            check(follow_up)
        with case_scope(case_id, trace, "supervision: follow-up rated"):
            decision = domain.rate(follow_up, command.rating, command.comment, at)
            uow.store.save_rating(decision.follow_up, command.comment, visitor)
            uow.store.mark_report_stale(case_id)  # the rating counts on its day, once recounted
            uow.send(
                FollowUpRated.build(
                    message_id=platform.new_id(),
                    occurred_at=at,
                    case_id=case_id,
                    sender=platform.centre_unit,
                    recipient=platform.centre_unit,
                    rating=command.rating,
                    comment=command.comment,
                    rated_by=visitor,
                    round=follow_up.round,
                )
            )
    return {
        "case_id": case_id,
        "round": follow_up.round,
        "rating": command.rating.value,
        "case_will": decision.transition.value,
    }


def rating_link(case_id: str, uow: Work, links: RatingLinks) -> dict[str, object]:
    """The link (for a QR code) a supervisor hands the citizen for the case's latest visit; none for a visit called
    off (409 `visit_called_off`)."""
    with uow:
        follow_up, _ = uow.store.lock_latest_follow_up(case_id)
    domain.require_visit_on(follow_up)
    link = domain.rating_link_for(follow_up, links.secret)
    return {
        "case_id": case_id,
        "round": follow_up.round,
        "url": links.url(link.token()),
        "expires_at": domain.rating_link_expires_at(follow_up, links.valid_for).isoformat(),
        "rated": follow_up.rating is not None,
    }


def rating_link_qr_svg(case_id: str, uow: Work, links: RatingLinks) -> str:
    """The link as a QR code (SVG), to print on the follow-up notice."""
    return qr_svg(str(rating_link(case_id, uow, links)["url"]), f"评价 {case_id}")


def show_rating_link(token: str, uow: Work, links: RatingLinks, platform: Platform) -> dict[str, object]:
    """What the citizen's phone shows before rating: which case, and whether it can still be rated."""
    link = _parse_link(token, links)
    with uow:
        follow_up, _ = uow.store.lock_latest_follow_up(link.case_id)
    _check_link(link, follow_up, links, platform)
    return {
        "case_id": link.case_id,
        "round": follow_up.round,
        "lead_unit": follow_up.lead_unit,
        "opened_at": follow_up.opened_at.isoformat(),
        "rated": follow_up.rating is not None,
        "choices": [rating.value for rating in Rating],
        # The round's result: one taken into a statutory procedure closes whatever is chosen, and the page says so.
        "result": follow_up.result.value if follow_up.result else None,
        "onward": follow_up.onward,
    }


def _parse_link(token: str, links: RatingLinks) -> domain.RatingLink:
    """The link, checked against its code before the database is asked anything about its case."""
    try:
        link = domain.parse_rating_link(token)
        domain.verify_rating_link(link, links.secret)
    except Refused:
        raise Forbidden("not a valid rating link") from None
    # Only a link whose code holds names its case on the span (and so on the access line): a forged one names none.
    name_the_case(link.case_id)
    return link


def _check_link(link: domain.RatingLink, follow_up: domain.FollowUp, links: RatingLinks, platform: Platform) -> None:
    try:
        domain.check_rating_link(link, follow_up, links.secret, links.valid_for, platform.now())
    except Refused as refused:
        if refused.code == domain.RatingLinkRefusal.NOT_A_LINK:
            raise Forbidden("not a valid rating link") from None
        raise


def list_follow_ups(query: FollowUpsQuery, uow: Work) -> dict[str, object]:
    with uow:
        visits = uow.store.list_follow_ups(query.pending, MAX_LIST + 1)
    # `rated` spares a to-do list from reading "no rating yet" out of a null; `truncated` says the oldest MAX_LIST
    # are shown and more wait behind them.
    return {
        "follow_ups": [{**visit, "rated": visit["rating"] is not None} for visit in visits[:MAX_LIST]],
        "truncated": len(visits) > MAX_LIST,
    }


# --- the inspection group's board and letters ---------------------------------------------------


def board(query: BoardQuery, uow: Work, platform: Platform) -> dict[str, object]:
    """Open watches near or past their deadline, by unit, as the clock stands now rather than as the
    timer last saw it. A unit the county does not have is refused (shared/known_filters.py), not shown as an empty
    board."""
    require_known(platform, unit=query.unit, place=query.place)
    now = platform.now()
    with uow:
        units = uow.store.count_open_by_unit(now, query.unit, query.place)
        watches = uow.store.open_watches(now, query.unit, query.state, query.limit, query.place)
    return {"as_of": now.isoformat(), "units": units, "watches": [_on_board(watch, now) for watch in watches]}


def _on_board(watch: domain.Watch, now: datetime) -> dict[str, object]:
    state = domain.watch_state(watch, now)
    return {
        "case_id": watch.case_id,
        "referral_id": str(watch.referral_id),
        "unit": watch.unit,
        "role": watch.role.value,
        "issued_at": watch.issued_at.isoformat(),
        "due_at": watch.due_at.isoformat(),
        "paused_at": watch.paused_at.isoformat() if watch.paused_at else None,
        "state": state.value,
        # Late as of when its clock stopped, for a paused watch, as its state is: the days stand still with it.
        **(_working_days_late(watch.due_at, watch.clock_at(now)) if state is domain.WatchState.OVERDUE else {}),
        "letters": [
            {"kind": letter.kind.value, "issued_at": letter.issued_at.isoformat()}
            for letter in domain.letters_sent(watch)
        ],
    }


def _working_days_late(due_at: datetime, now: datetime) -> dict[str, object]:
    """How many working days a referral is past its deadline, as its 督办函 and the escalation count them (the board
    shows calendar days beside it); provisional where a year's holidays are not published yet. Nothing while the
    calendar's loaded years are still being read."""
    try:
        late, provisional = working_days_or_weekdays(due_at, now)
    except CalendarNotRead:
        return {}
    return {"overdue_working_days": late, "overdue_working_days_provisional": provisional}


def list_letters(query: LettersQuery, uow: Work, platform: Platform) -> dict[str, object]:
    """The 提醒函 and 督办函 sent, the newest first; a unit the county does not have is refused, as on the board."""
    require_known(platform, unit=query.unit, place=query.place)
    with uow:
        letters = uow.store.list_letters(query.unit, query.case_id, query.kind, query.limit, query.place)
    return {
        "letters": [
            {
                "kind": letter["kind"],
                "case_id": letter["case_id"],
                "referral_id": str(letter["referral_id"]),
                "unit": letter["unit"],
                "issued_at": letter["issued_at"].isoformat(),
                "due_at": letter["due_at"].isoformat(),
            }
            for letter in letters
        ]
    }


def watches_of_case(case_id: str, uow: Work) -> dict[str, object]:
    with uow:
        return {"case_id": case_id, "watches": uow.store.watches_of(case_id)}


# --- the links' own decisions, as facts to count -----------------------------------------------


def handle_link_record_noted(message: LinkRecordNoted, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """A link's decision counts only from that link's own broker user, only about a unit of its agency at one of the
    county's places (the report counts it there), and only addressed to the county's centre."""
    try:
        agency = platform.registry.get(message.link)
    except KeyError as unknown:
        raise Refused(SenderRefusal.UNKNOWN_AGENCY, f"{message.type} from {message.link}: {unknown.args[0]}") from None
    platform.require_sender(message, sent_by, agency.service, sender_unit=False)  # `sender` judged below
    for field, unit in (("unit", message.unit), ("sender", message.sender)):
        if split_unit(unit)[0] != agency.code:
            reason = f"{message.type} of {message.link}: {field} {unit} is not a unit of {agency.code}"
            raise Refused(LinkFactRefusal.OTHER_AGENCYS_UNIT, reason)
    outside = load_places(platform.config_dir).outside(split_unit(message.unit)[1], platform.county)
    if outside is not None:
        raise Refused(
            LinkFactRefusal.NOT_IN_COUNTY, f"{message.type} of {message.link}: unit {message.unit}: {outside}"
        )
    platform.require_centre_recipient(message)
    # `at` is counted by its China date at every recount. A time whose date could leave the calendar (year 9999 …)
    # never gets here: the contract (CalendarDateTime) refuses a time outside 1900-2100 as a schema violation.
    with uow:
        uow.claim(message)
        uow.store.record_link_fact(message)  # counted once, by the next recount (recount_stale)


def count_link_facts(query: LinkFactsQuery, uow: Work) -> dict[str, object]:
    """How many of each decision each link took in the period, by China local dates (both included)."""
    start = datetime.combine(query.from_, time(), CHINA_TZ)
    end = datetime.combine(query.to + timedelta(days=1), time(), CHINA_TZ)
    with uow:
        rows = uow.store.count_link_facts(start, end)
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(str(row["link"]), {})[str(row["kind"])] = int(row["count"])
    return {"from": query.from_.isoformat(), "to": query.to.isoformat(), "counts": counts}
