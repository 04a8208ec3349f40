"""The coordinator's service layer: each message or staff command applied to one case, in one transaction.

Every change follows the same steps: lock the case, let a rule decide, store the new state
and its timeline, and queue the messages its effects stand for, all in the case's trace.
"""

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from services.coordinator.domain import levels, rules, spot_checks
from services.coordinator.domain.decisions import DeadlineFor, Decision, ExtendFor, IdFactory
from services.coordinator.domain.figures import Figures
from services.coordinator.domain.issue_reasons import why_issued
from services.coordinator.domain.joint_parts import earlier_round_read_by, parts_read_by
from services.coordinator.domain.model import Agreement, Case, CaseFacts, CaseStatus, Referral, ReferralStatus
from services.coordinator.domain.rejections import note_rejection
from services.coordinator.effects import messages_for
from services.coordinator.routing import RoutingTable
from services.coordinator.store import CaseQuery, CaseStore, ListedCase, StoredCase
from shared.auth.principal import Forbidden, Principal
from shared.centres import Centre, Centres, Level, load_centres
from shared.contracts.dates import DateText
from shared.contracts.disputes import LongText
from shared.contracts.envelope import Envelope
from shared.contracts.identifiers import DivisionCode, UnitCode, split_unit
from shared.contracts.messages import (
    CaseRegistered,
    ClockPaused,
    ClockResumed,
    DeclineReason,
    EscalateCase,
    FollowUpRated,
    MessageRejected,
    ProgressReported,
    ReferralAccepted,
    ReferralDeclined,
    RepeatReportLinked,
    ResultReported,
    SpotCheckFound,
)
from shared.contracts.vocabulary import LEGACY_RESULTS, Category, Rating, ResultCode, Source
from shared.http import BadInput
from shared.known_filters import require_known
from shared.persistence.errors import NotFound
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform, SenderRefusal
from shared.refusal import Refused
from shared.telemetry.case_scope import case_baggage, case_scope
from shared.telemetry.propagation import current_trace_headers, trace_id_of
from shared.wording import load_places, unit_name
from shared.workdays import CHINA_TZ

log = logging.getLogger(__name__)

MAX_LIST = 500
# Far past any county's cases; keeps a mistyped offset a 400 rather than a database error.
MAX_OFFSET = 10_000_000
MAX_SEARCH_CHARS = 50
# A query's `registered_to` before its `registered_from`, as a field error's `type`.
TO_BEFORE_FROM = "to_before_from"
# What the coordinator keeps of a registration, to brief the units it refers the case to.
REGISTERED_FIELDS = {
    "source",
    "category",
    "division_code",
    "summary",
    "flags",
    "parties",
    "registered_by",
    "source_record_id",
}


@dataclass(frozen=True)
class Coordination:
    """What the coordinator decides with, besides the case: the platform, the routing table and the calendar."""

    platform: Platform
    routing_table: Callable[[], RoutingTable]  # read once per process, when the first case is triaged
    deadline_for: DeadlineFor
    extend_for: ExtendFor
    # The county's centres (config/centres.toml), read once per process when first needed.
    centres: Callable[[], Centres] | None = None

    def levels(self) -> Centres:
        if self.centres is None:
            platform = self.platform
            loaded = load_centres(platform.config_dir, platform.county, platform.registry)
            object.__setattr__(self, "centres", lambda: loaded)
            return loaded
        return self.centres()


Work = UnitOfWork[CaseStore]


