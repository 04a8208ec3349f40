"""The console marks a provisional deadline 暂定 and shows the year-end warning as a banner on the board."""

from datetime import date

from services.supervision.calendar_warning import warning_text
from tests.service.console.visitors import ZHOU

WATCH = {
    "case_id": "430426-20261204-00007",
    "referral_id": "44444444-4444-4444-8444-444444444444",
    "unit": "police:430426101",
    "role": "lead",
    "issued_at": "2026-12-04T01:00:00+00:00",
    "due_at": "2027-01-07T09:30:00+00:00",
    "paused_at": None,
    "state": "near",
    "letters": [],
    "due_provisional": True,
}
# As supervision words it for staff in December (services/supervision/calendar_warning.py).
WARNING = warning_text(date(2026, 12, 4), (12, 1), next_year_known=False)


def test_the_board_shows_the_calendar_warning_and_marks_a_provisional_deadline(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    board = {"as_of": "2026-12-04T02:00:00+00:00", "units": [], "watches": [WATCH], "calendar_warning": WARNING}
    apis.answer("supervision", "GET", "/api/v1/board", 200, board)
    apis.answer("supervision", "GET", "/api/v1/letters", 200, {"letters": []})
    apis.answer("supervision", "GET", "/api/v1/alerts", 200, {"alerts": []})
    apis.answer("supervision", "GET", "/api/v1/follow-ups", 200, {"follow_ups": []})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})

    page = console.board(browser.get("/board", as_=ZHOU)).get_data(as_text=True)

    assert WARNING is not None and WARNING in page
    banner = page.split('<p class="banner banner-warning" role="alert">')[1].split("</p>")[0]
    assert "可能没有计入2027年的法定节假日和调休" in banner and "平台运维人员" in banner
    assert "wuyuan" not in page.split("<main")[1].split("</main>")[0]  # no command for staff to run
    assert '<span class="provisional" title="该年度节假日安排未载入' in page


def test_an_overdue_referral_on_the_board_says_its_working_days_late_beside_its_calendar_days(
    console, apis, browser, staff
):
    staff.signed_in(ZHOU)
    late = {**WATCH, "due_at": "2026-11-30T09:30:00+00:00", "state": "overdue", "due_provisional": False}
    late |= {"overdue_working_days": 4, "overdue_working_days_provisional": False}
    board = {"as_of": "2026-12-05T02:00:00+00:00", "units": [], "watches": [late], "calendar_warning": None}
    apis.answer("supervision", "GET", "/api/v1/board", 200, board)
    for path, key in (("letters", "letters"), ("alerts", "alerts"), ("follow-ups", "follow_ups")):
        apis.answer("supervision", "GET", f"/api/v1/{path}", 200, {key: []})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})

    page = console.board(browser.get("/board", as_=ZHOU)).get_data(as_text=True)

    assert '<span class="when">按工作日计：超期4个工作日</span>' in page


CASE_ID = "430426-20261204-00007"
CASE = {
    "case_id": CASE_ID,
    "status": "assigned",
    "round": 1,
    "mode": "single_unit",
    "source": "walk_in",
    "category": "debt",
    "division_code": "430426101203",
    "flags": [],
    "summary": "借款到期未还",
    "registered_by": "demo.window",
    "lead_unit": "court:430426",
    "co_units": [],
    "referrals": [
        {
            "referral_id": WATCH["referral_id"],
            "unit": "court:430426",
            "role": "lead",
            "round": 1,
            "status": "issued",
            "issued_at": "2026-12-04T01:00:00+00:00",
            "due_at": "2027-01-01T09:30:00+00:00",
            "due_provisional": True,
            "paused": False,
        }
    ],
    "gaps": [],
    "result": None,
    "rating": None,
    "repeat_reports": 0,
    "timeline": [
        {
            "seq": 2,
            "at": "2026-12-10T02:00:00+00:00",
            "kind": "deadline_recomputed",
            "detail": {
                "unit": "court:430426",
                "role": "lead",
                "year": 2027,
                "previous_due_at": "2027-01-01T09:30:00+00:00",
                "due_at": "2027-01-04T09:30:00+00:00",
                "due_provisional": False,
            },
        }
    ],
    "trace_id": None,
}


def test_the_case_marks_a_provisional_deadline_and_reads_a_recomputation_in_chinese(console, browser, staff, apis):
    staff.signed_in(ZHOU)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, CASE)
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})

    page = console.case(browser.get(f"/cases/{CASE_ID}", as_=ZHOU), CASE_ID).get_data(as_text=True)

    assert 'class="provisional"' in page
    assert "2027年节假日安排已载入，期限由2027-01-01 17:30重算为2027-01-04 17:30" in page


def test_a_paused_referral_on_the_board_says_its_clock_stands_still_rather_than_counting_on(
    console, apis, browser, staff
):
    staff.signed_in(ZHOU)
    paused = {**WATCH, "due_at": "2026-11-30T09:30:00+00:00", "state": "overdue", "due_provisional": False}
    paused |= {"paused_at": "2026-12-01T01:00:00+00:00", "overdue_working_days": 1}
    paused |= {"overdue_working_days_provisional": False}
    board = {"as_of": "2026-12-10T02:00:00+00:00", "units": [], "watches": [paused], "calendar_warning": None}
    apis.answer("supervision", "GET", "/api/v1/board", 200, board)
    for path, key in (("letters", "letters"), ("alerts", "alerts"), ("follow-ups", "follow_ups")):
        apis.answer("supervision", "GET", f"/api/v1/{path}", 200, {key: []})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})

    page = console.board(browser.get("/board", as_=ZHOU)).get_data(as_text=True)

    row = page.split('<tr class="watch-overdue">')[1].split("</tr>")[0]
    assert '<span class="due due-paused">计时已暂停</span>' in row
    assert "（期限 2026-11-30 17:30，自 2026-12-01 09:00 起暂停，恢复后顺延）" in row
    assert "data-due" not in row  # the page's script keeps no countdown running for it
    assert '<span class="when">按工作日计：暂停时已超期1个工作日</span>' in row
