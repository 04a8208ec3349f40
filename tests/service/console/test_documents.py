"""督办文书 in the console: the list with its filters, the print view and the PDF, all read with the visitor's token."""

import re

import pytest

from services.console.pages import PageNotFound, StaleForm
from services.supervision.documents_handlers import IssueNotice
from shared.auth.principal import Forbidden
from tests.service.console.visitors import (
    HE,
    LIU,
    LUO,
    WANG,
    ZHOU,
    answer_refusal,
    error_beside,
    form_key_of,
    text_of,
    token_of,
)
from tests.unit.shared.test_downloads import saved_as

DOCUMENT_ID = "6f1c7a52-3d4e-4b8a-9c0d-1e2f3a4b5c6d"
LETTER = {
    "id": DOCUMENT_ID,
    "number": "祁东综治〔2026〕督办第3号",
    "kind": "overdue",
    "case_id": "430426-20261102-00007",
    "referral_id": "11111111-1111-4111-8111-111111111111",
    "unit": "police:430426101",
    "superior_unit": "police:430426",
    "units": ["police:430426101", "police:430426"],
    "period_from": None,
    "period_to": None,
    "issued_at": "2026-11-20T01:00:00+00:00",
    "issued_by": "timer",  # the deadline timer sent it
}
NOTICE = LETTER | {
    "id": "7f1c7a52-3d4e-4b8a-9c0d-1e2f3a4b5c6d",
    "number": "祁东综治〔2026〕通报第1号",
    "kind": "notice",
    "case_id": None,
    "referral_id": None,
    "unit": None,
    "superior_unit": None,
    "units": ["court:430426", "police:430426101"],
    "period_from": "2026-11-01",
    "period_to": "2026-11-30",
    "issued_by": "zhou.hui",  # issued on demand by the supervisor
    "issued_by_name": "周慧",  # as her token named her that day
}


def test_a_county_level_units_letter_is_listed_without_a_copy_to_the_centre_that_issued_it(
    console, apis, browser, staff
):
    staff.signed_in(ZHOU)
    county = LETTER | {"unit": "court:430426", "superior_unit": "centre:430426", "units": ["court:430426"]}
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": [county]})

    page = console.documents(browser.get("/documents", as_=ZHOU)).get_data(as_text=True)

    assert "祁东县人民法院" in page and "抄送" not in page


