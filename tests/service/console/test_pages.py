"""Every answer as a person sees it: refusals as Chinese pages, the headers every page carries, and static files."""

import re
import sys
from dataclasses import dataclass
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from services.console.dependencies import ApiUnavailable, console_settings
from services.console.handlers.assets import static_file
from services.console.pages import (
    SECURITY_HEADERS,
    STATIC,
    TEMPLATES,
    PageHandler,
    PageNotFound,
    SignInNeeded,
    StaleForm,
)
from services.console.service import Console
from shared.auth.principal import Forbidden
from shared.web_server import HardenedWsgiApp
from tests.service.console.visitors import WANG, form_key_of

# --- each refusal as the page a person sees ------------------------------------------------------

HANDLER = PageHandler("GET", "/")


def text_of(response: Response) -> str:
    return response.get_data(as_text=True)


def test_signing_in_first_sends_the_browser_to_the_sign_in_page_with_the_way_back():
    response = HANDLER.response_from_exception(SignInNeeded("/cases?status=in_progress&q=张"))

    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/cases%3Fstatus%3Din_progress%26q%3D%E5%BC%A0"


def test_a_forbidden_page_says_so_and_who_to_ask():
    response = HANDLER.response_from_exception(Forbidden("liu.yang may not open /board"))

    assert response.status_code == 403
    assert "无权访问" in text_of(response) and "请联系本中心管理员" in text_of(response)
    assert "liu.yang" not in text_of(response)  # the log's reason is not the page's


def test_a_missing_page_is_not_found():
    response = HANDLER.response_from_exception(PageNotFound())

    assert response.status_code == 404
    assert "未找到" in text_of(response)


def test_a_stale_form_asks_to_reload_and_post_again():
    response = HANDLER.response_from_exception(StaleForm())

    assert response.status_code == 403
    assert "表单已失效" in text_of(response) and "刷新页面后重新提交" in text_of(response)


def test_a_service_that_does_not_answer_asks_to_try_again_shortly():
    response = HANDLER.response_from_exception(ApiUnavailable("coordinator"))

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "暂时无法办理" in text_of(response)


def test_any_other_failure_is_a_chinese_error_page_that_reveals_nothing():
    response = HANDLER.response_from_exception(KeyError("token.of.wang.fang"))

    assert response.status_code == 500
    assert "系统出错" in text_of(response)
    assert "token.of.wang.fang" not in text_of(response) and "Traceback" not in text_of(response)


@pytest.mark.parametrize("refusal", [Forbidden("x"), PageNotFound(), StaleForm(), ApiUnavailable("x")])
def test_error_pages_are_never_kept_by_a_browser(refusal):
    assert HANDLER.response_from_exception(refusal).headers["Cache-Control"] == "no-store"


# --- through the entrypoint, as nameko runs it -------------------------------------------------------


@dataclass
class RunsTheWorker:
    """A container that runs the entrypoint's method on the worker at once, as nameko's would in a greenthread."""

    worker: Console
    service_cls: type = Console

    def spawn_worker(self, entrypoint: Any, args: tuple, kwargs: dict, *, context_data: Any, handle_result: Any):
        try:
            result = getattr(self.worker, entrypoint.method_name)(*args, **kwargs)
        except Exception:
            handle_result(None, None, sys.exc_info())
        else:
            handle_result(None, result, None)


class NoContextHeaders:
    def context_data_from_headers(self, request: Request) -> dict[str, str]:
        return {}


@pytest.fixture
def serve(console):
    """Hands a request to the @page entrypoint of one method, as nameko's web server does."""

    def handle(method_name: str, request: Request, **path_values: str) -> Response:
        handler = PageHandler(request.method, request.path)
        handler.container = RunsTheWorker(console)  # type: ignore[assignment]
        handler.server = NoContextHeaders()  # type: ignore[assignment]
        handler.method_name = method_name
        request.path_values = path_values  # type: ignore[attr-defined]
        response: Response = handler.handle_request(request)
        return response

    return handle


def assert_security_headers(response: Response) -> None:
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert {name: response.headers[name] for name in SECURITY_HEADERS} == SECURITY_HEADERS


def test_a_page_carries_the_security_headers_and_is_not_cached(serve, browser, staff):
    staff.signed_in(WANG)

    response = serve("window", browser.get("/window", as_=WANG))

    assert response.status_code == 200
    assert "窗口登记" in text_of(response)
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_served_over_https_a_page_tells_the_browser_never_to_use_plain_http(serve, browser, staff, monkeypatch):
    staff.signed_in(WANG)
    assert "Strict-Transport-Security" not in serve("window", browser.get("/window", as_=WANG)).headers

    monkeypatch.setenv("WUYUAN_CONSOLE_SECURE_COOKIES", "true")
    console_settings.cache_clear()
    for response in (serve("window", browser.get("/window", as_=WANG)), serve("cases", browser.get("/cases"))):
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert_security_headers(response)


