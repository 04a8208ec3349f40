"""The console's client of the platform's APIs: the visitor's token and the browser's address, and outages named."""

import json
from typing import Any

import pytest
import requests

from services.console.dependencies import Answer, Apis, ApiUnavailable

URLS = {"intake": "http://intake:8002/", "supervision": "http://supervision:8006"}


class Wire:
    """Stands in for requests.Session: records what would go over the wire and answers with a real Response."""

    def __init__(self, status: int = 200, body: Any = None, content_type: str = "application/json") -> None:
        self.status, self.body, self.content_type = status, body, content_type
        self.sent: list[dict[str, Any]] = []
        self.fails = False

    def request(self, method: str, url: str, **options: Any) -> requests.Response:
        self.sent.append({"method": method, "url": url, **options})
        if self.fails:
            raise requests.ConnectionError("connection refused")
        response = requests.Response()
        response.status_code = self.status
        response.headers["Content-Type"] = self.content_type
        raw = self.body if isinstance(self.body, str) else json.dumps(self.body or {})
        response._content = raw.encode()
        return response


def test_a_call_carries_the_visitors_token_as_a_bearer_and_the_body_as_json():
    wire = Wire(201, {"case_id": "430426-20261123-00007", "linked": False})
    apis = Apis(URLS, timeout=4.0, session=wire)  # type: ignore[arg-type]

    answer = apis.call("intake", "POST", "/api/v1/disputes", token="token.of.wang.fang", body={"source": "walk_in"})

    assert answer == Answer(201, {"case_id": "430426-20261123-00007", "linked": False})
    [sent] = wire.sent
    assert sent["url"] == "http://intake:8002/api/v1/disputes"
    assert sent["headers"]["Authorization"] == "Bearer token.of.wang.fang"
    assert sent["json"] == {"source": "walk_in"}
    assert sent["timeout"] == 4.0


def test_a_call_without_a_token_sends_no_authorization_header():
    wire = Wire(202, {"rated": True})
    apis = Apis(URLS, timeout=4.0, session=wire)  # type: ignore[arg-type]

    apis.call("supervision", "POST", "/api/v1/ratings/Zq3vL8xN2pR7", body={"rating": "satisfied"})

    [sent] = wire.sent
    assert "Authorization" not in sent["headers"]
    assert "X-Forwarded-For" not in sent["headers"]


def test_the_browsers_address_is_passed_on_for_identitys_throttle():
    wire = Wire(201, {"token": "t"})
    apis = Apis({"identity": "http://identity:8001"}, timeout=4.0, session=wire)  # type: ignore[arg-type]

    apis.call("identity", "POST", "/api/v1/sessions", body={}, forwarded_for="203.0.113.45")

    assert wire.sent[0]["headers"]["X-Forwarded-For"] == "203.0.113.45"


def test_a_refusal_is_an_answer_for_the_page_to_explain():
    wire = Wire(400, {"error": "invalid_input", "fields": [{"field": "summary", "type": "missing"}]})
    apis = Apis(URLS, timeout=4.0, session=wire)  # type: ignore[arg-type]

    answer = apis.call("intake", "POST", "/api/v1/disputes", token="t", body={})

    assert (answer.status, answer.ok) == (400, False)
    assert answer.body["fields"] == [{"field": "summary", "type": "missing"}]


def test_a_busy_service_answers_503_for_the_page_to_say_so():
    wire = Wire(503, {"error": "unavailable"})
    apis = Apis(URLS, timeout=4.0, session=wire)  # type: ignore[arg-type]

    assert apis.call("intake", "GET", "/api/v1/disputes/x", token="t").status == 503


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_failing_service_is_unavailable(status):
    apis = Apis(URLS, timeout=4.0, session=Wire(status, "<html>Bad Gateway</html>", "text/html"))  # type: ignore[arg-type]

    with pytest.raises(ApiUnavailable) as unavailable:
        apis.call("intake", "GET", "/api/v1/disputes/x", token="t")

    assert unavailable.value.service == "intake"


def test_a_service_that_cannot_be_reached_is_unavailable():
    wire = Wire()
    wire.fails = True
    apis = Apis(URLS, timeout=4.0, session=wire)  # type: ignore[arg-type]

    with pytest.raises(ApiUnavailable):
        apis.call("supervision", "GET", "/api/v1/board", token="t")


def test_a_service_the_console_has_no_address_for_is_unavailable_without_a_call():
    wire = Wire()
    apis = Apis(URLS, timeout=4.0, session=wire)  # type: ignore[arg-type]

    with pytest.raises(ApiUnavailable):
        apis.call("police_link", "GET", "/api/v1/referrals", token="t")

    assert wire.sent == []


def test_an_svg_answer_is_kept_as_text():
    apis = Apis(URLS, timeout=4.0, session=Wire(200, "<svg/>", "image/svg+xml"))  # type: ignore[arg-type]

    assert apis.call("supervision", "GET", "/api/v1/follow-ups/x/rating-link", token="t").body == "<svg/>"
