"""Tokens are verified locally (signature, expiry, audience, issuer), and their claims become the caller."""

import base64
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import jwt
import pytest

from shared.auth.principal import Forbidden, Principal, Role, Unauthenticated
from shared.auth.settings import HANDLE_CLAIM, AuthSettings
from shared.auth.signing import SigningKeys, issue_token
from shared.auth.tokens import (
    KeySet,
    KeysUnavailable,
    RevocationList,
    Revocations,
    TokenVerifier,
    fetch_jwks,
    fetch_revocations,
    subject_digest,
)
from shared.contracts.identifiers import ACCOUNT_ID_MAX_LENGTH
from shared.contracts.messages import ReferralAccepted

ISSUER, AUDIENCE = "urn:wuyuan:test", "urn:wuyuan:test"
LIFETIME = timedelta(hours=8)
OFFICER = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({"police:430426101"}))


def settings(**overrides: object) -> AuthSettings:
    fields: dict[str, object] = {"issuer": ISSUER, "audience": AUDIENCE, "jwks_url": "file:///unused"}
    return AuthSettings(**{**fields, **overrides})  # type: ignore[arg-type]


class Keys:
    """The issuer's key directory, served to the verifier as its JWKS would be, counting fetches."""

    def __init__(self, directory: Path) -> None:
        self.signing = SigningKeys(directory)
        self.fetches = 0

    def fetch(self, url: str) -> dict[str, object]:
        self.fetches += 1
        return self.signing.jwks(LIFETIME)


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return Keys(tmp_path / "keys")


def verifier_for(keys: Keys, clock: list[float] | None = None, **overrides: object) -> TokenVerifier:
    now = clock or [0.0]
    return TokenVerifier(settings(**overrides), KeySet("file:///unused", 3600, keys.fetch, lambda: now[0]))


def token(keys: Keys, principal: Principal = OFFICER, at: datetime | None = None, **claims: object) -> str:
    issued = at or datetime.now(UTC)
    return issue_token(principal, keys.signing.ensure(), ISSUER, AUDIENCE, issued, LIFETIME, claims.items())


def test_a_token_from_the_issuer_names_the_caller_their_roles_and_units(keys: Keys) -> None:
    caller = verifier_for(keys).verify(token(keys))
    assert caller == OFFICER


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"aud": "urn:wuyuan:another-platform"}, "audience"),
        ({"iss": "urn:somebody-else"}, "issuer"),
    ],
)
def test_tokens_for_another_platform_or_from_another_issuer_are_refused(
    keys: Keys, claims: dict[str, object], why: str
) -> None:
    with pytest.raises(Unauthenticated):
        verifier_for(keys).verify(token(keys, **claims))


def test_an_expired_token_is_refused(keys: Keys) -> None:
    with pytest.raises(Unauthenticated, match="expired"):
        verifier_for(keys).verify(token(keys, at=datetime.now(UTC) - LIFETIME - timedelta(minutes=5)))


def test_a_token_signed_by_a_key_the_issuer_never_published_is_refused(keys: Keys, tmp_path: Path) -> None:
    keys.signing.ensure()
    stranger = SigningKeys(tmp_path / "stranger").ensure()
    forged = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "roles": ["leader"], "iat": 1, "exp": 2**40},
        stranger.private_key,
        algorithm="ES256",
        headers={"kid": keys.signing.active().kid},  # claims to be the issuer's key
    )
    with pytest.raises(Unauthenticated):
        verifier_for(keys).verify(forged)


@pytest.mark.parametrize("algorithm", ["none", "HS256"])
def test_unsigned_and_shared_secret_tokens_are_refused(keys: Keys, algorithm: str) -> None:
    kid = keys.signing.ensure().kid
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "roles": ["leader"], "iat": 1, "exp": 2**40}
    forged = jwt.encode(claims, "secret" if algorithm == "HS256" else None, algorithm=algorithm, headers={"kid": kid})
    with pytest.raises(Unauthenticated, match="algorithm"):
        verifier_for(keys).verify(forged)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "x" * 9000, "eyJhbGciOiJFUzI1NiJ9.e30."])
def test_garbage_is_refused_not_crashed_on(keys: Keys, garbage: str) -> None:
    with pytest.raises(Unauthenticated):
        verifier_for(keys).verify(garbage)


