"""A mistyped console address shows the Chinese 未找到 page, and the console's own icon is there, so no
page the console serves makes the browser log a missing file."""

import pytest
from playwright.sync_api import Response, expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/nonexistent", "/court-filings/new"])
def test_a_mistyped_address_shows_the_chinese_not_found_page(page, console_url, shoot, path):
    tab = page(allow_errors=True)  # Chromium logs the 404 of the page itself as a console error

    response = tab.goto(f"{console_url}{path}")

    assert response is not None and response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    expect(tab.get_by_role("heading", name="未找到")).to_be_visible()
    expect(tab.get_by_role("link", name="返回首页")).to_be_visible()
    assert "not_found" not in tab.content() and "no such path" not in tab.content()
    shoot(tab, "console-not-found")


def test_the_console_serves_its_own_icon_and_nothing_a_page_loads_is_missing(page, console_url, shoot):
    tab = page()  # fails the test on any console error, "Failed to load resource" included
    answers: list[Response] = []
    tab.on("response", lambda answer: answers.append(answer))

    tab.goto(f"{console_url}/login")
    tab.wait_for_load_state("networkidle")

    icons = tab.eval_on_selector_all('link[rel="icon"]', "links => links.map(link => link.href)")
    assert icons == [f"{console_url}/static/favicon.svg", f"{console_url}/favicon.ico"]
    for icon, kind in zip(icons, ("image/svg+xml", "image/x-icon"), strict=True):
        fetched = tab.request.get(icon)
        assert (fetched.status, fetched.headers["content-type"].split(";")[0]) == (200, kind)
    assert [f"{a.status} {a.url}" for a in answers if a.status >= 400] == []
    shoot(tab, "console-sign-in-with-icon")
