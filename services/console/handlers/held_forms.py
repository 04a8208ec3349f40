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


def summary(held: HeldForm, names: Names) -> list[tuple[str, str]]:
    """Each field that will be sent, as (what it is, what it says): every one, so nothing goes that is not shown."""
    return [(wording.field_label(name), _value_text(name, value, names)) for name, value in held.shown()]


def held_form_page(visitor: Visitor, held: HeldForm, back: str, platform: Platform) -> Response:
    """The held form after signing in: not sent yet; what it would send, read out; 提交 under the new session's form
    key (and the form's own action key), or 放弃 back to the page it was typed on."""
    names = Names.of(platform)
    extra: dict[str, Any] = {"held": held, "back": back, "summary": summary(held, names)}
    return render("held_form.html", **page_context(visitor, "/login", names, platform.now(), **extra))
