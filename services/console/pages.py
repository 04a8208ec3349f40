"""The console's HTTP entrypoint and page rendering: Chinese pages, error pages, and the headers every page carries."""

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import ChainableUndefined, Environment, FileSystemLoader, select_autoescape
from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from services.console import case_text
from services.console.dependencies import ApiUnavailable, console_settings
from services.console.held_forms import HeldForm
from shared import clock, wording
from shared.auth.principal import Forbidden
from shared.web_server import HardenedWebServer

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

# Everything a page loads comes from the console itself: no CDN, no inline script, no framing.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # A rating link's token is in its URL: it must never travel to another site as a Referer. Not
    # no-referrer, under which a browser sends its own forms' Origin as "null" and same_origin fails.
    "Referrer-Policy": "same-origin",
}
# Served over https (WUYUAN_CONSOLE_SECURE_COOKIES): a browser that has seen the console once never reaches it over
# plain http again, where a network in between could read or change the pages before any redirect.
HTTPS_ONLY = {"Strict-Transport-Security": "max-age=31536000"}
MAX_FORM_BYTES = 64 * 1024


class SignInNeeded(Exception):
    """No session, or one that has ended: the visitor is sent to the sign-in page.

    `ended`: the browser still named a session (it expired, or its token was withdrawn), so the page says so rather
    than greet as if nobody had signed in; `unsent`: a form was posted, and the page says it was not acted on;
    `held`: that form, which the sign-in page itself then carries (services.console.held_forms), never redirected to.
    """

    def __init__(
        self, next_path: str = "/", *, ended: bool = False, unsent: bool = False, held: HeldForm | None = None
    ) -> None:
        super().__init__("sign in first")
        self.next_path = next_path
        self.ended = ended
        self.unsent = unsent
        self.held = held

    def sign_in_address(self) -> str:
        flags = ("&ended=1" if self.ended else "") + ("&unsent=1" if self.unsent else "")
        return "/login?next=" + quote(self.next_path, safe="/") + flags


class PageNotFound(Exception):
    """No such page, case or referral (or none this visitor may know of)."""


class StaleForm(Exception):
    """A form without this session's key: from another site, or from a page older than the session."""


@cache
def templates() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        # A key an API answer leaves out (a timeline entry's detail, say) reads as empty, never a 500.
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["w"] = wording
    environment.globals["case_text"] = case_text  # who handles a case, as every page that shows one says it
    return environment


def render(template: str, status: int = 200, **context: Any) -> Response:
    html = templates().get_template(template).render(**context)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"  # pages hold personal data: never kept by a browser or proxy
    return response


def redirect(location: str) -> Response:
    """303: after a form, the browser fetches the next page with GET, so a reload never posts twice."""
    return Response("", status=303, headers={"Location": location})


def error_page(status: int, title: str, message: str) -> Response:
    response = render(
        "error.html", status=status, title=title, message=message, visitor=None, nav=[], path="", now=clock.now()
    )
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response


def held_sign_in_page(sign_in: SignInNeeded, held: HeldForm) -> Response:
    """The answer to a form posted without a session: the sign-in page itself, the form's fields in its hidden inputs,
    so what was typed comes back after signing in and nothing of it is kept by the console. 401: the form was not
    acted on (no WWW-Authenticate: the console signs in with its own page, and a browser must not ask for a
    password of its own)."""
    return render(
        "sign_in.html",
        status=401,
        visitor=None,
        nav=[],
        path="/login",
        now=clock.now(),
        csrf="",
        next=sign_in.next_path,
        ended=sign_in.ended,
        held=held,
        message="",
        username="",
    )


NOT_FOUND = ("未找到", "没有找到您要的页面或案件，或您无权查看。")


def secured(response: Response) -> Response:
    """The response with the headers every page carries (those it sets itself kept)."""
    headers = SECURITY_HEADERS | HTTPS_ONLY if console_settings().secure_cookies else SECURITY_HEADERS
    for name, value in headers.items():
        response.headers.setdefault(name, value)
    return response


WRONG_METHOD = ("无法这样打开", "此页面不能以这种方式打开或提交。请从菜单重新打开页面，或返回上一页后重试。")


def routing_error_page(request: Request, status: int, allowed: tuple[str, ...]) -> Response:
    """A mistyped or outdated address: the same 未找到 page as a case that is not there; a form or link that
    uses a method the page does not take (an old bookmark of a POST-only address): a page that says so.
    Never the APIs' JSON."""
    return secured(error_page(405, *WRONG_METHOD) if status == 405 else error_page(404, *NOT_FOUND))


def same_origin(request: Request) -> bool:
    """A browser names the page a form was posted from; one from another site is refused before any
    worker runs. This covers the forms no session key can: signing in (a site signing a browser into
    its own account) and the citizen's rating."""
    origin = request.headers.get("Origin")
    if origin is None or (origin == "null" and request.path.startswith("/rate/")):
        return True  # not a browser that says, or a phone's privacy mode on the public rating page
    return urlsplit(origin).netloc == request.host


class PageHandler(HttpRequestHandler):
    """nameko's @http for pages: the same hardened server as the APIs, errors as Chinese pages."""

    server = HardenedWebServer()

    def __init__(self, method: str, url: str, **kwargs: Any) -> None:
        kwargs.setdefault(
            "expected_exceptions",
            (SignInNeeded, PageNotFound, StaleForm, Forbidden, ApiUnavailable, RequestEntityTooLarge),
        )
        super().__init__(method, url, **kwargs)

    def setup(self) -> None:
        super().setup()
        # The server answers the paths no page has, and methods a page does not take; here, as pages.
        self.server.answer_routing_errors(routing_error_page)

    def handle_request(self, request: Request) -> Response:
        request.max_form_memory_size = MAX_FORM_BYTES
        request.max_content_length = MAX_FORM_BYTES
        if request.method == "POST" and not same_origin(request):
            response = self.response_from_exception(StaleForm())
        else:
            response = super().handle_request(request)
        return secured(response)

    def response_from_exception(self, exc: Exception) -> Response:
        if isinstance(exc, SignInNeeded):
            return redirect(exc.sign_in_address()) if exc.held is None else held_sign_in_page(exc, exc.held)
        if isinstance(exc, Forbidden):
            return error_page(403, "无权访问", "您的账号无权查看或办理此项。如需权限，请联系本中心管理员。")
        if isinstance(exc, PageNotFound):
            return error_page(404, *NOT_FOUND)
        if isinstance(exc, StaleForm):
            return error_page(403, "表单已失效", "页面已过期或来自其他网站。请返回，刷新页面后重新提交。")
        if isinstance(exc, RequestEntityTooLarge):
            return error_page(413, "内容过多", "提交的内容超过了允许的大小，请删减后重新提交。")
        if isinstance(exc, ApiUnavailable):
            return error_page(
                503, "暂时无法办理", "平台的部分服务暂时没有响应，请稍后再试；如持续出现，请联系运维人员。"
            )
        return error_page(500, "系统出错", "处理时出现错误，已记入日志。请稍后再试，或联系运维人员。")


page = PageHandler.decorator
