"""The console's own rules: sessions, who lands where, which pages a role sees, and forms turned into API bodies."""

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.contracts import vocabulary
from shared.registry import CENTRE

SESSION_COOKIE = "wuyuan_session"
MAX_COOKIE_CHARS = 200  # a cookie we set is far shorter: a longer one is no session of ours, never looked up
MAX_PARTIES_ON_FORM = 6  # rows the registration form offers; the API takes up to 50 for agency feeds
WINDOW_SOURCES = tuple(source.value for source in vocabulary.WINDOW_SOURCES)  # what the centre's own window registers


@dataclass(frozen=True)
class Session:
    """A signed-in browser as the console keeps it: the cookie's digest, the token the console acts with sealed
    under the cookie (`opened_token`), and its form key; `sealed_held`, a form posted once the session before had
    ended, kept for this session alone until `held_until` (sealed under the cookie too: `opened_held`)."""

    digest: bytes
    username: str
    sealed_token: str
    csrf: str
    created_at: datetime
    expires_at: datetime
    sealed_held: str = ""
    held_until: datetime | None = None


def session_digest(cookie_value: str) -> bytes:
    """Only the digest is stored, so a copy of the database opens no session."""
    return hashlib.sha256(cookie_value.encode("utf-8", "surrogateescape")).digest()


def open_session(
    username: str,
    token: str,
    expires_at: datetime,
    now: datetime,
    cookie_value: str,
    csrf: str,
    held: str = "",
    held_for: timedelta = timedelta(0),
) -> Session:
    """A new session; `held`, the text of a form to keep in it, for `held_for` at most and never past the session."""
    digest = session_digest(cookie_value)
    session = Session(digest, username, seal_token(token, cookie_value, digest), csrf, now, expires_at)
    if not held:
        return session
    until = min(now + held_for, expires_at)
    return replace(session, sealed_held=_seal(held, cookie_value, digest, _HELD_KEY_LABEL), held_until=until)


# The token is a bearer credential for every service's API until it expires: kept in clear, a copy of the sessions
# (a backup, a replica) would act as each person signed in. It is kept sealed (AES-256-GCM) under a key made from the
# cookie, which only the browser holds, and bound to the row's digest, so that it opens for that browser alone.
_SEALED = "v1."
_TOKEN_KEY_LABEL = b"wuyuan console: the session's token"
# A held form (a walk-in's names, ID and mobile numbers) is personal data the console must not keep readable: sealed
# the same way, under a key of its own.
_HELD_KEY_LABEL = b"wuyuan console: the session's held form"
_NONCE_BYTES = 12


def _key(cookie_value: str, label: bytes) -> bytes:
    return hmac.new(cookie_value.encode("utf-8", "surrogateescape"), label, hashlib.sha256).digest()


def _seal(text: str, cookie_value: str, digest: bytes, label: bytes) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_key(cookie_value, label)).encrypt(nonce, text.encode("utf-8"), digest)
    return _SEALED + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def _opened(sealed_text: str, cookie_value: str, digest: bytes, label: bytes) -> str | None:
    if not sealed_text.startswith(_SEALED):
        return None
    try:
        sealed = base64.urlsafe_b64decode(sealed_text[len(_SEALED) :].encode("ascii"))
        opened = AESGCM(_key(cookie_value, label)).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], digest)
        return opened.decode("utf-8")
    except (InvalidTag, ValueError, UnicodeError, binascii.Error):
        return None


def seal_token(token: str, cookie_value: str, digest: bytes) -> str:
    """The token as the session keeps it: readable with the cookie that hashes to `digest`, and only with it."""
    return _seal(token, cookie_value, digest, _TOKEN_KEY_LABEL)


def opened_token(session: Session, cookie_value: str) -> str | None:
    """The session's token, opened with the browser's cookie; None for any other cookie, or a token not sealed so (a
    session kept before tokens were sealed: its person signs in again)."""
    return _opened(session.sealed_token, cookie_value, session.digest, _TOKEN_KEY_LABEL)


def opened_held(session: Session, cookie_value: str, now: datetime) -> str | None:
    """The form the session holds, opened with the browser's cookie; None when it holds none, its time is up, or the
    cookie is another browser's."""
    if not session.sealed_held or session.held_until is None or session.held_until <= now:
        return None
    return _opened(session.sealed_held, cookie_value, session.digest, _HELD_KEY_LABEL)


