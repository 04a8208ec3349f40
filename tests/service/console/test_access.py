"""Who may open what: the page checks the visitor's role and agency before calling, and the API's refusal stands."""

import re

import pytest

from services.console.pages import PageNotFound, SignInNeeded, StaleForm
from shared.auth.principal import Forbidden, Principal, Role
from tests.service.console.visitors import LIU, WANG, ZHOU, agency_shows, console_knowing, form_key_of, token_of

REFERRAL_ID = "5b0c6f0e-3d2a-4c1b-9f8e-7a6d5c4b3a21"
REFERRAL = {
    "referral_id": REFERRAL_ID,
    "case_id": "430426-20261123-00007",
    "unit": "police:430426101",
    "role": "lead",
    "round": 1,
    "status": "received",
    "source": "walk_in",
    "category": "neighbour",
    "division_code": "430426101203",
    "summary": "邻居翻修房屋，占用了共用通道",
    "parties": [{"role": "applicant", "name": "张秀英", "phone": "13907341234"}],
    "due_at": "2026-11-30T01:30:00+00:00",
    "received_at": "2026-11-23T01:00:00+00:00",
}


# --- referrals: an officer's own agency only ---------------------------------------------------------


@pytest.mark.parametrize("agency", ["justice", "court", "centre", "forestry"])
def test_an_officer_may_not_open_another_agencys_referral_and_it_is_never_asked_for(
    console, apis, browser, staff, agency
):
    staff.signed_in(LIU)

    with pytest.raises(Forbidden):
        console.referral(browser.get(f"/referrals/{agency}/{REFERRAL_ID}", as_=LIU), agency, REFERRAL_ID)

    assert apis.calls == []


def test_an_officer_opens_their_own_units_referral_with_their_own_token(console, apis, browser, staff):
    staff.signed_in(LIU)
    agency_shows(apis, "police_link", REFERRAL)

    response = console.referral(browser.get(f"/referrals/police/{REFERRAL_ID}", as_=LIU), "police", REFERRAL_ID)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "砖塘镇派出所（牵头单位，第1轮）" in page
    assert "砖塘镇新塘村" in page
    # the agency's referral, and where the coordinator holds its case: each asked as the officer
    assert [(call.service, call.token) for call in apis.calls] == [
        ("police_link", token_of(LIU)),
        ("coordinator", token_of(LIU)),
    ]


def test_the_agencys_own_refusal_becomes_forbidden(console, apis, browser, staff):
    staff.signed_in(LIU)
    apis.answer("police_link", "GET", f"/api/v1/referrals/{REFERRAL_ID}", 403, {"error": "forbidden"})

    with pytest.raises(Forbidden):
        console.referral(browser.get(f"/referrals/police/{REFERRAL_ID}", as_=LIU), "police", REFERRAL_ID)


def test_a_referral_the_agency_does_not_have_is_not_found(console, apis, browser, staff):
    staff.signed_in(LIU)
    apis.answer("police_link", "GET", f"/api/v1/referrals/{REFERRAL_ID}", 404, {"error": "not_found"})

    with pytest.raises(PageNotFound):
        console.referral(browser.get(f"/referrals/police/{REFERRAL_ID}", as_=LIU), "police", REFERRAL_ID)


def test_a_referral_id_that_is_not_one_is_not_found_without_asking(console, apis, browser, staff):
    staff.signed_in(LIU)

    with pytest.raises(PageNotFound):
        console.referral(browser.get("/referrals/police/..%2Fadmin", as_=LIU), "police", "../admin")

    assert apis.calls == []


def test_accepting_a_referral_posts_to_the_agency_as_the_officer(console, apis, browser, staff):
    staff.signed_in(LIU)
    apis.answer("police_link", "POST", f"/api/v1/referrals/{REFERRAL_ID}/accept", 200, {"status": "accepted"})

    request = browser.post(f"/referrals/police/{REFERRAL_ID}/accept", {"csrf": form_key_of(LIU)}, as_=LIU)
    response = console.act_on_referral(request, "police", REFERRAL_ID, "accept")

    assert response.headers["Location"] == f"/referrals/police/{REFERRAL_ID}?done=accept"
    [call] = apis.posts()
    assert (call.service, call.token, call.body) == ("police_link", token_of(LIU), {})


