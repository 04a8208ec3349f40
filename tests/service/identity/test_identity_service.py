"""Signing in at the embedded issuer: a token for the right password, one answer for every wrong one, lockout, a log."""

import contextlib
import hashlib
import itertools
import json
import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import argon2
import jwt
import pytest
from nameko.testing.services import worker_factory
from pydantic import TypeAdapter
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.identity import handlers
from services.identity.dependencies import Issuer, Passwords
from services.identity.domain import USERNAME_MAX_LENGTH, LockoutPolicy
from services.identity.handlers import SIGN_IN_REFUSED
from services.identity.service import Identity
from shared.auth.principal import Principal, Role, TooManyAttempts, Unauthenticated
from shared.auth.settings import HANDLE_CLAIM, AuthSettings
from shared.auth.signing import SigningKeys, issue_token
from shared.auth.tokens import KeySet, RevocationList, Revocations, TokenVerifier, revocation_list
from shared.contracts.identifiers import ACCOUNT_ID_MAX_LENGTH, AccountId
from shared.http import PUBLIC, SIGNED_IN, ApiHandler, BadInput
from shared.persistence.errors import NotFound
from tests.fakes.identity import FakeAccountStore
from tests.fakes.unit_of_work import FakeUnitOfWork

ISSUER = AUDIENCE = "urn:wuyuan:430426"
LIFETIME = timedelta(hours=8)
MAX_FAILURES = 3
LOCKOUT = timedelta(minutes=15)
MORNING = datetime.now(UTC).replace(microsecond=0)  # tokens signed now, so that verifiers take them

OFFICER = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({"police:430426101"}))
OPERATOR = Principal("ops.zhang", "张运维", frozenset({Role.OPERATOR}))
PASSWORD = "wuyuan-刘洋-2026-correct"
WRONG = "wuyuan-刘洋-2026-guessed"
WRONG_ANSWER = SIGN_IN_REFUSED  # the same for every refusal, locked accounts included


@pytest.fixture
def clock() -> list[datetime]:
    return [MORNING]


@pytest.fixture
def passwords() -> Passwords:
    # argon2id with the cheapest parameters: the rules are the same, the tests fast. Hashed in place (no hub).
    return Passwords(argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1), offload=False)


@pytest.fixture
def issuer(tmp_path: Path, passwords: Passwords) -> Issuer:
    return Issuer(
        keys=SigningKeys(tmp_path / "keys"),
        issuer=ISSUER,
        audience=AUDIENCE,
        lifetime=LIFETIME,
        lockout=LockoutPolicy(MAX_FAILURES, LOCKOUT),
        passwords=passwords,
    )


@pytest.fixture
def account_store(passwords: Passwords) -> FakeAccountStore:
    store = FakeAccountStore()
    for principal in (OFFICER, OPERATOR):
        handlers.add_account(
            store, passwords, principal.subject, principal.name, principal.roles, principal.units, PASSWORD, MORNING
        )
    return store


@pytest.fixture
def uow(account_store: FakeAccountStore) -> FakeUnitOfWork[FakeAccountStore]:
    return FakeUnitOfWork(account_store)


@pytest.fixture
def identity(uow, issuer, platform, clock) -> Identity:
    return worker_factory(
        Identity, uow=uow, issuer=issuer, platform=replace(platform, service="identity", now=lambda: clock[0])
    )


def sign_in(identity: Identity, http, username: str, password: str):
    body = {"username": username, "password": password}
    return identity.sign_in(
        EnvironBuilder(method="POST", json=body, environ_base={"REMOTE_ADDR": "10.0.3.9"}).get_request()
    )


def refused(identity: Identity, http, username: str, password: str) -> str:
    with pytest.raises(Unauthenticated) as failure:
        sign_in(identity, http, username, password)
    return str(failure.value)


def verifier(issuer: Issuer, identity: Identity | None = None) -> TokenVerifier:
    """A service's verifier, reading this issuer's published keys, and with `identity` its withdrawn tokens as the
    endpoint answers them, read afresh for every request."""
    settings = AuthSettings(issuer=ISSUER, audience=AUDIENCE, jwks_url="http://identity.invalid/jwks")
    revocations = None
    if identity is not None:

        def read(url: str) -> RevocationList:
            return revocation_list(json.loads(identity.token_revocations(EnvironBuilder().get_request()).get_data()))

        revocations = Revocations("http://identity.invalid/revoked", 0.5, read, clock=itertools.count().__next__)
    return TokenVerifier(settings, KeySet(settings.jwks_url, 3600, lambda url: issuer.jwks()), revocations=revocations)


