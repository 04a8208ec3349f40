"""Who visits the console in its service tests: staff with their tokens and sessions, and their browsers' requests."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.console.domain import SESSION_COOKIE, Session, open_session
from shared.auth.principal import Principal, Role
from shared.contracts.dates import request_context
from shared.http import field_errors
from tests.fakes.console import FakeSessionStore

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=BEIJING)  # a Monday morning at the centre
BROWSER_ADDRESS = "203.0.113.45"  # the window's PC, as the console sees it

WANG = Principal("wang.fang", "王芳", frozenset({Role.INTAKE_STAFF}))
LIU = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({"police:430426101"}))
ZHOU = Principal("zhou.hui", "周慧", frozenset({Role.SUPERVISOR}))
CHEN = Principal("chen.ops", "陈工", frozenset({Role.OPERATOR}))
HE = Principal("he.ping", "何平", frozenset({Role.COORDINATOR}))  # 综合协调组
LUO = Principal("luo.jun", "罗军", frozenset({Role.LEADER}))
STAFF = {f"token.of.{p.subject}": p for p in (WANG, LIU, ZHOU, CHEN, HE, LUO)}


def token_of(principal: Principal) -> str:
    return f"token.of.{principal.subject}"


def cookie_of(principal: Principal) -> str:
    return f"cookie-of-{principal.subject}-0123456789abcdef"


def form_key_of(principal: Principal) -> str:
    return f"form-key-of-{principal.subject}"


@dataclass
class Staff:
    """Signs people in by storing their session, as a successful sign-in would have."""

    sessions: FakeSessionStore

    def signed_in(self, principal: Principal, expires_in: timedelta = timedelta(hours=8)) -> Session:
        session = open_session(
            principal.subject,
            token_of(principal),
            NOW + expires_in,
            NOW - timedelta(minutes=10),
            cookie_of(principal),
            form_key_of(principal),
        )
        self.sessions.add(session)
        return session


class Browser:
    """The requests a browser sends: with the visitor's session cookie, from the window's PC."""

    @staticmethod
    def get(path: str, as_: Principal | None = None, cookie: str | None = None) -> Request:
        return Browser._build("GET", path, as_, cookie, None)

    @staticmethod
    def post(path: str, form: dict[str, Any], as_: Principal | None = None, cookie: str | None = None) -> Request:
        return Browser._build("POST", path, as_, cookie, form)

    @staticmethod
    def _build(
        method: str, path: str, as_: Principal | None, cookie: str | None, form: dict[str, Any] | None
    ) -> Request:
        value = cookie if cookie is not None else (cookie_of(as_) if as_ else None)
        headers = {"Cookie": f"{SESSION_COOKIE}={value}"} if value else {}
        builder = EnvironBuilder(
            method=method,
            path=path,
            data=form,
            headers=headers,
            environ_base={"REMOTE_ADDR": BROWSER_ADDRESS},
        )
        return builder.get_request()


# --- what the page tests read and script ----------------------------------------------------------------


def text_of(response: Any) -> str:
    return str(response.get_data(as_text=True))


def error_beside(page: str, key: str) -> str:
    """The Chinese sentence shown beside the input `key`; the test fails if there is none."""
    found = re.search(rf'<p class="error" id="{re.escape(key)}-error" role="alert">([^<]*)</p>', page)
    assert found, f"no error shown for {key}"
    return found.group(1)


def answer_refusal(
    apis: Any, service: str, path: str, command: type[BaseModel], body: dict[str, Any], now: datetime = NOW
) -> None:
    """Script the service's own 400 for what the form sends: the body validated as its API validates it, as a request
    judged at the service's clock reading `now` (the console's own, by default: one county, one time)."""
    try:
        command.model_validate(body, context=request_context(now))
    except ValidationError as refused:
        apis.answer(service, "POST", path, 400, {"error": "invalid_input", "fields": field_errors(refused)})
        return
    raise AssertionError(f"{command.__name__} accepts {body}: the test expects a refusal")


def console_knowing(
    uow: Any, apis: Any, platform: Any, *officers: Principal, people: dict[str, str] | None = None
) -> Any:
    """The console as conftest builds it, knowing these officers' tokens as well as the staff's, and the names in
    `people` (identity's directory; none unless given)."""
    from nameko.testing.services import worker_factory

    from services.console.people import StaffDirectory
    from services.console.service import Console
    from tests.fakes.console import FakeTokens

    tokens = FakeTokens({**STAFF, **{token_of(officer): officer for officer in officers}})
    known = people if people is not None else {}
    return worker_factory(
        Console,
        uow=uow,
        apis=apis,
        check_token=tokens,
        platform=platform,
        people=StaffDirectory(lambda token, accounts: {a: known[a] for a in accounts if a in known}),
    )


COUNTY_CENTRE = {"division": "430426", "name": "祁东县综治中心", "level": "county"}


def agency_shows(
    apis: Any,
    service: str,
    referral: dict[str, Any],
    above: dict[str, str] | None = COUNTY_CENTRE,
    issued_because: dict[str, Any] | None = None,
    other_parts: list[dict[str, Any]] | None = None,
    earlier_round: list[dict[str, Any]] | None = None,
) -> None:
    """An officer's referral page: the agency's referral, and the coordinator's answer on it (a first designation, by
    default, of a case a township centre holds, which a decline as beyond the level sends up to the county's)."""
    referral_id, case_id = referral["referral_id"], referral.get("case_id", "")
    apis.answer(service, "GET", f"/api/v1/referrals/{referral_id}", 200, referral)
    apis.answer(
        "coordinator",
        "GET",
        at_the_centre_path(case_id, referral_id),
        200,
        {
            "case_id": case_id,
            "referral_id": referral_id,
            "above": above,
            "issued_because": issued_because,
            **({"other_parts": other_parts} if other_parts is not None else {}),
            **({"earlier_round": earlier_round} if earlier_round is not None else {}),
        },
    )


def at_the_centre_path(case_id: str, referral_id: str) -> str:
    return f"/api/v1/cases/{case_id}/referrals/{referral_id}"
