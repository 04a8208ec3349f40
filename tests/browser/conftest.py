"""Browser tests: the real platform (tests/e2e's fixtures) seen through Debian's Chromium, driven by Playwright.

They run in a pytest process of their own without eventlet (WUYUAN_BROWSER_TESTS=1, see
tests/conftest.py and the Makefile's `test` target): Playwright's sync API hangs when eventlet has
monkey-patched the process. The browser is the system's `chromium` (scripts/ensure-browser.sh
installs it), never one Playwright downloads.

Every page comes from the `page` factory, whose context may talk to the platform on loopback only:
any other request is aborted and fails the test, as do console errors, uncaught page errors and
HTTP 5xx responses. A confirmation dialog (an irreversible action's `data-confirm`) is accepted
and recorded, unless the test asked the factory to cancel them. `shoot(page, name)` keeps a full-page
screenshot in var/screenshots/.
"""

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    Response,
    Route,
    WebError,
    WebSocketRoute,
    sync_playwright,
)

from tests.e2e import conftest as e2e
from wuyuan.settings import REPO_ROOT, PlatformSettings

# The platform itself, provisioned, started and torn down once per session: tests/e2e's own fixtures.
platform_settings = e2e.platform_settings
platform = e2e.platform
client = e2e.client

SCREENSHOTS = REPO_ROOT / "var" / "screenshots"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Schemes that never leave the browser.
LOCAL_SCHEMES = frozenset({"data", "blob", "about", "chrome-error"})

VIEWPORTS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 860}},
    # A mid-size phone held upright (CSS pixels), as a field officer would use the console.
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


def chromium_path() -> str | None:
    """WUYUAN_CHROMIUM, else the first of chromium / chromium-browser on PATH."""
    return os.environ.get("WUYUAN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_configure(config: pytest.Config) -> None:
    """Refuse at once to run in a process that eventlet has patched, rather than hang in Playwright."""
    eventlet = sys.modules.get("eventlet")
    if eventlet is not None and eventlet.patcher.is_monkey_patched("thread"):
        raise pytest.UsageError(
            "the browser tests cannot run in an eventlet-patched process (Playwright hangs there); "
            "run them on their own: WUYUAN_BROWSER_TESTS=1 pytest tests/browser  (make test does)"
        )


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the session."""
    executable = chromium_path()
    if executable is None:
        reason = "no Chromium: install Debian's chromium (scripts/ensure-browser.sh) or set WUYUAN_CHROMIUM"
        if os.environ.get("WUYUAN_REQUIRE_BROWSER"):
            pytest.fail(f"{reason} (WUYUAN_REQUIRE_BROWSER is set)", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


class _Watch:
    """What one context did that a page must not: leave loopback, log errors, get a 5xx."""

    def __init__(self) -> None:
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.server_errors: list[str] = []
        self.dialogs: list[str] = []
        self.cancel_dialogs = False

    def dialog(self, dialog: Dialog) -> None:
        """Answer as a staff member would (confirm, unless told to cancel) and keep what it asked."""
        self.dialogs.append(dialog.message)
        if self.cancel_dialogs:
            dialog.dismiss()
        else:
            dialog.accept()

    def route(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS:
            route.fallback()
        else:
            self.outside.append(f"{route.request.method} {url}")
            route.abort("blockedbyclient")

    def route_web_socket(self, socket: WebSocketRoute) -> None:
        if urlsplit(socket.url).hostname in LOCAL_HOSTS:
            socket.connect_to_server()
        else:
            self.outside.append(f"WebSocket {socket.url}")
            socket.close()

    def console(self, message: ConsoleMessage) -> None:
        where = message.location.get("url", "")
        # A request aborted above also logs a console error; it is reported once, as such.
        if message.type == "error" and not any(url.endswith(f" {where}") for url in self.outside):
            self.errors.append(f"console error: {message.text}" + (f" ({where})" if where else ""))

    def web_error(self, error: WebError) -> None:
        self.errors.append(f"uncaught page error: {error.error}")

    def response(self, response: Response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def problems(self, *, allow_errors: bool) -> list[str]:
        found = [f"request beyond the platform (aborted): {url}" for url in self.outside]
        if not allow_errors:
            found += self.server_errors + self.errors
        return found


class NewPage:
    """The `page` fixture: page(viewport="desktop" | "phone" | (width, height), allow_errors=False, javascript=True)
    -> a fresh Page (javascript=False: the console as a browser without scripts sees it).

    Each call opens a new context (no cookies shared) in zh-CN on Beijing time. At teardown the
    test fails if any of its pages asked for anything beyond 127.0.0.1/localhost or, unless
    allow_errors=True (for a test that provokes them), logged a console or page error or got a 5xx.
    """

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.opened: list[tuple[BrowserContext, _Watch, bool]] = []

    def __call__(
        self, viewport: str | tuple[int, int] = "desktop", *, allow_errors: bool = False, javascript: bool = True
    ) -> Page:
        if isinstance(viewport, str):
            options = VIEWPORTS[viewport]
        else:
            options = {"viewport": {"width": viewport[0], "height": viewport[1]}}
        context = self.browser.new_context(
            locale="zh-CN", timezone_id="Asia/Shanghai", java_script_enabled=javascript, **options
        )
        watch = _Watch()
        self.opened.append((context, watch, allow_errors))
        context.route("**/*", watch.route)
        context.route_web_socket("**/*", watch.route_web_socket)
        context.on("console", watch.console)
        context.on("weberror", watch.web_error)
        context.on("response", watch.response)
        context.on("dialog", watch.dialog)
        return context.new_page()

    def _watch(self, page: Page) -> _Watch:
        return next(watch for context, watch, _ in self.opened if context == page.context)

    def confirmations(self, page: Page) -> list[str]:
        """What the page's dialogs asked, in order."""
        return self._watch(page).dialogs

    def errors(self, page: Page) -> list[str]:
        """The console and page errors and 5xx the page's context saw: for a test that allows errors to say which."""
        watch = self._watch(page)
        return watch.errors + watch.server_errors

    def cancel_confirmations(self, page: Page, cancel: bool = True) -> None:
        """From now on answer the page's dialogs with 取消 (or, with cancel=False, 确定 again)."""
        self._watch(page).cancel_dialogs = cancel

    def close(self) -> list[str]:
        problems: list[str] = []
        for context, watch, allow_errors in self.opened:
            context.close()
            problems += watch.problems(allow_errors=allow_errors)
        return problems


@pytest.fixture
def page(browser: Browser) -> Iterator[NewPage]:
    """A NewPage factory for the test; its pages' problems fail the test at teardown."""
    factory = NewPage(browser)
    yield factory
    problems = factory.close()
    if problems:
        pytest.fail("the browser saw:\n  " + "\n  ".join(problems), pytrace=False)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as var/screenshots/<name>.png (overwritten on every run)."""
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True)
    return path


@pytest.fixture(scope="session")
def shoot() -> Callable[[Page, str], Path]:
    """shoot(page, name) -> Path: a full-page screenshot under var/screenshots/."""
    return screenshot


@pytest.fixture(scope="session")
def console_url(platform: PlatformSettings) -> str:
    """The staff console's base URL on the running platform."""
    return platform.http_base_url("console")
