"""Supervision over the 2026/2027 year end with 2027's calendar not loaded: weekdays less the statutory holidays
stand in, marked 暂定."""

from collections.abc import Iterator
from datetime import date, datetime

import pytest

from services.supervision import documents as d
from services.supervision.calendar_warning import CalendarWarning, warning_text
from services.supervision.metrics import near_horizon
from shared.workdays import (
    CHINA_TZ,
    add_working_days,
    add_working_days_or_weekdays,
    is_known,
    library_years,
    load_year,
    loaded_years,
    unload_year,
    working_days_between,
    working_days_or_weekdays,
)


@pytest.fixture(autouse=True)
def _2027_unknown() -> Iterator[None]:
    """These tests are about a year whose calendar is not loaded: 2027, for the pinned chinese-calendar. A 2027
    that another test loaded in this process is set aside meanwhile; a library that knows 2027 fails here."""
    assert 2027 not in library_years(), "chinese-calendar knows 2027 now: move these tests to a year it does not"
    loaded = loaded_years().get(2027)
    if loaded is not None:
        unload_year(2027)
    assert not is_known(2027)
    yield
    if loaded is not None:
        load_year(loaded)


def cst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CHINA_TZ)  # type: ignore[misc]


# --- the shared stand-in ---------------------------------------------------------------------


def test_weekdays_less_the_statutory_holidays_stand_in_for_an_unknown_year_and_the_result_is_provisional() -> None:
    # Thu 31 Dec 2026 by the calendar; Mon 4, Tue 5, Wed 6 Jan 2027 as weekdays, Friday 1 January being 元旦.
    assert working_days_or_weekdays(cst(2026, 12, 30, 17, 30), cst(2027, 1, 6, 10, 0)) == (4, True)
    assert add_working_days_or_weekdays(cst(2027, 1, 6, 17, 30, 5), 3) == (cst(2027, 1, 11, 17, 30), True)


def test_in_known_years_the_stand_in_is_the_calendar_itself() -> None:
    start, end = cst(2026, 9, 25, 9, 0), cst(2026, 10, 12, 9, 0)  # over the National Day holiday
    assert working_days_or_weekdays(start, end) == (working_days_between(start, end), False)
    assert working_days_or_weekdays(end, start) == (working_days_between(end, start), False)
    assert add_working_days_or_weekdays(start, 5) == (add_working_days(start, 5), False)
    assert add_working_days_or_weekdays(start, 0) == (add_working_days(start, 0), False)


# --- the letters and the 通报 ------------------------------------------------------------------


def overdue_letter(due_at: datetime, issued_at: datetime) -> dict[str, object]:
    return d.letter_facts(
        kind=d.DocumentKind.OVERDUE,
        number="祁东综治〔2027〕督办第1号",
        centre_unit="centre:430426",
        centre_name="祁东县综治中心",
        case_id="430426-20261215-00007",
        referral_id="11111111-1111-4111-8111-111111111111",
        unit="police:430426101",
        unit_name="砖塘镇派出所",
        role="lead",
        referral_issued_at=cst(2026, 12, 15, 9, 0),
        due_at=due_at,
        superior="police:430426",
        superior_name="祁东县公安局",
        issued_at=issued_at,
    )


def test_an_overdue_letter_in_an_unknown_year_asks_for_working_days_to_the_close_of_business_marked_provisional():
    facts = overdue_letter(cst(2027, 1, 6, 17, 30), cst(2027, 1, 6, 17, 30, 5))
    assert facts["respond_by"] == "2027-01-11T17:30:00+08:00"  # Thu 7, Fri 8, Mon 11; not Saturday the 9th
    text = d.letter_text(facts)
    assert "于2027年1月11日17:30（暂定）前办结" in text.paragraphs[1]
    assert text.paragraphs[-1] == d.PROVISIONAL_NOTE


