"""What every page handler shares: who is visiting, what every page shows, names for codes, the APIs' answers."""

import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request

from services.console import domain, held_forms
from services.console.api_client import ACTION_FIELD, act_on, new_action_key
from services.console.dependencies import Answer, Apis, ApiUnavailable
from services.console.pages import PageNotFound, SignInNeeded, StaleForm
from services.console.people import StaffDirectory
from services.console.store import SessionStore
from shared import wording
from shared.auth.principal import AuthFailure, Forbidden, Principal
from shared.auth.tokens import KeysUnavailable
from shared.contracts.identifiers import CASE_ID_PATTERN
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform
from shared.workdays import CHINA_TZ

Work = UnitOfWork[SessionStore]
CheckToken = Callable[[str], Principal]
_CASE_ID = re.compile(CASE_ID_PATTERN)
# An id the services give (a referral, a person): anything else in a URL is a page that does not exist.
UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def page_offset(raw: str | None, deepest: int) -> int:
    """Where a list's page starts, from the URL: a plain number of ASCII digits ('５' and '①' pass isdigit()) up to
    the deepest offset the service behind the list serves; anything else is the first page."""
    offset = int(raw) if raw and domain.ascii_digits(raw) and len(raw) <= len(str(deepest)) else 0
    return offset if offset <= deepest else 0


@dataclass(frozen=True)
class Visitor:
    """A signed-in member of staff: the session the console keeps, who its token says they are, and the names of
    the staff a page may mention (services.console.people)."""

    session: domain.Session
    principal: Principal
    people: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    opened_token: str = field(default="", compare=False, repr=False)  # the session's, opened with the cookie

    def person(self, account: object) -> str:
        """Who acted, as staff read it: '刘洋（liu.yang）', or the account when its name is not known."""
        text = "" if account is None else str(account)  # a key the answer left out reads as ''
        return wording.person_text(text, self.people.get(text)) if text else ""

    @property
    def token(self) -> str:
        return self.opened_token

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(str(role) for role in self.principal.roles)

    @property
    def agencies(self) -> frozenset[str]:
        """The agencies whose units the account is bound to."""
        return domain.agencies_of(self.principal.units)

    def may_open(self, path: str) -> bool:
        return domain.may_open(path, self.roles, self.agencies)

    def require(self, path: str) -> None:
        """The page's own check, the same roles (and agency) its API allows; the API checks again when called."""
        if not self.may_open(path):
            raise Forbidden(f"{self.principal.subject} may not open {path}")

    def require_supervisor(self, path: str) -> None:
        """A change only the inspection group may ask of supervision (a draw, a finding, a 通报): refused here, asking
        no service, as supervision would refuse it."""
        self.require(path)
        if "supervisor" not in self.roles:
            raise Forbidden(f"{self.principal.subject} is no supervisor")

    def case_href(self, case_id: object, unit: object = None, referral_id: object = None) -> str | None:
        """Where a case number links for this visitor: the case page for staff who may open the cases; for an
        officer, the referral page when the row names the referral and its unit's agency is one of theirs (the
        agency still checks the unit); else nowhere, and the number is shown as text."""
        case = str(case_id or "")
        if not _CASE_ID.fullmatch(case):
            return None
        if self.may_open("/cases"):
            return f"/cases/{case}"
        agency = str(unit or "").partition(":")[0]
        referral = str(referral_id or "")
        if UUID_TEXT.fullmatch(referral) and agency in self.agencies and self.may_open("/referrals"):
            return f"/referrals/{agency}/{referral}"
        return None


def visitor_of(
    request: Request, uow: Work, check_token: CheckToken, now: datetime, people: StaffDirectory | None = None
) -> Visitor:
    cookie = request.cookies.get(domain.SESSION_COOKIE)
    if not cookie or len(cookie) > domain.MAX_COOKIE_CHARS:
        raise _sign_in(request, ended=False)
    with uow:
        session = uow.store.find(domain.session_digest(cookie), now)
    token = domain.opened_token(session, cookie) if session is not None else None
    if session is None or token is None:
        raise _sign_in(request, ended=True)
    try:
        principal = check_token(token)
    except AuthFailure:  # expired, or signed by a key since withdrawn
        raise _sign_in(request, ended=True) from None
    except KeysUnavailable:
        raise ApiUnavailable("identity") from None
    if session.sealed_held and request.method == "POST":
        _release_when_sent(request, session, cookie, uow, now)
    return Visitor(session, principal, people.for_page(token) if people is not None else {}, token)


