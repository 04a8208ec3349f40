"""The coordinator's rules: each takes a case and one input, and returns a decision or refuses.

triage → record_acceptance / record_progress / record_decline / record_result → record_rating,
with assign_by_hand for staff, link_repeat for repeat reports, and record_pause / record_resume
for a unit's clock. A refusal raises `Refused` and changes nothing; a report that comes before
one it follows raises `ReportTooEarly`, and is retried. A report that repeats what the centre
holds from the same unit (its database restored to an earlier point, its officers redoing what
`wuyuan reconcile` lists) changes nothing and is not refused: `unchanged`; but a repeated pause or resume
after which the unit's clock would stand otherwise than the centre's is refused, so that its agency learns how
the centre's clock stands (`_repeat`). How a round's result follows from its units' results: `record_result`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID, uuid4

from services.coordinator.domain.decisions import (
    AnnounceAssignment,
    AnnounceClosed,
    AnnounceDeadline,
    Assignment,
    DeadlineFor,
    Decision,
    DecisionDraft,
    ExtendFor,
    IdFactory,
    TellUnitDeadline,
    about,
)
from services.coordinator.domain.model import (
    SETTLING_RESULTS,
    Agreement,
    Case,
    CaseFacts,
    CaseStatus,
    GapCode,
    Plan,
    Referral,
    ReferralStatus,
    TimelineKind,
)
from services.coordinator.routing import RoutingTable, agency_of, level_digits
from shared.contracts.dates import CHINA_TZ, CLOCK_SKEW
from shared.contracts.identifiers import truncate_division, validate_unit
from shared.contracts.messages import PauseReason
from shared.contracts.vocabulary import (
    FAILED_RESULTS,
    ONWARD_RESULTS,
    LinkReason,
    Rating,
    ReferralRole,
    ReopenCause,
    ResultCode,
    Source,
    outcome_of,
)
from shared.refusal import Refused
from shared.registry import AgencyRegistry
from shared.workdays import runs_into_unknown_year


class RefusalCode(StrEnum):
    UNKNOWN_REFERRAL = "unknown_referral"
    WRONG_UNIT = "wrong_unit"
    REFERRAL_CLOSED = "referral_closed"
    # No longer raised: a repeat of what the centre holds is taken as a repeat (`unchanged`). Kept, with the two
    # clock codes below, because agencies' refusal lists and the wording of refusals still name them.
    ALREADY_ACCEPTED = "already_accepted"
    WRONG_STATUS = "wrong_status"
    BAD_UNIT = "bad_unit"
    # A unit below its agency's own level (a court unit at a township): no officer can be bound to it, so a referral
    # to it could never be accepted (AgencyRegistry.below_its_level).
    BELOW_AGENCY_LEVEL = "below_agency_level"
    UNIT_ALREADY_ON_CASE = "unit_already_on_case"
    ALREADY_PAUSED = "already_paused"  # formerly: a pause whose turn had passed
    NOT_PAUSED = "not_paused"  # formerly: a resume of a pause already resumed
    # A pause or resume the centre recorded already, after which the agency's clock would stand otherwise than the
    # centre's (`_repeat`): refused, so that the agency is told how the centre's clock stands.
    CENTRE_CLOCK_RUNNING = "centre_clock_running"  # a pause, while the centre's clock runs
    CENTRE_CLOCK_PAUSED = "centre_clock_paused"  # a resume, while the centre's clock stands still


class ReportTooEarly(Exception):
    """A report that follows one not handled yet (a resume before its pause): not refused, since the
    earlier one is on its way; the inbox retries it, and dead-letters it if it never fits."""


def triage(
    facts: CaseFacts,
    table: RoutingTable,
    registry: AgencyRegistry,
    now: datetime,
    deadline_for: DeadlineFor,
    new_id: IdFactory = uuid4,
) -> Assignment:
    """现场办 / 马上办 / 共同办: pick the rule, designate the units of the case's place, issue referrals."""
    route = table.route(facts.category, facts.source, facts.flags)

    def units(entries: tuple[str, ...]) -> tuple[str, ...]:
        # 'police@county' is the county bureau, whatever the place; 'police' the place's own station.
        return tuple(
            registry.get(agency_of(entry)).unit_for(truncate_division(facts.division_code, level_digits(entry) or 12))
            for entry in entries
        )

    plan = Plan(
        rule_index=route.rule_index,
        mode=route.mode,
        lead_units=units(route.lead),
        co_units=units(route.co),
        co_reserve_units=units(route.co_reserve),
        deadline_working_days=route.deadline_working_days,
        lead_term=route.lead_term,
        co_term=route.co_term,
    )
    lead_unit = plan.lead_units[0] if plan.lead_units else None
    draft = DecisionDraft(Case(facts=facts, plan=plan, status=CaseStatus.REGISTERED), now)
    draft.note(
        TimelineKind.CASE_TRIAGED,
        rule=plan.rule_index,
        mode=plan.mode,
        lead_unit=lead_unit,
        co_units=list(plan.co_units),
    )
    if lead_unit is not None:
        # The assignment announces these units itself, so none gets a UnitDesignated of its own.
        draft.issue(lead_unit, ReferralRole.LEAD, deadline_for, new_id, announce=False)
        for unit in plan.co_units:
            draft.issue(unit, ReferralRole.CO_UNIT, deadline_for, new_id, announce=False)
    draft.emit(
        AnnounceAssignment(
            mode=plan.mode,
            source=facts.source,
            category=facts.category,
            division_code=facts.division_code,
            flags=facts.flags,
            lead_unit=lead_unit,
            co_units=plan.co_units,
            referrals=draft.case.referrals,
        )
    )
    if lead_unit is None:
        draft.resolve()  # settled at the window; only the follow-up rating remains
    else:
        draft.conclude()
    decision = draft.decision()
    return Assignment(decision.case, decision.effects, decision.timeline)