def test_a_rotated_key_is_fetched_once_and_the_old_key_still_verifies(keys: Keys) -> None:
    clock = [0.0]
    verifier = verifier_for(keys, clock)
    before = token(keys)
    verifier.verify(before)
    rotated = keys.signing.create()
    clock[0] = 60.0  # past the pause between refreshes
    after = issue_token(OFFICER, rotated, ISSUER, AUDIENCE, datetime.now(UTC), LIFETIME)
    assert jwt.get_unverified_header(after)["kid"] == rotated.kid
    assert verifier.verify(after) == OFFICER
    assert verifier.verify(before) == OFFICER
    assert keys.fetches == 2


def test_made_up_key_ids_do_not_make_every_request_fetch_the_keys(keys: Keys) -> None:
    verifier = verifier_for(keys)
    verifier.verify(token(keys))
    for n in range(50):
        forged = jwt.encode(
            {"sub": "x"}, SigningKeys(keys.signing.directory).active().private_key, "ES256", {"kid": f"k{n}"}
        )
        with pytest.raises(Unauthenticated):
            verifier.verify(forged)
    assert keys.fetches == 1


def test_keys_that_cannot_be_fetched_are_reported_as_unavailable_not_as_a_bad_token(tmp_path: Path) -> None:
    with pytest.raises(KeysUnavailable):
        fetch_jwks(f"file://{tmp_path}/missing.json")


def test_an_external_providers_claims_map_to_our_roles(keys: Keys) -> None:
    verifier = verifier_for(
        keys,
        subject_claim="preferred_username",
        roles_claim="realm_access.roles",
        role_map={"zzzx-window": "intake_staff", "zzzx-leader": "leader"},
    )
    caller = verifier.principal_from(
        {
            "sub": "f81d4fae",
            "preferred_username": "zhang.wei",
            "name": "张伟",
            "realm_access": {"roles": ["zzzx-window", "offline_access"]},
            "units": ["not a unit", "court:430426"],
        }
    )
    assert caller == Principal("zhang.wei", "张伟", frozenset({Role.INTAKE_STAFF}), frozenset({"court:430426"}))


def test_an_officer_acts_for_their_units_and_the_units_under_them_only() -> None:
    bureau = Principal("chen", "陈", frozenset({Role.OFFICER}), frozenset({"police:430426"}))
    assert bureau.acts_for("police:430426101")
    assert not bureau.acts_for("police:430427101")  # another county
    assert not bureau.acts_for("justice:430426101")  # another agency
    assert not OFFICER.acts_for("police:430426102")  # a neighbouring station
    with pytest.raises(Forbidden):
        OFFICER.require_unit("police:430426102", "referral r-1")
    leader = Principal("li", "李", frozenset({Role.LEADER}), frozenset({"police:430426"}))
    assert not leader.acts_for("police:430426101")  # only officers act for units


def test_symmetric_algorithms_cannot_be_configured() -> None:
    with pytest.raises(ValueError, match="symmetric"):
        settings(algorithms=["HS256"])


def test_a_verified_token_is_remembered_until_it_expires_and_then_checked_again(keys: Keys) -> None:
    wall = [datetime.now(UTC).timestamp()]
    verifier = TokenVerifier(settings(), KeySet("file:///unused", 3600, keys.fetch), wall_clock=lambda: wall[0])
    issued = token(keys)
    checked: list[str] = []
    verify_signed = verifier.check_signature
    verifier.check_signature = lambda t: (checked.append(t), verify_signed(t))[1]  # type: ignore[method-assign]
    assert verifier.verify(issued) == OFFICER
    assert verifier.verify(issued) == OFFICER
    assert len(checked) == 1  # the signature is checked once
    wall[0] += LIFETIME.total_seconds() + 120  # past its expiry: the remembered caller is forgotten
    verifier.verify(issued)  # (PyJWT reads the real clock, by which the token is still valid)
    assert len(checked) == 2


def test_a_token_altered_after_a_verified_one_is_checked_on_its_own(keys: Keys) -> None:
    verifier = verifier_for(keys)
    issued = token(keys)
    verifier.verify(issued)
    header, payload, signature = issued.split(".")
    altered = f"{header}.{payload}.{signature[:-4]}AAAA"
    with pytest.raises(Unauthenticated):
        verifier.verify(altered)