def _release_when_sent(request: Request, session: domain.Session, cookie: str, uow: Work, now: datetime) -> None:
    """提交 on the held form's page posts it, from this session's page, to its own address under its own action key:
    the session then forgets it (the form it is sent with is what the page that takes it shows, should a service
    refuse a field)."""
    held = held_forms.from_kept(domain.opened_held(session, cookie, now))
    sent = (
        held is not None
        and request.path == held.target
        and domain.form_key_matches(session, request.form.get("csrf"))
        and request.form.get(ACTION_FIELD, "") == held.action_key
    )
    if sent:
        with uow:
            uow.store.release_held(session.digest)


def _sign_in(request: Request, *, ended: bool) -> SignInNeeded:
    """To the sign-in page and back here; a cookie that opens no session is one that ended (expired, withdrawn, swept),
    and a form posted meanwhile was not acted on: the sign-in page says both, so nobody believes it was done. That form
    is held by the sign-in page (services.console.held_forms), to be sent again after signing in on a click; one it
    cannot hold (a password's, one past the bounds) is said to be unsent, to be typed again.

    A session whose time ran out is one whose cookie the browser has dropped with it: such a form comes with no cookie
    at all, so any form posted without a session is held, not only one whose cookie named a session."""
    held = None
    if request.method == "POST":
        held = held_forms.hold(request.path, request.form.items(multi=True), _a_file_chosen(request))
    return SignInNeeded(_here(request), ended=ended, unsent=request.method == "POST", held=held)


def _a_file_chosen(request: Request) -> bool:
    """No console form uploads a file; were one to, the file could not be held, and the held form says so."""
    return any(upload.filename for upload in request.files.values())


def _here(request: Request) -> str:
    """Where to come back to after signing in: the page asked for; for a form posted once the session had ended, the
    page of ours the browser says it was posted from (an action's own address takes POST only: opened after signing
    in, it is a 405), else the address posted to, without its query: a held form's 放弃 then leads to the console page
    nearest it (held_forms.page_to_return_to)."""
    if request.method == "GET":
        query = request.query_string.decode("latin-1")
        return request.path + (f"?{query}" if query else "")
    posted_from = urlsplit(request.headers.get("Referer", ""))
    if posted_from.netloc != request.host or not posted_from.path.startswith("/") or posted_from.path == "/login":
        return request.path
    return posted_from.path + (f"?{posted_from.query}" if posted_from.query else "")


def posted_form(request: Request, visitor: Visitor) -> Mapping[str, list[str]]:
    """The form's fields, once it has shown it came from this session's own page."""
    form = request.form.to_dict(flat=False)
    if not domain.form_key_matches(visitor.session, (form.get("csrf") or [""])[0]):
        raise StaleForm()
    act_on((form.get(ACTION_FIELD) or [""])[0])
    return form


def new_secret() -> str:
    return secrets.token_urlsafe(32)


# --- names for codes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """Units and places by their names, for the county the platform serves."""

    platform: Platform
    places: wording.Places

    @classmethod
    def of(cls, platform: Platform) -> "Names":
        return cls(platform, wording.load_places(platform.config_dir))

    def unit(self, code: str | None) -> str:
        return wording.unit_name(code, self.platform.registry, self.places)

    def place(self, code: str | None) -> str:
        return self.places.name(code) if code else ""

    def place_choices(self) -> list[tuple[str, str]]:
        return self.places.choices(self.platform.county)

    def unit_choices(self) -> list[tuple[str, str]]:
        """Every unit of every agency in the county: its county unit (the county bureau, which routing designates as
        `police@county` and a township's escalation reaches), then one for each listed division down to its own
        level (the township's police station and 司法所), never below it, where no officer can be bound and a case
        assigned would never be accepted (`AgencyRegistry.below_its_level`, the rule the coordinator refuses by)."""
        county = self.platform.county
        registry = self.platform.registry
        within = [d for d, _ in self.place_choices() if d != county]
        choices: list[str] = []
        for code in registry.agencies:
            if code == "centre":
                continue
            units = [f"{code}:{division}" for division in (county, *within)]
            choices.extend(unit for unit in units if registry.below_its_level(unit) is None)
        return [(unit, self.unit(unit)) for unit in choices]


