"""Who may do what, at every door: each HTTP endpoint of each service refuses callers it should not serve.

The endpoints are read from the service classes, so an endpoint added later is covered without
touching this file: no credentials and bad tokens answer 401, a signed-in account without the role
403, and public endpoints answer without credentials. An officer acting on another unit's referral
is answered as if it did not exist (404) and nothing changes; the acting user recorded anywhere is the
signed-in account.
"""

import importlib
import inspect
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import psycopg
import pytest
import requests

from shared.auth.principal import Principal, Role
from shared.auth.settings import HANDLE_CLAIM
from shared.auth.signing import SigningKeys, issue_token
from shared.auth.tokens import subject_digest
from shared.http import Access, ApiHandler
from tests.e2e.platforms import run_wuyuan
from tests.joined_agencies import platform_code_services
from wuyuan.accounts import AccountSpec, ensure_accounts
from wuyuan.client import PlatformClient, SignInError

# Every service of a platform with the shipped agency registry.
SERVICES = platform_code_services()  # an external agency keeps endpoints of its own

pytestmark = pytest.mark.e2e

STATION = "police:430426101"
NEIGHBOURING_STATION = "police:430426102"
# Values for the path parameters of any endpoint: well-formed, so that only the caller can be wrong.
PATH_VALUES = {
    "case_id": "430426-20000101-00001",
    "referral_id": "00000000-0000-4000-8000-000000000000",
    "token": "not-a-rating-link",
    "number": "XF430426-2026-0001",
    "person_id": "00000000-0000-4000-8000-000000000000",
    "filing_number": "(2026)湘0426民初1号",
    "document_id": "00000000-0000-4000-8000-000000000000",
    "alert_id": "00000000-0000-4000-8000-000000000000",
    "year": "2031",
}
# A signed-in working account for each role (the officer is the county police bureau's).
ACCOUNT_OF_ROLE = {
    Role.INTAKE_STAFF: "demo.window",
    Role.COORDINATOR: "demo.coordinator",
    Role.SUPERVISOR: "demo.supervisor",
    Role.LEADER: "demo.leader",
    Role.OFFICER: "demo.police",
    Role.OPERATOR: "demo.operator",
}
# Officers bound to one police station each, beside the working accounts.
STATION_OFFICERS = {
    "e2e.police.101": AccountSpec("第一派出所民警", frozenset({Role.OFFICER}), frozenset({STATION})),
    "e2e.police.102": AccountSpec("第二派出所民警", frozenset({Role.OFFICER}), frozenset({NEIGHBOURING_STATION})),
}


@dataclass(frozen=True)
class Endpoint:
    service: str
    method: str
    url: str
    access: Access

    @property
    def path(self) -> str:
        path = self.url
        for name, value in PATH_VALUES.items():
            path = path.replace(f"<{name}>", value)
        assert "<" not in path, f"{self}: give a value for its path parameter in PATH_VALUES"
        return path

    @property
    def public(self) -> bool:
        return self.access.roles is None

    def __str__(self) -> str:
        return f"{self.service} {self.method} {self.url}"


def endpoints() -> list[Endpoint]:
    """Every @api endpoint of every service, as its class declares it (inherited ones included)."""
    found = set()
    for service in SERVICES:
        service_class = importlib.import_module(f"services.{service}.service").SERVICE
        for _, function in inspect.getmembers(service_class, inspect.isfunction):
            for entrypoint in getattr(function, "nameko_entrypoints", ()):
                if isinstance(entrypoint, ApiHandler):
                    for method in entrypoint.method.split(","):
                        found.add(Endpoint(service, method.strip(), entrypoint.url, entrypoint.access))
    return sorted(found, key=str)


ENDPOINTS = endpoints()
PROTECTED = [e for e in ENDPOINTS if not e.public]
PUBLIC_ENDPOINTS = [e for e in ENDPOINTS if e.public]
# Each protected endpoint with each role it does not admit: (endpoint, role).
WRONG_ROLES = [(e, role) for e in PROTECTED for role in Role if role not in (e.access.roles or ())]


def test_every_service_declares_its_endpoints():
    assert {e.service for e in ENDPOINTS} == set(SERVICES)
    assert all(any(e.url == "/health" for e in ENDPOINTS if e.service == s) for s in SERVICES)
    assert len(PROTECTED) > len(SERVICES)  # far more than the health checks are guarded