def unchanged(case: Case) -> Decision:
    """A report that repeats what the case holds from the same unit: no state, no message, no timeline line.

    It comes from an agency whose database was restored to an earlier point, when its officers redo what
    `wuyuan reconcile` lists (the centre holds it already; the agency had lost it). Refused, it would be
    dead-lettered, its agency told it was rejected and the case's timeline given a refusal, for a report
    that agrees with the record."""
    return Decision(case=case, effects=(), timeline=())


def is_unchanged(case: Case, decision: Decision) -> bool:
    """Whether the decision leaves the case exactly as it was (`unchanged`): nothing to store."""
    return not decision.timeline and not decision.effects and decision.case == case


def record_acceptance(case: Case, referral_id: UUID, unit: str, officer: str, now: datetime) -> Decision:
    """签收. The same unit accepting again what the centre holds as accepted changes nothing (`unchanged`)."""
    known = _of_unit(case, referral_id, unit)
    if known is not None and (known.accepted_at is not None or known.status is ReferralStatus.ACCEPTED):
        return unchanged(case)
    overtaken = _overtaken(case, referral_id, unit)
    if overtaken is not None:
        # The unit's result or decline was handled first; record the acceptance, change nothing.
        draft = DecisionDraft(case, now)
        draft.note(TimelineKind.REFERRAL_ACCEPTED, **about(overtaken), officer=officer, late=True)
        return draft.decision()
    referral = _open_referral(case, referral_id, unit)
    draft = DecisionDraft(case, now)
    draft.update(referral, status=ReferralStatus.ACCEPTED, accepted_at=now)
    draft.note(TimelineKind.REFERRAL_ACCEPTED, **about(referral), officer=officer)
    draft.conclude()
    return draft.decision()


def record_progress(case: Case, referral_id: UUID, unit: str, officer: str, note: str, now: datetime) -> Decision:
    overtaken = _overtaken(case, referral_id, unit)
    if overtaken is not None:
        # Progress sent before the result but handled after it: keep it in the record, change nothing.
        draft = DecisionDraft(case, now)
        draft.note(TimelineKind.PROGRESS_REPORTED, **about(overtaken), officer=officer, note=note, late=True)
        return draft.decision()
    referral = _open_referral(case, referral_id, unit)
    draft = DecisionDraft(case, now)
    draft.update(referral, last_progress_at=now)
    draft.note(TimelineKind.PROGRESS_REPORTED, **about(referral), officer=officer, note=note)
    draft.conclude()
    return draft.decision()


