"""办理进度查询: the citizen's progress page, opened from the receipt's QR code with no account; supervision checks the
link and says where the case stands, the page says it in plain Chinese with units by name and Beijing times."""

import pytest

CASE_ID = "430426-20261123-00007"
LINK = f"{CASE_ID}.20271123.mQSS9l2Xv4Jk_8wq"
API = f"/api/v1/progress/{LINK}"
HANDLING = {
    "case_id": CASE_ID,
    "category": "neighbour",
    "received_on": "2026-11-23",
    "status": "handling",
    "lead_unit": "police:430426101",
    "due_at": "2026-11-30T15:59:00+00:00",
    "due_provisional": False,
    "closed_at": None,
}


def open_page(console, browser, link: str = LINK):
    return console.progress_page(browser.get(f"/track/{link}"), link)


def test_a_case_being_handled_shows_its_status_lead_unit_by_name_and_deadline_in_beijing_time(console, apis, browser):
    apis.answer("supervision", "GET", API, 200, HANDLING)

    response = open_page(console, browser)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "承办单位正在办理" in page
    assert f'<dd class="case-id">{CASE_ID}</dd>' in page
    assert "<dt>受理日期</dt><dd>2026年11月23日</dd>" in page
    assert "<dt>纠纷类别</dt><dd>邻里纠纷</dd>" in page
    assert '<dd class="lead-unit">砖塘镇派出所</dd>' in page and "police:430426101" not in page
    assert '<dd class="due">2026年11月30日</dd>' in page  # 23:59 Beijing, not the UTC day
    assert 'href="/static/console.css"' in page and "https://" not in page and "<script" not in page
    [call] = apis.calls
    assert (call.service, call.path, call.token) == ("supervision", API, None)  # no account: the link alone


def test_a_provisional_deadline_says_so(console, apis, browser):
    apis.answer("supervision", "GET", API, 200, {**HANDLING, "due_provisional": True})

    page = open_page(console, browser).get_data(as_text=True)

    assert "2026年11月30日（暂定，以承办单位通知为准）" in page


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        (
            {"status": "awaiting_unit", "lead_unit": None, "due_at": None, "category": None},
            "已登记受理，正在分派承办单位",
        ),
        ({"status": "awaiting_visit", "due_at": None}, "已办理完毕，等待回访"),
        ({"status": "closed", "due_at": None, "closed_at": "2026-12-01T02:05:00+00:00"}, "2026年12月1日 10:05"),
    ],
)
def test_each_status_reads_in_plain_chinese(console, apis, browser, answer, shown):
    apis.answer("supervision", "GET", API, 200, {**HANDLING, **answer})

    response = open_page(console, browser)

    assert response.status_code == 200
    assert shown in response.get_data(as_text=True)


@pytest.mark.parametrize(("status", "shown"), [(403, "链接无效"), (409, "此查询链接已过期")])
def test_a_forged_or_expired_link_is_a_plain_warning_with_the_centres_phone(console, apis, browser, status, shown):
    apis.answer("supervision", "GET", API, status, {"error": "refused"})

    response = open_page(console, browser)

    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert shown in page and "12345" in page
    assert CASE_ID not in page  # nothing about the case the link names


def test_a_link_of_characters_no_link_has_is_refused_without_asking_supervision(console, apis, browser):
    response = open_page(console, browser, "案件<script>")

    assert response.status_code == 403
    assert "链接无效" in response.get_data(as_text=True)
    assert apis.calls == []


def test_supervision_down_asks_to_try_later_with_503(console, apis, browser):
    apis.down("supervision", "GET", API)

    response = open_page(console, browser)

    assert response.status_code == 503
    assert "暂时无法查询，请稍后再试" in response.get_data(as_text=True)