def test_a_token_naming_an_algorithm_its_key_does_not_have_is_refused_not_crashed_on(keys: Keys) -> None:
    kid = keys.signing.ensure().kid
    header = base64.urlsafe_b64encode(json.dumps({"alg": "RS256", "kid": kid, "typ": "JWT"}).encode()).rstrip(b"=")
    payload = base64.urlsafe_b64encode(b'{"sub":"x"}').rstrip(b"=")
    with pytest.raises(Unauthenticated, match="does not match"):
        verifier_for(keys).verify(f"{header.decode()}.{payload.decode()}.c2ln")


def test_while_the_issuer_is_down_the_keys_already_fetched_keep_verifying(keys: Keys) -> None:
    clock = [0.0]
    up = [True]

    def fetch(url: str) -> dict[str, object]:
        if not up[0]:
            raise KeysUnavailable("issuer down")
        return keys.fetch(url)

    verifier = TokenVerifier(settings(), KeySet("file:///unused", 60, fetch, lambda: clock[0]))
    issued = token(keys)
    verifier.verify(issued)
    up[0] = False
    clock[0] = 3600.0  # the keys have aged past their max age
    verifier._verified.clear()
    assert verifier.verify(issued) == OFFICER


def test_with_no_keys_ever_fetched_an_unreachable_issuer_is_unavailable_not_a_bad_token(keys: Keys) -> None:
    def fetch(url: str) -> dict[str, object]:
        raise KeysUnavailable("issuer down")

    verifier = TokenVerifier(settings(), KeySet("file:///unused", 60, fetch))
    with pytest.raises(KeysUnavailable):
        verifier.verify(token(keys))


def test_an_issuer_that_could_not_be_reached_stays_unavailable_until_it_is_asked_again(keys: Keys) -> None:
    clock = [0.0]
    up = [False]

    def fetch(url: str) -> dict[str, object]:
        if not up[0]:
            raise KeysUnavailable("issuer down")
        return keys.fetch(url)

    verifier = TokenVerifier(settings(), KeySet("file:///unused", 3600, fetch, lambda: clock[0]))
    issued = token(keys)
    for _ in range(2):  # the second, within the pause between fetches, is not told "unknown key"
        with pytest.raises(KeysUnavailable):
            verifier.verify(issued)
    up[0] = True
    clock[0] = 11.0
    assert verifier.verify(issued) == OFFICER


def test_requests_arriving_while_the_keys_are_fetched_wait_for_them(keys: Keys) -> None:
    import threading

    keys.signing.ensure()
    fetching, release = threading.Event(), threading.Event()

    def slow_fetch(url: str) -> dict[str, object]:
        fetching.set()
        release.wait(5)
        return keys.fetch(url)

    verifier = TokenVerifier(settings(), KeySet("file:///unused", 3600, slow_fetch))
    issued = token(keys)
    first = threading.Thread(target=verifier.verify, args=(issued,))
    first.start()
    fetching.wait(5)
    answers: list[object] = []
    second = threading.Thread(target=lambda: answers.append(verifier.check_signature(issued)[0]))
    second.start()
    release.set()
    first.join(5)
    second.join(5)
    assert answers == [OFFICER]
    assert keys.fetches == 1


# --- the subject: the account id every message names the caller by ------------------------------------------

# An OIDC provider's subject as long as any message takes it (shared.contracts.identifiers.AccountId).
LONG_EMAIL = "zhou.min." + "x" * (ACCOUNT_ID_MAX_LENGTH - len("zhou.min.@qidong.gov.cn")) + "@qidong.gov.cn"


def test_a_subject_of_200_characters_is_the_caller_and_names_them_in_their_reports(keys: Keys) -> None:
    verifier = verifier_for(keys, subject_claim="email")

    caller = verifier.verify(token(keys, email=LONG_EMAIL))
    accepted = ReferralAccepted.build(
        message_id=UUID("00000000-0000-4000-8000-000000000200"),
        occurred_at=datetime.now(UTC),
        case_id="430426-20261122-00001",
        sender="police:430426101",
        recipient="centre:430426",
        referral_id=UUID("33333333-3333-4333-8333-333333333333"),
        officer=caller.subject,
    )

    assert len(caller.subject) == ACCOUNT_ID_MAX_LENGTH
    assert ReferralAccepted.model_validate_json(accepted.model_dump_json()).officer == LONG_EMAIL