def test_a_letter_sent_moments_after_the_deadline_says_it_has_passed_not_zero_days():
    text = d.letter_text(overdue_letter(cst(2026, 12, 30, 17, 30), cst(2026, 12, 30, 17, 30, 5)))
    assert "该件已超过办理期限，尚未反馈办理结果" in text.paragraphs[0]
    assert "0个工作日" not in "".join(text.paragraphs)
    assert "于2027年1月5日17:30（暂定）前办结" in text.paragraphs[1]  # Thu 31, Mon 4, Tue 5 (Fri 1 is 元旦)


def test_a_letter_counts_the_working_days_begun_since_the_deadline_provisionally_over_an_unknown_year():
    text = d.letter_text(overdue_letter(cst(2026, 12, 30, 17, 30), cst(2027, 1, 6, 10, 0)))
    assert "该件已超期4个工作日（暂定），尚未反馈办理结果" in text.paragraphs[0]  # Thu 31, Mon 4 to Wed 6


def test_a_letter_within_known_years_has_no_provisional_mark():
    text = d.letter_text(overdue_letter(cst(2026, 11, 16, 17, 30), cst(2026, 11, 16, 17, 30, 5)))
    assert "已超过办理期限" in text.paragraphs[0] and "于2026年11月19日17:30前办结" in text.paragraphs[1]
    assert "暂定" not in "".join(text.paragraphs)


def test_the_december_notice_issued_on_new_year_s_day_asks_for_working_days_to_the_close_of_business():
    selection = d.select_for_notice([d.UnitFigures("police:430426101", due=2, on_time=1, overdue=1, overdue_letters=1)])
    facts = d.notice_facts(
        number="祁东综治〔2027〕通报第1号",
        centre_name="祁东县综治中心",
        period_from=date(2026, 12, 1),
        period_to=date(2026, 12, 31),
        selection=selection,
        names={"police:430426101": "砖塘镇派出所"},
        issued_at=cst(2027, 1, 1, 0, 2),
        scheduled=True,
        issued_by=d.TIMER_ISSUER,
    )
    assert (facts["respond_by"], facts["respond_by_provisional"]) == ("2027-01-08T17:30:00+08:00", True)
    text = d.notice_text(facts)
    assert "于2027年1月8日17:30（暂定）前将整改情况书面报送" in text.after_table[0]
    assert text.after_table[-1] == d.PROVISIONAL_NOTE


# --- the warning and the gauges -----------------------------------------------------------------


def test_the_warning_stays_on_after_new_year_while_the_current_year_is_unknown():
    assert warning_text(date(2027, 1, 4), (12, 1), next_year_known=False, this_year_known=False) is not None
    warning = CalendarWarning((12, 1))
    before, after = warning.text(cst(2026, 12, 31, 9, 0)), warning.text(cst(2027, 1, 4, 9, 0))
    assert before is not None and "2027年节假日安排尚未载入" in before
    assert after is not None and "2027年内的期限暂按周一至周五计算" in after and "请联系平台运维人员尽快载入" in after


def test_near_is_counted_on_weekdays_over_an_unknown_year_instead_of_failing_the_scrape():
    assert near_horizon(cst(2026, 12, 31, 9, 0)) == cst(2027, 1, 4, 17, 30)  # past 元旦 and the weekend
    assert near_horizon(cst(2027, 1, 8, 18, 0)) == cst(2027, 1, 11, 17, 30)


def test_counting_many_overdue_parts_on_weekdays_says_so_once(caplog, monkeypatch) -> None:
    from services.supervision import escalation_handlers

    monkeypatch.setattr(escalation_handlers, "_provisional_counts", escalation_handlers.Throttle(3600.0))
    for day in range(4, 9):
        assert escalation_handlers.overdue_days(cst(2026, 12, 30, 17, 30), cst(2027, 1, day, 10, 0)) > 0

    lines = [r for r in caplog.records if "counted on weekdays" in r.getMessage()]
    assert len(lines) == 1