def test_the_redirect_to_sign_in_carries_the_security_headers_too(serve, browser):
    response = serve("cases", browser.get("/cases?status=in_progress"))

    assert (response.status_code, response.headers["Location"]) == (303, "/login?next=/cases%3Fstatus%3Din_progress")
    assert_security_headers(response)


def test_a_refusal_through_the_entrypoint_is_the_chinese_page_with_the_security_headers(serve, browser, staff):
    staff.signed_in(WANG)

    response = serve("board", browser.get("/board", as_=WANG))

    assert response.status_code == 403
    assert "无权访问" in text_of(response)
    assert_security_headers(response)


def test_a_path_value_reaches_the_page_and_a_bad_case_number_is_not_found(serve, apis, browser, staff):
    staff.signed_in(WANG)

    response = serve("registered", browser.get("/window/cases/430426-2026-1", as_=WANG), case_id="430426-2026-1")

    assert response.status_code == 404
    assert apis.calls == []


def test_the_rating_page_never_sends_its_link_on_as_a_referer(serve, apis, browser):
    link = "Zq3vL8xN2pR7tY5wK9mB4cD6hJ1sF0aE"
    apis.answer("supervision", "GET", f"/api/v1/ratings/{link}", 200, {"case_id": "430426-20261123-00007"})

    response = serve("rating_page", browser.get(f"/rate/{link}"), token=link)

    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_form_too_large_is_refused_as_too_large_not_as_a_system_error(serve, apis, browser, staff):
    staff.signed_in(WANG)
    form = {"csrf": form_key_of(WANG), "summary": "邻" * 30_000}  # 90 000 bytes of UTF-8, over the 64 KiB a form may be

    response = serve("register", browser.post("/window", form, as_=WANG))

    assert apis.calls == []
    assert response.status_code == 413


# --- static files -----------------------------------------------------------------------------------


def test_the_stylesheet_is_served_as_css():
    response = static_file("console.css")

    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert len(response.get_data()) > 0


@pytest.mark.parametrize(
    "name",
    [
        "../templates/base.html",
        "../pages.py",
        "../../../shared/wording.py",
        "/etc/passwd",
        "vendor/../../service.py",
        "console.css.map",
        "console",
        "../migrations/0001_sessions.sql",
    ],
)
def test_nothing_outside_the_static_folder_or_of_another_kind_is_served(name):
    with pytest.raises(PageNotFound):
        static_file(name)


def test_a_missing_static_file_is_not_found():
    with pytest.raises(PageNotFound):
        static_file("missing.js")


def test_a_form_posted_from_another_site_is_refused_before_anything_runs(serve, browser, staff, apis):
    staff.signed_in(WANG)
    request = browser.post("/window", {"csrf": form_key_of(WANG), "summary": "跨站"}, as_=WANG)
    request.environ["HTTP_ORIGIN"] = "https://evil.example"

    response = serve("register", request)

    assert response.status_code == 403
    assert "表单已失效" in text_of(response)
    assert apis.calls == []


def test_signing_in_from_another_sites_form_is_refused(serve, browser, apis):
    request = browser.post("/login", {"username": "wang.fang", "password": "x"})
    request.environ["HTTP_ORIGIN"] = "https://evil.example"

    response = serve("sign_in", request)

    assert response.status_code == 403
    assert apis.calls == []


def test_a_form_from_the_consoles_own_page_names_its_origin_and_passes(serve, browser, staff):
    staff.signed_in(WANG)
    request = browser.post("/logout", {"csrf": form_key_of(WANG)}, as_=WANG)
    request.environ["HTTP_ORIGIN"] = "http://localhost"

    response = serve("sign_out", request)

    assert response.status_code == 303


# --- addresses no page has, and the icon a browser asks for ----------------------------------------


@pytest.fixture
def console_server(console):
    """The console's pages on one HardenedWsgiApp, as its web server routes them (the worker run at once)."""
    container = RunsTheWorker(console)
    container.shared_extensions = {}  # type: ignore[attr-defined]  # where nameko keeps the one web server
    handlers = [
        entrypoint.bind(container, name)
        for name, method in vars(Console).items()
        for entrypoint in getattr(method, "nameko_entrypoints", ())
        if isinstance(entrypoint, PageHandler)
    ]
    for handler in handlers:
        handler.setup()
    yield HardenedWsgiApp(handlers[0].server)  # nameko's extensions hold their container weakly: kept alive here