def handle_of(account_store: FakeAccountStore, username: str) -> str:
    return str(account_store.rows[username]["token_handle"])


def signed(issuer: Issuer, account_store: FakeAccountStore, principal: Principal, at: datetime = MORNING) -> str:
    """A token as the issuer signs one at a sign-in: carrying the account's handle."""
    return issuer.sign(principal, at, handle_of(account_store, principal.subject))[0]


def signed_before_handles(issuer: Issuer, principal: Principal, at: datetime = MORNING) -> str:
    """A token as identity signed them before it gave handles (or one of the release before, during an upgrade)."""
    return issue_token(principal, issuer.keys.ensure(), ISSUER, AUDIENCE, at, LIFETIME)


def withdrawals(identity: Identity) -> dict:
    return json.loads(identity.token_revocations(EnvironBuilder().get_request()).get_data())


# --- signing in -------------------------------------------------------------------------------


def test_the_right_password_gives_a_token_every_service_can_verify(identity, issuer, account_store, http):
    from_window = EnvironBuilder(
        method="POST", json={"username": "liu.yang", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.3.7"}
    ).get_request()

    response = identity.sign_in(from_window)

    assert response.status_code == 201
    answer = http.body(response)
    assert answer["token_type"] == "Bearer"
    assert answer["expires_at"] == (MORNING + LIFETIME).isoformat()
    assert answer["account"] == {
        "subject": "liu.yang",
        "name": "刘洋",
        "roles": ["officer"],
        "units": ["police:430426101"],
    }
    assert verifier(issuer).verify(answer["token"]) == OFFICER
    assert account_store.sign_ins("liu.yang") == [{"address": "10.0.3.7", "outcome": "signed_in", "at": MORNING}]
    assert account_store.accounts()[0]["last_signed_in_at"] == MORNING


def test_a_wrong_password_is_refused_and_counted(identity, account_store, http):
    assert refused(identity, http, "liu.yang", WRONG) == WRONG_ANSWER

    assert account_store.rows["liu.yang"]["failed_attempts"] == 1
    assert account_store.outcomes() == [("liu.yang", "wrong_password")]


def test_an_unknown_username_gets_the_same_answer_as_a_wrong_password(identity, account_store, http):
    unknown = refused(identity, http, "liu.yan", PASSWORD)

    assert unknown == refused(identity, http, "liu.yang", WRONG) == WRONG_ANSWER
    assert account_store.outcomes() == [("liu.yan", "unknown_account"), ("liu.yang", "wrong_password")]
    assert "liu.yan" not in account_store.rows


def test_a_refused_sign_in_answers_401_as_every_failed_credential_does(identity, http):
    with pytest.raises(Unauthenticated) as failure:
        sign_in(identity, http, "liu.yang", WRONG)

    response = ApiHandler("POST", "/api/v1/sessions", access=PUBLIC).response_from_exception(failure.value)
    assert response.status_code == 401
    assert http.body(response) == {"error": "unauthenticated", "message": WRONG_ANSWER}


def test_the_right_password_resets_the_count_of_failures(identity, account_store, http):
    for _ in range(MAX_FAILURES - 1):
        refused(identity, http, "liu.yang", WRONG)

    sign_in(identity, http, "liu.yang", PASSWORD)

    assert account_store.rows["liu.yang"]["failed_attempts"] == 0
    refused(identity, http, "liu.yang", WRONG)
    assert sign_in(identity, http, "liu.yang", PASSWORD).status_code == 201  # not locked: the count started again


def test_too_many_failures_lock_the_account_even_against_the_right_password(identity, account_store, http, clock):
    for _ in range(MAX_FAILURES):
        refused(identity, http, "liu.yang", WRONG)

    assert account_store.rows["liu.yang"]["locked_until"] == MORNING + LOCKOUT
    clock[0] = MORNING + LOCKOUT - timedelta(seconds=1)
    assert "locked" in refused(identity, http, "liu.yang", PASSWORD)
    assert account_store.outcomes()[-1] == ("liu.yang", "locked")


def test_a_lock_lapses_and_the_right_password_signs_in_again(identity, account_store, http, clock):
    for _ in range(MAX_FAILURES):
        refused(identity, http, "liu.yang", WRONG)

    clock[0] = MORNING + LOCKOUT
    response = sign_in(identity, http, "liu.yang", PASSWORD)

    assert response.status_code == 201
    assert (account_store.rows["liu.yang"]["failed_attempts"], account_store.rows["liu.yang"]["locked_until"]) == (
        0,
        None,
    )


# --- withdrawing the tokens an account holds -----------------------------------------------------------------


def test_disabling_an_account_withdraws_the_tokens_it_holds_from_every_service(identity, issuer, account_store, clock):
    token = signed(issuer, account_store, OFFICER)
    services = verifier(issuer, identity)
    assert services.verify(token) == OFFICER

    clock[0] = MORNING + timedelta(hours=1, microseconds=250_000)
    handlers.change_account(account_store, "liu.yang", clock[0], disabled=True)

    with pytest.raises(Unauthenticated, match="token withdrawn"):
        services.verify(token)
    assert verifier(issuer, identity).verify(signed(issuer, account_store, OPERATOR)) == OPERATOR  # no one else's


@pytest.mark.parametrize(
    "change",
    [
        lambda store, at: handlers.change_account(store, "liu.yang", at, units=frozenset({"police:430426102"})),
        lambda store, at: handlers.change_account(
            store, "liu.yang", at, roles=frozenset({Role.LEADER}), units=frozenset()
        ),
        lambda store, at: handlers.set_password(
            store,
            Passwords(argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1), offload=False),
            "liu.yang",
            "wuyuan-重设-2026-password",
            at,
        ),
    ],
    ids=["units", "roles", "reset password"],
)
def test_changing_what_a_token_says_or_resetting_the_password_withdraws_the_tokens_before_it(
    identity, issuer, account_store, clock, change
):
    token = signed(issuer, account_store, OFFICER)
    clock[0] = MORNING + timedelta(minutes=5)

    change(account_store, clock[0])

    with pytest.raises(Unauthenticated, match="token withdrawn"):
        verifier(issuer, identity).verify(token)


