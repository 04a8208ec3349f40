"""The case list and a case's pages: filters passed on as typed, paging that keeps them, and case numbers checked."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from services.console.pages import PageNotFound
from tests.service.console.visitors import WANG, token_of

CASE_ID = "430426-20261123-00007"
LISTING = {
    "cases": [{"case_id": f"430426-20261123-{n:05d}", "status": "in_progress"} for n in range(1, 51)],
    "counts": {"in_progress": 120},
    "total": 120,
}


def next_page_link(page: str) -> dict[str, list[str]]:
    found = re.search(r'<a href="([^"]*)">下一页</a>', page)
    assert found is not None, "no link to the next page"
    return parse_qs(urlsplit(html.unescape(found.group(1))).query)


def test_the_filters_typed_are_passed_on_and_unknown_ones_dropped(console, apis, browser, staff):
    staff.signed_in(WANG)
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, LISTING)

    console.cases(browser.get("/cases?status=in_progress&q=+王秀英+&place=&sort=evil", as_=WANG))

    [call] = apis.calls
    assert call.token == token_of(WANG)
    assert call.params == {"status": "in_progress", "q": "王秀英", "limit": "50", "offset": "0"}


def test_the_next_page_keeps_the_filters(console, apis, browser, staff):
    staff.signed_in(WANG)
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, LISTING)

    page = console.cases(browser.get("/cases?status=in_progress", as_=WANG)).get_data(as_text=True)

    assert next_page_link(page) == {"status": ["in_progress"], "offset": ["50"]}


def test_the_next_page_keeps_a_search_text_with_an_ampersand(console, apis, browser, staff):
    staff.signed_in(WANG)
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, LISTING)

    page = console.cases(browser.get("/cases?q=王%26李", as_=WANG)).get_data(as_text=True)

    assert next_page_link(page) == {"q": ["王&李"], "offset": ["50"]}


@pytest.mark.parametrize("offset", ["①", "²", "５0", "-50", "1e3"])
def test_an_offset_that_is_not_a_plain_number_shows_the_first_page_not_a_system_error(
    console, apis, browser, staff, offset
):
    staff.signed_in(WANG)
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, LISTING)

    response = console.cases(browser.get(f"/cases?status=in_progress&offset={offset}", as_=WANG))

    assert response.status_code == 200
    [call] = apis.calls
    assert call.params == {"status": "in_progress", "limit": "50", "offset": "0"}


def test_a_case_number_that_cannot_be_one_is_not_found_without_asking(console, apis, browser, staff):
    staff.signed_in(WANG)

    with pytest.raises(PageNotFound):
        console.registered(browser.get("/window/cases/x", as_=WANG), "430426-2026-7")

    assert apis.calls == []


def test_a_case_number_with_a_trailing_newline_is_not_found_without_asking(console, apis, browser, staff):
    staff.signed_in(WANG)

    with pytest.raises(PageNotFound):
        console.registered(browser.get("/window/cases/x", as_=WANG), CASE_ID + "\n")

    assert apis.calls == []


@pytest.mark.parametrize(
    ("query", "order"),
    [
        ("", "按最近变动时间排列，最新的在前"),
        ("?status=in_progress", "按最近变动时间排列，最早的在前（久未变动的先办）"),
    ],
)
def test_the_list_says_how_it_is_ordered_and_shows_each_cases_last_change_in_beijing_time(
    console, apis, browser, staff, query, order
):
    staff.signed_in(WANG)
    row = {
        "case_id": CASE_ID,
        "status": "in_progress",
        "registered_at": "2026-11-23T01:10:00+00:00",
        "updated_at": "2026-11-24T07:45:00+00:00",
    }
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, {"cases": [row], "counts": {}, "total": 1})

    page = console.cases(browser.get(f"/cases{query}", as_=WANG)).get_data(as_text=True)

    assert order in page
    assert '<th scope="col">最近变动</th>' in page
    assert "<td>2026-11-23 09:10</td>\n    <td>2026-11-24 15:45</td>" in page


# A joint case whose co-unit, the county petition bureau, let its deadline pass while the lead's runs later: the
# coordinator's row gives the case's nearest deadline, and does not say whose it is.
CO_UNIT_OVERDUE = {
    "case_id": CASE_ID,
    "status": "in_progress",
    "mode": "joint",
    "lead_unit": "justice:430426101",
    "co_units": ["petition:430426"],
    "gaps": [],
    "registered_at": "2026-11-10T01:10:00+00:00",
    "updated_at": "2026-11-12T07:45:00+00:00",
    "next_due_at": "2026-11-19T09:30:00+00:00",
    "overdue": True,
}


def deadline_cell(page: str) -> str:
    return page.split("</tr>")[1].rsplit("<td>", 1)[1].split("</td>")[0]


def test_the_deadline_beside_the_lead_names_the_unit_whose_it_is(console, apis, browser, staff):
    staff.signed_in(WANG)
    row = {
        **CO_UNIT_OVERDUE,
        "deadline": {
            "due_at": CO_UNIT_OVERDUE["next_due_at"],
            "unit": "petition:430426",
            "provisional": False,
            "paused": False,
            "pause_reasons": [],
        },
    }
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, {"cases": [row], "counts": {}, "total": 1})

    page = console.cases(browser.get("/cases", as_=WANG)).get_data(as_text=True)

    assert "<td>砖塘镇司法所</td>" in page  # the lead
    assert "已超期4天" in deadline_cell(page) and "祁东县信访局" in deadline_cell(page)  # the co-unit that is late
    assert '<th scope="col">期限</th>' not in page  # which would read as the lead's own


def test_a_case_whose_every_clock_stands_still_says_so_rather_than_count_down(console, apis, browser, staff):
    staff.signed_in(WANG)
    row = {
        **CO_UNIT_OVERDUE,
        "overdue": False,
        "deadline": {
            "due_at": CO_UNIT_OVERDUE["next_due_at"],
            "unit": "justice:430426101",
            "provisional": False,
            "paused": True,
            "pause_reasons": ["appraisal", "awaiting_party"],
        },
    }
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, {"cases": [row], "counts": {}, "total": 1})

    page = console.cases(browser.get("/cases", as_=WANG)).get_data(as_text=True)

    assert "计时已暂停（鉴定、等待当事人）" in deadline_cell(page)
    assert "已超期" not in deadline_cell(page)


def test_the_cases_flagged_for_the_leaders_are_a_filter_of_the_list(console, apis, browser, staff):
    staff.signed_in(WANG)
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, {"cases": [CO_UNIT_OVERDUE], "counts": {}, "total": 1})

    page = console.cases(browser.get("/cases?leaders=true", as_=WANG)).get_data(as_text=True)

    [call] = apis.calls
    assert call.params == {"leaders": "true", "limit": "50", "offset": "0"}
    assert '<label for="leaders">提请领导督办</label>' in page
    assert '<option value="true" selected>已提请领导督办</option>' in page


@pytest.mark.parametrize(
    ("asked", "refusal", "said", "kept"),
    [
        (
            "unit=police:999999",
            {"field": "unit", "type": "unknown_unit", "message": "police:999999 is not a unit of county 430426"},
            "没有这个单位：单位代码中的区划不是本县的县、乡镇或村（社区）",
            '<option value="police:999999" selected>公安局（999999）</option>',
        ),
    ],
)
def test_a_filter_the_coordinator_says_names_nothing_is_refused_beside_it_keeping_what_was_asked(
    console, apis, browser, staff, asked, refusal, said, kept
):
    """Not an empty list: staff read why beside the filter, and the filter still shows what they asked for."""
    staff.signed_in(WANG)
    apis.answer("coordinator", "GET", "/api/v1/cases", 400, {"error": "invalid_input", "fields": [refusal]})

    page = console.cases(browser.get(f"/cases?{asked}", as_=WANG)).get_data(as_text=True)

    field = refusal["field"]
    assert f'<p class="error" id="{field}-error" role="alert">{said}</p>' in page
    assert f'<select id="{field}" name="{field}" aria-invalid="true" aria-describedby="{field}-error">' in page
    assert kept in page
    assert "is not" not in page


# The coordinator's refusal of a division code of the wrong form (shared/contracts/identifiers.py's DivisionCode).
NOT_A_DIVISION = "Value error, must be a statistical division code of 6, 9 or 12 digits"


@pytest.mark.parametrize(
    ("asked", "refusal", "said"),
    [
        (
            "centre=abc",
            {"field": "centre", "type": "value_error", "message": NOT_A_DIVISION},
            "请从列表中选择综治中心",
        ),
        (
            "centre=centre:999",
            {"field": "centre", "type": "value_error", "message": NOT_A_DIVISION},
            "请从列表中选择综治中心",
        ),
        (
            "place=abc",
            {"field": "place", "type": "value_error", "message": NOT_A_DIVISION},
            "请选择发生地点",
        ),
        (
            "place=999999",
            {"field": "place", "type": "not_in_county", "message": "999999 is not a division of county 430426"},
            "不是本县的乡镇或村（社区），请从列表中选择",
        ),
        (
            "unit=abc",
            {"field": "unit", "type": "value_error", "message": "must be '<agency>:<division code>'"},
            "请选择单位",
        ),
    ],
)
def test_a_filter_that_names_nothing_is_refused_in_its_own_words_and_not_offered_as_a_raw_code(
    console, apis, browser, staff, asked, refusal, said
):
    """A centre's select says to choose a centre, not the dispute's place; what it was asked holds no name, so the
    select shows none chosen rather than an option reading `centre:999`."""
    staff.signed_in(WANG)
    apis.answer("coordinator", "GET", "/api/v1/cases", 400, {"error": "invalid_input", "fields": [refusal]})

    page = console.cases(browser.get(f"/cases?{asked}", as_=WANG)).get_data(as_text=True)

    field, value = asked.split("=")
    assert f'<p class="error" id="{field}-error" role="alert">{said}</p>' in page
    offered = page.split(f'<select id="{field}"')[1].split("</select>")[0]
    assert f'value="{value}"' not in offered
    assert " selected" not in offered


def test_a_centre_filter_where_the_county_set_up_none_says_which_centre_holds_its_cases_keeping_what_was_asked(
    console, apis, browser, staff
):
    """灵官镇 has no centre: an empty list would read as "no cases", where the county's centre holds them."""
    staff.signed_in(WANG)
    refusal = {"field": "centre", "type": "no_centre", "message": "no centre is set up at 430426106 (centres.toml)"}
    apis.answer("coordinator", "GET", "/api/v1/cases", 400, {"error": "invalid_input", "fields": [refusal]})

    page = console.cases(browser.get("/cases?centre=430426106", as_=WANG)).get_data(as_text=True)

    said = "灵官镇（430426106）未设综治中心，没有由它掌握的案件；该地的案件由上一级的祁东县综治中心（430426）掌握"
    assert f'<p class="error" id="centre-error" role="alert">{said}</p>' in page
    assert '<select id="centre" name="centre" aria-invalid="true" aria-describedby="centre-error">' in page
    assert '<option value="430426106" selected>　灵官镇</option>' in page
    assert "no centre" not in page


