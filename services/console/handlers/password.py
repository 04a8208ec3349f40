"""修改密码: a signed-in person changes their own password at the identity service, giving the one they have."""

from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Request, Response

from services.console.dependencies import Apis, ApiUnavailable
from services.console.handlers.common import Names, Visitor, Work, expect, page_context, posted_form
from services.console.handlers.sessions import open_session
from services.console.pages import redirect, render
from shared.forwarded import client_address
from shared.platform import Platform

PAGE = "/password"
MIN_LENGTH = 12  # identity's rule (services/identity/domain.py), said before the form is sent
# What identity answers, as the person reads it beside the input it concerns.
REFUSALS = {
    ("current_password", "wrong"): "当前密码不正确。连续输错多次账号将被暂时锁定。",
    ("new_password", "password_policy"): f"新密码至少{MIN_LENGTH}个字符，且不能与当前密码相同。",
}


def password_page(
    visitor: Visitor,
    platform: Platform,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
    done: bool = False,
) -> Response:
    return render(
        "password.html",
        status=status,
        **page_context(visitor, PAGE, Names.of(platform), platform.now()),
        errors=errors or {},
        done=done,
        min_length=MIN_LENGTH,
    )


def change_password(
    visitor: Visitor,
    request: Request,
    uow: Work,
    apis: Apis,
    platform: Platform,
    trusted_proxies: list[str],
    secure_cookie: bool,
) -> Response:
    """The password changed at identity, which withdraws every token the account held, this session's too; the
    console then signs in with the new password and carries on in a new session under a new cookie."""
    form = posted_form(request, visitor)
    current, new, again = (_value(form, name) for name in ("current_password", "new_password", "new_password_again"))
    errors = _unfilled(current, new, again)
    if errors:
        return password_page(visitor, platform, errors, status=400)
    body = {"current_password": current[:1024], "new_password": new[:1024]}
    # Identity logs the attempt, and counts a wrong password, under the browser's address, as for a sign-in.
    browser = client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), trusted_proxies)
    answer = apis.call("identity", "POST", "/api/v1/me/password", token=visitor.token, body=body, forwarded_for=browser)
    if answer.status == 400:
        return password_page(visitor, platform, _refusals(answer.body), status=400)
    if answer.status == 429:
        locked = {"current_password": "当前密码输错次数过多，账号已暂时锁定，请稍后再试或联系管理员解锁。"}
        return password_page(visitor, platform, locked, status=429)
    if answer.status == 404:
        elsewhere = {"current_password": "此账号由单位统一身份认证管理，请在那里修改密码。"}
        return password_page(visitor, platform, elsewhere, status=409)
    expect(answer, service="identity")
    try:
        signed_in = apis.call(
            "identity",
            "POST",
            "/api/v1/sessions",
            body={"username": visitor.principal.subject, "password": new[:1024]},
            forwarded_for=browser,
        )
    except ApiUnavailable:
        signed_in = None
    if signed_in is None or not signed_in.ok:  # changed, but no new token (identity busy, say): told why
        with uow:
            uow.store.remove(visitor.session.digest)
        return redirect("/login?password_changed=1")
    return open_session(uow, platform, signed_in.body, secure_cookie, f"{PAGE}?done=1", visitor.session.digest)


def _value(form: Mapping[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]  # a password as typed: spaces are part of it


def _unfilled(current: str, new: str, again: str) -> dict[str, str]:
    errors = {}
    if not current:
        errors["current_password"] = "请输入当前密码。"
    if not new:
        errors["new_password"] = "请输入新密码。"
    elif len(new) < MIN_LENGTH:
        errors["new_password"] = f"新密码至少{MIN_LENGTH}个字符。"
    elif new != again:
        errors["new_password_again"] = "两次输入的新密码不一致。"
    return errors


def _refusals(body: Any) -> dict[str, str]:
    fields = body.get("fields") if isinstance(body, dict) else None
    errors = {}
    for error in fields if isinstance(fields, list) else []:
        if isinstance(error, dict):
            field = str(error.get("field", ""))
            errors[field] = REFUSALS.get((field, str(error.get("type", ""))), "填写有误，请检查后重试。")
    return errors or {"current_password": "填写有误，请检查后重试。"}
