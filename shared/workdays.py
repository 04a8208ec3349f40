"""Working-day arithmetic in the official calendar: chinesecalendar's years and years loaded from the notices."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache, lru_cache

import chinese_calendar
from lunar_python import Lunar, Solar

from shared.contracts.dates import CHINA_TZ as CHINA_TZ  # the county's zone, where the contract's "today" is
from shared.persistence.errors import StoreDown

# Government offices open at 8:30 and close at 17:30; a deadline "within N working days" ends at the close.
BUSINESS_DAY_START = time(8, 30)
BUSINESS_DAY_END = time(17, 30)

_ONE_DAY = timedelta(days=1)


def add_working_days(start: datetime, days: int, tz: tzinfo = CHINA_TZ) -> datetime:
    """Close of business (17:30 in `tz`) on the `days`-th working day after `start`'s local date.

    A referral issued on a Friday, morning or evening, with one working day is due on Monday at
    17:30 (or later if Monday is a holiday). With `days == 0` the deadline is the close of the
    current working day, or of the next one when `start` is already past it or not a working day.
    The result is in `tz` and always later than `start`.
    """
    return _add_days(start, days, tz, is_working_day)


def _add_days(start: datetime, days: int, tz: tzinfo, works_on: Callable[[date], bool]) -> datetime:
    """Close of business on the `days`-th day after `start`'s local date on which `works_on` says work is done."""
    _require_aware(start, "start")
    if days < 0:
        raise ValueError(f"days must be 0 or more, got {days}")
    local = start.astimezone(tz)
    day = local.date()
    if days == 0:
        if works_on(day) and local.time() < BUSINESS_DAY_END:
            return _close_of(day, tz)
        days = 1
    for _ in range(days):
        day += _ONE_DAY
        while not works_on(day):
            day += _ONE_DAY
    return _close_of(day, tz)


def working_days_between(start: datetime, end: datetime, tz: tzinfo = CHINA_TZ) -> int:
    """Working days after `start`'s local date up to and including `end`'s; negative if `end` is earlier.

    The inverse of `add_working_days`: `working_days_between(t, add_working_days(t, n)) == n`
    for every n >= 1.
    """
    return _count_days(start, end, tz, is_working_day)


