"""A form posted once its session had ended, held through signing in and sent again only on a click.

What a member of staff typed (a walk-in's names, ID and mobile numbers) travels in the sign-in page's hidden inputs
and comes back with the sign-in, checked here both ways; the new session then keeps it, sealed under the browser's
cookie (services.console.domain), for the page that shows it to be reloaded, until it is sent or given up, for an hour
at most. The session's form key is dropped (the new session's goes with it); the action key stays, so a form that
reached a service before, or is sent twice, is one action (services.console.api_client).
"""

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from services.console.api_client import ACTION_FIELD
from services.console.domain import safe_next

HELD_PREFIX = "held:"  # a held field's name on the sign-in form, apart from the sign-in's own
TARGET_FIELD = "held_target"
FILES_FIELD = "held_files"
FORM_KEY_FIELD = "csrf"
# Forms that are never held: signing in and out, the change of password, whose fields are passwords, and giving up a
# held form (once the session has ended, there is none left to give up).
NOT_HELD = frozenset({"/login", "/logout", "/password", "/held-form/discard"})
# The page a held form is shown on after signing in (a GET, so that reloading it posts nothing again), and how long the
# new session keeps it: time enough to read and send it, not a day's store of personal data.
HELD_PAGE = "/held-form"
HELD_FOR = timedelta(hours=1)
# Bounds far above any console form (the registration has about 40 fields, its longest text 2000 characters), and
# below what the sign-in may carry: the held fields go back with the account, the password and the hidden prefixes,
# and the whole must stay under the console's form limit (pages.MAX_FORM_BYTES, 64 KiB), percent-encoded.
MAX_FIELDS = 200
MAX_NAME_CHARS = 64
MAX_VALUE_CHARS = 8000
MAX_HELD_BYTES = 56 * 1024
MAX_TARGET_CHARS = 256


class HeldFormRefused(ValueError):
    """A held form that cannot be sent on: the sentence says why, in Chinese, and nothing of it is sent."""


@dataclass(frozen=True)
class HeldForm:
    """The fields of a form as it was posted (its form key dropped), the path it was posted to, whether a file
    chosen on it could not come along, and the console page 放弃 leads back to (`page_to_return_to`)."""

    target: str
    fields: tuple[tuple[str, str], ...]
    files_dropped: bool = False
    back: str = "/"

    def on_sign_in(self) -> list[tuple[str, str]]:
        """The hidden inputs the sign-in form carries it in."""
        carried = [(TARGET_FIELD, self.target), *((HELD_PREFIX + name, value) for name, value in self.fields)]
        return carried + ([(FILES_FIELD, "1")] if self.files_dropped else [])

    @property
    def action_key(self) -> str:
        return next((value for name, value in self.fields if name == ACTION_FIELD), "")

    def shown(self) -> list[tuple[str, str]]:
        """Every field that will be sent and says something (not the action key, not an empty field), in order."""
        return [(name, value) for name, value in self.fields if name != ACTION_FIELD and value.strip()]


def _control_characters(text: str, *, allow_lines: bool) -> bool:
    allowed = "\t\r\n" if allow_lines else ""
    return any((character < " " and character not in allowed) or character == "\x7f" for character in text)


def _target_refusal(target: str, is_form_path: Callable[[str], bool]) -> str | None:
    """Why a path is no console form to send to: only a path of this console (never another site, `//host` or
    `\\\\host` included), without a query, that one of the console's forms posts to."""
    if not target or len(target) > MAX_TARGET_CHARS or not target.isascii():
        return "原表单的提交地址无法识别"
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or _control_characters(target, allow_lines=False)
    ):
        return "原表单的提交地址不是本工作台的地址"
    if "?" in target or "#" in target or target in NOT_HELD or not is_form_path(target):
        return "原表单的提交地址不是本工作台可提交的表单"
    return None