def record_decline(
    case: Case,
    referral_id: UUID,
    unit: str,
    officer: str,
    reason: str,
    now: datetime,
    deadline_for: DeadlineFor,
    new_id: IdFactory = uuid4,
    reason_code: str | None = None,
) -> Decision:
    """不属于本单位职责: hand the role to the next fall-back not yet on the case, or to centre staff.

    `reason_code` is the decline's type when it is another that ends here: 超出本级处置能力 at the county's centre,
    with nothing above it (`levels.record_beyond_level`), kept on the timeline as the officer chose it.
    The same unit declining again a referral it declined changes nothing (`unchanged`)."""
    if declined_already(case, referral_id, unit):
        return unchanged(case)
    referral = _open_referral(case, referral_id, unit)
    draft = DecisionDraft(case, now)
    draft.close(referral, ReferralStatus.DECLINED, None)
    typed = {"reason_code": reason_code} if reason_code else {}
    draft.note(TimelineKind.REFERRAL_DECLINED, **about(referral), officer=officer, reason=reason, **typed)
    lead = referral.role is ReferralRole.LEAD
    if not lead and _lead_has_settled(case):
        # The lead has resolved the dispute (or taken it into a statutory procedure): a co-unit brought in now, by
        # the table or by staff, would have nothing left to work with it on. The case resolves once the co-units
        # still working have reported.
        draft.conclude()
        return draft.decision()
    fallbacks = case.plan.lead_units if lead else case.plan.co_reserve_units
    # Any unit that ever held a referral is out: one that declined would only decline again.
    taken = {r.unit for r in case.referrals}
    successor = next((u for u in fallbacks if u not in taken), None)
    if successor is not None:
        draft.issue(successor, referral.role, deadline_for, new_id, replaces=referral.referral_id)
    elif not draft.case.round_settled():
        role, kind = ("lead", "fall-back lead") if lead else ("co-unit", "reserve co-unit")
        code = GapCode.LEAD_DECLINED if lead else GapCode.CO_UNIT_DECLINED
        draft.await_staff(referral.role, f"{unit} declined as {role} and no {kind} is left", code, unit)
    draft.conclude()
    return draft.decision()


# A result whose agreement is dated after the report (refused back to the agency).
AGREEMENT_AFTER_REPORT = "agreement_after_report"


def require_agreement_signed_by_the_report(signed_on: date, occurred_at: datetime, now: datetime) -> None:
    """An agreement is signed before its result is reported: one dated later (a typing mistake, or a sender's forgery)
    would count in the figures as a mediation of days to come. The report's day is its own time in Asia/Shanghai, or
    now should it claim later."""
    reported = min(occurred_at, now + CLOCK_SKEW).astimezone(CHINA_TZ).date()
    if signed_on > reported:
        raise Refused(
            AGREEMENT_AFTER_REPORT,
            f"agreement.signed_on {signed_on.isoformat()} is after the day the result was reported"
            f" ({reported.isoformat()})",
        )


def _lead_has_settled(case: Case) -> bool:
    """The lead of the case's round has reported a result that settles it, whatever its co-units still do."""
    lead = case.current_lead()
    return lead is not None and lead.result in SETTLING_RESULTS


def record_result(
    case: Case,
    referral_id: UUID,
    unit: str,
    officer: str,
    result: ResultCode,
    summary: str,
    now: datetime,
    agreement: Agreement | None = None,
) -> Decision:
    """A unit finished its part. How the case's result follows from its units' results:

    a. every unit's result is kept on its referral, with the agreement if one was signed, and
       recorded on the timeline, lead's and co-units' alike; all of them count in the figures;
    b. the lead's result decides the round: a resolving code (化解) or an onward one (导入法定途径:
       the dispute is now a statutory procedure's, and the centre's part is done) settles the round
       once no referral of it is open; a failed one (调解不成, 不宜调解) leaves the lead's role to
       centre staff (gap `lead_failed`);
    c. the settled round's result is the lead's, or a co-unit's mediated or judicially confirmed
       result when the lead reports `handled` (`Case.round_result`);
    d. a co-unit's failed or onward result neither blocks nor reopens the round;
    e. a lead that reports before its co-units waits for them; an overdue co-unit is supervision's to chase.

    The same unit reporting again the result the centre holds from it changes nothing (`unchanged`); a
    different result for a referral it already reported is refused (`referral_closed`): the first one
    decided the round.
    """
    known = _of_unit(case, referral_id, unit)
    if known is not None and known.status is ReferralStatus.REPORTED and known.result is result:
        return unchanged(case)
    referral = _open_referral(case, referral_id, unit)
    draft = DecisionDraft(case, now)
    draft.close(referral, ReferralStatus.REPORTED, result, agreement)
    draft.note(
        TimelineKind.RESULT_REPORTED,
        **about(referral),
        officer=officer,
        result=result,
        outcome=outcome_of(result),
        summary=summary,
        agreement=agreement.detail() if agreement else None,
    )
    if referral.role is ReferralRole.LEAD and result in FAILED_RESULTS:
        # Staff decide what follows: another lead, or guiding the parties to a statutory procedure.
        draft.await_staff(
            ReferralRole.LEAD,
            f"lead unit {unit} reported the dispute unresolved: {summary}",
            GapCode.LEAD_FAILED,
            unit,
            result,
        )
    draft.conclude()
    return draft.decision()