class ListCases(BaseModel):
    """The query of the case list; every filter is optional, and `limit=0` asks for the counts alone.

    Registration dates are calendar days in China time, both ends included.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    status: CaseStatus | None = None
    source: Source | None = None
    category: Category | None = None
    unit: UnitCode | None = None
    place: DivisionCode | None = None
    registered_from: DateText | None = None
    registered_to: DateText | None = None
    overdue: bool | None = None
    centre: DivisionCode | None = None  # 三级: the cases that centre holds
    leaders: bool | None = None  # 提请领导督办: flagged for the leaders and still handled (true), or not (false)
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SEARCH_CHARS)] | None = None
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    limit: int = Field(MAX_LIST, ge=0, le=MAX_LIST)

    @field_validator("registered_to")
    @classmethod
    def _not_before_the_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("registered_from")
        if value is not None and start is not None and value < start:
            # The code supervision's report query gives the same mistake, which the console and `wuyuan` word
            # in Chinese (shared/wording.py), whatever the English says.
            raise PydanticCustomError(TO_BEFORE_FROM, "is before registered_from ({start})", {"start": str(start)})
        return value


class AssignByHand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    unit: UnitCode


class CallIn(BaseModel):
    """吹哨报到: the units the holding centre calls in, and what it asks of them."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    units: Annotated[list[UnitCode], Field(min_length=1, max_length=10)]
    note: LongText  # free text, kept on the timeline: ID and mobile numbers typed into it are masked

    @field_validator("units")
    @classmethod
    def _each_once(cls, units: list[str]) -> list[str]:
        if len(set(units)) != len(units):
            raise ValueError("names the same unit twice")
        return units


# --- messages ------------------------------------------------------------------------------


def handle_case_registered(message: CaseRegistered, sent_by: str | None, uow: Work, desk: Coordination) -> None:
    """Triage a new case: designate its units and refer it to them."""
    _require_centre_service(desk.platform, message, sent_by, "intake")
    facts = CaseFacts(
        case_id=message.case_id,
        source=message.source,
        category=message.category,
        division_code=message.division_code,
        flags=tuple(message.flags),
    )
    with uow:
        uow.claim(message)
        platform, at = desk.platform, desk.platform.now()
        assignment = rules.triage(
            facts, desk.routing_table(), platform.registry, at, desk.deadline_for, platform.new_id
        )
        assignment = levels.hold(assignment, desk.levels())
        registered = message.model_dump(mode="json", include=REGISTERED_FIELDS)
        uow.store.add(assignment.case, registered, current_trace_headers(), at)
        _record(uow, desk, assignment, registered, at)


def handle_repeat_report_linked(
    message: RepeatReportLinked, sent_by: str | None, uow: Work, desk: Coordination
) -> None:
    _require_centre_service(desk.platform, message, sent_by, "intake")
    with uow, changing_case(uow, desk, message.case_id, "coordinator: repeat linked", message) as change:
        feeding_unit = _feeding_unit(desk.platform, message.source, change.case.facts.division_code)
        change.apply(
            rules.link_repeat(
                change.case,
                message.source,
                message.source_record_id,
                message.reason,
                *change.issuing,
                feeding_unit=feeding_unit,
                summary=message.summary,
            )
        )


def _feeding_unit(platform: Platform, source: Source, division_code: str) -> str | None:
    """The unit of the agency that feeds this source (agencies.toml `feeds`) competent for the case's place."""
    for agency in platform.registry.agencies.values():
        if agency.feeds is source:
            return agency.unit_for(division_code)
    return None


def handle_referral_accepted(message: ReferralAccepted, sent_by: str | None, uow: Work, desk: Coordination) -> None:
    _require_agency_of_unit(desk.platform, message, sent_by)
    with uow, changing_case(uow, desk, message.case_id, "coordinator: referral accepted", message) as change:
        change.apply(
            rules.record_acceptance(change.case, message.referral_id, message.sender, message.officer, change.at)
        )


def handle_progress_reported(message: ProgressReported, sent_by: str | None, uow: Work, desk: Coordination) -> None:
    _require_agency_of_unit(desk.platform, message, sent_by)
    with uow, changing_case(uow, desk, message.case_id, "coordinator: progress reported", message) as change:
        change.apply(
            rules.record_progress(
                change.case, message.referral_id, message.sender, message.officer, message.note, change.at
            )
        )


def handle_referral_declined(message: ReferralDeclined, sent_by: str | None, uow: Work, desk: Coordination) -> None:
    _require_agency_of_unit(desk.platform, message, sent_by)
    with uow, changing_case(uow, desk, message.case_id, "coordinator: referral declined", message) as change:
        # 超出本级处置能力 takes the case up a level; at the county's centre it is an ordinary decline.
        escalated = (
            levels.record_beyond_level(
                change.case,
                message.referral_id,
                message.sender,
                message.officer,
                message.reason,
                desk.levels(),
                *change.issuing,
            )
            if message.reason_code is DeclineReason.BEYOND_LEVEL
            else None
        )
        change.apply(
            escalated
            or rules.record_decline(
                change.case, message.referral_id, message.sender, message.officer, message.reason, *change.issuing
            )
        )


