"""Staff are named on the console's pages from identity's directory, asked seldom, and never at a page's expense."""

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, cast

import pytest
from jinja2 import ChainableUndefined

from services.console.dependencies import Apis, people_from
from services.console.handlers.common import Visitor
from services.console.people import StaffDirectory
from tests.unit.console.test_apis import Wire

TOKEN = "token.of.wang.fang"
NAMES = {"liu.yang": "刘洋", "wang.fang": "王芳"}


class Identity:
    """identity as the console asks it: every question (token, accounts) recorded; None when it cannot be asked."""

    def __init__(self, names: dict[str, str] | None) -> None:
        self.names = names
        self.asked: list[tuple[str, list[str]]] = []

    def __call__(self, token: str, accounts: Sequence[str]) -> dict[str, str] | None:
        self.asked.append((token, list(accounts)))
        if self.names is None:
            return None
        return {account: self.names[account] for account in accounts if account in self.names}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def directory(identity: Identity, clock: Clock) -> StaffDirectory:
    return StaffDirectory(identity, fresh_seconds=600, retry_seconds=60, clock=clock)


def test_identity_is_asked_about_the_accounts_a_page_shows_with_the_visitors_token_once_each(clock):
    identity = Identity(NAMES)
    page = directory(identity, clock).for_page(TOKEN)

    assert (page.get("liu.yang"), page.get("wang.fang"), page.get("liu.yang")) == ("刘洋", "王芳", "刘洋")
    assert identity.asked == [(TOKEN, ["liu.yang"]), (TOKEN, ["wang.fang"])]


def test_a_page_that_names_nobody_asks_nothing(clock):
    identity = Identity(NAMES)

    directory(identity, clock).for_page(TOKEN)

    assert identity.asked == []


@pytest.mark.parametrize("left_out", ["", None, ChainableUndefined(name="named_by")])
def test_a_page_whose_answer_left_out_who_acted_asks_nothing(clock, left_out):
    identity = Identity(NAMES)
    visitor = cast(Visitor, SimpleNamespace(people=directory(identity, clock).for_page(TOKEN)))

    assert Visitor.person(visitor, left_out) == ""
    assert identity.asked == []


def test_an_answer_is_kept_ten_minutes_and_renewed_with_the_next_question(clock):
    identity = Identity(NAMES)
    staff = directory(identity, clock)
    staff.for_page(TOKEN).get("liu.yang")

    clock.now += 599
    assert staff.for_page("another.token").get("liu.yang") == "刘洋"
    assert len(identity.asked) == 1

    clock.now += 1
    identity.names = {**NAMES, "liu.yang": "刘洋（已调离）"}
    staff.for_page("another.token").get("wang.fang")  # a question about another account renews the old one too
    assert identity.asked[-1] == ("another.token", ["wang.fang", "liu.yang"])
    assert staff.for_page(TOKEN).get("liu.yang") == "刘洋（已调离）"
    assert len(identity.asked) == 2


def test_an_account_identity_does_not_name_is_shown_as_it_is_and_not_asked_about_again_for_ten_minutes(clock):
    identity = Identity(NAMES)
    staff = directory(identity, clock)

    assert staff.for_page(TOKEN).get("oidc|5f2a") is None  # an account of a deployment's own provider
    clock.now += 300
    assert staff.for_page(TOKEN).get("oidc|5f2a") is None
    assert identity.asked == [(TOKEN, ["oidc|5f2a"])]


def test_without_identity_pages_show_accounts_and_it_is_asked_again_a_minute_later(clock):
    identity = Identity(None)
    staff = directory(identity, clock)

    assert staff.for_page(TOKEN).get("liu.yang") is None
    assert staff.for_page(TOKEN).get("wang.fang") is None  # not asked: identity has just failed
    clock.now += 60
    identity.names = NAMES
    assert staff.for_page(TOKEN).get("liu.yang") == "刘洋"
    assert len(identity.asked) == 2


def test_names_already_known_are_kept_while_identity_is_down(clock):
    identity = Identity(NAMES)
    staff = directory(identity, clock)
    staff.for_page(TOKEN).get("liu.yang")
    identity.names = None

    clock.now += 600
    assert staff.for_page(TOKEN).get("liu.yang") == "刘洋"
    assert len(identity.asked) == 2


def test_a_question_asks_about_fifty_accounts_at_most(clock):
    identity = Identity({f"officer{n}": f"干警{n}" for n in range(80)})
    staff = directory(identity, clock)
    for n in range(80):
        staff.for_page(TOKEN).get(f"officer{n}")

    clock.now += 600
    staff.for_page(TOKEN).get("officer0")

    assert len(identity.asked[-1][1]) == 50


# --- what identity answers -----------------------------------------------------------------------


def asked(status: int, body: Any) -> tuple[dict[str, str] | None, Wire]:
    wire = Wire(status, body)
    fetch = people_from(Apis({"identity": "http://identity:8001"}, timeout=4.0, session=wire))  # type: ignore[arg-type]
    return fetch(TOKEN, ["liu.yang", "wang.fang"]), wire


def test_the_directory_is_asked_of_identity_with_the_visitors_token():
    found, wire = asked(200, {"people": {**NAMES, "zhao.xin": "赵新"}})

    assert found == NAMES  # only the accounts asked about
    [sent] = wire.sent
    assert (sent["method"], sent["url"]) == ("GET", "http://identity:8001/api/v1/people")
    assert sent["params"] == {"account": ["liu.yang", "wang.fang"]}
    assert sent["headers"]["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("status", "body"),
    [(403, {"error": "forbidden"}), (200, {"people": ["liu.yang"]}), (200, {}), (503, {"error": "unavailable"})],
)
def test_an_answer_without_a_directory_gives_no_names(status, body):
    assert asked(status, body)[0] is None


def test_names_that_are_not_text_are_left_out():
    found, _ = asked(200, {"people": {"liu.yang": "刘洋", "wang.fang": None}})

    assert found == {"liu.yang": "刘洋"}


def test_an_identity_that_does_not_answer_gives_no_names():
    wire = Wire()
    wire.fails = True
    fetch = people_from(Apis({"identity": "http://identity:8001"}, timeout=4.0, session=wire))  # type: ignore[arg-type]

    assert fetch(TOKEN, ["liu.yang"]) is None