@pytest.mark.parametrize(
    ("action", "status_now", "message"),
    [
        ("accept", "accepted", "此交办单已签收或已办结，不能再签收。"),
        ("progress", "received", "请先签收，再报告进展。"),
    ],
)
def test_an_action_the_referral_no_longer_allows_says_why_in_chinese(
    console, apis, browser, staff, action, status_now, message
):
    staff.signed_in(LIU)
    apis.answer("police_link", "POST", f"/api/v1/referrals/{REFERRAL_ID}/{action}", 409, {"error": "conflict"})
    agency_shows(apis, "police_link", {**REFERRAL, "status": status_now})

    form = {"csrf": form_key_of(LIU), "note": "已联系双方当事人"}
    request = browser.post(f"/referrals/police/{REFERRAL_ID}/{action}", form, as_=LIU)
    response = console.act_on_referral(request, "police", REFERRAL_ID, action)

    assert response.status_code == 409
    assert message in response.get_data(as_text=True)


def test_an_action_posted_without_the_form_key_is_stale_and_nothing_reaches_the_agency(console, apis, browser, staff):
    staff.signed_in(LIU)

    request = browser.post(f"/referrals/police/{REFERRAL_ID}/decline", {"reason": "不属于本所辖区"}, as_=LIU)
    with pytest.raises(StaleForm):
        console.act_on_referral(request, "police", REFERRAL_ID, "decline")

    assert apis.posts() == []


def test_the_referral_list_asks_the_agency_for_each_status_of_the_tab(console, apis, browser, staff):
    staff.signed_in(LIU)
    apis.answer("police_link", "GET", "/api/v1/referrals", 200, {"referrals": [REFERRAL]})

    response = console.referrals(browser.get("/referrals?tab=finished", as_=LIU))

    assert response.status_code == 200
    assert [call.params for call in apis.calls] == [{"status": s} for s in ("reported", "declined", "withdrawn")]
    assert {call.token for call in apis.calls} == {token_of(LIU)}


# --- the board: the supervision and coordination groups and leaders --------------------------------


def test_window_staff_may_not_open_the_board_and_supervision_is_never_asked(console, apis, browser, staff):
    staff.signed_in(WANG)

    with pytest.raises(Forbidden):
        console.board(browser.get("/board", as_=WANG))

    assert apis.calls == []


def test_the_board_is_read_with_the_supervisors_token(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    apis.answer("supervision", "GET", "/api/v1/board", 200, {"units": []})
    apis.answer("supervision", "GET", "/api/v1/letters", 200, {"letters": []})
    apis.answer("supervision", "GET", "/api/v1/alerts", 200, {"alerts": []})
    apis.answer("supervision", "GET", "/api/v1/follow-ups", 200, {"follow_ups": []})

    response = console.board(browser.get("/board", as_=ZHOU))

    assert response.status_code == 200
    assert "督办看板" in response.get_data(as_text=True)
    assert {call.token for call in apis.calls} == {token_of(ZHOU)}


def test_an_expired_token_at_the_api_sends_the_visitor_to_sign_in(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    apis.answer("supervision", "GET", "/api/v1/board", 401, {"error": "unauthenticated"})

    with pytest.raises(SignInNeeded):
        console.board(browser.get("/board", as_=ZHOU))


def test_an_officer_of_every_agency_sees_their_tabs_and_pages_in_one_order(uow, apis, console_platform, browser, staff):
    """The trial account acts for the five agencies: 本单位交办's tabs and the navigation list them as
    config/agencies.toml does (法院, 公安局, 司法局, 信访局, 政法委), not by their codes' spelling."""
    every = frozenset({"court:430426", "police:430426", "justice:430426", "petition:430426", "plc:430426"})
    shiyong = Principal("shiyong", "试用", frozenset({Role.OFFICER}), every)
    console = console_knowing(uow, apis, console_platform, shiyong)
    staff.signed_in(shiyong)
    apis.answer("court_link", "GET", "/api/v1/referrals", 200, {"referrals": []})

    page = console.referrals(browser.get("/referrals", as_=shiyong)).get_data(as_text=True)

    main = page.split("<main")[1]
    agencies = re.findall(r'<a href="/referrals\?agency=[a-z]+"(?: aria-current="page")?>([^<]+)</a>', main)
    assert agencies == ["法院", "公安局", "司法局", "信访局", "政法委"]
    nav = re.findall(r'<li><a href="(/[a-z/]+)"', page.split("</nav>")[0])
    assert [path for path in nav if path not in ("/referrals", "/documents")] == [
        "/court/filings",
        "/police/calls",
        "/justice/mediation",
        "/petitions",
        "/stability/register",
    ]
