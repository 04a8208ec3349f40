"""A search holding a control character: the coordinator refuses it naming `q`, and the list page says so beside
the search box instead of showing an error page."""

import json

from werkzeug.test import EnvironBuilder

from services.coordinator.handlers import ListCases
from shared.http import PUBLIC, ApiHandler, BadInput, parse_query
from tests.service.console.visitors import WANG


def coordinator_refusal(query_string: str) -> dict[str, object]:
    """What the coordinator answers for that query: its own refusal, as its HTTP layer words it."""
    try:
        parse_query(EnvironBuilder(method="GET", query_string=query_string).get_request(), ListCases)
    except BadInput as refused:
        response = ApiHandler("GET", "/api/v1/cases", access=PUBLIC).response_from_exception(refused)
        body: dict[str, object] = json.loads(response.get_data(as_text=True))
        return body
    raise AssertionError("the coordinator took it")


def test_a_search_holding_a_nul_is_shown_as_the_search_box_s_error(console, apis, browser, staff):
    staff.signed_in(WANG)
    apis.answer("coordinator", "GET", "/api/v1/cases", 400, coordinator_refusal("q=%E7%8E%8B%00"))

    response = console.cases(browser.get("/cases?q=王%00", as_=WANG))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="q-error"' in page
    [call] = apis.calls
    assert call.params["q"] == "王\x00"  # passed on as typed: the coordinator is the one to judge it
