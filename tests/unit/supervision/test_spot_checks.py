"""Spot-check sampling: the share rounded up with a minimum, a draw anyone can repeat from its seed, the periods."""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from services.supervision.spot_checks import (
    ClosedCase,
    Period,
    SpotCheck,
    SpotCheckRules,
    SpotCheckWill,
    Trigger,
    draw,
    find,
    how_many,
    new_seed,
    parse_period,
    previous_period,
)
from shared.contracts.vocabulary import Rating
from shared.refusal import Refused
from shared.workdays import CHINA_TZ

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
AT = datetime(2026, 11, 10, 9, 0, tzinfo=CHINA_TZ)


def cases(n: int) -> list[ClosedCase]:
    return [ClosedCase(f"430426-20261101-{i:05d}", 1, "police:430426101", AT) for i in range(1, n + 1)]


@pytest.mark.parametrize(
    ("population", "share", "minimum", "expected"),
    [(25, 10, 1, 3), (20, 10, 1, 2), (3, 10, 1, 1), (0, 10, 1, 0), (5, 0, 0, 0), (5, 0, 2, 2), (2, 10, 5, 2)],
)
def test_how_many_is_the_share_rounded_up_at_least_the_minimum_never_more_than_closed(
    population: int, share: int, minimum: int, expected: int
) -> None:
    assert how_many(population, SpotCheckRules(Decimal(share), minimum=minimum)) == expected


def test_a_draw_is_repeatable_from_its_seed_whatever_order_the_cases_came_in() -> None:
    population = cases(40)
    seed = new_seed()
    first = draw(population, SpotCheckRules(), seed, Trigger.SCHEDULED, NOVEMBER)
    shuffled = population[:]
    random.Random(7).shuffle(shuffled)
    again = draw(shuffled, SpotCheckRules(), seed, Trigger.SCHEDULED, NOVEMBER)
    assert first.drawn == again.drawn and len(first.drawn) == 4 and first.population == 40
    assert len(set(first.drawn)) == 4


def test_draws_with_different_seeds_differ_so_nobody_picks_the_cases() -> None:
    population = cases(40)
    drawn = {draw(population, SpotCheckRules(), new_seed(), Trigger.ON_DEMAND, NOVEMBER).drawn for _ in range(20)}
    assert len(drawn) > 1
    assert new_seed() != new_seed()


def test_previous_periods_in_china_time() -> None:
    early_december = datetime(2026, 11, 30, 16, 30, tzinfo=CHINA_TZ) + timedelta(hours=8)  # 1 Dec 00:30 in Beijing
    assert previous_period(early_december, Period.MONTHLY) == NOVEMBER
    assert previous_period(datetime(2026, 1, 15, tzinfo=CHINA_TZ), Period.MONTHLY) == (
        date(2025, 12, 1),
        date(2025, 12, 31),
    )
    thursday = datetime(2026, 12, 3, 9, 0, tzinfo=CHINA_TZ)
    assert previous_period(thursday, Period.WEEKLY) == (date(2026, 11, 23), date(2026, 11, 29))


def test_periods_are_named_as_months_or_iso_weeks() -> None:
    assert parse_period("2026-11") == NOVEMBER
    assert parse_period("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert parse_period("2026-W48") == (date(2026, 11, 23), date(2026, 11, 29))
    with pytest.raises(ValueError):
        parse_period("November")


@pytest.mark.parametrize("text", ["9999-12", "9999-W52", "0000-01", "1899-W01", "2101-01", "٢٠٢٦-١١"])
def test_a_period_outside_the_accepted_years_or_in_other_digits_is_refused_as_bad_input(text: str) -> None:
    with pytest.raises(ValueError):  # the query's validator turns it into a 400 naming `period`
        parse_period(text)


@pytest.mark.parametrize("values", [{"share_percent": Decimal(101)}, {"share_percent": Decimal(-1)}, {"minimum": -1}])
def test_rules_out_of_range_are_refused(values: dict) -> None:
    with pytest.raises(ValueError, match=next(iter(values))):
        SpotCheckRules(**values)


def test_a_finding_is_recorded_once_and_only_dissatisfied_reopens() -> None:
    check = SpotCheck("430426-20261101-00001", 1, "police:430426101", AT)
    found, will = find(check, Rating.DISSATISFIED, AT)
    assert (found.rating, found.found_at, will) == (Rating.DISSATISFIED, AT, SpotCheckWill.REOPEN)
    assert find(check, Rating.BASICALLY_SATISFIED, AT)[1] is SpotCheckWill.STAY_CLOSED
    with pytest.raises(Refused, match="already_found"):
        find(found, Rating.SATISFIED, AT)


def test_settings_out_of_range_stop_supervision_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from services.supervision.spot_checks_settings import SpotCheckSettings

    monkeypatch.setenv("WUYUAN_SPOT_CHECK_SHARE_PERCENT", "150")
    with pytest.raises(ValidationError, match="share_percent"):
        SpotCheckSettings()
    monkeypatch.setenv("WUYUAN_SPOT_CHECK_SHARE_PERCENT", "12.5")
    monkeypatch.setenv("WUYUAN_SPOT_CHECK_PERIOD", "weekly")
    assert SpotCheckSettings().rules() == SpotCheckRules(Decimal("12.5"), Period.WEEKLY, 1)
    monkeypatch.setenv("WUYUAN_SPOT_CHECK_PERIOD", "daily")
    with pytest.raises(ValidationError, match="period"):
        SpotCheckSettings()
