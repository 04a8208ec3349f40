"""The console's session store: a session is found by its cookie's digest until it expires, then forgotten."""

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.console.domain import Session, open_session, opened_held, opened_token, session_digest
from services.console.store import PostgresSessionStore
from shared.persistence.errors import Conflict
from tests.fakes.console import FakeSessionStore

SERVICE = "console"
FAKE = FakeSessionStore
POSTGRES_STORE = PostgresSessionStore

BEIJING = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 23, 8, 30, tzinfo=BEIJING)
EIGHT_HOURS = timedelta(hours=8)

WANG_COOKIE = "cookie-of-wang-fang-at-the-window"
LIU_COOKIE = "cookie-of-liu-yang-at-the-police-station"
WANG_TOKEN = "eyJhbGciOiJFUzI1NiJ9.wang-fang-claims.signature"
WANG = open_session("wang.fang", WANG_TOKEN, MORNING + EIGHT_HOURS, MORNING, WANG_COOKIE, "form-key-wang")
LIU = open_session("liu.yang", "token.of.liu.yang", MORNING + timedelta(hours=2), MORNING, LIU_COOKIE, "form-key-liu")


def add(stores, *sessions: Session) -> None:
    with stores.transaction() as store:
        for session in sessions:
            store.add(session)


def find(stores, cookie: str, at: datetime) -> Session | None:
    with stores.transaction() as store:
        found: Session | None = store.find(session_digest(cookie), at)
    return found


def test_a_session_is_found_by_its_cookie_with_the_token_and_form_key_it_was_opened_with(stores):
    add(stores, WANG)

    found = find(stores, WANG_COOKIE, MORNING + timedelta(minutes=5))

    assert found == WANG
    assert found is not None and opened_token(found, WANG_COOKIE) == WANG_TOKEN and found.csrf == "form-key-wang"


def test_a_copy_of_the_sessions_holds_no_token_anyone_could_call_the_services_with(stores):
    # The token is a bearer credential for every service's API: what is stored opens it only with the cookie,
    # which the browser alone holds (the store keeps the cookie's digest).
    add(stores, WANG)

    with stores.transaction() as store:
        kept = repr(store.sql.all("SELECT * FROM sessions") if stores.kind == "postgres" else store.sessions)

    assert "wang-fang-claims" not in kept
    found = find(stores, WANG_COOKIE, MORNING)
    assert found is not None and opened_token(found, LIU_COOKIE) is None
    assert opened_token(found, WANG_COOKIE) == WANG_TOKEN


def test_another_cookie_finds_no_session(stores):
    add(stores, WANG)

    assert find(stores, "cookie-of-wang-fang-at-the-windoW", MORNING) is None


def test_a_session_is_not_found_from_the_moment_it_expires(stores):
    add(stores, LIU)

    assert find(stores, LIU_COOKIE, LIU.expires_at - timedelta(seconds=1)) == LIU
    assert find(stores, LIU_COOKIE, LIU.expires_at) is None
    assert find(stores, LIU_COOKIE, LIU.expires_at + timedelta(days=1)) is None


def test_a_removed_session_is_gone_and_others_stay(stores):
    add(stores, WANG, LIU)

    with stores.transaction() as store:
        store.remove(WANG.digest)

    assert find(stores, WANG_COOKIE, MORNING) is None
    assert find(stores, LIU_COOKIE, MORNING) == LIU


def test_removing_a_session_that_is_not_there_changes_nothing(stores):
    add(stores, LIU)

    with stores.transaction() as store:
        store.remove(session_digest("a-cookie-never-issued"))

    assert find(stores, LIU_COOKIE, MORNING) == LIU


def test_the_sweep_forgets_only_expired_sessions_and_counts_them(stores):
    long_gone = replace(
        LIU, digest=session_digest("cookie-from-yesterday"), created_at=MORNING - timedelta(days=1), expires_at=MORNING
    )
    add(stores, WANG, LIU, long_gone)
    noon = MORNING + timedelta(hours=3)  # past LIU's two hours, within WANG's eight

    with stores.transaction() as store:
        assert store.remove_expired(noon) == 2

    assert find(stores, WANG_COOKIE, noon) == WANG
    with stores.transaction() as store:
        assert store.remove_expired(noon) == 0  # nothing left to forget
        assert store.find(LIU.digest, LIU.expires_at - timedelta(hours=1)) is None  # gone, not merely expired


def test_a_second_session_with_the_same_digest_is_refused_and_the_first_kept(stores):
    add(stores, WANG)

    impostor = replace(WANG, username="someone.else", sealed_token=LIU.sealed_token)
    with pytest.raises(Conflict), stores.transaction() as store:
        store.add(impostor)

    assert find(stores, WANG_COOKIE, MORNING) == WANG


def test_a_failed_transaction_stores_no_session(stores):
    with pytest.raises(RuntimeError), stores.transaction() as store:
        store.add(WANG)
        raise RuntimeError("the page failed after the session was written")

    assert find(stores, WANG_COOKIE, MORNING) is None


HELD_TEXT = '{"target": "/window", "fields": [["parties.0.id_number", "430426198503120023"]]}'


def holding_a_form() -> Session:
    """王芳's session, holding for an hour a form posted after her earlier one had ended."""
    return open_session(
        "wang.fang",
        WANG_TOKEN,
        MORNING + EIGHT_HOURS,
        MORNING,
        WANG_COOKIE,
        "form-key-wang",
        HELD_TEXT,
        timedelta(hours=1),
    )


def test_a_held_form_is_kept_sealed_with_its_session_until_released(stores):
    holding = holding_a_form()
    add(stores, holding, LIU)

    found = find(stores, WANG_COOKIE, MORNING)
    assert found == holding and opened_held(found, WANG_COOKIE, MORNING) == HELD_TEXT
    with stores.transaction() as store:
        kept = repr(store.sql.all("SELECT * FROM sessions") if stores.kind == "postgres" else store.sessions)
        store.release_held(holding.digest)
        store.release_held(LIU.digest)  # one holding nothing: nothing changes
    assert "430426198503120023" not in kept

    released = find(stores, WANG_COOKIE, MORNING)
    assert released is not None and released.sealed_held == "" and released.held_until is None
    assert opened_token(released, WANG_COOKIE) == WANG_TOKEN and find(stores, LIU_COOKIE, MORNING) == LIU


def test_the_sweep_forgets_held_forms_past_their_time_and_keeps_their_sessions(stores):
    holding = holding_a_form()
    add(stores, holding)

    with stores.transaction() as store:
        assert store.remove_expired(MORNING + timedelta(minutes=59)) == 0
    assert find(stores, WANG_COOKIE, MORNING) == holding
    with stores.transaction() as store:
        assert store.remove_expired(MORNING + timedelta(hours=1)) == 0

    swept = find(stores, WANG_COOKIE, MORNING + timedelta(hours=1))
    assert swept is not None and swept.sealed_held == "" and swept.held_until is None