def record_pause(
    case: Case,
    referral_id: UUID,
    unit: str,
    officer: str,
    reason: PauseReason,
    note: str | None,
    pause_number: int,
    paused_at: datetime,
    now: datetime,
) -> Decision:
    """期限中止: the unit's clock stops at `paused_at` (when the officer paused it, never later than now).

    Pauses and resumes are numbered by the agency, so one handled out of order is put back in turn:
    a pause before the resume of the one before it is retried (ReportTooEarly). A pause whose number
    was already recorded (the agency repeats it, after its database was restored) changes nothing
    while the centre's clock stands still too (`unchanged`), and is refused while it runs
    (`centre_clock_running`: `_repeat`)."""
    overtaken = _overtaken(case, referral_id, unit)
    if overtaken is not None:
        # Paused before the result but handled after it: the result was judged without it; keep the record.
        draft = DecisionDraft(case, now)
        draft.note(TimelineKind.CLOCK_PAUSED, **about(overtaken), officer=officer, reason=reason, note=note, late=True)
        return draft.decision()
    referral = _open_referral(case, referral_id, unit)
    if not _in_turn(referral, 2 * pause_number - 1, "pause", pause_number):
        return _repeat(case, referral, "pause", pause_number)
    at = max(min(paused_at, now), referral.issued_at)
    draft = DecisionDraft(case, now)
    draft.update(referral, paused_at=at, pause_reason=reason, pause_note=note, pauses=pause_number)
    paused = draft.case.referral(referral_id)
    assert paused is not None
    draft.emit(AnnounceDeadline(paused))
    draft.note(
        TimelineKind.CLOCK_PAUSED,
        **about(referral),
        officer=officer,
        reason=reason,
        note=note,
        pause_number=pause_number,
        paused_at=at.isoformat(),
        due_at=referral.due_at.isoformat(),
    )
    draft.conclude()
    return draft.decision()


def record_resume(
    case: Case,
    referral_id: UUID,
    unit: str,
    officer: str,
    pause_number: int,
    resumed_at: datetime,
    now: datetime,
    extend_for: ExtendFor,
) -> Decision:
    """The clock runs again: `due_at` moves later by the pause, measured in the term's kind of time
    (working time for a working-day term, calendar time for a calendar-day one; `extend_for`).

    A resume handled before its pause is retried (ReportTooEarly); one of a pause already resumed
    changes nothing while the centre's clock runs (`unchanged`), and is refused while a later pause
    stops it (`centre_clock_paused`: `_repeat`)."""
    overtaken = _overtaken(case, referral_id, unit)
    if overtaken is not None:
        # The result came while the clock stood still and was judged as of the pause; keep the record.
        draft = DecisionDraft(case, now)
        draft.note(TimelineKind.CLOCK_RESUMED, **about(overtaken), officer=officer, late=True)
        return draft.decision()
    referral = _open_referral(case, referral_id, unit)
    if not _in_turn(referral, 2 * pause_number, "resume", pause_number):
        return _repeat(case, referral, "resume", pause_number)
    paused_at = referral.paused_at
    assert paused_at is not None  # in turn, a resume follows its pause
    at = max(min(resumed_at, now), paused_at)
    due_at = extend_for(referral.due_at, paused_at, at, referral.counting)
    draft = DecisionDraft(case, now)
    draft.update(
        referral,
        due_at=due_at,
        due_provisional=runs_into_unknown_year(referral.issued_at, due_at),
        paused_at=None,
        pause_reason=None,
        pause_note=None,
    )
    resumed = draft.case.referral(referral_id)
    assert resumed is not None
    draft.emit(AnnounceDeadline(resumed))
    draft.emit(TellUnitDeadline(resumed))
    draft.note(
        TimelineKind.CLOCK_RESUMED,
        **about(referral),
        officer=officer,
        reason=referral.pause_reason,
        note=referral.pause_note,
        pause_number=pause_number,
        paused_at=paused_at.isoformat(),
        resumed_at=at.isoformat(),
        counting=referral.counting,
        previous_due_at=referral.due_at.isoformat(),
        due_at=due_at.isoformat(),
    )
    draft.conclude()
    return draft.decision()


