"""Spot checks' service layer: the period's draw (timer, once) and on demand, the list, a finding, the figures."""

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.supervision import spot_checks
from services.supervision.periods import DateRange, FinishedPeriod
from services.supervision.reports import percent
from services.supervision.store import SupervisionStore
from shared.contracts.disputes import LongText
from shared.contracts.messages import SpotCheckFound
from shared.contracts.vocabulary import ONWARD_RESULTS, Rating
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform
from shared.telemetry.case_scope import case_scope

Work = UnitOfWork[SupervisionStore]
MAX_LIST = 500


class SpotChecksQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    period: str | None = Field(None, max_length=8)  # 2026-11 or 2026-W47: cases closed in it
    pending: bool = True

    @field_validator("period")
    @classmethod
    def _a_period(cls, period: str | None) -> str | None:
        if period is not None:
            spot_checks.parse_period(period)
        return period


class RecordFinding(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    rating: Rating
    comment: LongText | None = None


def draw_due(uow: Work, platform: Platform, rules: spot_checks.SpotCheckRules) -> None:
    """The timer: the previous period's draw, once, whichever supervision instance comes first."""
    period = spot_checks.previous_period(platform.now(), rules.period)
    with uow:
        if uow.store.has_scheduled_draw(*period):
            return
        _draw(spot_checks.Trigger.SCHEDULED, period, spot_checks.SCHEDULED_BY, uow, platform, rules)


def draw_on_demand(
    command: FinishedPeriod, supervisor: str, uow: Work, platform: Platform, rules: spot_checks.SpotCheckRules
) -> dict[str, Any]:
    """A supervisor's draw over a date range that has ended (the cases closed after today are not there to draw yet):
    the same share of the cases closed then and not drawn before."""
    with uow:
        return _draw(spot_checks.Trigger.ON_DEMAND, (command.from_, command.to), supervisor, uow, platform, rules)


def _draw(
    trigger: spot_checks.Trigger,
    period: tuple[date, date],
    drawn_by: str,
    uow: Work,
    platform: Platform,
    rules: spot_checks.SpotCheckRules,
) -> dict[str, Any]:
    closed = uow.store.closed_cases(*spot_checks.bounds(*period))
    draw = spot_checks.draw(closed, rules, spot_checks.new_seed(), trigger, period)
    draw_id = platform.new_id()
    kept = uow.store.add_draw(draw_id, draw, drawn_by, platform.now())
    return {
        "draw_id": str(draw_id) if kept else None,
        "trigger": trigger.value,
        "from": period[0].isoformat(),
        "to": period[1].isoformat(),
        "share_percent": str(draw.share_percent),
        "minimum": draw.minimum,
        "closed": draw.population,
        "seed": draw.seed,
        "drawn": [{"case_id": c.case_id, "round": c.round} for c in draw.drawn] if kept else [],
    }


def list_spot_checks(query: SpotChecksQuery, uow: Work) -> dict[str, Any]:
    start = end = None
    if query.period is not None:
        start, end = spot_checks.bounds(*spot_checks.parse_period(query.period))
    with uow:
        rows = uow.store.list_spot_checks(start, end, query.pending, MAX_LIST + 1)
    # `truncated`: the first MAX_LIST drawn are shown, and more follow them.
    return {"spot_checks": [_shown(row) for row in rows[:MAX_LIST]], "truncated": len(rows) > MAX_LIST}


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "draw_id": str(row["draw_id"]),
        **{key: row[key].isoformat() if row[key] else None for key in ("closed_at", "drawn_at", "found_at")},
        "found": row["rating"] is not None,
    }


def record_finding(
    case_id: str, command: RecordFinding, supervisor: str, uow: Work, platform: Platform
) -> dict[str, Any]:
    """The second visit's finding, recorded by the signed-in supervisor; dissatisfied sends the case back to the
    coordinator to reopen (SpotCheckFound), as a dissatisfied rating does."""
    at = platform.now()
    with uow:
        check = uow.store.lock_spot_check(case_id)
        onward = uow.store.round_result(case_id, check.round) in ONWARD_RESULTS
        handled_again = uow.store.reopened_since(case_id, check.round)
        found, will = spot_checks.find(check, command.rating, at, onward, handled_again)
        uow.store.save_finding(found, command.comment, supervisor, will is spot_checks.SpotCheckWill.REOPEN)
        with case_scope(case_id, {}, "supervision: spot check found"):
            uow.send(
                SpotCheckFound.build(
                    message_id=platform.new_id(),
                    occurred_at=at,
                    case_id=case_id,
                    sender=platform.centre_unit,
                    recipient=platform.centre_unit,
                    round=check.round,
                    rating=command.rating,
                    comment=command.comment,
                    checked_by=supervisor,
                )
            )
    return {"case_id": case_id, "round": check.round, "rating": command.rating.value, "case_will": will.value}


def summary(query: DateRange, uow: Work) -> dict[str, Any]:
    """What the report shows of spot checks for cases closed in the range: drawn, done, the share of the closed
    cases drawn (drawn ÷ closed, percent, one decimal), findings by rating, reopened."""
    with uow:
        figures = uow.store.spot_check_figures(*spot_checks.bounds(query.from_, query.to))
    closed, drawn = figures["closed"], figures["drawn"]
    return {
        "from": query.from_.isoformat(),
        "to": query.to.isoformat(),
        "closed": closed,
        "drawn": drawn,
        "done": figures["done"],
        # The report's rounding (halves up), so that the summary and the report show the same share.
        "share_percent": percent(drawn, closed),
        "findings": {rating.value: figures["ratings"].get(rating.value, 0) for rating in Rating},
        "reopened": figures["reopened"],
    }