def handle_escalate_case(message: EscalateCase, sent_by: str | None, uow: Work, desk: Coordination) -> None:
    """逾期提级: supervision saw a unit overdue past its level's threshold; only supervision may say so."""
    _require_centre_service(desk.platform, message, sent_by, "supervision")
    with uow, changing_case(uow, desk, message.case_id, "coordinator: escalate case", message) as change:
        change.apply(
            levels.escalate_overdue(
                change.case,
                message.referral_id,
                message.unit,
                message.overdue_working_days,
                desk.levels(),
                *change.issuing,
            )
        )


def handle_result_reported(message: ResultReported, sent_by: str | None, uow: Work, desk: Coordination) -> None:
    _require_agency_of_unit(desk.platform, message, sent_by)
    _require_agreement_signed_by_the_report(message, desk.platform)
    with uow, changing_case(uow, desk, message.case_id, "coordinator: result reported", message) as change:
        agreement = message.agreement
        change.apply(
            rules.record_result(
                change.case,
                message.referral_id,
                message.sender,
                message.officer,
                _result_of(message),
                message.summary,
                change.at,
                Agreement(agreement.signed_on, agreement.terms, agreement.number, agreement.form)
                if agreement
                else None,
            )
        )


def _require_agreement_signed_by_the_report(message: ResultReported, platform: Platform) -> None:
    """The agencies' own APIs refuse an agreement dated after its report as they take it; a sender written elsewhere
    is held to it here (`rules.require_agreement_signed_by_the_report`)."""
    if message.agreement is not None:
        rules.require_agreement_signed_by_the_report(message.agreement.signed_on, message.occurred_at, platform.now())


def handle_clock_paused(message: ClockPaused, sent_by: str | None, uow: Work, desk: Coordination) -> None:
    """期限中止: the unit's clock stops when its officer paused it (the message's `occurred_at`)."""
    _require_agency_of_unit(desk.platform, message, sent_by)
    with uow, changing_case(uow, desk, message.case_id, "coordinator: clock paused", message) as change:
        decision = rules.record_pause(
            change.case,
            message.referral_id,
            message.sender,
            message.officer,
            message.reason,
            message.note,
            message.pause_number,
            message.occurred_at,
            change.at,
        )
        _apply_clock_change(change, decision, message)


def handle_clock_resumed(message: ClockResumed, sent_by: str | None, uow: Work, desk: Coordination) -> None:
    """The clock runs again from when the officer resumed it; the deadline moves later by the pause."""
    _require_agency_of_unit(desk.platform, message, sent_by)
    with uow, changing_case(uow, desk, message.case_id, "coordinator: clock resumed", message) as change:
        decision = rules.record_resume(
            change.case,
            message.referral_id,
            message.sender,
            message.officer,
            message.pause_number,
            message.occurred_at,
            change.at,
            desk.extend_for,
        )
        _apply_clock_change(change, decision, message)


def _apply_clock_change(change: "CaseChange", decision: Decision, message: ClockPaused | ClockResumed) -> None:
    """Apply a pause or resume. One taken as a repeat of a change the centre holds (`rules._repeat`) is said at
    WARNING: it comes only from an agency numbering its pauses again from an earlier point (its database restored),
    and should its officers not finish the redo `wuyuan reconcile` lists, this is where its clock and the centre's
    began to differ. (A repeat that leaves them differing is refused, and its agency told.)"""
    if rules.is_unchanged(change.case, decision):
        referral = change.case.referral(message.referral_id)
        log.warning(
            "case %s: %s of referral %s (pause %d) repeats a clock change the centre holds; taken as a repeat"
            " (the centre's clock %s, pauses recorded: %d)",
            change.case.case_id,
            message.type,
            message.referral_id,
            message.pause_number,
            "stopped" if referral is not None and referral.paused else "running",
            referral.pauses if referral is not None else 0,
        )
        return  # nothing to store: `CaseChange.apply` would only say so again
    change.apply(decision)