def _in_turn(referral: Referral, revision: int, what: str, pause_number: int) -> bool:
    """Whether a clock change applies now: right after the one before it. Later is retried (ReportTooEarly);
    earlier (False) repeats a change the centre recorded already (`_repeat`)."""
    current = referral.clock_revision
    if revision > current + 1:
        raise ReportTooEarly(
            f"{what} {pause_number} of referral {referral.referral_id} came before the clock's change {current + 1}"
        )
    return revision == current + 1


def _repeat(case: Case, referral: Referral, what: Literal["pause", "resume"], pause_number: int) -> Decision:
    """A pause or resume whose number the centre recorded already. With a message id of its own it comes only from
    an agency that numbers its pauses again from an earlier point: its database was restored.

    Where the agency's clock after it stands as the centre's does (paused after a pause, running after a resume),
    it changes nothing and is not refused (`unchanged`): so ends the redo of the pauses and resumes `wuyuan
    reconcile` lists. Where it does not (a pause while the centre's clock runs, a resume while it stands still), the
    agency would show one clock and the centre keep another, and a pause the agency's officer made anew, numbered
    from the earlier point, would be lost without a word while supervision's letters went out on the centre's clock:
    refused, so that the agency's officers are told how the centre's clock stands (MessageRejected) and pause and
    resume in turn until theirs agrees. The centre's clock is the one that counts; the refusal changes nothing."""
    pausing = what == "pause"
    if referral.paused == pausing:
        return unchanged(case)
    pauses = referral.pauses
    if pausing:
        catch_up = "resume the unit's clock" + (
            "" if pause_number == pauses else f", then pause and resume it in turn up to resume {pauses}"
        )
        raise Refused(
            RefusalCode.CENTRE_CLOCK_RUNNING,
            f"pause {pause_number} of referral {referral.referral_id} was recorded already and resumed since: the"
            f" centre's clock runs after {pauses} pause{'' if pauses == 1 else 's'}. To agree with it, {catch_up}"
            f" (as `wuyuan reconcile` lists); pause {pauses + 1} then stops the centre's clock",
            {"pauses": str(pauses)},
        )
    paused_at = referral.paused_at
    assert paused_at is not None  # a resume repeated while the centre's clock stands still
    catch_up = (
        f"pause the unit's clock again (pause {pauses})"
        if pause_number + 1 == pauses
        else f"pause and resume the unit's clock in turn up to pause {pauses}"
    )
    raise Refused(
        RefusalCode.CENTRE_CLOCK_PAUSED,
        f"resume {pause_number} of referral {referral.referral_id} was recorded already: the centre's clock stands"
        f" still since pause {pauses} ({paused_at.isoformat()}). To agree with it, {catch_up} (as `wuyuan reconcile`"
        f" lists); resume {pauses} then starts the centre's clock again",
        {"pauses": str(pauses), "paused_at": paused_at.isoformat()},
    )