def _count_days(start: datetime, end: datetime, tz: tzinfo, works_on: Callable[[date], bool]) -> int:
    """Days after `start`'s local date up to and including `end`'s on which `works_on` says work is done."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    sign = 1
    if last < first:
        first, last, sign = last, first, -1
    return sign * sum(works_on(first + timedelta(days=n)) for n in range(1, (last - first).days + 1))


@dataclass(frozen=True)
class YearDays:
    """One year of the official calendar loaded from the State Council's notice (`shared.calendar_file`):
    its holiday days (by holiday name) and its adjusted working weekends (调休上班)."""

    year: int
    holidays: Mapping[date, str]
    working_weekends: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        return day not in self.holidays and day.weekday() < _SATURDAY


_SATURDAY = 5
# Years loaded from notices, in this process; they take precedence over the library's own years.
_loaded: dict[int, YearDays] = {}
# A process that keeps its loaded years in its database (shared/runtime/calendar.py) and has not read them yet:
# a year loaded there, or a correction of one the library knows, would be missed, so no day is counted until then.
_stored_years_unread = False


class CalendarNotRead(StoreDown):
    """The service's loaded years are not read yet (its database has not answered since it started): retried like
    a database that is away, never counted in weekdays or by the library alone."""


def expect_stored_years() -> None:
    """This process keeps loaded years in its database: count no day until `stored_years_read`."""
    global _stored_years_unread
    _stored_years_unread = True
    is_working_day.cache_clear()


def stored_years_read() -> None:
    global _stored_years_unread
    _stored_years_unread = False


def load_year(days: YearDays) -> YearDays | None:
    """Use `days` for its year from now on in this process (replacing the library's or an earlier load);
    returns what it replaced, so that a caller whose transaction fails can put it back."""
    previous = _loaded.get(days.year)
    _loaded[days.year] = days
    is_working_day.cache_clear()
    return previous


def unload_year(year: int, restore: YearDays | None = None) -> None:
    """Undo `load_year`: back to `restore`, or to the library's knowledge of the year."""
    if restore is None:
        _loaded.pop(year, None)
    else:
        _loaded[year] = restore
    is_working_day.cache_clear()


def loaded_years() -> dict[int, YearDays]:
    return dict(_loaded)


@cache
def library_years() -> range:
    """The years chinesecalendar itself knows (2004 to its last published year)."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def is_known(year: int) -> bool:
    """Whether the official calendar of `year` is known: loaded from a notice, or in the library."""
    return year in _loaded or year in library_years()


def runs_into_unknown_year(start: datetime, end: datetime, tz: tzinfo = CHINA_TZ) -> bool:
    """Whether any day from `start`'s local date to `end`'s lies in a year whose calendar is unknown:
    a deadline counted over them is provisional (暂定) and is recomputed when the year is loaded."""
    first, last = start.astimezone(tz).year, end.astimezone(tz).year
    return any(not is_known(year) for year in range(min(first, last), max(first, last) + 1))


def works(day: date) -> bool:
    """A working day by the official calendar, or in a year whose calendar is unknown the agreed stand-in:
    Monday to Friday except the statutory holidays (`statutory_holidays`), whose results a caller marks
    provisional (暂定, `runs_into_unknown_year`)."""
    try:
        return is_working_day(day)
    except ValueError:
        return day.weekday() < _SATURDAY and day not in statutory_holidays(day.year)


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> frozenset[date]:
    """The days off that 《全国年节及纪念日放假办法》 (as revised in 2024, from 2025) fixes by date, known before
    the year's notice is: 元旦 1 January; 春节 除夕 to 正月初三; 清明节 the day of the 清明 solar term; 劳动节 1–2
    May; 端午节 五月初五; 中秋节 八月十五; 国庆节 1–3 October. The notice adds the bridging days and the
    adjusted working weekends (调休), which no rule gives, so a count over them stays provisional."""
    new_year = Lunar.fromYmd(year, 1, 1)
    lunar_days = [new_year.next(n) for n in (-1, 0, 1, 2)]
    lunar_days += [Lunar.fromYmd(year, 5, 5), Lunar.fromYmd(year, 8, 15)]
    days = {date(year, 1, 1), date(year, 5, 1), date(year, 5, 2), date(year, 10, 1), date(year, 10, 2)}
    days.add(date(year, 10, 3))
    days.update(_gregorian(lunar.getSolar()) for lunar in lunar_days)
    days.add(_gregorian(Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"]))
    return frozenset(days)


def _gregorian(solar: Solar) -> date:
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def add_working_days_or_weekdays(start: datetime, days: int, tz: tzinfo = CHINA_TZ) -> tuple[datetime, bool]:
    """`add_working_days`, with weekdays standing in for an unknown year (`works`), and whether the result is
    provisional (暂定): a reply or a deadline must not wait for next year's holidays to be published."""
    end = _add_days(start, days, tz, works)
    return end, runs_into_unknown_year(start, end, tz)


def working_days_or_weekdays(start: datetime, end: datetime, tz: tzinfo = CHINA_TZ) -> tuple[int, bool]:
    """`working_days_between`, with weekdays standing in for an unknown year (`works`), and whether the count
    is provisional (暂定)."""
    return _count_days(start, end, tz, works), runs_into_unknown_year(start, end, tz)


# A few years of days: every deadline asks about the same few weeks, many times a second.
@lru_cache(maxsize=4096)
def is_working_day(day: date) -> bool:
    """True on ordinary weekdays and adjusted working weekends (调休), false on weekends and holidays.

    A year loaded from a notice comes first, then the library's; an unknown year raises ValueError:
    a caller that stands in weekdays for it must say that its result is provisional."""
    if _stored_years_unread:
        raise CalendarNotRead("the official calendar's loaded years are not read from the database yet")
    loaded = _loaded.get(day.year)
    if loaded is not None:
        return loaded.is_working_day(day)
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # The library only knows the years the State Council has published; guessing
        # would give a silently wrong deadline, so refuse loudly instead.
        raise ValueError(
            f"the official calendar for {day.year} is not known (chinesecalendar covers "
            f"{_known_years()}, loaded: {sorted(_loaded) or 'none'}); load it with "
            f"`wuyuan calendar load` before computing deadlines in {day.year}"
        ) from None


def library_holidays(year: int) -> dict[date, str]:
    """The library's holiday days of `year`, by the holiday's Chinese name; empty for a year it lacks."""
    return {day: _LIBRARY_NAMES.get(name, name) for day, name in chinese_calendar.holidays.items() if day.year == year}


def library_working_weekends(year: int) -> frozenset[date]:
    return frozenset(day for day in chinese_calendar.workdays if day.year == year and day.weekday() >= _SATURDAY)


# The library names holidays in English; the notices (and staff) in these words.
_LIBRARY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _known_years() -> str:
    years = library_years()
    return f"{years.start}-{years.stop - 1}"


def _close_of(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, BUSINESS_DAY_END, tzinfo=tz)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