def _result_of(message: ResultReported) -> ResultCode:
    """The report's code. Validation fills it in from a version 1 report's outcome, so only a message
    built without validation could lack it; its outcome is read the same way then."""
    if message.result is not None:
        return message.result
    if message.outcome is None:
        raise ValueError(f"ResultReported {message.message_id} names neither a result nor an outcome")
    return LEGACY_RESULTS[message.outcome]


def handle_follow_up_rated(message: FollowUpRated, sent_by: str | None, uow: Work, desk: Coordination) -> None:
    _require_centre_service(desk.platform, message, sent_by, "supervision")
    with uow, changing_case(uow, desk, message.case_id, "coordinator: follow-up rated", message) as change:
        change.apply(
            rules.record_rating(
                change.case,
                message.rating,
                message.comment,
                *change.issuing,
                rated_by=message.rated_by,
                round=message.round,
            )
        )


def handle_spot_check_found(message: SpotCheckFound, sent_by: str | None, uow: Work, desk: Coordination) -> None:
    """回访抽查: supervision's finding on a closed case; dissatisfied reopens it (only supervision may say so)."""
    _require_centre_service(desk.platform, message, sent_by, "supervision")
    with uow, changing_case(uow, desk, message.case_id, "coordinator: spot check found", message) as change:
        change.apply(
            spot_checks.record_spot_check(
                change.case, message.round, message.rating, message.comment, message.checked_by, *change.issuing
            )
        )


# --- centre staff --------------------------------------------------------------------------


def show_case(case_id: str, uow: Work) -> dict[str, Any]:
    with case_baggage(case_id), uow:
        stored, timeline = uow.store.read(case_id)
    return case_view(stored, timeline)


def referral_at_the_centre(
    case_id: str, referral_id: UUID, caller: Principal, uow: Work, desk: Coordination
) -> dict[str, Any]:
    """One referral as the centre holds it, for the officers of its unit (who may not read the case itself): why it
    was issued, when not as the case's first designation (issue_reasons), where its case is held, and the centre a
    decline as beyond the level (超出本级处置能力) would send it up to, which the console offers only where a level
    stands above. The case's holding centre is the lead's (or where it went up to), not the unit's own: a county
    bureau helping on a township's case may still send it up. And the other units' parts of its round that it may
    read (`joint_parts`): the lead the co-units', a co-unit the lead's."""
    not_found = NotFound(f"no referral {referral_id} of case {case_id}")  # one answer, whether the case exists or not
    with case_baggage(case_id), uow:
        try:
            stored, timeline = uow.store.read(case_id)
        except NotFound:
            raise not_found from None
    referral = stored.case.referral(referral_id)
    if referral is None:
        raise not_found
    # Another unit's referral of the case is answered as the pair that does not exist, word for word.
    caller.require_own(referral.unit, f"referral {referral_id} of case {case_id}")
    centres = desk.levels()
    here = levels.holding_centre(stored.case, centres)
    upper = centres.above(here)
    return {
        "case_id": case_id,
        "referral_id": str(referral_id),
        "unit": referral.unit,
        "role": referral.role.value,
        "issued_because": why_issued(timeline, str(referral_id)),
        "centre": _centre_view(here),
        "above": _centre_view(upper) if upper is not None else None,
        "other_parts": parts_read_by(stored.case, referral, timeline),
        "earlier_round": earlier_round_read_by(stored.case, referral, timeline),
    }


def _centre_view(centre: Centre) -> dict[str, str]:
    return {"division": centre.division, "name": centre.name, "level": centre.level.value}


def list_cases(query: ListCases, uow: Work, desk: Coordination) -> dict[str, Any]:
    """A page of the cases matching the query, how many match in all, and every case counted by status. A unit or a
    place the county does not have, or a centre (a centre filter, or a centre's unit) it has not set up, is refused,
    naming it: a mistyped code, or a division whose cases a centre above it holds, would otherwise read as "no
    cases"."""
    require_known(desk.platform, unit=query.unit, place=query.place, centre=query.centre, centres=desk.levels())
    now = desk.platform.now()
    selection = CaseQuery(
        now=now,
        status=query.status,
        source=query.source,
        category=query.category,
        unit=query.unit,
        place=query.place,
        registered_since=_china_midnight(query.registered_from),
        registered_before=_china_midnight(_day_after(query.registered_to)),
        overdue=query.overdue,
        text=query.q,
        centre=query.centre,
        awaits_the_leaders=query.leaders,
    )
    with uow:
        listed = uow.store.list_cases(selection, query.limit, query.offset) if query.limit else []
        return {
            "cases": [case_row(case, now) for case in listed],
            "total": uow.store.count_cases(selection),
            "counts": uow.store.count_by_status(),
        }


