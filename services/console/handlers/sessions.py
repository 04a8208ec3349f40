"""Signing in and out: the console asks the identity service, and keeps the token on the server side."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from services.console import domain, held_forms
from services.console.api_client import new_action_key
from services.console.dependencies import Apis
from services.console.handlers.common import CheckToken, Names, Visitor, Work, new_secret, page_context, posted_form
from services.console.held_forms import HeldForm
from services.console.pages import redirect, render
from shared import clock, wording
from shared.auth.principal import AuthFailure
from shared.auth.tokens import KeysUnavailable
from shared.forwarded import client_address
from shared.platform import Platform

SIGN_IN_REFUSALS = {
    401: "账号或密码不正确，或账号已停用。",
    429: "尝试次数过多，请稍后再试。",
}


def sign_in_page(
    request: Request, platform: Platform, message: str = "", status: int = 200, held: HeldForm | None = None
) -> Response:
    """The sign-in page; `held`: the form a sign-in that did not succeed brought back, carried on to the next try."""
    names = Names.of(platform)
    return render(
        "sign_in.html",
        status=status,
        **page_context(None, "/login", names, platform.now()),
        # A refused sign-in keeps where it leads: the page asked for, and the page a held form came from.
        next=domain.safe_next(request.args.get("next") if request.method == "GET" else request.form.get("next")),
        message=message,
        signed_out=request.method == "GET" and request.args.get("signed_out") == "1",
        password_changed=request.method == "GET" and request.args.get("password_changed") == "1",
        ended=request.method == "GET" and request.args.get("ended") == "1",
        unsent=request.method == "GET" and request.args.get("unsent") == "1",
        username=request.form.get("username", "") if request.method == "POST" else "",
        held=held,
    )


@dataclass(frozen=True)
class HeldFormCheck:
    """What a sign-in that brought a held form back needs besides identity: which paths the console's forms post to,
    which are its pages (where 放弃 may lead back to), and the check of the new session's token."""

    is_form_path: Callable[[str], bool]
    is_page: Callable[[str], bool]
    check_token: CheckToken


def sign_in(
    request: Request,
    uow: Work,
    apis: Apis,
    platform: Platform,
    secure_cookie: bool,
    trusted_proxies: list[str],
    held_check: HeldFormCheck | None = None,
) -> Response:
    try:
        held = held_forms.held_in(request.form.items(multi=True), held_check.is_form_path) if held_check else None
    except held_forms.HeldFormRefused as refused:
        # Nothing of it is sent, nor carried on: the page shown has only the sign-in, which then goes on as any other.
        return sign_in_page(request, platform, f"{refused}，未提交任何内容。请登录后重新填写。", status=400)
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not username or not password:
        return sign_in_page(request, platform, "请输入账号和密码。", status=400, held=held)
    # Identity throttles sign-ins by address: it is told the browser's, not the console's own.
    answer = apis.call(
        "identity",
        "POST",
        "/api/v1/sessions",
        body={"username": username[:64], "password": password[:1024]},
        forwarded_for=client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), trusted_proxies),
    )
    if not answer.ok:
        refusal = SIGN_IN_REFUSALS.get(answer.status, "暂时无法登录，请稍后再试。")
        status = answer.status if answer.status < 500 else 503
        return sign_in_page(request, platform, refusal, status=status, held=held)
    # A browser signing in again ends the session its cookie still names (its person's, or another's on a shared
    # computer): it would otherwise stay usable to whoever copies that cookie until it expires.
    earlier = request.cookies.get(domain.SESSION_COOKIE)
    replacing = domain.session_digest(earlier) if earlier else None
    if held is None or held_check is None:
        target = domain.safe_next(request.form.get("next"))
        if held_check is not None:
            # A form posted after the session ended but too large to hold leaves its own address as `next`; a form's
            # address may take POST alone (`/cases/<id>/assign`), so the sign-in goes on to the page nearest it.
            target = held_forms.page_to_return_to(target, target.partition("?")[0], held_check.is_page)
        return open_session(uow, platform, answer.body, secure_cookie, target, replacing)
    # Signed in, the held form is shown, not sent: it goes on only when the person who signed in reads and sends it.
    # The new session keeps it and the browser is sent on to the page that shows it (Post/Redirect/Get), so that a
    # reload shows it again instead of posting the sign-in, password and all, once more.
    try:
        held_check.check_token(str(answer.body["token"]))
    except (AuthFailure, KeysUnavailable):  # identity's token not verifiable yet: no session opened, the form kept
        return sign_in_page(request, platform, "暂时无法登录，请稍后再试。", status=503, held=held)
    back = held_forms.page_to_return_to(request.form.get("next"), held.target, held_check.is_page)
    kept = replace(held, back=back)
    return open_session(uow, platform, answer.body, secure_cookie, held_forms.HELD_PAGE, replacing, holding=kept)


