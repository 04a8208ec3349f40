"""三级 (小事不出村、大事不出乡镇): which centre holds a case, taking it up a level, and 吹哨报到.

A case is held by the centre nearest its lead unit's place (`hold`). A unit that declines it as
beyond its level (`record_beyond_level`), or stays overdue past its level's threshold
(`escalate_overdue`), sends it up to the next centre: the unit's part passes to the same
agency's unit at the upper level where that is another unit, else to the upper centre's staff
(a gap). At the county centre an overdue case is flagged for the leaders instead. The holding
centre's coordinators may call departments in (`call_in`): each gets a co-unit referral.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from services.coordinator.domain.decisions import (
    Assignment,
    DeadlineFor,
    Decision,
    DecisionDraft,
    IdFactory,
    WithdrawReferral,
    about,
)
from services.coordinator.domain.model import (
    Case,
    CaseStatus,
    Escalation,
    EscalationCause,
    GapCode,
    Referral,
    ReferralStatus,
    TimelineKind,
)
from services.coordinator.domain.rules import RefusalCode, _open_referral, declined_already, record_decline, unchanged
from shared.centres import Centre, Centres
from shared.contracts.identifiers import split_unit, validate_unit
from shared.contracts.vocabulary import ReferralRole
from shared.refusal import Refused
from shared.registry import CENTRE


class LevelRefusal(StrEnum):
    NOT_THIS_CENTRE = "not_this_centre"  # the caller's centre does not cover the centre holding the case
    NOT_CALLABLE = "not_callable"  # the holding centre may not call that agency in (config/centres.toml)


def holding_centre(case: Case, centres: Centres) -> Centre:
    """The centre holding the case; a case stored before levels, or naming a centre no longer listed, is
    the county centre's."""
    return (centres.get(case.centre) if case.centre else None) or centres.county


def hold(assignment: Assignment, centres: Centres) -> Assignment:
    """Triage's case, held by the centre nearest its lead unit's place: a township police station's case by
    that township's centre (if it has one), the county court's by the county's. A case settled at the
    window, with no lead, is the county centre's."""
    lead = assignment.lead_unit
    place = split_unit(lead)[1] if lead else centres.county.division
    case = replace(assignment.case, centre=centres.holding(place).division)
    return Assignment(case, assignment.effects, assignment.timeline)


def record_beyond_level(
    case: Case,
    referral_id: UUID,
    unit: str,
    officer: str,
    reason: str,
    centres: Centres,
    now: datetime,
    deadline_for: DeadlineFor,
    new_id: IdFactory = uuid4,
) -> Decision:
    """超出本级处置能力: the unit declines and the case goes up one level, its part to the upper level.

    At the county centre (nothing above it) the decline is an ordinary one (`rules.record_decline`) and
    re-routes to the next competent unit; its timeline line keeps the type the officer chose, as a decline
    below the county does. The same unit declining again a referral it declined changes nothing
    (`unchanged`), as with `record_decline`: the case went up once, and does not go up again from the level
    it reached."""
    if declined_already(case, referral_id, unit):
        return unchanged(case)
    referral = _open_referral(case, referral_id, unit)
    here = holding_centre(case, centres)
    upper = centres.above(here)
    if upper is None:
        return record_decline(
            case, referral_id, unit, officer, reason, now, deadline_for, new_id, reason_code="beyond_level"
        )
    draft = DecisionDraft(case, now)
    draft.close(referral, ReferralStatus.DECLINED)
    draft.note(
        TimelineKind.REFERRAL_DECLINED, **about(referral), officer=officer, reason=reason, reason_code="beyond_level"
    )
    _go_up(draft, referral, here, upper, EscalationCause.BEYOND_LEVEL, None, deadline_for, new_id)
    draft.conclude()
    return draft.decision()


def escalate_overdue(
    case: Case,
    referral_id: UUID,
    unit: str,
    overdue_working_days: int,
    centres: Centres,
    now: datetime,
    deadline_for: DeadlineFor,
    new_id: IdFactory = uuid4,
) -> Decision:
    """逾期提级: a unit still overdue past its level's threshold (supervision says so once per referral).

    Below the county the case goes up one level and the unit's part passes up; at the county centre it
    is flagged for the leaders (提请领导督办) and stays where it is. A referral that is no longer open or
    overdue (the unit reported, or its clock was paused in time) changes nothing: supervision's view
    was a moment old."""
    referral = case.referral(referral_id)
    if referral is None or referral.unit != unit or not referral.overdue(now):
        return DecisionDraft(case, now).decision()
    here = holding_centre(case, centres)
    upper = centres.above(here)
    draft = DecisionDraft(case, now)
    if upper is None:
        escalation = Escalation(
            at=now,
            cause=EscalationCause.OVERDUE,
            from_centre=here.division,
            to_centre=None,
            unit=unit,
            referral_id=referral_id,
            overdue_working_days=overdue_working_days,
        )
        draft.case = replace(draft.case, escalations=(*draft.case.escalations, escalation))
        draft.note(TimelineKind.LEADERS_ALERTED, **about(referral), **_escalation_detail(escalation))
        return draft.decision()
    draft.close(referral, ReferralStatus.ESCALATED)
    _go_up(draft, referral, here, upper, EscalationCause.OVERDUE, overdue_working_days, deadline_for, new_id)
    # The unit did not end its part itself: it must learn it was taken back, or its late result would be refused
    # without a word.
    successor = draft.case.escalations[-1].new_unit
    draft.emit(WithdrawReferral(referral.referral_id, referral.unit, "escalated", successor))
    draft.conclude()
    return draft.decision()


