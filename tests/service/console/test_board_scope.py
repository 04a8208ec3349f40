"""A township centre's board opens on its own township's units and letters; the county centre's on the county's."""

from urllib.parse import quote

import pytest

from shared.auth.principal import Principal, Role
from tests.service.console.visitors import HE, STAFF, token_of

# 砖塘镇综治中心's coordinator (config/centres.toml sets the centre up).
ZHUANTANG = Principal("tang.li", "唐莉", frozenset({Role.COORDINATOR}), frozenset({"centre:430426101"}))
AS_OF = "2026-12-04T02:00:00+00:00"


@pytest.fixture(autouse=True)
def _zhuantang_signs_in(monkeypatch) -> None:
    monkeypatch.setitem(STAFF, token_of(ZHUANTANG), ZHUANTANG)


def answered(apis) -> None:
    apis.answer("supervision", "GET", "/api/v1/board", 200, {"as_of": AS_OF, "units": [], "watches": []})
    apis.answer("supervision", "GET", "/api/v1/letters", 200, {"letters": []})
    apis.answer("supervision", "GET", "/api/v1/alerts", 200, {"alerts": []})
    apis.answer("supervision", "GET", "/api/v1/follow-ups", 200, {"follow_ups": []})


def asked(apis, path: str) -> dict[str, str]:
    [call] = [c for c in apis.calls if c.path == path]
    return dict(call.params or {})


def test_a_township_centre_s_board_lists_its_own_township_s_units_and_letters(console, apis, browser, staff):
    staff.signed_in(ZHUANTANG)
    answered(apis)

    page = console.board(browser.get("/board", as_=ZHUANTANG)).get_data(as_text=True)

    assert asked(apis, "/api/v1/board") == {"place": "430426101"}
    assert asked(apis, "/api/v1/letters") == {"limit": "50", "place": "430426101"}
    assert "范围：砖塘镇及其所辖村（社区）的各单位" in page
    assert '<a href="/board?place=430426">查看祁东县全县</a>' in page


def test_the_township_s_staff_may_look_at_the_whole_county_and_back(console, apis, browser, staff):
    staff.signed_in(ZHUANTANG)
    answered(apis)

    page = console.board(browser.get("/board?place=430426", as_=ZHUANTANG)).get_data(as_text=True)

    assert asked(apis, "/api/v1/board") == {"place": "430426"}
    assert "范围：祁东县全县" in page
    assert '<a href="/board?place=430426101">只看砖塘镇</a>' in page


def test_the_county_centre_s_board_is_the_county_s(console, apis, browser, staff):
    staff.signed_in(HE)
    answered(apis)

    page = console.board(browser.get("/board", as_=HE)).get_data(as_text=True)

    assert asked(apis, "/api/v1/board") == {"place": "430426"}
    assert "范围：祁东县全县" in page and "只看" not in page and "查看祁东县全县" not in page


def test_a_place_the_county_does_not_have_is_refused_in_chinese_naming_the_scope(console, apis, browser, staff):
    staff.signed_in(ZHUANTANG)
    refusal = {"fields": [{"field": "place", "message": "430426999 is not a place", "type": "not_in_county"}]}
    apis.answer("supervision", "GET", "/api/v1/board", 400, refusal)

    response = console.board(browser.get("/board?place=430426999", as_=ZHUANTANG))

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "看板范围有误" in page and "“430426999”不是本县的乡镇或村" in page


def test_a_long_place_typed_into_the_address_is_echoed_short_and_escaped(console, apis, browser, staff):
    staff.signed_in(ZHUANTANG)
    refusal = {"fields": [{"field": "place", "message": "not a division code", "type": "string_pattern_mismatch"}]}
    apis.answer("supervision", "GET", "/api/v1/board", 400, refusal)
    typed = "<b>" + "9" * 300

    page = console.board(browser.get(f"/board?place={quote(typed)}", as_=ZHUANTANG)).get_data(as_text=True)

    assert "“&lt;b&gt;99999999999999999…”不是本县的乡镇或村" in page and "9" * 30 not in page