def call(platform, endpoint: Endpoint, headers: dict[str, str] | None = None) -> requests.Response:
    body = {} if endpoint.method in ("POST", "PUT", "PATCH") else None
    return requests.request(
        endpoint.method,
        f"{platform.http_base_url(endpoint.service)}{endpoint.path}",
        json=body,
        headers=headers or {},
        timeout=15,
    )


def refused(response: requests.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"] == error


# --- no credentials, bad credentials ------------------------------------------------------------


@pytest.mark.parametrize("endpoint", PROTECTED, ids=str)
def test_no_credentials_answer_401_with_a_bearer_challenge(platform, endpoint):
    response = call(platform, endpoint)

    refused(response, 401, "unauthenticated")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("endpoint", PUBLIC_ENDPOINTS, ids=str)
def test_public_endpoints_answer_without_credentials(platform, endpoint):
    response = call(platform, endpoint)

    # No sign-in is asked for. (A rating link is its own credential: a made-up one may be refused, 403.)
    assert response.status_code != 401, response.text[:300]
    assert "WWW-Authenticate" not in response.headers
    assert response.status_code < 500, response.text[:300]
    # Prometheus reads its own text format; everything else answers JSON.
    expected = "text/plain; version=" if endpoint.url == "/metrics" else "application/json"
    assert response.headers["Content-Type"].startswith(expected)


@pytest.fixture(scope="module")
def bad_tokens(platform, tmp_path_factory) -> dict[str, str]:
    """Tokens no service may take: garbage, expired, for another platform, signed by a key the issuer never had."""
    environment = platform.auth_environment()
    issuer, audience = environment["WUYUAN_AUTH_ISSUER"], environment["WUYUAN_AUTH_AUDIENCE"]
    real = SigningKeys(platform.signing_key_dir).active()
    stranger = SigningKeys(Path(tmp_path_factory.mktemp("stranger-keys"))).ensure()
    # Every role and the whole county: only the token itself can be what is wrong.
    everyone = Principal("e2e.forger", "伪造者", frozenset(Role), frozenset({"police:430426", "court:430426"}))
    now = datetime.now(UTC)
    hours = timedelta(hours=1)
    genuine_looking = issue_token(everyone, stranger, issuer, audience, now, hours)
    forged_claims = jwt.decode(genuine_looking, options={"verify_signature": False})
    return {
        "garbage": "not.a.token",
        "expired": issue_token(everyone, real, issuer, audience, now - 10 * hours, hours),
        "other audience": issue_token(everyone, real, issuer, "urn:wuyuan:elsewhere", now, hours),
        "other issuer": issue_token(everyone, real, "urn:somebody-else", audience, now, hours),
        "unknown key": issue_token(everyone, stranger, issuer, audience, now, hours),
        "real key id, forged signature": jwt.encode(
            forged_claims, stranger.private_key, algorithm="ES256", headers={"kid": real.kid}
        ),
        "no signature": jwt.encode(forged_claims, None, algorithm="none", headers={"kid": real.kid}),
    }


BAD_TOKENS = [
    "garbage",
    "expired",
    "other audience",
    "other issuer",
    "unknown key",
    "real key id, forged signature",
    "no signature",
]


@pytest.mark.parametrize("kind", BAD_TOKENS)
@pytest.mark.parametrize("endpoint", PROTECTED, ids=str)
def test_a_bad_token_answers_401(platform, bad_tokens, endpoint, kind):
    response = call(platform, endpoint, {"Authorization": f"Bearer {bad_tokens[kind]}"})

    refused(response, 401, "unauthenticated")


def _wrong_role_id(value: object) -> str:
    return str(value) if isinstance(value, Endpoint) else str(getattr(value, "value", value))


@pytest.mark.parametrize(("endpoint", "role"), WRONG_ROLES, ids=_wrong_role_id)
def test_a_signed_in_account_without_the_role_answers_403(platform, client, endpoint, role):
    response = call(platform, endpoint, client.headers_for(ACCOUNT_OF_ROLE[role]))

    refused(response, 403, "forbidden")
    assert ACCOUNT_OF_ROLE[role] in response.json()["message"]


# --- officers act for their own units only --------------------------------------------------------


@pytest.fixture(scope="module")
def officers(platform, client) -> PlatformClient:
    """The working accounts and an officer for each of two police stations of the county."""
    accounts = {**client.accounts, **ensure_accounts(platform, STATION_OFFICERS)}
    return PlatformClient(platform, accounts=accounts)


@pytest.fixture(scope="module")
def station_referral(officers) -> dict[str, Any]:
    """A joint traffic case: its lead referral waits at the first township's police station."""
    tag = f"{random.randrange(1_000_000):06d}"
    registered = officers.register(
        {
            "source": "walk_in",
            "category": "traffic",
            "division_code": "430426101203",
            "summary": "摩托车与三轮车在村道会车时剐蹭，双方就修车费争执",
            "parties": [
                {"role": "applicant", "name": f"权限测试甲{tag}", "phone": f"137{random.randrange(10**8):08d}"},
                {"role": "respondent", "name": f"权限测试乙{tag}"},
            ],
        }
    )
    case = officers.wait_for_status(registered["case_id"], "assigned")
    [lead] = [r for r in case["referrals"] if r["unit"] == STATION]
    officers.wait_for_referral(STATION, lead["referral_id"])
    return {"case_id": registered["case_id"], "referral_id": lead["referral_id"], "case": case}


ACTIONS = {
    "accept": {},
    "decline": {"reason": "不属于本所辖区"},
    "progress": {"note": "已电话联系双方"},
    "result": {"outcome": "resolved", "summary": "双方和解"},
}
INTRUDERS = {"e2e.police.102": "another station", "demo.court": "another agency"}


@pytest.mark.parametrize("intruder", sorted(INTRUDERS), ids=INTRUDERS.get)
def test_an_officer_of_another_unit_is_refused_and_nothing_changes(platform, officers, station_referral, intruder):
    referral_id, case_id = station_referral["referral_id"], station_referral["case_id"]
    path = f"/api/v1/referrals/{referral_id}"
    before_referral = officers.referral(STATION, referral_id)
    before_case = officers.case(case_id)

    # Another agency's officer is refused as such (403); another station's reads the referral as one that does not
    # exist (404), so that an id never tells whether another unit holds it.
    status, error = (403, "forbidden") if INTRUDERS[intruder] == "another agency" else (404, "not_found")
    refusals = [officers.call("GET", "police_link", path, expect=(status,), as_user=intruder)]
    for action, body in ACTIONS.items():
        refusals.append(
            officers.call("POST", "police_link", f"{path}/{action}", body, expect=(status,), as_user=intruder)
        )
    if INTRUDERS[intruder] == "another agency":
        refusals.append(officers.call("GET", "police_link", "/api/v1/referrals", expect=(403,), as_user=intruder))
        record = {
            "record_id": f"JQ-ACCESS-{random.randrange(10**6):06d}",
            "category": "neighbour",
            "division_code": "430426101203",
            "summary": "冒用派出所名义报送的警情",
            "parties": [{"role": "applicant", "name": "甲"}, {"role": "respondent", "name": "乙"}],
            "details": {"call_number": "110-0000"},
        }
        feed = officers.call("POST", "police_link", "/api/v1/records", record, expect=(403,), as_user=intruder)
        refusals.append(feed)
    else:
        listed = officers.call("GET", "police_link", "/api/v1/referrals", as_user=intruder)["referrals"]
        assert referral_id not in {r["referral_id"] for r in listed}
        assert all(r["unit"].startswith(NEIGHBOURING_STATION) for r in listed)

    assert {r["error"] for r in refusals} == {error}
    time.sleep(1.0)  # anything wrongly sent would have reached the coordinator by now
    assert officers.referral(STATION, referral_id) == before_referral
    after_case = officers.case(case_id)
    assert (after_case["status"], after_case["referrals"], after_case["timeline"]) == (
        before_case["status"],
        before_case["referrals"],
        before_case["timeline"],
    )
    with psycopg.connect(platform.database_url("police_link")) as conn:
        queued = conn.execute("SELECT count(*) FROM outbox WHERE case_id = %s", (case_id,)).fetchone()[0]
    assert queued == 0, "nothing may be sent to the centre for a refused action"


def test_the_station_sees_its_referral_and_the_county_bureau_sees_all_of_its_stations(officers, station_referral):
    referral_id = station_referral["referral_id"]

    for officer in ("e2e.police.101", "demo.police"):
        listed = officers.call("GET", "police_link", "/api/v1/referrals?status=received", as_user=officer)
        assert referral_id in {r["referral_id"] for r in listed["referrals"]}, officer
    own = officers.call("GET", "police_link", "/api/v1/referrals", as_user="e2e.police.101")["referrals"]
    assert all(r["unit"] == STATION for r in own)


def test_the_acting_user_recorded_everywhere_is_the_signed_in_account(platform, officers, station_referral):
    """After the refusals above: the station's own officer acts, and the log, the timeline and the rating name them."""
    referral_id, case_id = station_referral["referral_id"], station_referral["case_id"]
    path = f"/api/v1/referrals/{referral_id}"
    for action in ("accept", "progress", "result"):
        officers.call("POST", "police_link", f"{path}/{action}", ACTIONS[action], as_user="e2e.police.101")
    [court] = [r for r in station_referral["case"]["referrals"] if r["unit"] != STATION]
    officers.settle(court["unit"], court["referral_id"], "法院确认双方和解")
    officers.wait_for_status(case_id, "resolved")
    officers.wait_for_follow_up(case_id)
    officers.rate(case_id, "satisfied")
    closed = officers.wait_for_status(case_id, "closed")

    log = officers.referral(STATION, referral_id)["log"]
    assert [(line["kind"], line["officer"]) for line in log] == [
        ("received", None),
        ("accepted", "e2e.police.101"),
        ("progress", "e2e.police.101"),
        ("result", "e2e.police.101"),
    ]
    acted = {
        (line["kind"], line["detail"]["unit"]): line["detail"]["officer"]
        for line in closed["timeline"]
        if line["kind"] in ("referral_accepted", "progress_reported", "result_reported")
    }
    assert acted == {
        ("referral_accepted", STATION): "e2e.police.101",
        ("progress_reported", STATION): "e2e.police.101",
        ("result_reported", STATION): "e2e.police.101",
        ("referral_accepted", court["unit"]): "demo.court",
        ("result_reported", court["unit"]): "demo.court",
    }
    # The rating names the supervisor who entered it (kept by supervision; the message carries no visitor).
    with psycopg.connect(platform.database_url("supervision")) as conn:
        visitors = conn.execute("SELECT visitor FROM follow_ups WHERE case_id = %s", (case_id,)).fetchall()
    assert visitors == [("demo.supervisor",)]


# --- an account disabled mid-day -------------------------------------------------------------------------------


def test_a_disabled_accounts_token_is_refused_by_every_service_within_seconds_and_it_cannot_sign_in_again(
    platform, client
):
    """The operator disables an officer (`wuyuan account disable`): the token the officer signed in with that
    morning stops working at the services, although it has hours left, and a new sign-in is refused."""
    gone = {"e2e.police.gone": AccountSpec("调离民警", frozenset({Role.OFFICER}), frozenset({STATION}))}
    officer = PlatformClient(platform, accounts=ensure_accounts(platform, gone))
    token = officer.sign_in("e2e.police.gone")
    bearer = {"Authorization": f"Bearer {token}"}
    referrals = f"{platform.http_base_url('police_link')}/api/v1/referrals"
    assert requests.get(referrals, headers=bearer, timeout=15).status_code == 200

    run_wuyuan(platform, "account", "disable", "e2e.police.gone")

    deadline = time.monotonic() + 20  # the services read the list again every 2 s on this platform (platforms.py)
    while (answer := requests.get(referrals, headers=bearer, timeout=15)).status_code == 200:
        assert time.monotonic() < deadline, "the disabled account's token still works"
        time.sleep(0.5)
    refused(answer, 401, "unauthenticated")
    assert "token withdrawn" in answer.json()["message"]
    # Each service reads the list on its own clock: the coordinator may still hold one read before the withdrawal
    # (it then answers 403, a police officer may not list cases) for up to the list's age.
    cases = f"{platform.http_base_url('coordinator')}/api/v1/cases"
    while (coordinator := requests.get(cases, headers=bearer, timeout=15)).status_code == 403:
        assert time.monotonic() < deadline, "the disabled account's token still works at the coordinator"
        time.sleep(0.5)
    refused(coordinator, 401, "unauthenticated")
    with pytest.raises(SignInError):
        officer.sign_in("e2e.police.gone")
    # The public list named the account by the handle its token carries, which names no one to anybody without it.
    listed = requests.get(f"{platform.http_base_url('identity')}/api/v1/token-revocations", timeout=15)
    handle = jwt.decode(token, options={"verify_signature": False})[HANDLE_CLAIM]
    assert handle in {entry["handle"] for entry in listed.json()["withdrawn"]}
    assert "e2e.police.gone" not in listed.text
    assert subject_digest("e2e.police.gone") not in listed.text  # an account made since handles holds no token without