def test_a_letter_archived_again_after_a_restore_is_marked_so_in_the_list(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    again = LETTER | {"recovered_at": "2026-11-23T02:00:00+00:00"}  # rebuilt from the station's copy
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": [again, NOTICE | {"recovered_at": None}]})

    page = console.documents(browser.get("/documents", as_=ZHOU)).get_data(as_text=True)

    assert page.count("据收函单位留存重新存档") == 1
    assert "数据库恢复后据收函单位留存重新存档（2026-11-23 10:00）" in page


def test_the_list_shows_each_document_with_its_number_units_by_name_and_beijing_time(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": [NOTICE, LETTER]})

    response = console.documents(browser.get("/documents", as_=ZHOU))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in [
        "祁东综治〔2026〕督办第3号",
        "督办函",
        "砖塘镇派出所（抄送祁东县公安局）",
        "2026-11-20 09:00",
        "祁东综治〔2026〕通报第1号",
        "2026-11-01 至 2026-11-30",
        "祁东县人民法院、砖塘镇派出所",
        f'href="/documents/{DOCUMENT_ID}/print"',
        f'href="/documents/{DOCUMENT_ID}.pdf"',
    ]:
        assert text in page, text
    [call] = apis.calls
    assert call.token == token_of(ZHOU) and call.params == {"limit": "200"}


def test_the_list_shows_who_issued_each_document_or_that_the_system_did(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    older = NOTICE | {"id": "8f1c7a52-3d4e-4b8a-9c0d-1e2f3a4b5c6d", "number": "祁东综治〔2026〕通报第0号"}
    unnamed = NOTICE | {"id": "9f1c7a52-3d4e-4b8a-9c0d-1e2f3a4b5c6d", "number": "祁东综治〔2026〕通报第9号"}
    unrecorded = older | {"issued_by": None, "issued_by_name": None}
    documents = [NOTICE, LETTER, unrecorded, unnamed | {"issued_by_name": None}]
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": documents})

    page = console.documents(browser.get("/documents", as_=ZHOU)).get_data(as_text=True)

    assert '<th scope="col">签发人</th>' in page
    rows = {row.split("</td>")[0].split("<td>")[-1]: row for row in page.split("<tr>")[2:]}
    assert "<td>周慧（zhou.hui）</td>" in rows[NOTICE["number"]]  # as the 通报 itself prints it
    assert "<td>系统自动生成</td>" in rows[LETTER["number"]]
    assert "<td>未记录</td>" in rows[older["number"]]  # a 通报 issued before supervision recorded its issuer
    assert "<td>zhou.hui</td>" in rows[unnamed["number"]]  # issued before supervision kept names: the account


def test_the_filters_reach_supervision_and_a_malformed_one_is_left_out(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})

    response = console.documents(browser.get("/documents?unit=police:430426101&kind=overdue&month=2026-13", as_=ZHOU))

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "没有符合条件的文书" in page
    assert "筛选条件无效，已忽略：月份" in page  # said, not dropped quietly
    assert apis.calls[0].params == {"unit": "police:430426101", "kind": "overdue", "limit": "200"}


def test_an_officer_opens_the_page_and_supervision_answers_only_his_units(console, apis, browser, staff):
    staff.signed_in(LIU)
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": [LETTER]})

    response = console.documents(browser.get("/documents", as_=LIU))

    assert response.status_code == 200
    assert apis.calls[0].token == token_of(LIU)
    # The unit filter offers his own units (and those under them) only: any other would always list nothing.
    offered = re.findall(r'<option value="([a-z]+:[0-9]+)"', response.get_data(as_text=True))
    assert offered and all(any(code.startswith(own) for own in LIU.units) for code in offered)


def test_window_staff_may_not_open_documents(console, apis, browser, staff):
    staff.signed_in(WANG)
    with pytest.raises(Forbidden):
        console.documents(browser.get("/documents", as_=WANG))
    assert apis.calls == []


def test_the_print_view_is_the_archived_html_with_nothing_that_could_run(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    archived = "<html><style>@page { size: A4 }</style><body>通报<p>签发人：zhou.hui</p></body></html>"
    apis.answer("supervision", "GET", f"/api/v1/documents/{DOCUMENT_ID}/html", 200, archived)

    response = console.print_document(browser.get(f"/documents/{DOCUMENT_ID}/print", as_=ZHOU), DOCUMENT_ID)

    assert response.get_data(as_text=True) == archived
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_the_pdf_is_passed_through_from_supervision_named_by_its_kind_and_number(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    apis.answer("supervision", "GET", f"/api/v1/documents/{DOCUMENT_ID}", 200, LETTER | {"facts": {}})
    apis.answer("supervision", "GET", f"/api/v1/documents/{DOCUMENT_ID}/pdf", 200, b"%PDF-1.4 fake")

    response = console.document_pdf(browser.get(f"/documents/{DOCUMENT_ID}.pdf", as_=ZHOU), DOCUMENT_ID)

    assert (response.mimetype, response.get_data()) == ("application/pdf", b"%PDF-1.4 fake")
    assert saved_as(response.headers["Content-Disposition"]) == (
        "inline",
        "督办函_祁东综治〔2026〕督办第3号.pdf",
        "wuyuan-overdue-2026-3.pdf",
    )
    assert {call.token for call in apis.calls} == {token_of(ZHOU)}


def test_a_malformed_document_id_is_not_found_without_asking(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    with pytest.raises(PageNotFound):
        console.document_pdf(browser.get("/documents/x.pdf", as_=ZHOU), "x")
    assert apis.calls == []


# --- case numbers: each visitor's own way to the case ------------------------------------------------------------


def test_an_officer_opens_a_letters_case_at_his_referral_not_at_the_case_page_he_may_not_open(
    console, apis, browser, staff
):
    staff.signed_in(LIU)
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": [LETTER]})

    page = text_of(console.documents(browser.get("/documents", as_=LIU)))

    referral = f"/referrals/police/{LETTER['referral_id']}"
    assert f'<a href="{referral}">430426-20261102-00007</a>' in page
    assert 'href="/cases/' not in page


def test_a_letter_that_names_no_referral_shows_its_case_number_to_an_officer_as_text(console, apis, browser, staff):
    staff.signed_in(LIU)
    older = LETTER | {"referral_id": None}
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": [older]})

    page = text_of(console.documents(browser.get("/documents", as_=LIU)))

    assert "<td>430426-20261102-00007</td>" in page
    assert 'href="/cases/' not in page and 'href="/referrals/' not in page


@pytest.mark.parametrize("reader", [ZHOU, HE, LUO], ids=["supervisor", "coordinator", "leader"])
def test_the_centres_staff_keep_the_link_to_the_case(console, apis, browser, staff, reader):
    staff.signed_in(reader)
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": [LETTER]})

    page = text_of(console.documents(browser.get("/documents", as_=reader)))

    assert '<a href="/cases/430426-20261102-00007">430426-20261102-00007</a>' in page


# --- 发出通报: a supervisor issues a 通报 now ----------------------------------------------------------------


def post_notice(console, browser, who, form: dict):
    request = browser.post("/documents/notices", {"csrf": form_key_of(who), "action_key": "a" * 32, **form}, as_=who)
    return console.issue_notice(request)


def test_a_supervisor_issues_a_notice_for_a_period_and_sees_its_number(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    apis.answer("supervision", "POST", "/api/v1/notices", 201, NOTICE | {"named_units": [], "ranking": []})

    response = post_notice(console, browser, ZHOU, {"notice_from": "2026-11-01", "notice_to": "2026-11-23"})

    assert response.status_code == 303
    assert response.headers["Location"] == f"/documents?kind=notice&issued={NOTICE['id']}"
    [call] = apis.posts()
    assert (call.path, call.token, call.body) == (
        "/api/v1/notices",
        token_of(ZHOU),
        {"from": "2026-11-01", "to": "2026-11-23"},
    )
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": [NOTICE, LETTER]})
    page = text_of(console.documents(browser.get(response.headers["Location"], as_=ZHOU)))
    assert "已发出通报 祁东综治〔2026〕通报第1号" in page


def test_the_notice_form_is_the_supervisors_alone(console, apis, browser, staff):
    for reader in (HE, LUO, LIU):
        staff.signed_in(reader)
        apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})
        page = text_of(console.documents(browser.get("/documents", as_=reader)))
        assert 'action="/documents/notices"' not in page
        with pytest.raises(Forbidden):
            post_notice(console, browser, reader, {"notice_from": "2026-11-01", "notice_to": "2026-11-23"})
    assert apis.posts() == []
    staff.signed_in(ZHOU)
    page = text_of(console.documents(browser.get("/documents", as_=ZHOU)))
    assert '<h2 id="notice-title">发出通报</h2>' in page
    assert 'value="2026-11-01"' in page and 'value="2026-11-23"' in page  # this month so far, to start with


def test_a_period_ending_after_today_is_refused_beside_its_end_in_chinese(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    future = {"field": "to", "message": "is after today (2026-11-23)", "type": "date_future"}
    apis.answer("supervision", "POST", "/api/v1/notices", 400, {"error": "invalid_input", "fields": [future]})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})

    response = post_notice(console, browser, ZHOU, {"notice_from": "2026-11-01", "notice_to": "2026-11-30"})

    assert response.status_code == 400
    page = text_of(response)
    assert error_beside(page, "notice.to") == "不能晚于今天（2026-11-23）"
    assert 'value="2026-11-30" aria-invalid="true"' in page  # what was typed, kept


def test_a_period_that_ends_before_it_starts_or_misses_a_date_is_said_beside_the_date(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})
    answer_refusal(apis, "supervision", "/api/v1/notices", IssueNotice, {"from": "2026-11-30", "to": "2026-11-01"})

    page = text_of(post_notice(console, browser, ZHOU, {"notice_from": "2026-11-30", "notice_to": "2026-11-01"}))

    assert error_beside(page, "notice.to") == "截止日期早于起始日期"

    answer_refusal(apis, "supervision", "/api/v1/notices", IssueNotice, {"to": "2026-11-01"})
    page = text_of(post_notice(console, browser, ZHOU, {"notice_from": "", "notice_to": "2026-11-01"}))

    assert error_beside(page, "notice.from") == "请填写起始日期，如2026-11-01"


def test_a_notice_form_without_the_session_key_issues_nothing(console, apis, browser, staff):
    staff.signed_in(ZHOU)

    with pytest.raises(StaleForm):
        console.issue_notice(browser.post("/documents/notices", {"notice_to": "2026-11-23"}, as_=ZHOU))

    assert apis.calls == []