def _fields_refusal(fields: Sequence[tuple[str, str]]) -> str | None:
    if not fields:
        return "原表单没有任何内容"
    if len(fields) > MAX_FIELDS:
        return f"原表单的栏目过多（超过{MAX_FIELDS}项）"
    for name, value in fields:
        if not name or len(name) > MAX_NAME_CHARS or _control_characters(name, allow_lines=False):
            return "原表单含有无法识别的栏目名称"
        if len(value) > MAX_VALUE_CHARS:
            return f"原表单有一项内容过长（超过{MAX_VALUE_CHARS}字）"
        if _control_characters(value, allow_lines=True):
            return "原表单有一项内容含有无法显示的字符"
    carried = urlencode([(HELD_PREFIX + name, value) for name, value in fields])
    if len(carried.encode("ascii")) > MAX_HELD_BYTES:
        return "原表单的内容过多"
    return None


def _without_form_key(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The fields as posted, without the old session's form key, and with one action key at most (the first)."""
    kept: list[tuple[str, str]] = []
    keyed = False
    for name, value in pairs:
        if name == FORM_KEY_FIELD or (name == ACTION_FIELD and keyed):
            continue
        keyed = keyed or name == ACTION_FIELD
        kept.append((name, value))
    return kept


def hold(target: str, pairs: Iterable[tuple[str, str]], files_dropped: bool = False) -> HeldForm | None:
    """A form posted to `target` without a session, as the sign-in page holds it; None for one it cannot hold (a
    password's, one past the bounds), which is said to be unsent as before, and must be typed again."""
    fields = _without_form_key(pairs)
    if _target_refusal(target, lambda _: True) or _fields_refusal(fields):
        return None
    return HeldForm(target, tuple(fields), files_dropped)


def held_in(posted: Iterable[tuple[str, str]], is_form_path: Callable[[str], bool]) -> HeldForm | None:
    """The held form a sign-in brought back (its fields in the order posted), checked as anything a browser sends is
    (`is_form_path`: a path one of the console's forms posts to); None when the sign-in held none. Raises
    HeldFormRefused when it cannot go on."""
    posted = list(posted)
    targets = [value for name, value in posted if name == TARGET_FIELD]
    pairs = [(name[len(HELD_PREFIX) :], value) for name, value in posted if name.startswith(HELD_PREFIX)]
    if not targets and not pairs:
        return None
    if len(targets) != 1:
        raise HeldFormRefused("原表单的提交地址无法识别")
    refusal = _target_refusal(targets[0], is_form_path) or _fields_refusal(_without_form_key(pairs))
    if refusal:
        raise HeldFormRefused(refusal)
    files_dropped = any(name == FILES_FIELD for name, _ in posted)
    return HeldForm(targets[0], tuple(_without_form_key(pairs)), files_dropped)


def page_to_return_to(offered: str | None, target: str, is_page: Callable[[str], bool]) -> str:
    """Where 放弃 leads: the page the form was typed on as the sign-in carried it (`next`, the browser's Referer), when
    it is one of the console's pages; else the page nearest the form's own address, which takes POST only
    (`/cases/<id>` for `/cases/<id>/assign`, `/documents` for `/documents/notices`); else the home page. Always a
    path of this console (`is_page`: one of its GET pages), never another site."""
    page = safe_next(offered)
    if page != "/" and is_page(page.partition("?")[0]):
        return page
    segments = target.split("/")
    while len(segments) > 1:
        nearer = "/".join(segments)
        if is_page(nearer):
            return nearer
        segments.pop()
    return "/"


def kept_text(held: HeldForm) -> str:
    """The held form as the session keeps it (sealed: services.console.domain.open_session)."""
    kept: dict[str, Any] = {
        "target": held.target,
        "back": held.back,
        "fields": [list(pair) for pair in held.fields],
        "files_dropped": held.files_dropped,
    }
    return json.dumps(kept, ensure_ascii=False)


def from_kept(text: str | None) -> HeldForm | None:
    """The held form a session keeps, from `kept_text`; None for none, or for anything else."""
    if not text:
        return None
    try:
        kept = json.loads(text)
        fields = tuple((str(name), str(value)) for name, value in kept["fields"])
        return HeldForm(str(kept["target"]), fields, bool(kept["files_dropped"]), str(kept["back"]))
    except (ValueError, KeyError, TypeError):
        return None