def _go_up(
    draft: DecisionDraft,
    referral: Referral,
    here: Centre,
    upper: Centre,
    cause: EscalationCause,
    overdue_working_days: int | None,
    deadline_for: DeadlineFor,
    new_id: IdFactory,
) -> None:
    """Move the case to `upper`; the unit's role passes to its agency's unit at the upper level, or to
    the upper centre's staff when that would be the same unit (the county court is the county's already),
    or that unit holds the case already."""
    agency, division = split_unit(referral.unit)
    successor = f"{agency}:{division[: upper.level.digits]}" if len(division) > upper.level.digits else None
    if successor is not None and any(r.unit == successor and r.is_open for r in draft.case.referrals):
        successor = None
    escalation = Escalation(
        at=draft.now,
        cause=cause,
        from_centre=here.division,
        to_centre=upper.division,
        unit=referral.unit,
        referral_id=referral.referral_id,
        new_unit=successor,
        overdue_working_days=overdue_working_days,
    )
    draft.case = replace(draft.case, centre=upper.division, escalations=(*draft.case.escalations, escalation))
    draft.note(TimelineKind.CASE_ESCALATED, **about(referral), **_escalation_detail(escalation))
    if successor is not None:
        draft.issue(successor, referral.role, deadline_for, new_id, replaces=referral.referral_id)
    else:
        draft.await_staff(
            referral.role,
            f"case escalated from centre {here.division} to {upper.division}; no unit of {agency} above"
            f" {referral.unit} to take the part over",
            GapCode.ESCALATED,
            referral.unit,
        )


def _escalation_detail(escalation: Escalation) -> dict[str, object]:
    detail = escalation.detail()
    del detail["unit"], detail["referral_id"], detail["at"]  # the line names its referral and time itself
    return detail


def require_holding_staff(case: Case, staff_units: frozenset[str], centres: Centres) -> Centre:
    """The centre holding the case, if the caller's centre covers it: only the holding centre's staff (or those
    of a centre above it) act on its case, whether they call units in or fill a gap by hand. `staff_units`: the
    caller's `centre:<division>` units; none at all is the county centre's staff."""
    here = holding_centre(case, centres)
    own = {split_unit(u)[1] for u in staff_units if u.startswith(f"{CENTRE}:")} or {centres.county.division}
    if not any(here.division.startswith(division) for division in own):
        raise Refused(
            LevelRefusal.NOT_THIS_CENTRE,
            f"case {case.case_id} is held by {here.unit}; the caller acts for {', '.join(sorted(own))}",
            {"centre": here.unit},
        )
    return here


def require_county_unit(unit: str, centres: Centres) -> None:
    """A unit of this county: a referral to another county's unit would reach no officer who can act on it."""
    try:
        validate_unit(unit)
    except ValueError as bad:
        raise Refused(RefusalCode.BAD_UNIT, f"{unit!r} is not a unit code: {bad}") from None
    if not split_unit(unit)[1].startswith(centres.county.division):
        raise Refused(
            RefusalCode.BAD_UNIT, f"{unit} is not a unit of the county {centres.county.division}", {"unit": unit}
        )


def call_in(
    case: Case,
    units: Sequence[str],
    note: str,
    staff: str,
    staff_units: frozenset[str],
    centres: Centres,
    now: datetime,
    deadline_for: DeadlineFor,
    new_id: IdFactory = uuid4,
) -> Decision:
    """吹哨报到 (中心吹哨、部门报到): the holding centre's coordinator calls departments in; each unit gets a
    co-unit referral with the co-units' term, and reports like any co-unit.

    Only staff whose centre covers the holding centre may (`staff_units`: their `centre:<division>`
    units; none at all is the county centre's staff), only agencies the holding centre may call in, and
    only while the case is being handled."""
    here = require_holding_staff(case, staff_units, centres)
    if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.REGISTERED):
        raise Refused(RefusalCode.WRONG_STATUS, f"case {case.case_id} is {case.status}; nothing to call units in for")
    for unit in units:
        try:
            validate_unit(unit)
        except ValueError as bad:
            raise Refused(RefusalCode.BAD_UNIT, f"{unit!r} is not a unit code: {bad}") from None
        agency = split_unit(unit)[0]
        if agency not in here.call_in:
            raise Refused(
                LevelRefusal.NOT_CALLABLE,
                f"{here.name} ({here.unit}) may call in {', '.join(here.call_in) or 'no agency'}, not {agency}",
                {"centre": here.unit, "callable": list(here.call_in), "agency": agency, "unit": unit},
            )
        require_county_unit(unit, centres)
        if any(r.unit == unit and r.is_open for r in case.referrals):
            raise Refused(RefusalCode.UNIT_ALREADY_ON_CASE, f"{unit} already holds an open referral", {"unit": unit})
    draft = DecisionDraft(case, now)
    draft.note(TimelineKind.UNITS_CALLED_IN, units=list(units), note=note, staff=staff, centre=here.division)
    for unit in units:
        draft.issue(unit, ReferralRole.CO_UNIT, deadline_for, new_id)
    draft.conclude()
    return draft.decision()