def case_row(listed: ListedCase, now: datetime) -> dict[str, Any]:
    """One line of the case list: enough to pick a case out without opening it."""
    case = listed.case
    next_due_at = case.next_due_at()
    return {
        **_case_facts(case),
        "summary": listed.summary,
        "registered_at": listed.registered_at.isoformat(),
        "updated_at": listed.updated_at.isoformat(),
        "next_due_at": _iso(next_due_at),
        # 暂定: a running deadline counted over a year whose official calendar is not loaded yet.
        "next_due_provisional": any(
            r.due_provisional for r in case.referrals if r.round == case.round and r.is_open and r.due_at == next_due_at
        ),
        "overdue": case.overdue(now),
        "rating": case.rating.value if case.rating else None,
        "result": _value(case.result),
        "deadline": _deadline_shown(case),
    }


def _deadline_shown(case: Case) -> dict[str, Any] | None:
    """The deadline a list shows for the case, as its page counts down: the round's earliest whose clock runs, and
    whose it is; when every open referral's clock stands still (期限中止), the earliest of those, said paused, with
    why. None when no referral of the round is open."""
    open_now = [r for r in case.referrals if r.round == case.round and r.is_open]
    running = [r for r in open_now if r.paused_at is None]
    if not open_now:
        return None
    shown = min(running or open_now, key=lambda r: r.due_at)
    return {
        "due_at": shown.due_at.isoformat(),
        "unit": shown.unit,
        "provisional": shown.due_provisional,
        "paused": not running,
        "pause_reasons": [] if running else sorted({r.pause_reason.value for r in open_now if r.pause_reason}),
    }


def overview(uow: Work, desk: Coordination) -> dict[str, Any]:
    """The figures a county leader reads; `domain.figures` says what counts."""
    now = desk.platform.now()
    with uow:
        figures = uow.store.figures(now)
    return overview_view(figures, now)


def overview_view(figures: Figures, now: datetime) -> dict[str, Any]:
    # Every source and status is listed, zeros too, so a dashboard's rows stay put; the
    # source-by-status table lists only what occurs.
    by_source = dict.fromkeys((s.value for s in Source), 0)
    by_status = dict.fromkeys((s.value for s in CaseStatus), 0)
    by_source_status: dict[str, dict[str, int]] = {}
    for (source, status), n in sorted(figures.cases.items()):
        by_source[source.value] += n
        by_status[status.value] += n
        by_source_status.setdefault(source.value, {})[status.value] = n
    units = figures.units
    return {
        "cases_total": sum(figures.cases.values()),
        "by_source": by_source,
        "by_status": by_status,
        "by_source_status": by_source_status,
        "referrals": {
            "finished": sum(u.finished for u in units),
            "on_time": sum(u.on_time for u in units),
            "on_time_rate": figures.on_time_rate,
            "open": sum(u.open for u in units),
            "overdue": sum(u.overdue for u in units),
        },
        "ratings": {
            **{rating.value: figures.ratings.get(rating, 0) for rating in Rating},
            "satisfaction_rate": figures.satisfaction_rate,
        },
        "results": _by_code(figures.results),
        "case_results": _by_code(figures.case_results),
        "mediation": {
            "attempted": figures.mediation_attempted,
            "succeeded": figures.mediation_succeeded,
            "referred_on": figures.mediation.referred_on,
            "success_rate": figures.mediation_success_rate,
        },
        "by_unit": [
            {
                "unit": u.unit,
                "open": u.open,
                "overdue": u.overdue,
                "finished": u.finished,
                "on_time": u.on_time,
                "results": _by_code(u.results),
            }
            for u in units
        ],
        "as_of": now.isoformat(),
    }


