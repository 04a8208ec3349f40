"""Staff are named on the console's pages from identity's directory, asked seldom, and never at a page's expense."""

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
    """identity's directory as the console asks it: every question recorded; None when it cannot be asked."""

    def __init__(self, names: dict[str, str] | None) -> None:
        self.names = names
        self.asked: list[str] = []

    def __call__(self, token: str) -> dict[str, str] | None:
        self.asked.append(token)
        return None if self.names is None else dict(self.names)


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


def test_a_page_that_names_someone_asks_identity_once_with_the_visitors_token(clock):
    identity = Identity(NAMES)
    page = directory(identity, clock).for_page(TOKEN)

    assert (page.get("liu.yang"), page.get("wang.fang")) == ("刘洋", "王芳")
    assert identity.asked == [TOKEN]


def test_a_page_that_names_nobody_asks_nothing(clock):
    identity = Identity(NAMES)

    directory(identity, clock).for_page(TOKEN)

    assert identity.asked == []


def test_names_are_kept_for_ten_minutes_then_asked_for_again(clock):
    identity = Identity(NAMES)
    staff = directory(identity, clock)
    staff.for_page(TOKEN).get("liu.yang")

    clock.now += 599
    staff.for_page("another.token").get("liu.yang")
    assert identity.asked == [TOKEN]

    clock.now += 1
    staff.for_page("another.token").get("liu.yang")
    assert identity.asked == [TOKEN, "another.token"]


def test_an_account_added_since_is_asked_for_but_at_most_once_a_minute(clock):
    identity = Identity(NAMES)
    staff = directory(identity, clock)
    staff.for_page(TOKEN).get("liu.yang")
    identity.names = {**NAMES, "zhao.xin": "赵新"}

    clock.now += 30
    assert staff.for_page(TOKEN).get("zhao.xin") is None  # asked a moment ago: not again yet
    clock.now += 30
    assert staff.for_page(TOKEN).get("zhao.xin") == "赵新"
    assert staff.for_page(TOKEN).get("nobody.here") is None  # unknown to identity too: not asked again at once
    assert len(identity.asked) == 2


def test_an_account_identity_does_not_name_is_not_asked_about_again_until_the_names_are_renewed(clock):
    identity = Identity(NAMES)
    staff = directory(identity, clock)
    staff.for_page(TOKEN).get("liu.yang")

    clock.now += 60
    assert staff.for_page(TOKEN).get("oidc|5f2a") is None  # an account of the deployment's own provider: asked once
    clock.now += 60
    assert staff.for_page(TOKEN).get("oidc|5f2a") is None  # and not again
    assert len(identity.asked) == 2
    clock.now += 600
    staff.for_page(TOKEN).get("oidc|5f2a")  # the names are renewed, and it is asked about with them
    assert len(identity.asked) == 3


@pytest.mark.parametrize("left_out", ["", None, ChainableUndefined(name="named_by")])
def test_a_page_whose_answer_left_out_who_acted_asks_nothing(clock, left_out):
    identity = Identity(NAMES)
    visitor = cast(Visitor, SimpleNamespace(people=directory(identity, clock).for_page(TOKEN)))

    assert Visitor.person(visitor, left_out) == ""
    assert identity.asked == []


def test_without_identity_pages_show_accounts_and_it_is_asked_again_a_minute_later(clock):
    identity = Identity(None)
    staff = directory(identity, clock)

    assert staff.for_page(TOKEN).get("liu.yang") is None
    assert staff.for_page(TOKEN).get("liu.yang") is None
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


# --- what identity answers -----------------------------------------------------------------------


def asked(status: int, body: Any) -> tuple[dict[str, str] | None, Wire]:
    wire = Wire(status, body)
    fetch = people_from(Apis({"identity": "http://identity:8001"}, timeout=4.0, session=wire))  # type: ignore[arg-type]
    return fetch(TOKEN), wire


def test_the_directory_is_asked_of_identity_with_the_visitors_token():
    found, wire = asked(200, {"people": NAMES})

    assert found == NAMES
    [sent] = wire.sent
    assert (sent["method"], sent["url"]) == ("GET", "http://identity:8001/api/v1/people")
    assert sent["headers"]["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("status", "body"),
    [(403, {"error": "forbidden"}), (200, {"people": ["liu.yang"]}), (200, {}), (503, {"error": "unavailable"})],
)
def test_an_answer_without_a_directory_gives_no_names(status, body):
    assert asked(status, body)[0] is None


def test_names_that_are_not_text_are_left_out():
    found, _ = asked(200, {"people": {"liu.yang": "刘洋", "wang.fang": None, "chen.yu": 7, "li.na": " "}})

    assert found == {"liu.yang": "刘洋"}


def test_an_identity_that_does_not_answer_gives_no_names():
    wire = Wire()
    wire.fails = True
    fetch = people_from(Apis({"identity": "http://identity:8001"}, timeout=4.0, session=wire))  # type: ignore[arg-type]

    assert fetch(TOKEN) is None