def without_held(session: Session) -> Session:
    return replace(session, sealed_held="", held_until=None)


def form_key_matches(session: Session, offered: str | None) -> bool:
    """The form came from one of this session's own pages (a cross-site post cannot know the key)."""
    return bool(offered) and hmac.compare_digest(session.csrf.encode(), str(offered).encode())


# --- pages by role ---------------------------------------------------------------------------------

# (path, label, roles): the console's pages, in the order the navigation shows them.
PAGES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("/window", "窗口登记", frozenset({"intake_staff", "coordinator"})),
    ("/cases", "案件", frozenset({"intake_staff", "coordinator", "supervisor", "leader"})),
    ("/triage", "待人工分派", frozenset({"coordinator"})),
    ("/referrals", "本单位交办", frozenset({"officer"})),
    ("/board", "督办看板", frozenset({"supervisor", "coordinator", "leader"})),
    # 回访抽查: supervision lists the draws and their figures to these three; only a supervisor draws and records.
    ("/spot-checks", "回访抽查", frozenset({"supervisor", "coordinator", "leader"})),
    ("/documents", "督办文书", frozenset({"supervisor", "coordinator", "leader", "officer"})),
    ("/overview", "总览", frozenset({"leader", "coordinator", "supervisor"})),
    # The risk register (三色预警, case level): stability reads it to the centre's coordinators and to leaders, and
    # to the committee's own officers (AGENCY_PAGES below); never to supervisors.
    ("/stability/register", "三色预警", frozenset({"coordinator", "leader"})),
)
# (path, label, roles, agency): pages that also need the account bound to a unit of `agency`
# (`<agency>:<division>`), shown after PAGES. Kept apart so that PAGES keeps the shape its readers unpack. In the
# agencies' order of config/agencies.toml, as 本单位交办 lists the officer's agencies.
AGENCY_PAGES: tuple[tuple[str, str, frozenset[str], str], ...] = (
    ("/court/filings", "诉调对接", frozenset({"officer"}), "court"),
    ("/police/calls", "警情调解", frozenset({"officer"}), "police"),
    ("/justice/mediation", "人民调解", frozenset({"officer"}), "justice"),
    ("/petitions", "信访事项", frozenset({"officer"}), "petition"),
    ("/stability/register", "三色预警", frozenset({"officer"}), "plc"),
)
# (path, roles, agency or None): pages opened from another page rather than the navigation. The person file
# (一人一档) is the committee's own officers' alone, as stability's API allows it.
LINKED_PAGES: tuple[tuple[str, frozenset[str], str | None], ...] = (
    ("/stability/persons", frozenset({"officer"}), "plc"),
)
# Pages for an officer of an agency's unit: an account bound only to a centre (a township's coordinator, whose
# units name the centre it works for) holds the officer role for that binding, yet has no agency's referrals.
AGENCY_OFFICERS_ONLY = frozenset({"/referrals"})
# Where each role starts, most specific first (an account can hold several roles); the first the account may open.
HOME_BY_ROLE = (
    ("officer", "/referrals"),
    ("intake_staff", "/window"),
    ("coordinator", "/cases"),
    ("supervisor", "/board"),
    ("leader", "/overview"),
)


def agencies_of(units: Iterable[str]) -> frozenset[str]:
    """The agencies an account's units belong to: 'court' for 'court:430426'."""
    return frozenset(agency for unit in units for agency, colon, _ in [unit.partition(":")] if agency and colon)


def own_centre_place(units: Iterable[str], county: str) -> str | None:
    """The division of the township or village centre a coordinator's account is bound to (`centre:430426101`), whose
    board and report its pages open on; None for the county centre's staff, bound to no centre below the county, and
    for an account bound to more than one, which has no one place to start from."""
    places = {
        division
        for agency, _, division in (unit.partition(":") for unit in units)
        if agency == CENTRE and division != county and division.startswith(county)
    }
    return next(iter(places)) if len(places) == 1 else None