def _by_code(counts: Mapping[ResultCode, int]) -> dict[str, int]:
    """Every result code, zeros too, in the contract's order, so that a dashboard's rows stay put."""
    return {code.value: counts.get(code, 0) for code in ResultCode}


def _china_midnight(day: date | None) -> datetime | None:
    """The start of a calendar day in China time, the county's days whatever the server's zone."""
    return datetime.combine(day, time.min, CHINA_TZ) if day else None


def _day_after(day: date | None) -> date | None:
    # The last day a date can name has no day after it, and needs no bound either.
    return day + timedelta(days=1) if day and day < date.max else None


def assign_unit(
    case_id: str, command: AssignByHand, caller: Principal, uow: Work, desk: Coordination
) -> dict[str, Any]:
    """Manual triage: staff designate a unit for the role no competent unit was left for; the timeline
    names the signed-in caller."""
    _require_unit_of_the_county(desk.platform, command.unit)
    with uow:
        with changing_case(uow, desk, case_id, "coordinator: assigned by hand") as change:
            centres = desk.levels()
            with _another_centres_case_forbidden():
                levels.require_holding_staff(change.case, caller.units, centres)
            levels.require_county_unit(command.unit, centres)
            change.apply(rules.assign_by_hand(change.case, command.unit, caller.subject, *change.issuing))
        stored, timeline = uow.store.read(case_id)
    return case_view(stored, timeline)


def call_in_units(case_id: str, command: CallIn, caller: Principal, uow: Work, desk: Coordination) -> dict[str, Any]:
    """吹哨报到: the holding centre's coordinator calls units in as co-units; the timeline names the caller."""
    for index, unit in enumerate(command.units):
        _require_unit_of_the_county(desk.platform, unit, f"units.{index}")
    with uow:
        with changing_case(uow, desk, case_id, "coordinator: units called in") as change:
            with _another_centres_case_forbidden():
                decision = levels.call_in(
                    change.case,
                    command.units,
                    command.note,
                    caller.subject,
                    caller.units,
                    desk.levels(),
                    *change.issuing,
                )
            change.apply(decision)
        stored, timeline = uow.store.read(case_id)
    return case_view(stored, timeline)


@contextmanager
def _another_centres_case_forbidden() -> Iterator[None]:
    """Another centre's case is not this caller's to act on: 403, as for another unit's referral."""
    try:
        yield
    except Refused as refused:
        if refused.code == levels.LevelRefusal.NOT_THIS_CENTRE:
            raise Forbidden(str(refused)) from None
        raise


def _case_facts(case: Case) -> dict[str, Any]:
    """What a case's row in the list and its own page both say of it."""
    lead = case.current_lead()
    return {
        "case_id": case.case_id,
        "status": case.status.value,
        "round": case.round,
        "mode": case.plan.mode.value,
        "source": case.facts.source.value,
        "category": case.facts.category.value,
        "division_code": case.facts.division_code,
        "flags": [f.value for f in case.facts.flags],
        "lead_unit": lead.unit if lead else None,
        "co_units": case.co_units(),
        # 三级: the centre holding the case (None before levels: the county's) and its level.
        "centre": case.centre,
        "level": Level.of(case.centre).value if case.centre else None,
        # What manual triage needs to see at once: why the case waits, and which units have turned it down.
        "gaps": [
            {
                "role": gap.role.value,
                "code": _value(gap.code),
                "unit": gap.unit,
                "result": _value(gap.result),
                "reason": gap.reason,
            }
            for gap in case.gaps
        ],
        "declined_units": sorted({r.unit for r in case.referrals if r.status is ReferralStatus.DECLINED}),
        # Units at work on the case now: staff cannot hand it to one of them by hand (unit_already_on_case).
        "open_units": sorted({r.unit for r in case.referrals if r.is_open}),
    }