def open_session(
    uow: Work,
    platform: Platform,
    signed_in: Mapping[str, Any],
    secure_cookie: bool,
    target: str,
    replacing: bytes | None = None,
    holding: HeldForm | None = None,
) -> Response:
    """A new session for identity's answer to a sign-in, under a new cookie, and on to `target`; `replacing` is
    the session it takes the place of (the browser's earlier one, or one whose token the change of password
    withdrew); `holding`, a form posted once the session before had ended, which the new session alone keeps."""
    cookie = new_secret()
    now = platform.now()
    expires_at = datetime.fromisoformat(signed_in["expires_at"])
    session = domain.open_session(
        signed_in["account"]["subject"],
        signed_in["token"],
        expires_at,
        now,
        cookie,
        new_secret(),
        held=held_forms.kept_text(holding) if holding is not None else "",
        held_for=held_forms.HELD_FOR,
    )
    with uow:
        if replacing is not None:
            uow.store.remove(replacing)
        uow.store.add(session)
    response = redirect(target)
    response.set_cookie(
        domain.SESSION_COOKIE,
        cookie,
        expires=expires_at,
        httponly=True,
        samesite="Strict",
        secure=secure_cookie,
        path="/",
    )
    return response


def sign_out(request: Request, visitor: Visitor, uow: Work, secure_cookie: bool) -> Response:
    posted_form(request, visitor)
    with uow:
        uow.store.remove(visitor.session.digest)
    return _signed_out(secure_cookie)


def sign_out_ended(request: Request, uow: Work, secure_cookie: bool) -> Response:
    """退出 once the session had ended (expired, or its token withdrawn): nothing is left for the form key to protect,
    so the browser's cookie is cleared and the session it names forgotten, as for a sign-out."""
    cookie = request.cookies.get(domain.SESSION_COOKIE)
    if cookie and len(cookie) <= domain.MAX_COOKIE_CHARS:
        with uow:
            uow.store.remove(domain.session_digest(cookie))
    return _signed_out(secure_cookie)


def _signed_out(secure_cookie: bool) -> Response:
    """The cookie cleared with the attributes it was set with: over https, a browser keeps a Secure cookie that a
    clearing header without Secure would otherwise be refused to overwrite."""
    response = redirect("/login?signed_out=1")
    response.delete_cookie(domain.SESSION_COOKIE, path="/", httponly=True, samesite="Strict", secure=secure_cookie)
    return response


def home(visitor: Visitor) -> Response:
    target = domain.home_for(visitor.roles, visitor.agencies)
    if target is None:  # an operator: the console has nothing for them, the `wuyuan` command does
        return _nothing_here(visitor)
    return redirect(target)


def _nothing_here(visitor: Visitor) -> Response:
    """An account whose roles open no page (an operator's): said with who is signed in and the way out, since a
    link home would lead back here."""
    return render(
        "error.html",
        status=403,
        title="此账号无需使用工作台",
        message="运维账号请在平台所在的主机上使用 wuyuan 命令管理平台。如需办理案件，请使用本人的工作人员账号登录。",
        signed_in_elsewhere=True,
        visitor=visitor,
        visitor_roles=wording.role_names(visitor.roles),
        nav=[],
        path="/",
        csrf=visitor.session.csrf,
        action_key=new_action_key(),
        now=clock.now(),
    )


def forget_expired_sessions(uow: Work, platform: Platform) -> int:
    with uow:
        return uow.store.remove_expired(platform.now())