def record_rating(
    case: Case,
    rating: Rating,
    comment: str | None,
    now: datetime,
    deadline_for: DeadlineFor,
    new_id: IdFactory = uuid4,
    *,
    rated_by: str | None = None,
    round: int | None = None,
) -> Decision:
    """群众评单: satisfied closes the case; dissatisfied sends it back to the same lead as a new round, unless the
    round took the dispute into a statutory procedure (导入法定途径: a court, an arbitration, an administrative
    ruling or review), which now answers for it: the rating is kept and the case closes, as nothing the centre's
    units could do again would reach a dispute a court has filed.

    `rated_by` is who entered it (a supervisor's account, or the citizen's link), for the timeline. A rating of an
    earlier `round` than the case's (a petition reopened the case while the rating was on its way) is kept on the
    timeline and changes nothing: the new round is being handled, and its own visit will ask again."""
    if round is not None and round < case.round:
        draft = DecisionDraft(case, now)
        draft.note(TimelineKind.RATING_OVERTAKEN, rating=rating, comment=comment, rated_by=rated_by, round=round)
        return draft.decision()
    if case.status is not CaseStatus.RESOLVED:
        reason = f"case {case.case_id} is {case.status}; a rating counts only once it is resolved"
        raise Refused(RefusalCode.WRONG_STATUS, reason)
    draft = DecisionDraft(replace(case, rating=rating), now)
    if rating is not Rating.DISSATISFIED or case.result in ONWARD_RESULTS:
        draft.case = replace(draft.case, status=CaseStatus.CLOSED)
        draft.emit(AnnounceClosed(rating))
        # Said on the line, so that no one looks for the new round a dissatisfied rating otherwise brings.
        stays_with = {"stays_with": case.result} if rating is Rating.DISSATISFIED else {}
        draft.note(TimelineKind.CASE_CLOSED, rating=rating, comment=comment, rated_by=rated_by, **stays_with)
        return draft.decision()
    draft.note(
        TimelineKind.CASE_REOPENED,
        cause=ReopenCause.DISSATISFIED,
        rating=rating,
        comment=comment,
        rated_by=rated_by,
        round=case.round + 1,
    )
    draft.reopen(ReopenCause.DISSATISFIED, rating, deadline_for, new_id)
    return draft.decision()


def assign_by_hand(
    case: Case,
    unit: str,
    staff: str,
    now: datetime,
    deadline_for: DeadlineFor,
    new_id: IdFactory = uuid4,
) -> Decision:
    """Centre staff fill the first open gap (a lead gap before co-unit gaps) with a unit of their choice."""
    if case.status is not CaseStatus.AWAITING_MANUAL_TRIAGE or not case.gaps:
        reason = f"case {case.case_id} is {case.status}; nothing awaits manual triage"
        raise Refused(RefusalCode.WRONG_STATUS, reason)
    try:
        validate_unit(unit)
    except ValueError as bad:
        raise Refused(RefusalCode.BAD_UNIT, f"{unit!r} is not a unit code: {bad}") from None
    if any(r.unit == unit and r.is_open for r in case.referrals):
        raise Refused(RefusalCode.UNIT_ALREADY_ON_CASE, f"{unit} already holds an open referral")
    gap, *rest = case.gaps
    draft = DecisionDraft(replace(case, gaps=tuple(rest)), now)
    draft.note(TimelineKind.MANUALLY_ASSIGNED, unit=unit, role=gap.role, staff=staff)
    draft.issue(unit, gap.role, deadline_for, new_id)
    draft.conclude()
    return draft.decision()


# The sources whose agency takes part in the case a record of theirs is linked to as a repeat: a petition the
# bureau passed to mediation must still be answered by the bureau (信访工作条例, 60 days), so the bureau joins
# the case's mediation as co-unit (访调对接). A police call or a court filing handed over is the mediators' to
# settle, and their agencies hear of the result through the case's facts.
JOINS_ON_REPEAT = frozenset({Source.PETITION})


def reopens_before_the_visit(case: Case, source: Source, feeding_unit: str | None, reason: str) -> bool:
    """Whether a repeat report reopens a case its units settled before the follow-up visit asked the citizen: a
    petition (`JOINS_ON_REPEAT`) does, as its bureau must still answer the petitioner (信访工作条例) and the
    citizen petitioning again says the settlement did not hold. Not the same petition sent again, nor a round
    that took the dispute into a statutory procedure, which answers for it now (诉访分离), nor a case settled at
    the window, which has no lead to take it up again: those are recorded, and the visitor's page lists them."""
    return (
        case.status is CaseStatus.RESOLVED
        and source in JOINS_ON_REPEAT
        and feeding_unit is not None
        and reason != LinkReason.SAME_SOURCE_RECORD
        and case.result not in ONWARD_RESULTS
        and case.current_lead() is not None
    )