def choices_with(choices: list[tuple[str, str]], value: str | None, name: str) -> list[tuple[str, str]]:
    """A select's choices, with the one asked for kept even when it is not on the list (a link typed by hand, a unit
    the service refused): the form shows what was asked, beside the reason it was refused. Kept only by a name staff
    can read: a value that names nothing (`abc`, a unit's code where a centre is asked) is no choice of the list, and
    the select shows none chosen rather than the raw code, beside the reason."""
    if not value or not name or name == value or any(code == value for code, _ in choices):
        return choices
    return [(value, name), *choices]


def _account_as_it_is(account: object) -> str:
    return "" if account is None else str(account)


def _no_link(case_id: object, unit: object = None, referral_id: object = None) -> None:
    return None


def page_context(visitor: Visitor | None, path: str, names: Names, now: datetime, **extra: Any) -> dict[str, Any]:
    """What the layout needs on every page: who is signed in, the navigation their roles open, the form key."""
    return {
        "visitor": visitor,
        "visitor_roles": wording.role_names(visitor.roles) if visitor else "",  # in the order the loop runs
        "nav": domain.pages_for(visitor.roles, visitor.agencies) if visitor else [],
        "csrf": visitor.session.csrf if visitor else "",
        "action_key": new_action_key(),  # one per rendering: the form's change is made once
        "path": path,
        "unit": names.unit,
        "place": names.place,
        "who": visitor.person if visitor else _account_as_it_is,
        "case_href": visitor.case_href if visitor else _no_link,
        "now": now,
        "countdown": lambda due, issued=None: wording.countdown(due, now, issued),
        **extra,
    }


# --- answers ----------------------------------------------------------------------------------------


def expect(answer: Answer, *, service: str) -> Any:
    """The body of a successful answer; a refusal becomes the page a person should see."""
    if answer.ok:
        return answer.body
    if answer.status == 401:  # the service no longer takes the session's token
        raise SignInNeeded(ended=True)
    if answer.status == 403:
        raise Forbidden(f"{service} refused")
    if answer.status == 404:
        raise PageNotFound()
    raise ApiUnavailable(service)


def field_errors(answer: Answer) -> list[dict[str, Any]]:
    body = answer.body if isinstance(answer.body, dict) else {}
    fields = body.get("fields")
    return [f for f in fields if isinstance(f, dict)] if isinstance(fields, list) else []


def errors_in_chinese(placed: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, str]:
    """Form field -> the sentence shown beside it."""
    return {
        field: "；".join(dict.fromkeys(wording.field_error_text(error) for error in errors))
        for field, errors in placed.items()
    }


# What the API calls the request as a whole, when no one field of it was at fault.
_WHOLE_REQUEST = ("", "(input)", "(body)")


def errors_off_the_form(errors: Mapping[str, str], on_the_form: Callable[[str], bool]) -> list[str]:
    """The errors with no input on the form to stand beside, each naming what it is about
    ('原始编号：不能超过64字'), for the line above the form."""
    listed = []
    for key, text in errors.items():
        if on_the_form(key):
            continue
        if key in _WHOLE_REQUEST:
            name = "提交的内容"
        else:
            label = wording.field_label(key)
            name = label if label != key else f"“{key}”一项"
        listed.append(f"{name}：{text}")
    return listed


def clean_params(values: Mapping[str, str], allowed: tuple[str, ...]) -> dict[str, str]:
    """The filters a person actually filled in, and only those the API knows."""
    return {key: values[key].strip() for key in allowed if values.get(key, "").strip()}


# --- what the links' pages share ---------------------------------------------------------------------


def service_of(platform: Platform, agency: str) -> str:
    """The service that speaks for an agency (court → court_link)."""
    return platform.registry.get(agency).service


def today_in_beijing(platform: Platform) -> date:
    """The day it is in Beijing: the links count their terms in the county's days."""
    return platform.now().astimezone(CHINA_TZ).date()


def mapping_of(value: object) -> Mapping[str, Any]:
    """A part of an answer that should be an object, or an empty one (a key the API left out reads as nothing)."""
    return value if isinstance(value, dict) else {}