def acts_for_centre(units: Iterable[str], centre: object, county: str) -> bool:
    """Whether a coordinator's account acts for the centre holding a case (its division; None or '' for a case stored
    before levels, the county centre's): the centres of its `centre:<division>` units and every centre below them,
    or every centre for an account bound to none, as the coordinator's API judges it (levels.require_holding_staff).
    The console offers assigning and calling units in only where the API would take them."""
    own = {division for agency, _, division in (u.partition(":") for u in units) if agency == CENTRE} or {county}
    holding = centre if isinstance(centre, str) and centre else county
    return any(holding.startswith(division) for division in own)


def pages_for(roles: Iterable[str], agencies: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The navigation: each page a role opens, once, where the first list that opens it to this visitor puts it."""
    held, bound = set(roles), set(agencies)
    of_an_agency = bool(bound - {CENTRE})
    pages = [
        (path, label)
        for path, label, allowed in PAGES
        if held & allowed and (of_an_agency or path not in AGENCY_OFFICERS_ONLY)
    ]
    listed = {path for path, _ in pages}
    return pages + [
        (path, label)
        for path, label, allowed, agency in AGENCY_PAGES
        if held & allowed and agency in bound and path not in listed
    ]


def home_for(roles: Iterable[str], agencies: Iterable[str] = ()) -> str | None:
    """Where the account starts: its roles' own page, or else the first page it may open (an officer of a centre
    alone: its documents); None for an account the console has no page for."""
    held, bound = set(roles), set(agencies)
    for role, path in HOME_BY_ROLE:
        if role in held and may_open(path, held, bound):
            return path
    return next((path for path, _ in pages_for(held, bound)), None)


def may_open(path: str, roles: Iterable[str], agencies: Iterable[str] = ()) -> bool:
    held, bound = set(roles), set(agencies)
    linked = (held & allowed and agency in (None, *bound) for page, allowed, agency in LINKED_PAGES if page == path)
    return any(linked) or path in {page for page, _ in pages_for(held, bound)}


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this console only, never another site.

    No control characters: a browser drops tabs and line breaks from a URL, so `/%09/evil.example` (a tab) would
    lead to //evil.example, and a line break cannot go in the Location header at all (the sign-in would fail).
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(character < " " or character == "\x7f" for character in target):
        return "/"
    return target


# --- numbers typed or sent -----------------------------------------------------------------------------


def ascii_digits(text: str) -> bool:
    """Digits as int() takes them and the APIs read them: str.isdigit() also passes '①', '²' and '５'."""
    return text.isascii() and text.isdigit()


# More than any count a form asks for (a group of 100000 at most), and far below the 4300 digits int() refuses.
MAX_COUNT_DIGITS = 6


def typed_count(text: str) -> int | str:
    """A count as typed in a form, spaces dropped: a number when it is ASCII digits, else the text as typed, for
    the API to refuse beside its input in that input's own words."""
    digits = "".join(text.split())
    return int(digits) if len(digits) <= MAX_COUNT_DIGITS and ascii_digits(digits) else digits


# --- 吹哨报到 ------------------------------------------------------------------------------------------

# The coordinator's referral statuses (and an agency's 'received') that keep a unit on a case.
OPEN_REFERRAL_STATUSES = frozenset({"issued", "received", "accepted"})


def callable_units(
    units: Sequence[tuple[str, str]], referrals: Iterable[Mapping[str, Any]], agencies: Iterable[str] | None
) -> list[tuple[str, str]]:
    """The (code, name) units a case's holding centre may call in: of the agencies it may call in (all when
    `agencies` is None), none holding an open referral on the case, as the coordinator refuses those."""
    on_case = {str(r.get("unit")) for r in referrals if r.get("status") in OPEN_REFERRAL_STATUSES}
    allowed = None if agencies is None else set(agencies)
    return [
        (code, name)
        for code, name in units
        if code not in on_case and (allowed is None or code.partition(":")[0] in allowed)
    ]


def nearest_first(units: Sequence[tuple[str, str]], centre_division: str) -> list[tuple[str, str]]:
    """The units in the order a centre calls them in (吹哨报到 calls in the township's own 派出所 and 司法所 and the
    county's departments): the county's units, then those placed within the centre's own township or village, then
    the other townships'; each group in the order given."""

    def nearness(unit: tuple[str, str]) -> int:
        division = unit[0].partition(":")[2]
        if len(division) <= 6:
            return 0
        return 1 if division.startswith(centre_division) or centre_division.startswith(division) else 2

    return sorted(units, key=nearness)