def link_repeat(
    case: Case,
    source: Source,
    source_record_id: str | None,
    reason: str,
    now: datetime,
    deadline_for: DeadlineFor,
    new_id: IdFactory = uuid4,
    feeding_unit: str | None = None,
    summary: str | None = None,
) -> Decision:
    """A repeat report joins the case's record, with what it said (`summary`, from contract version 2), which the
    units of a round it reopens read; repeats feed supervision's high-frequency alerts.

    One that comes after the case was closed means the dispute is back (矛盾反弹): the same
    lead takes it up again as a new round, as after a dissatisfied rating, instead of the
    report resting unread on a closed case. Before closing, the units are still at work or
    the follow-up visit is about to ask the citizen, so the record is enough (the visitor's page lists the
    reports linked since the round was settled). A petition
    (`JOINS_ON_REPEAT`) brings its bureau (`feeding_unit`) in as co-unit of a case still being
    handled, unless it already holds an open part: its referral names the petition. A petition linked
    while the case awaits its visit (`reopens_before_the_visit`) reopens it as after closing: the bureau
    must answer it, and the units' settlement did not hold; supervision calls the visit off.
    """
    draft = DecisionDraft(replace(case, repeat_reports=case.repeat_reports + 1), now)
    draft.note(
        TimelineKind.REPEAT_LINKED, source=source, source_record_id=source_record_id, reason=reason, summary=summary
    )
    if case.status is CaseStatus.CLOSED or reopens_before_the_visit(case, source, feeding_unit, reason):
        draft.note(TimelineKind.CASE_REOPENED, cause=ReopenCause.REPEAT_REPORT, round=case.round + 1)
        draft.reopen(ReopenCause.REPEAT_REPORT, None, deadline_for, new_id)
    joined = draft.case
    if (
        source in JOINS_ON_REPEAT
        and feeding_unit is not None
        and joined.status in (CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS)
        and not any(r.unit == feeding_unit and r.is_open for r in joined.referrals)
    ):
        draft.issue(feeding_unit, ReferralRole.CO_UNIT, deadline_for, new_id, source_record_id=source_record_id)
    return draft.decision()


def declined_already(case: Case, referral_id: UUID, unit: str) -> bool:
    """Whether the unit declined this referral already, so that a decline from it repeats that one."""
    known = _of_unit(case, referral_id, unit)
    return known is not None and known.status is ReferralStatus.DECLINED


def _of_unit(case: Case, referral_id: UUID, unit: str) -> Referral | None:
    """The referral, if it went to this unit."""
    referral = case.referral(referral_id)
    return referral if referral is not None and referral.unit == unit else None


def _overtaken(case: Case, referral_id: UUID, unit: str) -> Referral | None:
    """The referral, if its own unit already finished it (reported its result, or declined it): messages
    from one unit may be handled out of order by concurrent workers, and an earlier step arriving late
    is not an error."""
    referral = _of_unit(case, referral_id, unit)
    if referral is not None and referral.status in (ReferralStatus.REPORTED, ReferralStatus.DECLINED):
        return referral
    return None


def _open_referral(case: Case, referral_id: UUID, unit: str) -> Referral:
    """Only the unit a referral went to may report on it, and only while it is open."""
    referral = case.referral(referral_id)
    if referral is None:
        raise Refused(RefusalCode.UNKNOWN_REFERRAL, f"referral {referral_id} is not part of case {case.case_id}")
    if referral.unit != unit:
        raise Refused(RefusalCode.WRONG_UNIT, f"referral {referral_id} was issued to {referral.unit}, not {unit}")
    if not referral.is_open:
        raise Refused(RefusalCode.REFERRAL_CLOSED, f"referral {referral_id} is already closed ({referral.status})")
    return referral


def holds_phones(parties: Iterable[Mapping[str, Any]]) -> bool:
    """Whether any of the parties, as the case's registration keeps them, still has a mobile number."""
    return any(party.get("phone") for party in parties)


def lead_has_taken_contacts(case: Case) -> bool:
    """Whether a lead unit has accepted the case, and so holds the parties' mobile numbers itself.

    Until then a decline may send the case to another lead, which needs the numbers from the
    centre; from then on only that lead (and its later rounds) contacts the parties.
    """
    return any(
        r.role is ReferralRole.LEAD and r.status in (ReferralStatus.ACCEPTED, ReferralStatus.REPORTED)
        for r in case.referrals
    )
