"""The console's dependencies: its settings, the platform's APIs it calls as the signed-in user, token checks."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import requests
import structlog
from nameko.containers import WorkerContext
from opentelemetry import propagate
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.console.api_client import key_for
from services.console.people import Fetch, StaffDirectory
from shared.auth.principal import Principal
from shared.dependency import Injects
from shared.forwarded import check_networks
from shared.http import Authenticator
from shared.persistence.idempotency import KEY_HEADER, WRITE_METHODS

log = structlog.get_logger(__name__)
PEOPLE_PATH = "/api/v1/people"
# A page waits this long at most for staff names, which it can show without: not the APIs' full timeout.
PEOPLE_TIMEOUT_SECONDS = 3.0


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WUYUAN_CONSOLE_", extra="ignore")

    api_urls: dict[str, str] = Field(description="JSON: service -> base URL of its HTTP API")
    secure_cookies: bool = Field(False, description="mark the session cookie Secure (the console is served over https)")
    trace_url: str | None = Field(
        None,
        pattern=r"^https?://\S*\{trace_id\}\S*$",
        description="a case's trace in the operators' trace viewer, e.g. http://jaeger:16686/trace/{trace_id}",
    )
    api_timeout_seconds: float = Field(10.0, gt=0, le=120)
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="JSON: addresses or networks of the proxy in front of the console (an ingress), whose"
        " X-Forwarded-For names the browser; sign-ins are throttled by the browser's address",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, entries: list[str]) -> list[str]:
        return check_networks("trusted_proxies", entries)

    @field_validator("api_urls")
    @classmethod
    def _http_urls(cls, urls: dict[str, str]) -> dict[str, str]:
        for service, url in urls.items():
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"api_urls.{service}: not an http(s):// URL")
        return urls


@cache
def console_settings() -> ConsoleSettings:
    return ConsoleSettings()  # fields come from the environment


class ApiUnavailable(Exception):
    """A service the page needs did not answer; the page says so instead of failing."""

    def __init__(self, service: str) -> None:
        super().__init__(f"{service} did not answer")
        self.service = service


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    content_type: str = "application/json"
    disposition: str = ""  # a file's Content-Disposition (Apis.fetch)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Apis:
    """The services' own APIs, called with the signed-in user's token: they, not the console, decide what
    that user may see and do, so a page can never show more than the API would."""

    def __init__(self, urls: dict[str, str], timeout: float, session: requests.Session | None = None) -> None:
        self.urls = urls
        self.timeout = timeout
        self.http = session or requests.Session()

    def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: Mapping[str, str | list[str]] | None = None,
        body: dict[str, Any] | None = None,
        forwarded_for: str | None = None,
    ) -> Answer:
        base = self.urls.get(service)
        if base is None:
            raise ApiUnavailable(service)
        headers: dict[str, str] = {"Accept": "application/json"}
        propagate.inject(headers)  # the service's spans join the page's trace
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if forwarded_for:
            headers["X-Forwarded-For"] = forwarded_for
        if method.upper() in WRITE_METHODS:  # the user's action, once however often it is sent
            headers[KEY_HEADER] = key_for(method, path)
        try:
            response = self.http.request(
                method, base.rstrip("/") + path, params=params, json=body, headers=headers, timeout=self.timeout
            )
        except requests.RequestException:
            raise ApiUnavailable(service) from None
        content_type = response.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            try:
                payload: Any = response.json()
            except ValueError:
                payload = {}
        else:
            payload = response.text
        if response.status_code >= 500 and response.status_code != 503:
            raise ApiUnavailable(service)
        return Answer(response.status_code, payload, content_type)

    def fetch(self, service: str, path: str, *, token: str) -> Answer:
        """A document as the service serves it (HTML text or PDF bytes, untouched), with the visitor's token."""
        base = self.urls.get(service)
        if base is None:
            raise ApiUnavailable(service)
        headers = {"Authorization": f"Bearer {token}"}
        propagate.inject(headers)
        try:
            response = self.http.get(base.rstrip("/") + path, headers=headers, timeout=self.timeout)
        except requests.RequestException:
            raise ApiUnavailable(service) from None
        if response.status_code >= 500 and response.status_code != 503:
            raise ApiUnavailable(service)
        content_type = response.headers.get("Content-Type", "")
        body: Any = response.text if content_type.startswith("text/") else response.content
        return Answer(response.status_code, body, content_type, response.headers.get("Content-Disposition", ""))


class PlatformApis(Injects[Apis]):
    """`self.apis`: one connection pool for the container's workers."""

    apis: Apis | None = None

    def setup(self) -> None:
        settings = console_settings()
        self.apis = Apis(settings.api_urls, settings.api_timeout_seconds)

    def get_dependency(self, worker_ctx: WorkerContext) -> Apis:
        assert self.apis is not None, "PlatformApis used before setup"
        return self.apis


def people_from(apis: Apis) -> Fetch:
    """identity's names for the accounts asked about, asked with the visitor's token; None when it cannot be had."""

    def fetch(token: str, accounts: Sequence[str]) -> dict[str, str] | None:
        try:
            answer = apis.call("identity", "GET", PEOPLE_PATH, token=token, params={"account": list(accounts)})
        except ApiUnavailable:
            return None
        people = answer.body.get("people") if answer.ok and isinstance(answer.body, dict) else None
        if not isinstance(people, dict):
            log.warning("staff_names_unavailable", status=answer.status)
            return None
        # Names that are text, for the accounts asked about: anything else is not shown.
        return {
            account: name
            for account, name in people.items()
            if account in accounts and isinstance(name, str) and name.strip()
        }

    return fetch


class StaffNames(Injects[StaffDirectory]):
    """`self.people`: who each account is, one directory for the container's workers (services.console.people)."""

    directory: StaffDirectory | None = None

    def setup(self) -> None:
        settings = console_settings()
        timeout = min(settings.api_timeout_seconds, PEOPLE_TIMEOUT_SECONDS)
        self.directory = StaffDirectory(people_from(Apis(settings.api_urls, timeout)))

    def get_dependency(self, worker_ctx: WorkerContext) -> StaffDirectory:
        assert self.directory is not None, "StaffNames used before setup"
        return self.directory


class TokenCheck(Injects[Callable[[str], Principal]]):
    """`self.check_token`: the same local verification every service's API applies (signature, expiry,
    audience), so a page knows who is signed in without asking another service."""

    authenticator = Authenticator()

    def get_dependency(self, worker_ctx: WorkerContext) -> Callable[[str], Principal]:
        verifier = self.authenticator.verifier
        assert verifier is not None, "TokenCheck used before setup"
        return verifier.verify