@pytest.mark.parametrize(
    "subject",
    [
        "z" * (ACCOUNT_ID_MAX_LENGTH + 1),  # longer than a message may name
        "",
        "   ",
        " liu.yang",  # a message would name another account: the stripped one
        "liu.yang\n",
        "liu.yang\nadmin",  # a forged second line in every log that names the caller
        "liu\x00yang",
        42,
        None,
    ],
)
def test_a_subject_no_message_could_name_the_caller_by_is_refused(keys: Keys, subject: object) -> None:
    with pytest.raises(Unauthenticated, match="'email'"):
        verifier_for(keys, subject_claim="email").verify(token(keys, email=subject))


# --- tokens withdrawn by the issuer (an account disabled, its password or roles changed) -------------------------

HANDLE = "5f0c3a9e2b7d41c8a6e09b1d3f2c7a45"  # liu.yang's, as identity gives one
OTHER_HANDLE = "c81e728d9d4c4f2fa4b1e0d7b6a3f912"


class Withdrawals:
    """The issuer's list of withdrawn tokens as the verifier reads it, counting reads; `down` makes it unreachable."""

    def __init__(self) -> None:
        self.by_handle: dict[str, float] = {}
        self.by_digest: dict[str, float] = {}
        self.reads = 0
        self.down = False

    def fetch(self, url: str) -> RevocationList:
        self.reads += 1
        if self.down:
            raise KeysUnavailable("identity is down")
        return RevocationList(dict(self.by_handle), dict(self.by_digest))

    def withdraw(self, subject: str, at: datetime) -> None:
        """Listed by digest: tokens without a handle, or an issuer from before handles."""
        self.by_digest[subject_digest(subject)] = float(int(at.timestamp()))

    def withdraw_handle(self, handle: str, at: datetime) -> None:
        self.by_handle[handle] = float(int(at.timestamp()))


def withdrawing_verifier(keys: Keys, withdrawals: Withdrawals, clock: list[float]) -> TokenVerifier:
    revocations = Revocations("file:///unused", 30, withdrawals.fetch, lambda: clock[0])
    return TokenVerifier(settings(), KeySet("file:///unused", 3600, keys.fetch), revocations=revocations)


def handled(keys: Keys, at: datetime, handle: str = HANDLE, principal: Principal = OFFICER) -> str:
    """A token of the embedded issuer as it signs them now: carrying the account's handle."""
    return token(keys, principal, at, **{HANDLE_CLAIM: handle})


def test_a_withdrawn_token_is_refused_once_the_list_is_read_again_even_a_remembered_one(keys: Keys) -> None:
    withdrawals, clock, morning = Withdrawals(), [0.0], datetime.now(UTC) - timedelta(minutes=5)
    verifier = withdrawing_verifier(keys, withdrawals, clock)
    held = token(keys, at=morning)
    assert verifier.verify(held) == OFFICER

    withdrawals.withdraw("liu.yang", morning + timedelta(minutes=1))
    clock[0] = 29.0
    assert verifier.verify(held) == OFFICER  # the list read a moment ago still holds
    clock[0] = 30.0

    with pytest.raises(Unauthenticated, match="token withdrawn"):
        verifier.verify(held)
    assert verifier.verify(token(keys, at=morning + timedelta(minutes=1))) == OFFICER  # signed in again since
    assert withdrawals.reads == 2


def test_a_service_that_has_not_read_the_list_yet_takes_no_token_until_it_can(keys: Keys) -> None:
    """Started while identity cannot answer its list (its database down, say): a withdrawn token must not pass."""
    withdrawals, clock, morning = Withdrawals(), [0.0], datetime.now(UTC) - timedelta(minutes=5)
    withdrawals.withdraw_handle(HANDLE, morning + timedelta(minutes=1))
    withdrawals.down = True
    verifier = withdrawing_verifier(keys, withdrawals, clock)
    dismissed, colleague = handled(keys, morning), handled(keys, morning, OTHER_HANDLE)

    with pytest.raises(KeysUnavailable, match="identity is down"):
        verifier.verify(dismissed)
    with pytest.raises(KeysUnavailable):
        verifier.verify(colleague)
    assert withdrawals.reads == 1  # asked again only after REFRESH_AT_MOST_EVERY_SECONDS

    withdrawals.down = False
    clock[0] = 10.5
    with pytest.raises(Unauthenticated, match="token withdrawn"):
        verifier.verify(dismissed)
    assert verifier.verify(colleague) == OFFICER