def case_view(stored: StoredCase, timeline: list[dict[str, Any]]) -> dict[str, Any]:
    """What `wuyuan case show` prints: the case as staff see it."""
    case, registered = stored.case, stored.registered
    return {
        **_case_facts(case),
        "summary": registered.get("summary"),
        "registered_by": registered.get("registered_by"),
        # The feeding agency's own number for the record the case came from (a petition's 信访件编号, a filing's 案号).
        "source_record_id": registered.get("source_record_id"),
        "referrals": [_referral_view(r) for r in case.referrals],
        "result": _value(case.result),
        "rating": case.rating.value if case.rating else None,
        "repeat_reports": case.repeat_reports,
        "escalations": [e.detail() for e in case.escalations],  # 三级: its steps up, oldest first
        "timeline": [_timeline_line(line) for line in timeline],
        "trace_id": trace_id_of(stored.trace),
    }


def _referral_view(referral: Referral) -> dict[str, Any]:
    return {
        "referral_id": str(referral.referral_id),
        "unit": referral.unit,
        "role": referral.role.value,
        "round": referral.round,
        "status": referral.status.value,
        "outcome": _value(referral.outcome),
        "result": _value(referral.result),
        "agreement": referral.agreement.detail() if referral.agreement else None,
        "issued_at": referral.issued_at.isoformat(),
        "due_at": referral.due_at.isoformat(),
        "due_provisional": referral.due_provisional,
        "term": referral.term.detail() if referral.term else None,
        "paused": referral.paused,
        "paused_at": _iso(referral.paused_at),
        "pause_reason": _value(referral.pause_reason),
        "pause_note": referral.pause_note,
    }


def _timeline_line(line: Mapping[str, Any]) -> dict[str, Any]:
    """A timeline line as the API gives it: its time in ISO 8601, as every other time in the answer."""
    at = line.get("at")
    return {**line, "at": at.isoformat() if isinstance(at, datetime) else at}


def _iso(moment: datetime | None) -> str | None:
    """Every time in the API's answers is ISO 8601 ('2026-12-05T18:38:37.084985+00:00'), never str()'s form."""
    return moment.isoformat() if moment is not None else None


def _value(code: StrEnum | None) -> str | None:
    return code.value if code is not None else None


# --- the steps every change shares -----------------------------------------------------------


@dataclass(frozen=True)
class CaseChange:
    """A case locked for one change: `apply` stores the decision, its timeline and its messages."""

    uow: Work
    desk: Coordination
    stored: StoredCase
    at: datetime

    @property
    def case(self) -> Case:
        return self.stored.case

    @property
    def issuing(self) -> tuple[datetime, DeadlineFor, IdFactory]:
        """The time, the calendar and the ids a rule that issues referrals needs."""
        return self.at, self.desk.deadline_for, self.desk.platform.new_id

    def apply(self, decision: Decision) -> None:
        if rules.is_unchanged(self.case, decision):
            # A unit repeating what the case holds (rules.unchanged): the case is not touched, not even its
            # time of update, so the list does not show it as changed.
            log.info("case %s: a report repeats what the case holds; nothing changed", self.case.case_id)
            return
        self.uow.store.save(decision.case, self.at)
        _record(self.uow, self.desk, decision, self.stored.registered, self.at)
        if rules.holds_phones(self.stored.registered.get("parties", [])) and rules.lead_has_taken_contacts(
            decision.case
        ):
            # The lead unit keeps the parties' numbers from here; the centre needs them no more.
            self.uow.store.forget_phones(decision.case.case_id)


@contextmanager
def changing_case(
    uow: Work, desk: Coordination, case_id: str, operation: str, message: Envelope | None = None
) -> Iterator[CaseChange]:
    """Inside `with uow`: claim the message (if any), lock the case and join its trace.

    A redelivered message fails its claim at the lock's round trip, before the body runs; the
    unit of work around this then ends quietly and the message is acknowledged.
    """
    if message is not None:
        uow.claim(message)
    stored = uow.store.lock(case_id)
    with case_scope(case_id, stored.trace, operation):
        yield CaseChange(uow, desk, stored, desk.platform.now())


def _record(uow: Work, desk: Coordination, decision: Decision, registered: dict[str, Any], at: datetime) -> None:
    """Append the decision's timeline and queue its messages, in the transaction that stores its state."""
    uow.store.append_timeline(decision.case.case_id, decision.timeline)
    platform = desk.platform
    for message in messages_for(decision.case, decision.effects, registered, platform.centre_unit, at, platform.new_id):
        # A case fact's routing key names the case's source and flags, so a service can subscribe to one source's
        # cases (the police, its own calls') or to the cases with a flag (stability, the risky ones).
        uow.send(message, registered.get("source"), [flag.value for flag in decision.case.facts.flags])