def test_a_token_signed_in_within_the_second_before_a_withdrawal_is_withdrawn_too(
    identity, issuer, account_store, http, clock
):
    """Someone signing in over and over with a stolen password: the token of the moment before the operator disables
    the account, within the same second, must not outlive it."""
    clock[0] = MORNING + timedelta(seconds=5, microseconds=100_000)
    token = http.body(sign_in(identity, http, "liu.yang", PASSWORD))["token"]

    handlers.change_account(
        account_store, "liu.yang", MORNING + timedelta(seconds=5, microseconds=700_000), disabled=True
    )

    with pytest.raises(Unauthenticated, match="token withdrawn"):
        verifier(issuer, identity).verify(token)


def test_a_withdrawal_dated_by_a_clock_behind_identitys_still_withdraws_every_token_signed_before_it(
    identity, issuer, account_store, http, clock
):
    """The operator's `wuyuan account disable` reads its own host's clock, three seconds behind identity's."""
    clock[0] = MORNING + timedelta(seconds=20)
    token = http.body(sign_in(identity, http, "liu.yang", PASSWORD))["token"]

    handlers.change_account(account_store, "liu.yang", MORNING + timedelta(seconds=17), disabled=True)

    with pytest.raises(Unauthenticated, match="token withdrawn"):
        verifier(issuer, identity).verify(token)


def test_a_sign_in_between_two_withdrawals_of_one_second_is_withdrawn_by_the_second(
    identity, issuer, account_store, http, clock
):
    first = MORNING + timedelta(seconds=3, microseconds=200_000)
    handlers.change_account(account_store, "liu.yang", first, units=frozenset({"police:430426102"}))
    clock[0] = MORNING + timedelta(seconds=3, microseconds=500_000)
    token = http.body(sign_in(identity, http, "liu.yang", PASSWORD))["token"]  # issued at the second after the first

    handlers.change_account(
        account_store, "liu.yang", MORNING + timedelta(seconds=30, microseconds=800_000), disabled=True
    )

    with pytest.raises(Unauthenticated, match="token withdrawn"):
        verifier(issuer, identity).verify(token)


def test_unlocking_or_enabling_an_account_withdraws_nothing(identity, issuer, account_store, clock):
    token = signed(issuer, account_store, OFFICER)

    handlers.change_account(account_store, "liu.yang", MORNING + timedelta(minutes=5), unlock=True)

    assert verifier(issuer, identity).verify(token) == OFFICER
    assert account_store.withdrawals_since(MORNING - LIFETIME, MORNING) == []


def test_a_changed_password_withdraws_the_tokens_of_the_old_one_but_not_the_sign_in_with_the_new_one(
    identity, issuer, account_store, http, clock
):
    old_token = signed(issuer, account_store, OFFICER)
    clock[0] = MORNING + timedelta(seconds=10, microseconds=900_000)  # signed in again within the second
    change_password(identity, http, PASSWORD, token=old_token)

    new_token = http.body(sign_in(identity, http, "liu.yang", NEW_PASSWORD))["token"]

    services = verifier(issuer, identity)
    with pytest.raises(Unauthenticated, match="token withdrawn"):
        services.verify(old_token)
    assert services.verify(new_token) == OFFICER