def test_requests_that_come_while_the_first_list_is_being_read_wait_for_it(keys: Keys) -> None:
    withdrawals, release = Withdrawals(), threading.Event()

    def slow_fetch(url: str) -> RevocationList:
        release.wait(5)
        return withdrawals.fetch(url)

    revocations = Revocations("file:///unused", 30, slow_fetch, lambda: 0.0)
    verifier = TokenVerifier(settings(), KeySet("file:///unused", 3600, keys.fetch), revocations=revocations)
    held = handled(keys, datetime.now(UTC) - timedelta(minutes=5))
    verifier.check_signature(held)  # the keys fetched: only the list is slow
    with ThreadPoolExecutor(4) as pool:
        answers = [pool.submit(verifier.verify, held) for _ in range(4)]
        time.sleep(0.05)  # every request has come while the first read is under way
        release.set()
        assert [answer.result(5) for answer in answers] == [OFFICER] * 4
    assert withdrawals.reads == 1


def test_a_token_carrying_a_handle_is_refused_once_its_handle_is_listed_and_another_accounts_handle_does_not_touch_it(
    keys: Keys,
) -> None:
    withdrawals, clock, morning = Withdrawals(), [0.0], datetime.now(UTC) - timedelta(minutes=5)
    verifier = withdrawing_verifier(keys, withdrawals, clock)
    held = handled(keys, morning)
    colleague = Principal("wang.fang", "王芳", frozenset({Role.OFFICER}), frozenset({"police:430426101"}))
    theirs = handled(keys, morning, OTHER_HANDLE, colleague)
    assert verifier.verify(held) == OFFICER

    withdrawals.withdraw_handle(HANDLE, morning + timedelta(minutes=1))
    clock[0] = 30.0

    with pytest.raises(Unauthenticated, match="token withdrawn"):
        verifier.verify(held)
    assert verifier.verify(theirs) == colleague
    assert verifier.verify(handled(keys, morning + timedelta(minutes=1))) == OFFICER  # signed in again since


def test_a_token_without_a_handle_is_looked_up_by_the_digest_of_its_subject_alone(keys: Keys) -> None:
    """One signed before identity gave handles, or by an identity of the release before during an upgrade."""
    withdrawals, morning = Withdrawals(), datetime.now(UTC) - timedelta(minutes=5)
    withdrawals.withdraw_handle(HANDLE, morning + timedelta(minutes=1))
    old_form = token(keys, at=morning)

    assert withdrawing_verifier(keys, withdrawals, [0.0]).verify(old_form) == OFFICER  # no handle to match

    withdrawals.withdraw("liu.yang", morning + timedelta(minutes=1))
    with pytest.raises(Unauthenticated, match="token withdrawn"):
        withdrawing_verifier(keys, withdrawals, [0.0]).verify(old_form)


def test_a_token_carrying_a_handle_is_refused_by_the_digest_of_its_subject_too(keys: Keys) -> None:
    """How identity lists a withdrawal that may still meet tokens without a handle (its tokens with one are refused
    alike), and how an identity of the release before lists every withdrawal: by digest alone."""
    withdrawals, morning = Withdrawals(), datetime.now(UTC) - timedelta(minutes=5)
    withdrawals.withdraw("liu.yang", morning + timedelta(minutes=1))

    with pytest.raises(Unauthenticated, match="token withdrawn"):
        withdrawing_verifier(keys, withdrawals, [0.0]).verify(handled(keys, morning))