def test_a_unit_filter_naming_a_centre_the_county_did_not_set_up_says_which_centre_holds_its_cases(
    console, apis, browser, staff
):
    staff.signed_in(WANG)
    refusal = {"field": "unit", "type": "no_centre", "message": "no centre is set up at 430426106 (centres.toml)"}
    apis.answer("coordinator", "GET", "/api/v1/cases", 400, {"error": "invalid_input", "fields": [refusal]})

    page = console.cases(browser.get("/cases?unit=centre:430426106", as_=WANG)).get_data(as_text=True)

    said = "灵官镇（430426106）未设综治中心，没有由它掌握的案件；该地的案件由上一级的祁东县综治中心（430426）掌握"
    assert f'id="unit-error" role="alert">{said}</p>' in page
    assert "no centre" not in page


def test_the_case_list_filters_by_the_centres_the_county_set_up(console, apis, browser, staff):
    staff.signed_in(WANG)
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, {"cases": [], "counts": {}, "total": 0})

    page = console.cases(browser.get("/cases?centre=430426101", as_=WANG)).get_data(as_text=True)

    [call] = apis.calls
    assert call.params["centre"] == "430426101"
    offered = page.split('<select id="centre"')[1].split("</select>")[0]
    assert '<option value="430426101" selected>　砖塘镇综治中心</option>' in offered
    assert '<option value="430426106"' not in offered  # a township with no centre is not offered