def test_every_token_signed_in_carries_the_accounts_own_random_handle(identity, account_store, http):
    tokens = {
        username: http.body(sign_in(identity, http, username, PASSWORD))["token"]
        for username in ("liu.yang", "ops.zhang")
    }

    claims = {username: jwt.decode(token, options={"verify_signature": False}) for username, token in tokens.items()}
    handles = {username: claims[username][HANDLE_CLAIM] for username in tokens}
    assert handles == {username: handle_of(account_store, username) for username in tokens}
    assert all(re.fullmatch(r"[0-9a-f]{32}", handle) for handle in handles.values())
    assert handles["liu.yang"] != handles["ops.zhang"]
    assert all(handle not in str(account) for handle in handles.values() for account in account_store.accounts())


def handle_in(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})[HANDLE_CLAIM])


def test_the_first_sign_in_after_a_quiet_day_carries_a_new_handle_and_the_list_never_names_it_beside_the_old(
    identity, account_store, clock, http
):
    """A handle someone tied to the officer's name (a token's holder; two readings of the list during an upgrade)
    tells nothing of the withdrawals after the officer's next sign-in that follows a token's lifetime without one."""
    morning = handle_in(http.body(sign_in(identity, http, "liu.yang", PASSWORD))["token"])
    clock[0] = MORNING + timedelta(hours=2)
    assert handle_in(http.body(sign_in(identity, http, "liu.yang", PASSWORD))["token"]) == morning
    handlers.change_account(account_store, "liu.yang", clock[0], disabled=True)  # withdrawn, listed by the handle
    handlers.change_account(account_store, "liu.yang", clock[0], disabled=False)
    assert [entry["handle"] for entry in withdrawals(identity)["withdrawn"]] == [morning]

    clock[0] = MORNING + timedelta(days=1)  # the next working day: the list named it until about 18:00 the day before
    listed_that_morning = withdrawals(identity)
    next_day = handle_in(http.body(sign_in(identity, http, "liu.yang", PASSWORD))["token"])
    clock[0] += timedelta(minutes=30)
    listed_after = withdrawals(identity)
    handlers.change_account(account_store, "liu.yang", clock[0], disabled=True)

    assert next_day != morning and next_day == handle_of(account_store, "liu.yang")
    assert listed_that_morning["withdrawn"] == listed_after["withdrawn"] == []
    assert [entry["handle"] for entry in withdrawals(identity)["withdrawn"]] == [next_day]


def test_the_list_names_a_withdrawn_account_by_its_handle_only_and_only_within_a_tokens_lifetime(
    identity, account_store, clock
):
    handlers.change_account(account_store, "liu.yang", MORNING, disabled=True)

    listed = withdrawals(identity)
    clock[0] = MORNING + LIFETIME + timedelta(minutes=7)  # past any verifier's leeway too
    later = withdrawals(identity)

    assert listed["withdrawn"] == [
        {"handle": handle_of(account_store, "liu.yang"), "tokens_valid_from": int(MORNING.timestamp()) + 1}
    ]
    assert listed["revoked"] == []  # kept, empty, for verifiers of the release before
    assert "liu.yang" not in json.dumps(listed)
    assert hashlib.sha256(b"liu.yang").hexdigest() not in json.dumps(listed)
    assert later == {"as_of": later["as_of"], "withdrawn": [], "revoked": []}


def test_a_token_signed_before_the_lifetime_was_shortened_stays_withdrawn_until_it_expires(
    identity, issuer, uow, platform, account_store, clock, http
):
    """Signed in for a day, then the lifetime set to eight hours: neither the list nor a new handle may count on
    eight hours for the token signed before."""
    day_long = worker_factory(
        Identity,
        uow=uow,
        issuer=replace(issuer, lifetime=timedelta(hours=24)),
        platform=replace(platform, service="identity", now=lambda: clock[0]),
    )
    token = http.body(sign_in(day_long, http, "liu.yang", PASSWORD))["token"]
    clock[0] = MORNING + timedelta(hours=1)
    handlers.change_account(account_store, "liu.yang", clock[0], disabled=True)
    handlers.change_account(account_store, "liu.yang", clock[0], disabled=False)

    clock[0] = MORNING + timedelta(hours=1) + LIFETIME + timedelta(hours=1)  # past today's reach, within the day
    assert [entry["handle"] for entry in withdrawals(identity)["withdrawn"]] == [handle_in(token)]
    with pytest.raises(Unauthenticated, match="token withdrawn"):
        verifier(issuer, identity).verify(token)
    assert handle_in(http.body(sign_in(identity, http, "liu.yang", PASSWORD))["token"]) == handle_in(token)

    clock[0] = MORNING + timedelta(hours=24, minutes=13)  # the day's token expired past any verifier's leeway
    assert withdrawals(identity)["withdrawn"] == []