def get(app: HardenedWsgiApp, path: str, method: str = "GET") -> Response:
    return app.respond(EnvironBuilder(method=method, path=path).get_environ())


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/nonexistent"), ("GET", "/court-filings/new"), ("POST", "/cases-list")]
)
def test_a_mistyped_address_is_the_chinese_not_found_page_not_json(console_server, method, path):
    response = get(console_server, path, method)

    assert (response.status_code, response.mimetype) == (404, "text/html")
    page = text_of(response)
    assert "<h1>未找到</h1>" in page and "没有找到您要的页面" in page and '<a href="/">返回首页</a>' in page
    assert "not_found" not in page and "no such path" not in page
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("method", "path", "allowed"), [("GET", "/logout", "POST"), ("DELETE", "/window", "GET, HEAD, POST")]
)
def test_a_page_opened_with_a_method_it_does_not_take_is_a_chinese_page_not_json(console_server, method, path, allowed):
    response = get(console_server, path, method)

    assert (response.status_code, response.mimetype, response.headers["Allow"]) == (405, "text/html", allowed)
    page = text_of(response)
    assert "<h1>无法这样打开</h1>" in page and "请从菜单重新打开页面" in page
    assert "method_not_allowed" not in page and "is not allowed" not in page
    assert_security_headers(response)


def test_a_mistyped_address_reads_as_a_missing_case_does(console_server):
    mistyped = get(console_server, "/nonexistent")
    missing_case = HANDLER.response_from_exception(PageNotFound())

    def main_of(response: Response) -> str:  # the footer's clock may have moved on
        return text_of(response).split("<main", 1)[1].split("</main>", 1)[0]

    assert mistyped.status_code == missing_case.status_code == 404
    assert main_of(mistyped) == main_of(missing_case)


def test_the_favicon_is_the_consoles_own_icon_served_without_signing_in(console_server):
    response = get(console_server, "/favicon.ico")

    assert (response.status_code, response.mimetype) == (200, "image/x-icon")
    icon = response.get_data()
    assert icon[:4] == b"\x00\x00\x01\x00"  # an ICO file
    sizes = {(icon[6 + 16 * n], icon[7 + 16 * n]) for n in range(icon[4])}
    assert sizes == {(16, 16), (32, 32), (48, 48)}
    assert response.headers["Cache-Control"] == "public, max-age=3600"


def test_every_page_links_the_icon_from_the_consoles_own_static_files(console_server, serve, browser):
    svg = get(console_server, "/static/favicon.svg")
    sign_in = text_of(serve("sign_in_page", browser.get("/login")))
    not_found = text_of(get(console_server, "/nonexistent"))

    assert (svg.status_code, svg.mimetype) == (200, "image/svg+xml")
    assert svg.get_data(as_text=True).startswith("<svg") and "http" not in svg.get_data(as_text=True).replace(
        "http://www.w3.org/2000/svg", ""
    )
    for page in (sign_in, not_found):
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
        assert '<link rel="icon" href="/favicon.ico"' in page


# --- phones ---------------------------------------------------------------------------------------------------


def test_every_list_table_scrolls_in_its_own_box_so_the_page_never_scrolls_sideways():
    """A list of eight columns on a 390 px phone: the table scrolls within `.table-scroll`, not the page, and
    its headings keep to one line (each column at least as wide as its title)."""
    unwrapped = {
        template.name: count
        for template in sorted(TEMPLATES.glob("*.html"))
        if (
            count := template.read_text().count("<table")
            - template.read_text().count('<div class="table-scroll"><table')
        )
    }
    assert unwrapped == {}
    css = (STATIC / "console.css").read_text()
    assert re.search(r"\.table-scroll \{[^}]*overflow-x: auto", css)
    assert re.search(r"table\.list th[^{]*\{[^}]*white-space: nowrap", css)


def _contrast(one: str, other: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_focus_ring_stands_out_3_to_1_on_white_pages_and_on_the_blue_top_bar():
    """WCAG 2.2 SC 1.4.11: the yellow ring alone is 1.84:1 on white; a dark ring beside it carries it there."""
    css = (STATIC / "console.css").read_text()
    [focus] = re.findall(r"a:focus, button:focus, input:focus, select:focus, textarea:focus \{([^}]*)\}", css)
    ring_colours = re.findall(r"#[0-9a-fA-F]{6}", focus)
    accent = re.search(r"--accent: (#[0-9a-fA-F]{6})", css)
    assert accent
    assert "outline-offset" in focus and "box-shadow" in focus, focus  # two rings, side by side

    assert max(_contrast(colour, "#ffffff") for colour in ring_colours) >= 3, ring_colours
    assert max(_contrast(colour, accent.group(1)) for colour in ring_colours) >= 3, ring_colours
