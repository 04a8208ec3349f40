"""The board lists the open high-frequency clue alerts (高频线索预警), in Chinese, with their cases linked."""

import pytest

from shared.auth.principal import Forbidden
from tests.service.console.visitors import LIU, ZHOU, form_key_of, token_of

ALERT = {
    "alert_id": "00000000-0000-4000-8000-000000000077",
    "kind": "repeated_applicant",
    "person_ref": "0123456789abcdef0123456789abcdef",
    "masked_name": "石**",
    "count": 3,
    "threshold": 3,
    "window_days": 30,
    "window_start": "2026-11-04T02:00:00+00:00",
    "case_id": "430426-20261204-00003",
    "case_ids": ["430426-20261201-00001", "430426-20261203-00002", "430426-20261204-00003"],
    "division_code": "430426101",
    "raised_at": "2026-12-04T02:00:00+00:00",
    "handled_at": None,
    "handled_by": None,
    "note": None,
    "handled": False,
}


def test_the_board_shows_open_alerts_with_their_cases(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    apis.answer("supervision", "GET", "/api/v1/board", 200, {"as_of": "2026-12-04T02:00:00+00:00", "units": []})
    apis.answer("supervision", "GET", "/api/v1/letters", 200, {"letters": []})
    apis.answer("supervision", "GET", "/api/v1/alerts", 200, {"alerts": [ALERT]})
    apis.answer("supervision", "GET", "/api/v1/follow-ups", 200, {"follow_ups": []})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})

    page = console.board(browser.get("/board", as_=ZHOU)).get_data(as_text=True)

    assert "高频线索预警" in page and "同一人反复反映" in page
    assert "石**" in page and "30日内3次（阈值3）" in page
    assert all(f'<a href="/cases/{case_id}">' in page for case_id in ALERT["case_ids"])
    assert "2026-12-04 10:00" in page  # raised at, in Beijing time
    [call] = [c for c in apis.calls if c.path == "/api/v1/alerts"]
    assert call.params == {"open": "true"}


@pytest.mark.parametrize("truncated", [True, False])
def test_the_board_says_when_a_list_shows_only_the_first_of_many(console, apis, browser, staff, truncated):
    staff.signed_in(ZHOU)
    visit = {"case_id": "430426-20261201-00001", "round": 1, "opened_at": "2026-12-01T02:00:00+00:00"}
    apis.answer("supervision", "GET", "/api/v1/board", 200, {"as_of": "2026-12-04T02:00:00+00:00", "units": []})
    apis.answer("supervision", "GET", "/api/v1/letters", 200, {"letters": []})
    apis.answer("supervision", "GET", "/api/v1/alerts", 200, {"alerts": [ALERT], "truncated": truncated})
    apis.answer("supervision", "GET", "/api/v1/follow-ups", 200, {"follow_ups": [visit], "truncated": truncated})

    page = console.board(browser.get("/board", as_=ZHOU)).get_data(as_text=True)

    assert ("这里只列出最近的1条" in page) is truncated
    assert ("这里只列出化解最早的1件" in page) is truncated


def test_a_supervisor_marks_an_alert_handled_from_the_board(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    apis.answer("supervision", "POST", f"/api/v1/alerts/{ALERT['alert_id']}/handled", 200, {**ALERT, "handled": True})

    form = {"csrf": form_key_of(ZHOU), "note": "已约谈"}
    request = browser.post(f"/board/alerts/{ALERT['alert_id']}/handled", form, as_=ZHOU)
    response = console.mark_alert_handled(request, ALERT["alert_id"])

    assert response.status_code == 303 and response.headers["Location"].endswith("/board#alerts")
    [call] = apis.posts()
    assert (call.body, call.token) == ({"note": "已约谈"}, token_of(ZHOU))


def test_only_supervisors_mark_alerts_handled(console, apis, browser, staff):
    staff.signed_in(LIU)
    request = browser.post(f"/board/alerts/{ALERT['alert_id']}/handled", {"csrf": form_key_of(LIU)}, as_=LIU)
    with pytest.raises(Forbidden):
        console.mark_alert_handled(request, ALERT["alert_id"])
    assert apis.calls == []
