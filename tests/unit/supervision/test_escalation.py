"""逾期提级's search: the deadlines each level's threshold has been reached for are exactly those the rule sends up."""

from datetime import datetime, time, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from services.supervision.escalation import deadlines_due_before
from shared.centres import Level, county_centres
from shared.workdays import CHINA_TZ, working_days_or_weekdays, works

CENTRES = county_centres(Path(__file__).parents[3] / "config", "430426")  # the shipped thresholds: 5, 3, 2


def test_a_township_deadline_of_monday_is_due_on_thursday_and_one_of_tuesday_is_not():
    thursday = datetime(2025, 9, 25, 10, 0, tzinfo=CHINA_TZ)

    cutoffs = deadlines_due_before(thursday, CENTRES, works)

    assert cutoffs[Level.TOWNSHIP] == datetime(2025, 9, 23, 0, 0, tzinfo=CHINA_TZ)  # Tuesday's start
    # the county's 5 reach back over the weekend: a deadline on Thursday the 18th or before
    assert cutoffs[Level.COUNTY] == datetime(2025, 9, 19, 0, 0, tzinfo=CHINA_TZ)


@given(
    st.datetimes(min_value=datetime(2025, 9, 1), max_value=datetime(2027, 2, 28)),
    st.integers(min_value=1, max_value=40),
    st.sampled_from([time(17, 30), time(0, 0), time(11, 15), time(23, 59)]),
)
def test_a_deadline_is_before_its_levels_moment_exactly_when_it_has_reached_the_levels_threshold(now, back, at):
    now = now.replace(tzinfo=CHINA_TZ)
    due_at = datetime.combine(now.date() - timedelta(days=back), at, CHINA_TZ)
    cutoffs = deadlines_due_before(now, CENTRES, works)
    late, _ = working_days_or_weekdays(due_at, now)
    for level, threshold in CENTRES.escalate_after.items():
        assert (due_at < cutoffs[level]) == (late >= threshold), (level, due_at, now)
