"""Spot checks (回访抽查): which period is due, how many closed cases to draw, the draw itself, and a finding."""

import math
import random
import re
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from shared.contracts.dates import check_year
from shared.contracts.vocabulary import Rating
from shared.refusal import Refused
from shared.workdays import CHINA_TZ

SCHEDULED_BY = "timer"  # recorded as who drew a period's scheduled draw


class Period(StrEnum):
    MONTHLY = "monthly"  # 每月: the previous calendar month
    WEEKLY = "weekly"  # 每周: the previous week, Monday to Sunday


class Trigger(StrEnum):
    SCHEDULED = "scheduled"  # the timer, once a period
    ON_DEMAND = "on_demand"  # a supervisor, for a date range


class SpotCheckRefusal(StrEnum):
    ALREADY_FOUND = "already_found"  # a spot check's finding is recorded once


class SpotCheckWill(StrEnum):
    STAY_CLOSED = "stay_closed"
    REOPEN = "reopen"


@dataclass(frozen=True)
class SpotCheckRules:
    """What share of the closed cases is drawn, per which period, and at least how many (WUYUAN_SPOT_CHECK_*)."""

    share_percent: Decimal = Decimal(10)
    period: Period = Period.MONTHLY
    minimum: int = 1

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.share_percent <= Decimal(100):
            raise ValueError(f"share_percent must be 0..100, got {self.share_percent}")
        if not 0 <= self.minimum <= 10_000:
            raise ValueError(f"minimum must be 0..10000, got {self.minimum}")


@dataclass(frozen=True)
class ClosedCase:
    """A case closed in the period, as supervision knows it: the round it closed in, its lead, when."""

    case_id: str
    round: int
    lead_unit: str | None
    closed_at: datetime


@dataclass(frozen=True)
class Draw:
    """One draw: reproducible from `seed` and the population (sorted by case and round), and kept as drawn."""

    trigger: Trigger
    period_start: date
    period_end: date
    share_percent: Decimal
    minimum: int
    population: int
    seed: str
    drawn: tuple[ClosedCase, ...]


@dataclass(frozen=True)
class SpotCheck:
    case_id: str
    round: int
    lead_unit: str | None
    closed_at: datetime
    rating: Rating | None = None
    found_at: datetime | None = None


def previous_period(now: datetime, period: Period) -> tuple[date, date]:
    """The whole period before the one `now` falls in, as China local dates (both included)."""
    today = now.astimezone(CHINA_TZ).date()
    if period is Period.WEEKLY:
        this_monday = today - timedelta(days=today.weekday())
        return this_monday - timedelta(days=7), this_monday - timedelta(days=1)
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    return last_month_end.replace(day=1), last_month_end


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in China time."""
    return datetime.combine(start, time(), CHINA_TZ), datetime.combine(end + timedelta(days=1), time(), CHINA_TZ)


_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")


def parse_period(text: str) -> tuple[date, date]:
    """'2026-11' (a month) or '2026-W47' (an ISO week) as China local dates, both included."""
    if month := _MONTH.match(text):
        start = date(check_year(int(month[1])), int(month[2]), 1)
        next_month = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return start, next_month - timedelta(days=1)
    if week := _WEEK.match(text):
        start = date.fromisocalendar(check_year(int(week[1])), int(week[2]), 1)
        return start, start + timedelta(days=6)
    raise ValueError("a month as 2026-11 or an ISO week as 2026-W47")


def how_many(population: int, rules: SpotCheckRules) -> int:
    """The share of the population, rounded up, but at least `minimum` (never more than there are)."""
    by_share = math.ceil(Decimal(population) * rules.share_percent / 100)
    return min(population, max(by_share, rules.minimum))


def new_seed() -> str:
    """A seed from the operating system's randomness: nobody can choose, or foresee, which cases come up."""
    return secrets.token_hex(16)


def draw(
    closed: list[ClosedCase], rules: SpotCheckRules, seed: str, trigger: Trigger, period: tuple[date, date]
) -> Draw:
    """Draw `how_many` cases at random. The population is sorted first, so that anyone holding the seed and the
    list of closed cases can draw again and get the same cases: the draw is auditable."""
    population = sorted({(c.case_id, c.round): c for c in closed}.values(), key=lambda c: (c.case_id, c.round))
    drawn = random.Random(seed).sample(population, how_many(len(population), rules))
    return Draw(trigger, *period, rules.share_percent, rules.minimum, len(population), seed, tuple(drawn))


def find(
    check: SpotCheck, rating: Rating, at: datetime, onward: bool = False, handled_again: bool = False
) -> tuple[SpotCheck, SpotCheckWill]:
    """Record the second visit's finding, once; a dissatisfied finding sends the case back (like a rating), unless
    its round took the dispute into a statutory procedure (`onward`), which answers for it now, or the case was
    reopened since the round drawn (`handled_again`: a repeat report after it closed), so that it is being handled
    again already. The coordinator decides the same (its `record_spot_check`): what is answered and counted here
    is what it does."""
    if check.rating is not None:
        raise Refused(
            SpotCheckRefusal.ALREADY_FOUND,
            f"the spot check of case {check.case_id} round {check.round} already found {check.rating.value}",
        )
    found = replace(check, rating=Rating(rating), found_at=at)
    reopens = rating is Rating.DISSATISFIED and not onward and not handled_again
    return found, SpotCheckWill.REOPEN if reopens else SpotCheckWill.STAY_CLOSED