def test_the_list_is_in_the_order_of_the_handles_which_tells_nothing_of_the_usernames(
    identity, account_store, passwords
):
    for n in range(12):
        handlers.add_account(
            account_store,
            passwords,
            f"officer.{n:02d}",
            "民警",
            frozenset({Role.OFFICER}),
            frozenset({"police:430426"}),
            PASSWORD,
            MORNING,
        )
        handlers.change_account(account_store, f"officer.{n:02d}", MORNING, disabled=True)

    listed = withdrawals(identity)["withdrawn"]

    assert len(listed) == 12
    assert [entry["handle"] for entry in listed] == sorted(
        handle_of(account_store, f"officer.{n:02d}") for n in range(12)
    )


# An upgrade: identity's migration 0004 gives liu.yang's account its handle at UPGRADE; the tokens signed before carry
# none. (Tokens are verified by the real clock, so the upgrade is put before MORNING, which is now.)
REACH = LIFETIME + handlers.WITHDRAWAL_SLACK


def test_a_withdrawal_that_may_meet_tokens_signed_before_handles_is_listed_by_digest_and_refuses_both_kinds(
    identity, issuer, account_store, http, clock
):
    upgrade = MORNING - timedelta(hours=3)
    account_store.made_before_handles("liu.yang", upgrade)
    before_upgrade = signed_before_handles(issuer, OFFICER, upgrade - timedelta(hours=1))
    clock[0] = upgrade + timedelta(hours=1)
    after_upgrade = http.body(sign_in(identity, http, "liu.yang", PASSWORD))["token"]
    services = verifier(issuer, identity)
    assert services.verify(before_upgrade) == services.verify(after_upgrade) == OFFICER

    clock[0] = MORNING
    handlers.change_account(account_store, "liu.yang", MORNING, disabled=True)

    listed = withdrawals(identity)
    assert listed["revoked"] == [
        {"subject_digest": hashlib.sha256(b"liu.yang").hexdigest(), "tokens_valid_from": int(MORNING.timestamp()) + 1}
    ]
    assert listed["withdrawn"] == []  # one way only: the two together would pair the handle with the name
    for token in (before_upgrade, after_upgrade):
        with pytest.raises(Unauthenticated, match="token withdrawn"):
            verifier(issuer, identity).verify(token)


def test_once_every_token_without_a_handle_has_expired_a_withdrawal_is_listed_by_handle_and_names_no_one(
    identity, issuer, account_store, http, clock
):
    account_store.made_before_handles("liu.yang", MORNING - REACH - timedelta(seconds=1))
    token = http.body(sign_in(identity, http, "liu.yang", PASSWORD))["token"]

    handlers.change_account(account_store, "liu.yang", MORNING, disabled=True)

    listed = withdrawals(identity)
    assert [entry["handle"] for entry in listed["withdrawn"]] == [handle_of(account_store, "liu.yang")]
    assert listed["revoked"] == []
    assert hashlib.sha256(b"liu.yang").hexdigest() not in json.dumps(listed)
    with pytest.raises(Unauthenticated, match="token withdrawn"):
        verifier(issuer, identity).verify(token)


def test_a_token_an_identity_of_the_release_before_signs_during_the_upgrade_keeps_the_digest_listed(
    identity, issuer, account_store, clock
):
    """The migration ran while a pod of the release before went on signing tokens without handles (noted in
    `tokens_issued_until`, as it notes them): a withdrawal past the migration's window must still reach them."""
    upgrade = MORNING - REACH - timedelta(minutes=10)
    account_store.made_before_handles("liu.yang", upgrade)
    # An hour ago: its token is still valid by the wall clock the verifier reads, however long the suite has run.
    late_sign_in = MORNING - timedelta(hours=1)
    account_store.rows["liu.yang"]["tokens_issued_until"] = late_sign_in
    from_old_pod = signed_before_handles(issuer, OFFICER, late_sign_in)

    handlers.change_account(account_store, "liu.yang", MORNING, disabled=True)

    assert [entry["subject_digest"] for entry in withdrawals(identity)["revoked"]] == [
        hashlib.sha256(b"liu.yang").hexdigest()
    ]
    with pytest.raises(Unauthenticated, match="token withdrawn"):
        verifier(issuer, identity).verify(from_old_pod)