def test_in_a_list_of_both_forms_each_token_meets_the_entry_that_names_its_account(keys: Keys) -> None:
    withdrawals, morning = Withdrawals(), datetime.now(UTC) - timedelta(minutes=30)
    colleague = Principal("wang.fang", "王芳", frozenset({Role.LEADER}))
    withdrawals.withdraw_handle(HANDLE, morning + timedelta(minutes=10))  # liu.yang, by handle
    withdrawals.withdraw("wang.fang", morning + timedelta(minutes=20))  # wang.fang, by digest
    verifier = withdrawing_verifier(keys, withdrawals, [0.0])

    for withdrawn in (
        handled(keys, morning),
        handled(keys, morning + timedelta(minutes=15), OTHER_HANDLE, colleague),
        token(keys, colleague, morning + timedelta(minutes=15)),
    ):
        with pytest.raises(Unauthenticated, match="token withdrawn"):
            verifier.verify(withdrawn)
    assert verifier.verify(handled(keys, morning + timedelta(minutes=10))) == OFFICER
    assert verifier.verify(handled(keys, morning + timedelta(minutes=20), OTHER_HANDLE, colleague)) == colleague
    assert verifier.verify(token(keys, at=morning)) == OFFICER  # no handle, and liu.yang is listed by handle only


@pytest.mark.parametrize("claim", [42, "", "short", "x" * 129, "not a handle!", ["5f0c3a9e2b7d41c8a6e09b1d3f2c7a45"]])
def test_a_handle_claim_no_handle_could_be_is_taken_for_none_and_the_digest_still_counts(
    keys: Keys, claim: object
) -> None:
    withdrawals, morning = Withdrawals(), datetime.now(UTC) - timedelta(minutes=5)
    withdrawals.withdraw("liu.yang", morning + timedelta(minutes=1))

    with pytest.raises(Unauthenticated, match="token withdrawn"):
        withdrawing_verifier(keys, withdrawals, [0.0]).verify(token(keys, at=morning, **{HANDLE_CLAIM: claim}))


def test_while_the_issuer_is_down_the_withdrawals_last_read_still_hold_and_it_is_asked_at_most_every_ten_seconds(
    keys: Keys,
) -> None:
    withdrawals, clock, morning = Withdrawals(), [0.0], datetime.now(UTC) - timedelta(minutes=5)
    withdrawals.withdraw_handle(HANDLE, morning + timedelta(minutes=1))
    verifier = withdrawing_verifier(keys, withdrawals, clock)
    held = handled(keys, morning)
    with pytest.raises(Unauthenticated):
        verifier.verify(held)

    withdrawals.down = True
    for clock[0] in (31.0, 35.0, 40.0, 41.5):
        with pytest.raises(Unauthenticated, match="token withdrawn"):
            verifier.verify(held)

    assert withdrawals.reads == 3  # at 0, 31 and 41.5
    assert verifier.revocations is not None and verifier.revocations.unavailable is not None


DIGEST = subject_digest("liu.yang")


def listed_at(tmp_path: Path, listed: object) -> str:
    path = tmp_path / "token-revocations.json"
    path.write_text(json.dumps(listed))
    return path.as_uri()


def test_the_list_is_read_by_handle_and_by_digest_from_a_file(tmp_path: Path) -> None:
    url = listed_at(
        tmp_path,
        {
            "as_of": "2026-12-06T09:00:00+08:00",
            "withdrawn": [{"handle": HANDLE, "tokens_valid_from": 1764979200}],
            "revoked": [{"subject_digest": DIGEST, "tokens_valid_from": 1764979201.0}],
        },
    )

    assert fetch_revocations(url) == RevocationList({HANDLE: 1764979200.0}, {DIGEST: 1764979201.0})


def test_a_list_from_an_issuer_before_handles_is_read_by_digest_alone(tmp_path: Path) -> None:
    url = listed_at(tmp_path, {"revoked": [{"subject_digest": DIGEST, "tokens_valid_from": 1764979200}]})

    assert fetch_revocations(url) == RevocationList({}, {DIGEST: 1764979200.0})


def test_an_account_listed_twice_counts_from_its_latest_withdrawal(tmp_path: Path) -> None:
    url = listed_at(
        tmp_path,
        {
            "withdrawn": [
                {"handle": HANDLE, "tokens_valid_from": 1764979300},
                {"handle": HANDLE, "tokens_valid_from": 1764979200},
            ],
            "revoked": [],
        },
    )

    assert fetch_revocations(url).by_handle == {HANDLE: 1764979300.0}


VALID_ENTRY = {"handle": HANDLE, "tokens_valid_from": 1764979200}


