"""The page a held form is shown on after signing in, and which paths the console's forms post to."""

from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from services.console.handlers.common import Names, Visitor, page_context
from services.console.held_forms import HeldForm
from services.console.pages import render
from shared import wording
from shared.platform import Platform

# The forms a held form is never sent to, by the page method that takes them: signing in and out, the change of
# password (its fields are passwords), and the citizen's rating (no session of staff at all).
NEVER_RESENT = frozenset({"sign_in", "sign_out", "change_password", "rate"})

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


def form_paths(service: type) -> Callable[[str], bool]:
    """Whether a path is one the console's forms post to, from the service's own POST pages (so a page added later
    is known without a list kept by hand), those in NEVER_RESENT left out."""
    rules = [
        Rule(entrypoint.url, methods=["POST"], endpoint=name)
        for name, method in vars(service).items()
        if name not in NEVER_RESENT
        for entrypoint in getattr(method, "nameko_entrypoints", ())
        if getattr(entrypoint, "method", None) == "POST"
    ]
    routes = Map(rules).bind("console")

    def is_form_path(path: str) -> bool:
        try:
            routes.match(path, method="POST")
        except HTTPException:  # no such page, or one that takes no POST
            return False
        return True

    return is_form_path


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


def held_form_page(visitor: Visitor, held: HeldForm, back: str, platform: Platform) -> Response:
    """The held form after signing in: not sent yet; what it would send, read out; 提交 under the new session's form
    key (and the form's own action key), or 放弃 back to the page it was typed on."""
    names = Names.of(platform)
    listed, blank_rows = summary(held, names)
    extra: dict[str, Any] = {"held": held, "back": back, "summary": listed, "blank_party_rows": blank_rows}
    return render("held_form.html", **page_context(visitor, "/login", names, platform.now(), **extra))