def test_an_account_made_since_the_upgrade_is_listed_by_handle_from_its_first_withdrawal(
    identity, account_store, passwords
):
    """It holds no token without a handle: its withdrawals name it by digest at no time."""
    handlers.add_account(
        account_store, passwords, "zhao.lei", "赵磊", frozenset({Role.LEADER}), frozenset(), PASSWORD, MORNING
    )
    handlers.change_account(account_store, "zhao.lei", MORNING, roles=frozenset({Role.COORDINATOR}))

    listed = withdrawals(identity)

    assert [entry["handle"] for entry in listed["withdrawn"]] == [handle_of(account_store, "zhao.lei")]
    assert listed["revoked"] == []


def test_a_disabled_account_cannot_sign_in_and_is_told_nothing_more(identity, account_store, http):
    handlers.change_account(account_store, "liu.yang", MORNING, disabled=True)

    assert refused(identity, http, "liu.yang", PASSWORD) == WRONG_ANSWER
    assert account_store.outcomes() == [("liu.yang", "disabled")]


def test_every_attempt_is_logged_whatever_came_of_it(identity, account_store, http, clock):
    handlers.change_account(account_store, "ops.zhang", MORNING, disabled=True)
    attempts = [
        ("liu.yang", PASSWORD),
        ("liu.yang", WRONG),
        ("nobody", WRONG),
        ("ops.zhang", PASSWORD),
        ("liu.yang", WRONG),
        ("liu.yang", WRONG),  # the third failure in a row locks the account
        ("liu.yang", PASSWORD),
    ]

    for minute, (username, password) in enumerate(attempts):
        clock[0] = MORNING + timedelta(minutes=minute)
        with contextlib.suppress(Unauthenticated):
            sign_in(identity, http, username, password)

    assert account_store.outcomes() == [
        ("liu.yang", "signed_in"),
        ("liu.yang", "wrong_password"),
        ("nobody", "unknown_account"),
        ("ops.zhang", "disabled"),
        ("liu.yang", "wrong_password"),
        ("liu.yang", "wrong_password"),
        ("liu.yang", "locked"),
    ]
    assert [a["at"] for a in account_store.sign_ins("liu.yang")] == [
        MORNING + timedelta(minutes=m) for m in (0, 1, 4, 5, 6)
    ]


# The longest username the issuer gives out: every message naming who acted must take it (they took 50 once).
LONG_USERNAME = "zhou.min.qidong-county-people-s-court.civil-mediation-office.001"


def test_an_account_with_the_longest_username_signs_in_and_is_named_as_it_in_messages(
    identity, issuer, account_store, passwords, http
):
    assert len(LONG_USERNAME) == USERNAME_MAX_LENGTH
    officer = Principal(LONG_USERNAME, "周敏", frozenset({Role.OFFICER}), frozenset({"court:430426"}))
    handlers.add_account(
        account_store, passwords, officer.subject, officer.name, officer.roles, officer.units, PASSWORD, MORNING
    )

    response = sign_in(identity, http, LONG_USERNAME, PASSWORD)

    assert response.status_code == 201
    caller = verifier(issuer).verify(http.body(response)["token"])
    assert caller == officer
    assert TypeAdapter(AccountId).validate_python(caller.subject) == LONG_USERNAME


@pytest.mark.parametrize("length", [USERNAME_MAX_LENGTH + 1, ACCOUNT_ID_MAX_LENGTH])
def test_a_username_longer_than_any_account_has_is_refused_as_an_unknown_one(identity, account_store, http, length):
    username = "w" * length

    assert refused(identity, http, username, PASSWORD) == WRONG_ANSWER
    assert account_store.outcomes() == [(username, "unknown_account")]


def test_a_username_longer_than_any_token_may_name_is_a_bad_field_and_logs_nothing(identity, account_store, http):
    with pytest.raises(BadInput) as bad:
        sign_in(identity, http, "w" * (ACCOUNT_ID_MAX_LENGTH + 1), PASSWORD)

    assert [(f["field"], f["type"]) for f in bad.value.fields] == [("username", "string_too_long")]
    response = ApiHandler("POST", "/api/v1/sessions", access=PUBLIC).response_from_exception(bad.value)
    assert response.status_code == 400
    assert account_store.attempts == []


