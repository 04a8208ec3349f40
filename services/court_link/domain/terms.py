"""The terms of 诉调对接 in days, counted as the law counts a term (期间), on China's local dates.

A term of N days that starts on a day ends on the Nth day after it: the day it starts is not
counted (民法典 第二百零一条; 民事诉讼法, 期间: 期间开始的时和日，不计算在期间内). When that last
day is one on which courts are closed (a weekend or statutory holiday, 法定休假日), the term ends
on the next day they are open (民法典 第二百零三条; the same article of 民事诉讼法), by the official
calendar with its adjusted working weekends (调休). Where the State Council has not yet published
a year's holidays (neither chinesecalendar nor a year loaded at the coordinator knows it), Saturdays,
Sundays and the holidays the law fixes by date move it (`shared.workdays.works`), and such a term's end
is provisional (`is_provisional`) until the year is loaded (CalendarYearLoaded keeps court_link's copy).
"""

from datetime import date, datetime, timedelta

from shared.workdays import CHINA_TZ, is_known, works

# 诉前调解期限: 30 days from the day the court diverted the filing (SPC guidance on 委派调解, the
# county's practice); the parties may agree to go on, which the court notes but the term does not show.
MEDIATION_TERM_DAYS = 30
# 司法确认: the parties apply within 30 days of the agreement taking effect (民事诉讼法 第二百零五条, 2023).
APPLICATION_TERM_DAYS = 30
# The court decides within 15 days of accepting the application, once extensible by 10 days with
# the president's approval (最高人民法院《关于人民调解协议司法确认程序的若干规定》法释〔2011〕5号 第五条).
DECISION_TERM_DAYS = 15
DECISION_EXTENSION_DAYS = 10


def local_date(moment: datetime) -> date:
    """The day it is in China at `moment`: terms run on local dates, not UTC ones."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"moment must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(CHINA_TZ).date()


def is_court_day(day: date) -> bool:
    """Whether courts are open: a working day of the official calendar, or where the year's is not published
    yet (refusing would stop every term that runs into it) Monday to Friday but the statutory holidays."""
    return works(day)


def term_end(start: date, days: int) -> date:
    """The last day of a term of `days` days starting on `start`: on time up to and including it."""
    if days < 1:
        raise ValueError(f"a term lasts at least one day, got {days}")
    end = start + timedelta(days=days)
    while not is_court_day(end):
        end += timedelta(days=1)
    return end


def is_provisional(start: date, end: date) -> bool:
    """Whether a term from `start` to `end` runs over a year whose official calendar is not known (暂定)."""
    return any(not is_known(year) for year in range(start.year, end.year + 1))
