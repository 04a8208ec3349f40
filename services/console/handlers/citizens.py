"""The citizen's pages, opened on a phone from a QR code, the link the credential: rating (群众评单) and progress."""

import re
from typing import Any

from werkzeug.wrappers import Request, Response

from services.console.dependencies import Apis, ApiUnavailable
from services.console.handlers.common import Names, errors_in_chinese, field_errors, page_context, refusal_code
from services.console.pages import redirect, render
from shared import wording
from shared.centres import CentresError, county_centres
from shared.contracts.identifiers import CASE_ID_PATTERN
from shared.platform import Platform
from shared.telemetry.case_scope import name_the_case

_TOKEN = re.compile(r"^[A-Za-z0-9._~-]{10,300}$")
_CASE_NUMBER = re.compile(CASE_ID_PATTERN)


def _rating_context(names: Names, platform: Platform, path: str = "/rate") -> dict[str, Any]:
    """A citizen page's frame: the county centre a citizen may turn to, with its phone when centres.toml gives one
    (the same the window's receipt prints)."""
    try:
        phone = county_centres(platform.config_dir, platform.county).county.phone
    except (CentresError, OSError):  # the file unreadable here: the centre by its name alone
        phone = None
    return page_context(None, path, names, platform.now(), centre=names.unit(platform.centre_unit), centre_phone=phone)


def rating_page(token: str, request: Request, apis: Apis, platform: Platform) -> Response:
    names = Names.of(platform)
    context = _rating_context(names, platform)
    if not _TOKEN.fullmatch(token):
        return render("rate.html", status=403, **context, state="invalid", visit=None, token="", errors={})
    answer = apis.call("supervision", "GET", f"/api/v1/ratings/{token}")
    closed_because = ""
    if answer.ok:
        _name_the_case(answer.body)
        # `done=1` is only the address the rating redirected to: anyone can type it, so thanks need the rating itself.
        rated = answer.body.get("rated") is True
        state = ("thanks" if request.args.get("done") == "1" else "rated") if rated else "open"
    elif answer.status == 409:
        code, _ = refusal_code(answer)
        state = "rated" if code == "already_rated" else "closed"
        closed_because = _DEAD_LINKS.get(code, _DEAD_LINK)
    else:
        state = {403: "invalid"}.get(answer.status, "unavailable")
    return render(
        "rate.html",
        status=200 if answer.ok else (answer.status if answer.status in (403, 409) else 503),
        **context,
        state=state,
        closed_because=closed_because,
        visit=answer.body if answer.ok else None,
        token=token,
        ratings=list(wording.RATINGS.items()),
        errors={},
    )


# Why supervision no longer takes a rating through the link (its RatingLinkRefusal codes), said to the citizen plainly.
_DEAD_LINKS = {
    "rating_link_expired": "此评价链接已过期，不能再评价。",
    "rating_link_superseded": "您反映的纠纷正在重新办理，此评价链接已停用；重新办结后，会请您再次评价。",
}
_DEAD_LINK = "此评价链接已不能使用。"


def rate(token: str, request: Request, apis: Apis, platform: Platform) -> Response:
    # No session and no form key: the single-use link is the credential, and SameSite cookies are moot.
    if not _TOKEN.fullmatch(token):
        return rating_page(token, request, apis, platform)
    body = {"rating": request.form.get("rating", "")}
    comment = request.form.get("comment", "").strip()
    if comment:
        body["comment"] = comment
    answer = apis.call("supervision", "POST", f"/api/v1/ratings/{token}", body=body)
    if answer.status == 400:
        names = Names.of(platform)
        visit = apis.call("supervision", "GET", f"/api/v1/ratings/{token}")
        return render(
            "rate.html",
            status=400,
            **_rating_context(names, platform),
            state="open",
            visit=visit.body if visit.ok else None,
            token=token,
            ratings=list(wording.RATINGS.items()),
            errors=errors_in_chinese({str(e.get("field")): [e] for e in field_errors(answer)}),
            chosen_rating=body["rating"],
            comment=comment,  # what the citizen typed stays when the choice is missing
        )
    if answer.ok:
        _name_the_case(answer.body)
        return redirect(f"/rate/{token}?done=1")
    return rating_page(token, request, apis, platform)


def _name_the_case(answer: object) -> None:
    """The case supervision found behind the link names the page's span, and so its access line; the link's code is
    never logged, and the console cannot check it, so only an answer supervision gave names a case."""
    case_id = answer.get("case_id") if isinstance(answer, dict) else None
    if isinstance(case_id, str) and _CASE_NUMBER.fullmatch(case_id):
        name_the_case(case_id)


# --- 办理进度查询: the receipt's QR code ------------------------------------------------------------------------

# Why a progress link opens nothing (supervision's 403 and ProgressLinkRefusal codes), said to the citizen plainly.
_DEAD_PROGRESS_LINKS = {
    403: "链接无效，请核对回执上的二维码后重新扫码。",
    409: "此查询链接已过期。",
}


def progress_page(token: str, apis: Apis, platform: Platform) -> Response:
    """Where the citizen's case stands, as supervision tells it to the link: the link is checked there (the console
    cannot check it), and a dead one is a plain warning with the centre's phone, as on the rating page."""
    names = Names.of(platform)
    context = _rating_context(names, platform, "/track")
    if not _TOKEN.fullmatch(token):
        return render("track.html", status=403, **context, state="dead", dead_because=_DEAD_PROGRESS_LINKS[403])
    try:
        answer = apis.call("supervision", "GET", f"/api/v1/progress/{token}")
    except ApiUnavailable:
        answer = None
    if answer is not None and answer.ok and isinstance(answer.body, dict):
        _name_the_case(answer.body)
        return render("track.html", **context, state="open", progress=answer.body)
    if answer is not None and answer.status in _DEAD_PROGRESS_LINKS:
        reason = _DEAD_PROGRESS_LINKS[answer.status]
        return render("track.html", status=answer.status, **context, state="dead", dead_because=reason)
    return render("track.html", status=503, **context, state="unavailable")