def test_a_sign_in_body_with_other_fields_names_them_and_logs_nothing(identity, account_store, http):
    with pytest.raises(BadInput) as bad:
        identity.sign_in(http.post({"username": "liu.yang", "password": PASSWORD, "roles": ["operator"]}))

    assert [f["field"] for f in bad.value.fields] == ["roles"]
    assert account_store.attempts == []


# --- what the issuer serves ---------------------------------------------------------------------


def test_the_key_set_publishes_the_key_that_signs(identity, issuer, http):
    token = http.body(sign_in(identity, http, "liu.yang", PASSWORD))["token"]

    response = identity.jwks(http.get())

    keys = http.body(response)["keys"]
    assert [k["kid"] for k in keys] == [issuer.keys.active().kid]
    assert all("d" not in k for k in keys)  # public halves only
    assert response.headers["Cache-Control"].startswith("public")
    assert verifier(issuer).verify(token).subject == "liu.yang"


def test_a_rotated_key_signs_at_once_and_tokens_of_the_old_one_still_verify(identity, issuer, http):
    before = http.body(sign_in(identity, http, "liu.yang", PASSWORD))["token"]
    old = issuer.keys.active().kid

    new = issuer.keys.create().kid
    after = http.body(sign_in(identity, http, "liu.yang", PASSWORD))["token"]

    assert {k["kid"] for k in http.body(identity.jwks(http.get()))["keys"]} == {old, new}
    check = verifier(issuer)
    assert check.verify(before).subject == check.verify(after).subject == "liu.yang"


def test_me_names_the_signed_in_caller(identity, http):
    identity.caller = OFFICER

    assert http.body(identity.me(http.get())) == OFFICER.as_json()


def test_the_account_list_shows_no_password_hash(identity, http):
    identity.caller = OPERATOR

    accounts = http.body(identity.list_accounts(http.get()))["accounts"]

    assert [a["username"] for a in accounts] == ["liu.yang", "ops.zhang"]
    assert all("password_hash" not in a and "$argon2" not in str(a) for a in accounts)


def asking(query: str) -> Request:
    return EnvironBuilder(method="GET", path="/api/v1/people", query_string=query).get_request()


def test_staff_read_the_names_of_the_accounts_they_ask_about_and_nothing_else_of_them(identity, http):
    identity.caller = OFFICER

    answer = http.body(identity.staff_names(asking("account=liu.yang&account=ops.zhang&account=nobody.here")))

    # An operator's account, and one that is not there, are left out alike: nothing to tell them apart by.
    assert answer == {"people": {"liu.yang": "刘洋"}}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "account"),  # nothing asked: no list of every account
        ("&".join(f"account=u{n}" for n in range(51)), "account"),
        ("account=" + "x" * 201, "account.0"),
        ("account=liu.yang&everyone=1", "everyone"),
    ],
)
def test_a_question_that_is_not_a_pages_few_accounts_is_refused_naming_the_parameter(identity, query, field):
    identity.caller = OFFICER

    with pytest.raises(BadInput) as refused:
        identity.staff_names(asking(query))

    assert field in {fault["field"] for fault in refused.value.fields}


def test_names_are_for_staff_who_read_cases_not_for_operators():
    [entrypoint] = Identity.staff_names.nameko_entrypoints
    allowed = entrypoint.access.roles

    assert Role.OPERATOR not in allowed
    assert {Role.OFFICER, Role.INTAKE_STAFF, Role.COORDINATOR, Role.SUPERVISOR, Role.LEADER} <= allowed


def test_one_address_failing_across_many_accounts_is_stopped_before_any_password_is_checked(
    identity, account_store, http, clock
):
    for n in range(LockoutPolicy().max_failures_per_address):
        refused(identity, http, f"guess{n}", WRONG)  # a different account each time: no account locks

    with pytest.raises(TooManyAttempts) as stopped:
        sign_in(identity, http, "liu.yang", PASSWORD)

    response = ApiHandler("POST", "/api/v1/sessions", access=PUBLIC).response_from_exception(stopped.value)
    assert (response.status_code, response.headers["Retry-After"]) == (429, str(int(LOCKOUT.total_seconds())))
    assert account_store.outcomes()[-1] == ("liu.yang", "throttled")
    assert account_store.rows["liu.yang"]["failed_attempts"] == 0  # the account itself is untouched
    clock[0] = MORNING + LOCKOUT + timedelta(minutes=1)  # the failures have aged out of the window
    assert sign_in(identity, http, "liu.yang", PASSWORD).status_code == 201


# --- changing one's own password --------------------------------------------------------------------

NEW_PASSWORD = "wuyuan-刘洋-2027-changed"