@pytest.mark.parametrize(
    "listed",
    [
        {"withdrawn": [{"handle": 42, "tokens_valid_from": 1764979200}], "revoked": []},
        {"withdrawn": [{"handle": "ab12", "tokens_valid_from": 1764979200}], "revoked": []},
        {"withdrawn": [{"handle": None, "tokens_valid_from": 1764979200}], "revoked": []},
        {"withdrawn": [{"tokens_valid_from": 1764979200}], "revoked": []},
        {"withdrawn": [{"handle": HANDLE}], "revoked": []},
        {"withdrawn": [{"handle": HANDLE, "tokens_valid_from": "1764979200"}], "revoked": []},
        {"withdrawn": [{"handle": HANDLE, "tokens_valid_from": True}], "revoked": []},
        {"withdrawn": [VALID_ENTRY, "not an entry"], "revoked": []},
        {"withdrawn": VALID_ENTRY, "revoked": []},
        {"withdrawn": [VALID_ENTRY]},  # every issuer's list has `revoked`, empty or not
        {"withdrawn": [], "revoked": [{"subject_digest": "ab12", "tokens_valid_from": 1764979200}]},
        {"withdrawn": [], "revoked": [{"subject_digest": DIGEST}]},
        {"withdrawn": [], "revoked": [{"subject_digest": ["x"], "tokens_valid_from": 1764979200}]},
        [VALID_ENTRY],
        "revoked",
    ],
    ids=[
        "handle a number",
        "handle too short",
        "handle null",
        "no handle",
        "no moment",
        "moment a string",
        "moment a boolean",
        "entry not an object",
        "withdrawn not a list",
        "no revoked",
        "digest not one",
        "digest without a moment",
        "digest a list",
        "a list",
        "a string",
    ],
)
def test_a_malformed_list_is_refused_whole_as_an_issuer_that_cannot_be_read(tmp_path: Path, listed: object) -> None:
    with pytest.raises(KeysUnavailable, match="withdrawn tokens"):
        fetch_revocations(listed_at(tmp_path, listed))


def test_a_malformed_list_leaves_the_one_last_read_in_force(keys: Keys, tmp_path: Path) -> None:
    morning = datetime.now(UTC) - timedelta(minutes=5)
    path = tmp_path / "token-revocations.json"
    path.write_text(
        json.dumps(
            {"withdrawn": [{"handle": HANDLE, "tokens_valid_from": int(morning.timestamp()) + 60}], "revoked": []}
        )
    )
    clock = [0.0]
    revocations = Revocations(path.as_uri(), 30, clock=lambda: clock[0])
    verifier = TokenVerifier(settings(), KeySet("file:///unused", 3600, keys.fetch), revocations=revocations)
    held = handled(keys, morning)
    with pytest.raises(Unauthenticated, match="token withdrawn"):
        verifier.verify(held)

    path.write_text(json.dumps({"withdrawn": [{"handle": 42, "tokens_valid_from": 0}], "revoked": []}))
    clock[0] = 31.0

    with pytest.raises(Unauthenticated, match="token withdrawn"):
        verifier.verify(held)
    assert revocations.unavailable is not None and "withdrawn tokens" in revocations.unavailable


def test_a_providers_tokens_are_checked_against_no_list_whatever_claims_they_carry(keys: Keys) -> None:
    """A deployment's own OpenID Connect provider withdraws its own tokens: no revocations URL is set for it."""
    verifier = TokenVerifier(
        settings(jwks_url="https://sso.example.gov.cn/jwks"), KeySet("file:///unused", 3600, keys.fetch)
    )

    assert verifier.revocations is None
    assert verifier.verify(handled(keys, datetime.now(UTC))) == OFFICER


def test_a_document_nested_too_deep_to_parse_is_unreadable_not_an_error_that_escapes(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"revoked": ' + "[" * 100_000 + "]" * 100_000 + "}")

    with pytest.raises(KeysUnavailable, match="withdrawn tokens"):
        fetch_revocations(deep.as_uri())
    with pytest.raises(KeysUnavailable, match="token keys"):
        fetch_jwks(deep.as_uri())


def test_an_empty_revocations_setting_is_no_list_and_a_malformed_one_is_refused_naming_it() -> None:
    assert settings(revocations_url="").revocations_url is None
    with pytest.raises(ValueError, match="revocations_url"):
        settings(revocations_url="identity:8000/api/v1/token-revocations")