def first_value(form: Mapping[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0].strip()


def percent_text(share: object) -> str:
    """'78.2%' for 0.7822; '—' when there was nothing to take a share of."""
    return f"{float(share) * 100:.1f}%" if isinstance(share, int | float) else "—"


def count_text(value: object, unit: str = "件") -> str:
    return f"{value if isinstance(value, int) else 0}{unit}"


def errors_clearer(
    placed: Mapping[str, Sequence[Mapping[str, Any]]], clearer: Callable[[str, Mapping[str, Any]], str | None]
) -> dict[str, str]:
    """Each error beside its input in Chinese, in the page's own clearer sentence where it has one."""
    errors = errors_in_chinese(placed)
    for key, found in placed.items():
        for error in found:
            sentence = clearer(key, error)
            if sentence:
                errors[key] = sentence
    return errors


def by_field_and_type(table: Mapping[tuple[str, str], str]) -> Callable[[str, Mapping[str, Any]], str | None]:
    """A page's clearer sentences, looked up by (input, error type)."""
    return lambda key, error: table.get((key, str(error.get("type", ""))))


def refusal_code(answer: Answer) -> tuple[str, str]:
    """A link's 409 as (code, message): the code opens the message ('already_extended: …')."""
    body = answer.body if isinstance(answer.body, dict) else {}
    message = str(body.get("message") or "")
    return str(body.get("code") or message.partition(":")[0]).strip(), message


def taken_number(answer: Answer) -> dict[str, str]:
    """A link's 409 for a number another unit registered already (`number_taken`), as the sentence beside the input
    it names (所填编号已被登记); empty for any other answer. The link says no more than that it is taken."""
    if answer.status != 409 or refusal_code(answer)[0] != "number_taken":
        return {}
    named = [str(f.get("field")) for f in field_errors(answer)]
    return {field: wording.TAKEN_NUMBERS.get(field, "该编号已被登记，请核对") for field in named[:1]}


def future_day_text(message: str) -> str:
    """'不能晚于今天（2026-12-04）' from a link's date_future error, which names today in brackets."""
    day = re.search(r"\((\d{4}-\d{2}-\d{2})\)", message)
    return f"不能晚于今天（{day.group(1)}）" if day else "不能晚于今天"


# A period of Beijing dates as supervision takes it (`from`, `to`): its refusals beside the inputs, in Chinese.
_PERIOD_ERRORS = {
    ("from", "missing"): "请填写起始日期，如2026-11-01",
    ("to", "missing"): "请填写截止日期，如2026-11-30",
}


def period_errors(answer: Answer, form: str) -> dict[str, str]:
    """Supervision's 400 on a period, each error under `<form>.from` or `<form>.to` (anything else under `form`):
    a period that ends after today names today's date, as supervision does."""
    placed: dict[str, list[Mapping[str, Any]]] = {}
    for error in field_errors(answer):
        field = str(error.get("field", ""))
        placed.setdefault(f"{form}.{field}" if field in ("from", "to") else form, []).append(error)

    def clearer(key: str, error: Mapping[str, Any]) -> str | None:
        kind = str(error.get("type", ""))
        if kind == "date_future":
            return future_day_text(str(error.get("message", "")))
        return _PERIOD_ERRORS.get((key.rpartition(".")[2], kind))

    return errors_clearer(placed, clearer)


@dataclass(frozen=True)
class YearSoFar:
    """A link's figures from 1 January to today (Beijing days), as its figures endpoint counts them."""

    first: date
    last: date
    figures: Any

    @property
    def period(self) -> tuple[str, str]:
        return self.first.isoformat(), self.last.isoformat()


def figures_this_year(apis: Apis, visitor: Visitor, platform: Platform, service: str, path: str) -> YearSoFar:
    today = today_in_beijing(platform)
    first = date(today.year, 1, 1)
    params = {"from": first.isoformat(), "to": today.isoformat()}
    return YearSoFar(
        first, today, expect(apis.call(service, "GET", path, token=visitor.token, params=params), service=service)
    )


def filtered_list(
    apis: Apis, visitor: Visitor, service: str, path: str, filters: dict[str, str], limit: int, key: str
) -> tuple[list[Any], dict[str, str]]:
    """A link's list under the officer's filters, or none and the filters' errors in Chinese when it refuses them."""
    answer = apis.call(service, "GET", path, token=visitor.token, params={**filters, "limit": str(limit)})
    if answer.status == 400:
        return [], errors_in_chinese({str(e.get("field")): [e] for e in field_errors(answer)})
    return list(expect(answer, service=service).get(key, [])), {}