def change_password(identity: Identity, http, current: str, new: str = NEW_PASSWORD, token: str | None = None):
    identity.caller = OFFICER
    body = {"current_password": current, "new_password": new}
    with identity.uow:
        signed_here = token or signed(identity.issuer, identity.uow.store, OFFICER)
    return identity.change_password(
        EnvironBuilder(
            method="POST",
            json=body,
            environ_base={"REMOTE_ADDR": "10.0.3.9"},
            headers={"Authorization": f"Bearer {signed_here}"},
        ).get_request()
    )


def refused_password_change(identity: Identity, http, current: str, new: str = NEW_PASSWORD) -> list[tuple]:
    with pytest.raises(BadInput) as refusal:
        change_password(identity, http, current, new)
    return [(f["field"], f["type"]) for f in refusal.value.fields]


def test_a_signed_in_officer_changes_their_own_password_and_signs_in_with_the_new_one_only(
    identity, account_store, http
):
    response = change_password(identity, http, PASSWORD)

    assert response.status_code == 200
    assert http.body(response) == {"changed_at": MORNING.isoformat(), "sign_in_again": True}
    assert refused(identity, http, "liu.yang", PASSWORD) == WRONG_ANSWER
    assert sign_in(identity, http, "liu.yang", NEW_PASSWORD).status_code == 201
    assert ("liu.yang", "password_changed") in account_store.outcomes()
    # The operator's account, which shared the first password, keeps it.
    assert sign_in(identity, http, "ops.zhang", PASSWORD).status_code == 201


def test_a_wrong_current_password_changes_nothing_and_counts_toward_the_lock_as_a_failed_sign_in(
    identity, account_store, http
):
    assert refused_password_change(identity, http, WRONG) == [("current_password", "wrong")]

    assert account_store.rows["liu.yang"]["failed_attempts"] == 1
    assert account_store.outcomes()[-1] == ("liu.yang", "password_change_wrong_password")
    for _ in range(MAX_FAILURES - 1):
        with contextlib.suppress(BadInput):
            change_password(identity, http, WRONG)
    # Locked now, even against the right password: a token left on a screen is no way to guess it.
    with pytest.raises(TooManyAttempts):
        change_password(identity, http, PASSWORD)
    assert refused(identity, http, "liu.yang", PASSWORD) == WRONG_ANSWER


@pytest.mark.parametrize(
    ("new", "problem"),
    [("short-1", "at least 12 characters"), (PASSWORD, "must differ from the current password")],
)
def test_a_new_password_the_rule_refuses_is_named_and_nothing_is_checked_or_counted(
    identity, account_store, http, new, problem
):
    with pytest.raises(BadInput) as refusal:
        change_password(identity, http, PASSWORD, new)

    [field] = refusal.value.fields
    assert (field["field"], field["type"], field["message"]) == ("new_password", "password_policy", problem)
    assert account_store.rows["liu.yang"]["failed_attempts"] == 0
    assert sign_in(identity, http, "liu.yang", PASSWORD).status_code == 201


def test_a_person_another_provider_vouches_for_has_no_password_here(identity, account_store, http, tmp_path):
    # The provider's token names liu.yang too: a leftover local account of that name must not be guessed at.
    provider = Issuer(
        keys=SigningKeys(tmp_path / "provider-keys"),
        issuer=ISSUER,
        audience=AUDIENCE,
        lifetime=LIFETIME,
        lockout=LockoutPolicy(),
        passwords=identity.issuer.passwords,
    )
    from_provider = provider.sign(OFFICER, MORNING, uuid.uuid4().hex)[0]

    with pytest.raises(NotFound):
        change_password(identity, http, WRONG, token=from_provider)

    assert account_store.rows["liu.yang"]["failed_attempts"] == 0


def test_changing_a_password_is_open_to_anyone_signed_in_and_its_key_keeps_no_hash_of_the_passwords():
    handler = next(h for h in Identity.change_password.nameko_entrypoints if isinstance(h, ApiHandler))
    assert handler.access == SIGNED_IN and handler.takes_key and handler.secret_body


def test_password_changes_that_succeed_never_count_toward_stopping_the_address(identity, account_store, http):
    passwords = [PASSWORD, *(f"wuyuan-刘洋-2027-change-{n:02d}" for n in range(25))]
    for current, new in pairwise(passwords):
        change_password(identity, http, current, new)

    assert account_store.failures_from("10.0.3.9", MORNING - LOCKOUT) == 0
    assert sign_in(identity, http, "liu.yang", passwords[-1]).status_code == 201