def _require_known_agency(platform: Platform, unit: str, field: str = "unit") -> None:
    try:
        platform.registry.service_for_unit(unit)
    except KeyError as unknown:
        raise BadInput([{"field": field, "message": str(unknown.args[0]), "type": "unknown_agency"}]) from None


def _require_unit_of_the_county(platform: Platform, unit: str, field: str = "unit") -> None:
    """A unit the centre hands a case to: of a known agency, and at one of the county's places (config/divisions.toml),
    as a dispute's own place must be; refused as `bad_unit`, as the rules refuse another county's unit
    (levels.require_county_unit), which they judge themselves. A unit below its agency's own level is refused as
    `below_agency_level`, by the rule that keeps officer accounts from being bound to it: no one could accept it."""
    _require_known_agency(platform, unit, field)
    division = split_unit(unit)[1]
    places = load_places(platform.config_dir)
    outside = places.outside(division, platform.county)
    if outside is not None and division.startswith(platform.county):
        raise Refused(rules.RefusalCode.BAD_UNIT, f"{unit}: {outside}", {"unit": unit})
    below = platform.registry.below_its_level(unit)
    if below is not None:
        usual = below.unit_for(division)
        raise Refused(
            rules.RefusalCode.BELOW_AGENCY_LEVEL,
            f"{unit} ({unit_name(unit, platform.registry, places)}) is below {below.code}'s units, which stand at"
            f" {below.unit_digits}-digit divisions and above: no officer account can be bound to it, so its referral"
            f" could never be accepted; {usual} is the {below.code} unit for that place",
            {"unit": unit, "agency": below.code, "unit_for_place": usual},
        )


def _require_agency_of_unit(platform: Platform, message: Envelope, sent_by: str | None) -> None:
    """A report counts only from the service of the agency its unit belongs to, addressed to the centre."""
    try:
        service = platform.registry.service_for_unit(message.sender)
    except KeyError as unknown:
        raise Refused(
            SenderRefusal.UNKNOWN_AGENCY, f"{message.type} from {message.sender}: {unknown.args[0]}"
        ) from None
    platform.require_sender(message, sent_by, service)
    platform.require_centre_recipient(message)


def _require_centre_service(platform: Platform, message: Envelope, sent_by: str | None, service: str) -> None:
    """A document of the centre's own services counts only from `service`'s broker user, addressed to the centre
    as they address it: one for another centre came from a service set up for another county."""
    platform.require_sender(message, sent_by, service)
    platform.require_centre_recipient(message)


# --- refusals (issue 15) -----------------------------------------------------------------------------


def note_refusal(notice: MessageRejected, uow: Work, platform: Platform) -> None:
    """Inside the notice's transaction (shared.runtime.refusals): a refused message about a case the coordinator
    holds goes on the case's timeline as `report_rejected`, beside the notice its agency receives."""
    if notice.case_id is None:
        return
    try:
        stored = uow.store.lock(notice.case_id)
    except NotFound:
        return  # a case it does not hold (a made-up or mistyped number): the notice alone
    # A refused body may name any case: only one that holds the referral it names, or a referral to the refused
    # agency, keeps the line in its history. Another agency's report naming one of the case's referrals is kept: its
    # referral ids reach only its own units, so staff see on the case that someone reported on it who should not.
    agency = split_unit(notice.recipient)[0]
    if not any(r.referral_id == notice.referral_id or split_unit(r.unit)[0] == agency for r in stored.case.referrals):
        return
    at = platform.now()
    detail = {
        "unit": notice.recipient,
        "referral_id": str(notice.referral_id) if notice.referral_id else None,
        "rejected_type": notice.rejected_type,
        "rejected_message_id": str(notice.rejected_message_id) if notice.rejected_message_id else None,
        "reason": notice.reason,
        "detail": notice.detail,
        "notice_id": str(notice.message_id),
    }
    decision = note_rejection(stored.case, at, **detail)
    uow.store.save(decision.case, at)
    uow.store.append_timeline(decision.case.case_id, decision.timeline)
