"""The page a held form is shown on after signing in, giving it up, and which paths the console's pages take."""

from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from services.console import domain, held_forms
from services.console.handlers.common import Names, Visitor, Work, page_context
from services.console.held_forms import HeldForm
from services.console.pages import StaleForm, redirect, render
from shared import wording
from shared.platform import Platform

# The forms a held form is never sent to, by the page method that takes them: signing in and out, the change of
# password (its fields are passwords), the citizen's rating (no session of staff at all), and giving a held form up.
NEVER_RESENT = frozenset({"sign_in", "sign_out", "change_password", "rate", "discard_held_form"})
# The GET pages 放弃 never leads back to: the sign-in, the held form's own page, the citizen's rating, and what is no
# page to work on (assets, downloads, a letter's print view).
NEVER_RETURNED_TO = frozenset(
    {
        "sign_in_page",
        "held_form",
        "rating_page",
        "static",
        "favicon",
        "rating_qr",
        "print_document",
        "document_pdf",
        "report_csv",
        "report_json",
    }
)

# What a code a form sends reads as, by the field's last name ('parties.0.role' → role).
_VOCABULARIES: Mapping[str, Mapping[str, str]] = {
    "source": wording.SOURCES,
    "category": wording.CATEGORIES,
    "flags": wording.FLAGS,
    "role": wording.PARTY_ROLES,
    "kind": wording.PARTY_KINDS,
    "rating": wording.RATINGS,
    "outcome": wording.OUTCOMES,
    "result": wording.RESULT_CODES,
}

# What makes a party row of a registration form one that is sent on: any of these typed.
_PARTY_TYPED = frozenset({"name", "id_number", "phone"})


def _paths(service: type, method: str, leaving_out: frozenset[str]) -> Callable[[str], bool]:
    """Whether a path is one the service's own pages take with `method` (so a page added later is known without a list
    kept by hand), those named in `leaving_out` left out."""
    rules = [
        Rule(entrypoint.url, methods=[method], endpoint=name)
        for name, page_method in vars(service).items()
        if name not in leaving_out
        for entrypoint in getattr(page_method, "nameko_entrypoints", ())
        if getattr(entrypoint, "method", None) == method
    ]
    routes = Map(rules).bind("console")

    def is_path(path: str) -> bool:
        try:
            routes.match(path, method=method)
        except HTTPException:  # no such page, or one that takes no such method
            return False
        return True

    return is_path


def form_paths(service: type) -> Callable[[str], bool]:
    """Whether a path is one the console's forms post to, those in NEVER_RESENT left out."""
    return _paths(service, "POST", NEVER_RESENT)


def page_paths(service: type) -> Callable[[str], bool]:
    """Whether a path is a page of the console 放弃 may lead back to, those in NEVER_RETURNED_TO left out."""
    return _paths(service, "GET", NEVER_RETURNED_TO)


def _value_text(name: str, value: str, names: Names) -> str:
    last = name.rpartition(".")[2]
    if last == "division_code":
        return f"{names.place(value) or value}（{value}）"
    if last == "unit":
        return names.unit(value)
    vocabulary = _VOCABULARIES.get(last)
    return wording.label(vocabulary, value) if vocabulary is not None else value


def _party_row(name: str) -> str | None:
    """'parties.2' for 'parties.2.phone': the row of the registration forms' party inputs a field belongs to."""
    parts = name.split(".")
    return ".".join(parts[:2]) if len(parts) == 3 and parts[0] == "parties" else None


def summary(held: HeldForm, names: Names) -> tuple[list[tuple[str, str]], int]:
    """Each field that will be sent, as (what it is, what it says), and how many party rows are left blank. Every
    field is shown, so nothing goes that is not read, but a party row with no name, ID or mobile number: its role and
    kind are the form's defaults, and such a row is never sent on (domain.report_from_form skips it)."""
    shown = held.shown()
    rows = {row for name, _ in shown if (row := _party_row(name))}
    filled = {row for name, _ in shown if (row := _party_row(name)) and name.rpartition(".")[2] in _PARTY_TYPED}
    listed = [
        (wording.field_label(name), _value_text(name, value, names))
        for name, value in shown
        if _party_row(name) is None or _party_row(name) in filled
    ]
    return listed, len(rows - filled)


def held_by(request: Request, visitor: Visitor, now: Any) -> HeldForm | None:
    """The form the visitor's session holds, opened with their browser's cookie (no other browser's opens it)."""
    cookie = request.cookies.get(domain.SESSION_COOKIE, "")
    return held_forms.from_kept(domain.opened_held(visitor.session, cookie, now))


def held_form_page(request: Request, visitor: Visitor, platform: Platform) -> Response:
    """The held form after signing in: not sent yet; what it would send, read out; 提交 under the new session's form
    key (and the form's own action key), or 放弃 back to the page it was typed on. A GET page, shown again on a
    reload; once the form is sent, given up or past its time, the visitor's home page."""
    held = held_by(request, visitor, platform.now())
    if held is None:
        return redirect("/")
    names = Names.of(platform)
    listed, blank_rows = summary(held, names)
    extra: dict[str, Any] = {"held": held, "back": held.back, "summary": listed, "blank_party_rows": blank_rows}
    return render("held_form.html", **page_context(visitor, held_forms.HELD_PAGE, names, platform.now(), **extra))


def discard(request: Request, visitor: Visitor, uow: Work, platform: Platform) -> Response:
    """放弃: the session forgets the form, sends nothing of it, and leads back to the page it was typed on."""
    if not domain.form_key_matches(visitor.session, request.form.get("csrf")):
        raise StaleForm()
    held = held_by(request, visitor, platform.now())
    with uow:
        uow.store.release_held(visitor.session.digest)
    return redirect(held.back if held is not None else "/")