# --- officers' tabs ----------------------------------------------------------------------------------

# 待签收 / 办理中 / 已办结: the agency's referral statuses each tab lists.
REFERRAL_TABS: dict[str, tuple[str, tuple[str, ...]]] = {
    "received": ("待签收", ("received",)),
    "accepted": ("办理中", ("accepted",)),
    "finished": ("已办结", ("reported", "declined", "withdrawn")),
}


def tab_of(status: str) -> str:
    for tab, (_, statuses) in REFERRAL_TABS.items():
        if status in statuses:
            return tab
    return "received"


# --- the registration form ---------------------------------------------------------------------------


def _first(form: Mapping[str, list[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0].strip()


# Full-width digits and letters, as a Chinese input method types them ('１３９…', 'Ｘ').
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF5B)}
# What staff type inside a number to read it more easily: spaces (full-width too) and hyphens.
_SEPARATORS = dict.fromkeys(map(ord, " \u3000-－"), None)


def _number_typed(text: str) -> str:
    """A mobile or ID number as typed at the window, in the digits intake reads: '139 0734 1234' and
    '１３９０７３４１２３４' are 13907341234."""
    return text.translate(_FULL_WIDTH).translate(_SEPARATORS)


def report_from_form(form: Mapping[str, list[str]]) -> dict[str, Any]:
    """The window's form as the body intake validates; blank party rows are left out, and blank
    optional fields are omitted so that intake names what is missing rather than what is empty."""
    parties: list[dict[str, str]] = []
    for row in range(MAX_PARTIES_ON_FORM):
        fields = {key: _first(form, f"parties.{row}.{key}") for key in ("role", "kind", "name", "id_number", "phone")}
        fields["id_number"], fields["phone"] = _number_typed(fields["id_number"]), _number_typed(fields["phone"])
        if not (fields["name"] or fields["id_number"] or fields["phone"]):
            continue
        party = {key: value for key, value in fields.items() if value}
        parties.append(party)
    report: dict[str, Any] = {
        "source": _first(form, "source"),
        "category": _first(form, "category"),
        "division_code": _first(form, "division_code"),
        "summary": _first(form, "summary"),
        "parties": parties,
        "flags": [flag for flag in form.get("flags", []) if flag],
    }
    return {key: value for key, value in report.items() if value != ""}


def sides_missing(report: Mapping[str, Any], reported: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The side of the dispute (申请人, 被申请人) no party of the report takes, as intake's error says it, when intake
    did not say it already: intake judges the sides only once every party is valid, so a form with a bad mobile
    number and no respondent would learn of the respondent on its second try. Said with the rest, at once."""
    if any(str(error.get("field", "")) == "parties" for error in reported):
        return []
    roles = {party.get("role") for party in report.get("parties") or [] if isinstance(party, Mapping)}
    return [
        {"field": "parties", "message": f"at least one party must have role '{role}'", "type": "value_error"}
        for role in ("applicant", "respondent")
        if role not in roles
    ]


def party_rows_for_errors(form: Mapping[str, list[str]]) -> dict[int, int]:
    """Which form row each reported party came from: intake numbers the parties it was sent, which
    skip blank rows, so an error on `parties.1` belongs beside the form's row where that party was typed."""
    mapping: dict[int, int] = {}
    sent = 0
    for row in range(MAX_PARTIES_ON_FORM):
        if any(_first(form, f"parties.{row}.{key}") for key in ("name", "id_number", "phone")):
            mapping[sent] = row
            sent += 1
    return mapping


def errors_by_form_field(
    fields: Sequence[Mapping[str, Any]], rows: Mapping[int, int]
) -> dict[str, list[Mapping[str, Any]]]:
    """API field errors keyed by the form input they belong beside ('parties.2.phone', 'summary')."""
    placed: dict[str, list[Mapping[str, Any]]] = {}
    for error in fields:
        path = str(error.get("field", ""))
        parts = path.split(".")
        if len(parts) >= 2 and parts[0] == "parties" and ascii_digits(parts[1]):
            parts[1] = str(rows.get(int(parts[1]), int(parts[1])))
            path = ".".join(parts)
        elif parts[0] == "flags":
            path = "flags"
        placed.setdefault(path, []).append(error)
    return placed
