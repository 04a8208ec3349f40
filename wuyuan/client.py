"""An HTTP client for a running platform: what staff, officers and the follow-up visitor do, service by service.

Every state-changing call carries an Idempotency-Key, one per call; such a call that got no
answer, a 503 or a 409 `in_progress` is sent again with the same key, so it changes things once.
"""

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests

from shared.persistence.idempotency import KEY_HEADER, WRITE_METHODS
from shared.registry import load_registry
from wuyuan.settings import PlatformSettings

# A JSON object as the services' APIs take and give it.
JsonObject = dict[str, Any]


class PlatformError(RuntimeError):
    """A service answered with an error; the message carries its JSON body."""


@dataclass
class PlatformClient:
    """Signs in as the account each task needs: `accounts` maps usernames to passwords."""

    settings: PlatformSettings
    timeout: float = 15.0
    accounts: dict[str, str] = field(default_factory=dict)
    retries: int = 4  # further attempts of a call that got no answer or was told to retry later

    def __post_init__(self) -> None:
        self.http = requests.Session()
        self.registry = load_registry(self.settings.config_dir)
        self.tokens: dict[str, str] = {}

    @classmethod
    def with_working_accounts(cls, settings: PlatformSettings, timeout: float = 15.0) -> "PlatformClient":
        """A client holding one account per role (made once, passwords kept in the state directory)."""
        from shared.persistence.errors import StoreUnavailable
        from wuyuan.accounts import ensure_accounts, working_accounts

        try:
            accounts = ensure_accounts(settings, working_accounts(settings))
        except StoreUnavailable as exc:
            raise PlatformError(
                f"连不上身份认证（identity）的数据库，无法登录：{exc}；平台是否已经 wuyuan up？"
            ) from None
        return cls(settings, timeout, accounts)

    def url(self, service: str, path: str) -> str:
        return f"{self.settings.http_base_url(service)}{path}"

    def user_for(self, service: str) -> str:
        """The working account that uses a service's API: its staff, or an agency's officer."""
        staff = {
            "intake": "demo.window",
            "coordinator": "demo.coordinator",
            "supervision": "demo.supervisor",
            "identity": "demo.operator",
        }
        if service in staff:
            return staff[service]
        return f"demo.{self.registry.by_service(service).code}"

    def sign_in(self, username: str) -> str:
        if username not in self.accounts:
            raise PlatformError(f"no password for {username}: sign in with an account this client holds")
        response = self.http.post(
            self.url("identity", "/api/v1/sessions"),
            json={"username": username, "password": self.accounts[username]},
            timeout=self.timeout,
        )
        if response.status_code != 201:
            raise PlatformError(f"sign-in as {username} -> {response.status_code}: {response.text[:300]}")
        token: str = response.json()["token"]
        self.tokens[username] = token
        return token

    def headers_for(self, username: str) -> dict[str, str]:
        token = self.tokens.get(username) or self.sign_in(username)
        return {"Authorization": f"Bearer {token}"}

    def call(
        self,
        method: str,
        service: str,
        path: str,
        body: JsonObject | None = None,
        expect: tuple[int, ...] = (200, 201, 202),
        as_user: str | None = None,
    ) -> JsonObject:
        user = as_user or self.user_for(service)
        # One key for the call, whichever attempt gets through: the service makes the change once.
        key = {KEY_HEADER: str(uuid.uuid4())} if method.upper() in WRITE_METHODS else {}
        response = self._send(method, self.url(service, path), body, user, key, expect)
        if response.status_code == 401 and user in self.accounts:  # the token expired: once more, fresh
            self.sign_in(user)
            response = self._send(method, self.url(service, path), body, user, key, expect)
        if response.status_code not in expect:
            raise PlatformError(f"{method} {service}{path} -> {response.status_code}: {response.text[:500]}")
        answer: JsonObject = response.json()
        return answer

    def _send(
        self, method: str, url: str, body: JsonObject | None, user: str, key: dict[str, str], expect: tuple[int, ...]
    ) -> requests.Response:
        """A change is sent again (with its key) while the service is out of reach or asks for a retry; a
        read is sent once, so that a command says at once that a service cannot be reached."""
        attempts = self.retries + 1 if key else 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self.http.request(
                    method, url, json=body, headers={**self.headers_for(user), **key}, timeout=self.timeout
                )
            except (requests.ConnectionError, requests.Timeout):
                if last:
                    raise
                time.sleep(min(2.0**attempt * 0.5, 5.0))
                continue
            if last or response.status_code in expect or not _retry_later(response):
                return response
            time.sleep(_retry_after(response))
        raise AssertionError("unreachable: the last attempt returns or raises")

    # --- centre staff -----------------------------------------------------------------

    def register(self, report: JsonObject) -> JsonObject:
        return self.call("POST", "intake", "/api/v1/disputes", report)

    def case(self, case_id: str) -> JsonObject:
        return self.call("GET", "coordinator", f"/api/v1/cases/{case_id}")

    def cases(self, query: Mapping[str, str]) -> JsonObject:
        """The case list, filtered by the coordinator's query parameters. A refused parameter is not raised:
        the 400's JSON ({"error": "invalid_input", "fields": [{field, message, type}]}) is returned to show."""
        path = f"/api/v1/cases?{urlencode(query)}" if query else "/api/v1/cases"
        return self.call("GET", "coordinator", path, expect=(200, 400))

    def assign(self, case_id: str, unit: str) -> JsonObject:
        return self.call("POST", "coordinator", f"/api/v1/cases/{case_id}/assign", {"unit": unit})

    def wait_for(
        self, case_id: str, predicate: Callable[[JsonObject], bool], timeout: float = 30.0, what: str = "condition"
    ) -> JsonObject:
        deadline = time.monotonic() + timeout
        last: JsonObject | None = None
        while time.monotonic() < deadline:
            try:
                last = self.case(case_id)
                if predicate(last):
                    return last
            except PlatformError:
                pass  # not registered at the coordinator yet
            time.sleep(0.1)
        raise TimeoutError(f"case {case_id}: {what} not reached in {timeout}s; last seen: {last and last['status']}")

    def wait_for_status(self, case_id: str, status: str, timeout: float = 30.0) -> JsonObject:
        return self.wait_for(case_id, lambda c: c["status"] == status, timeout, f"status {status}")

    # --- agency officers ----------------------------------------------------------------

    def service_of(self, unit: str) -> str:
        return self.registry.service_for_unit(unit)

    def referral(self, unit: str, referral_id: str) -> JsonObject:
        return self.call("GET", self.service_of(unit), f"/api/v1/referrals/{referral_id}")

    def wait_for_referral(self, unit: str, referral_id: str, timeout: float = 30.0) -> JsonObject:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                return self.referral(unit, referral_id)
            except PlatformError:
                time.sleep(0.1)
        raise TimeoutError(f"referral {referral_id} did not reach {unit} in {timeout}s")

    def act(self, unit: str, referral_id: str, action: str, body: JsonObject) -> JsonObject:
        return self.call("POST", self.service_of(unit), f"/api/v1/referrals/{referral_id}/{action}", body)

    def settle(
        self,
        unit: str,
        referral_id: str,
        summary: str,
        timeout: float = 30.0,
        *,
        result: str = "handled",
        agreement: JsonObject | None = None,
    ) -> JsonObject:
        """An officer of `unit` accepts the referral once it has arrived, and reports its result: by default
        resolved by the unit's own procedure (`handled`), which needs no agreement."""
        self.wait_for_referral(unit, referral_id, timeout)
        self.act(unit, referral_id, "accept", {})
        body: JsonObject = {"result": result, "summary": summary}
        if agreement is not None:
            body["agreement"] = agreement
        return self.act(unit, referral_id, "result", body)

    def feed_record(self, service: str, record: JsonObject) -> JsonObject:
        return self.call("POST", service, "/api/v1/records", record)

    # --- follow-up visit ------------------------------------------------------------------

    def rate(self, case_id: str, rating: str, comment: str | None = None) -> JsonObject:
        body = {"rating": rating, **({"comment": comment} if comment else {})}
        return self.call("POST", "supervision", f"/api/v1/follow-ups/{case_id}/rating", body)

    def wait_for_follow_up(self, case_id: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pending = self.call("GET", "supervision", "/api/v1/follow-ups")["follow_ups"]
            if any(f["case_id"] == case_id for f in pending):
                return
            time.sleep(0.1)
        raise TimeoutError(f"no follow-up opened for {case_id} in {timeout}s")


def _retry_later(response: requests.Response) -> bool:
    """A 503, or a 409 saying the same key's first request is still running."""
    if response.status_code == 503:
        return True
    if response.status_code != 409:
        return False
    try:
        answer = response.json()
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("error") == "in_progress"


def _retry_after(response: requests.Response) -> float:
    try:
        return min(max(float(response.headers.get("Retry-After", "1")), 0.1), 10.0)
    except ValueError:
        return 1.0
